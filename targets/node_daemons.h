// NodeDaemons: the running daemon of one target on each node, and what every target's Db
// does with it the same way: refuse to start a second one, stop it at Teardown, and the
// faults — kill, pause, resume — of which kill and pause return only once they took effect
// (daemon_faults.h).
//
// `name` names the target in messages: "node n1: kvd is not running", "node n1: kvd is
// already running (pid 42)", "node n1: kvd: kill: ...", "node n1: kvd (pid 42) still alive
// 5 s after SIGKILL".
//
// Thread-safety: all methods may be called concurrently (the handles live in a
// mutex-protected map), with Remotes that are thread-safe (they are).
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "harness/control/remote.h"
#include "base/status.h"
#include "targets/db.h"

namespace coordcheck {

class NodeDaemons {
 public:
  // `stop_grace`: how long Stop waits after SIGTERM before it sends SIGKILL.
  explicit NodeDaemons(std::string name,
                       std::chrono::milliseconds stop_grace = std::chrono::seconds(5));

  // The running daemon on `node`, or an error naming the node.
  Result<control::Daemon> Of(const std::string& node);
  // An error when the daemon recorded for `node` is still alive.
  Status CheckNotRunning(control::Remote& node);
  // What to start on `node`: the daemon NAME running `argv`, its output appended to
  // `log_path`, with env.daemon_env's entries for the node in its environment.
  control::DaemonSpec Spec(const std::string& node, const DbEnv& env, std::vector<std::string> argv,
                           std::string log_path) const;
  // Records `daemon`, just started, as `node`'s.
  void Started(const std::string& node, const control::Daemon& daemon);

  // Stops `node`'s daemon (SIGCONT first: a paused one could not act on SIGTERM) and forgets
  // it; ok when there is none.
  Status Stop(control::Remote& node);
  // SIGKILL, then waits until the process is gone and forgets it; ok when there is none or
  // it exited by itself.
  Status Kill(control::Remote& node);
  // SIGSTOP, then waits until every thread of the daemon is stopped.
  Status Pause(control::Remote& node);
  // SIGCONT.
  Status Resume(control::Remote& node);

 private:
  // "node N: NAME"
  std::string Where(const std::string& node) const;
  // "node N: NAME (pid P)"
  std::string Where(const std::string& node, const control::Daemon& daemon) const;
  void Forget(const std::string& node);

  const std::string name_;
  const std::chrono::milliseconds stop_grace_;
  std::mutex mu_;
  std::map<std::string, control::Daemon> daemons_;  // node -> its running daemon
};

}  // namespace coordcheck
