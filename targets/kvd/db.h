// KvdDb: the lifecycle of kvd (coordcheck-kvd) on the nodes of a run.
//
// Setup uploads the server binary (DbEnv::bin_dir/coordcheck-kvd) to
// <root_dir>/bin/coordcheck-kvd and starts it as daemon "kvd" with its log at
// <root_dir>/kvd.log and its data in <root_dir>/data (DataDir). The primary is env.nodes[0] (n1);
// every node listens on its own address at KvdOptions::port. Ready pings every node until
// it answers. Kill (SIGKILL, then waits until the process is gone) and Start (same data
// dir) keep the data; Pause and Resume send SIGSTOP and SIGCONT.
//
// Why Pause waits: SIGSTOP only queues a stop, and under CPU contention a server thread
// woken by a request can still answer it before the stop reaches it. Pause returns once
// every thread of the server is stopped (read from /proc/PID/task/*/stat with Remote::Exec),
// so a completed pause really is in effect.
//
// Why uploads and starts are serialized: a daemon forked on one node while another node's
// binary is still open for writing inherits that descriptor until it execs, and the other
// node's exec then fails with ETXTBSY ("Text file busy").
//
// Errors name the node. An unknown bug or option is rejected by Setup.
//
// Thread-safety: all methods may be called concurrently for different nodes (the daemon
// handles live in a mutex-protected map).
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "targets/db.h"
#include "targets/node_daemons.h"

namespace coordcheck::kvd {

class KvdDb final : public Db,
                    public Killable,
                    public Pausable,
                    public HasPrimary,
                    public DiskBacked {
 public:
  Status Setup(control::Remote& node, const DbEnv& env) override;
  Status Ready(const DbEnv& env, std::chrono::milliseconds timeout) override;
  Status Teardown(control::Remote& node) override;
  std::vector<std::string> LogFiles(control::Remote& node) override;

  Status Kill(control::Remote& node) override;
  Status Start(control::Remote& node, const DbEnv& env) override;

  Status Pause(control::Remote& node) override;
  Status Resume(control::Remote& node) override;

  Result<std::string> Primary(const DbEnv& env) override;

  // <root_dir>/data: the primary's log (the disk faults mount their filesystem there).
  std::string DataDir(const control::Remote& node) const override;

  // The server's argv on `node` (exposed for tests and for the run log).
  static Result<std::vector<std::string>> ServerArgv(const control::Remote& node,
                                                              const DbEnv& env);
  // The running server's daemon handle on `node`, or an error naming the node.
  Result<control::Daemon> DaemonOf(const std::string& node) { return daemons_.Of(node); }

 private:
  Status StartServer(control::Remote& node, const DbEnv& env);

  std::mutex deploy_mu_;  // serializes Upload and StartDaemon (see above)
  NodeDaemons daemons_{"kvd"};
};

}  // namespace coordcheck::kvd
