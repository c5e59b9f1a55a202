// RedisDb: independent Redis instances (the system's redis-server), one per node, for the
// redis-lock and redlock lock clients.
//
// Setup starts `redis-server --bind <node address> --port <port> --save '' --appendonly no
// --daemonize no --protected-mode no --dir <root_dir> --logfile '' --set-proc-title no` as
// daemon "redis" on the node, with DbEnv::daemon_env[node] in its environment (the
// clock-skew preload) and its stdout — its log, since --logfile '' — appended to
// <root_dir>/redis.log. No process title: Redis would write it over its argv and
// environment, hiding both from /proc/PID/cmdline and /proc/PID/environ. Nothing is
// uploaded: the binary is the system's (RedisDbOptions::server_path, checked once, on the
// first Setup, to be executable there). Ready PINGs every node until it answers PONG.
// Teardown stops the daemon.
//
// Kill (SIGKILL, then waits until the process is gone) and Start (the same argv again;
// returns once the instance answers PING, when env.dialer is set) lose every key on purpose:
// nothing is persisted
// (--save '', no AOF), so a restarted instance has forgotten the lock key — the restart
// hazard of Redlock (a majority can re-form around an empty instance).
// Pause and Resume send SIGSTOP and SIGCONT; Pause returns once every thread of the server
// is stopped (state T in /proc/PID/task/*/stat, read with Remote::Exec), because SIGSTOP
// only queues the stop and a thread woken by a request could otherwise still answer it.
// ObserveClock reads the server's own wall clock with TIME (seconds and microseconds, read
// through libc, so the clock preload moves it) on a connection made with env.dialer:
// connect and PING first, then TIME between two readings of the controller's
// CLOCK_REALTIME; offset = server time - their midpoint, error = half the round trip + 1 ms
// (the 1 ms covers the rounding to whole milliseconds). Method "redis TIME". It is bounded
// by 2 s; a paused or stopped server gives an error naming the node.
//
// Options (env.options, see options.h): "port"; an unknown key is rejected by Setup and
// Ready. There are no bug variants: a non-empty env.bug is rejected.
//
// Errors name the node (and the server binary when it cannot be run).
//
// Thread-safety: all methods may be called concurrently for different nodes (daemon
// handles live in a mutex-protected map).
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "targets/db.h"
#include "targets/node_daemons.h"

namespace coordcheck::redis {

struct RedisDbOptions {
  // The redis-server binary on the nodes. Keep the name "redis-server": Debian's is a
  // symlink to redis-check-rdb and Redis picks its mode from argv[0], so the path must not
  // be resolved through the link. Default /usr/bin/redis-server.
  std::string server_path = "/usr/bin/redis-server";
  // How long Start waits for the restarted instance to answer PING. Default 5 s.
  std::chrono::milliseconds start_timeout{5000};
};

class RedisDb final : public Db, public Killable, public Pausable, public ClockObservable {
 public:
  static constexpr const char* kDaemonName = "redis";

  explicit RedisDb(RedisDbOptions options = {});

  Status Setup(control::Remote& node, const DbEnv& env) override;
  Status Ready(const DbEnv& env, std::chrono::milliseconds timeout) override;
  Status Teardown(control::Remote& node) override;
  std::vector<std::string> LogFiles(control::Remote& node) override;

  Status Kill(control::Remote& node) override;
  Status Start(control::Remote& node, const DbEnv& env) override;

  Status Pause(control::Remote& node) override;
  Status Resume(control::Remote& node) override;

  Result<ClockReading> ObserveClock(const control::NodeInfo& node,
                                             const DbEnv& env) override;

  // The server's argv on `node` (exposed for tests and for the run log).
  Result<std::vector<std::string>> ServerArgv(const control::Remote& node,
                                                       const DbEnv& env) const;
  // The running server's daemon handle on `node`, or an error naming the node.
  Result<control::Daemon> DaemonOf(const std::string& node) { return daemons_.Of(node); }

 private:
  Status CheckServer(control::Remote& node);
  Status StartServer(control::Remote& node, const DbEnv& env);
  Status WaitServing(const control::NodeInfo& node, const DbEnv& env,
                              std::chrono::steady_clock::time_point deadline);
  // The last lines of the node's log, for the error when the server died.
  std::string LogTail(control::Remote& node);

  const RedisDbOptions options_;
  NodeDaemons daemons_{kDaemonName};
  std::mutex mu_;
  bool server_checked_ = false;  // guarded by mu_
  // node -> its Remote, from Setup and Start; only used to explain a server that exited
  // (the cluster outlives the run's Db calls). Guarded by mu_.
  std::map<std::string, control::Remote*> remotes_;
};

}  // namespace coordcheck::redis
