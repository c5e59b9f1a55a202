#include "targets/node_daemons.h"

#include <signal.h>

#include "targets/daemon_faults.h"

namespace coordcheck {


NodeDaemons::NodeDaemons(std::string name, std::chrono::milliseconds stop_grace)
    : name_(std::move(name)), stop_grace_(stop_grace) {}

std::string NodeDaemons::Where(const std::string& node) const {
  return "node " + node + ": " + name_;
}

std::string NodeDaemons::Where(const std::string& node, const control::Daemon& daemon) const {
  return Where(node) + " (pid " + std::to_string(daemon.pid) + ")";
}

Result<control::Daemon> NodeDaemons::Of(const std::string& node) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = daemons_.find(node);
  if (it == daemons_.end()) return Result<control::Daemon>::Error(Where(node) + " is not running");
  return it->second;
}

Status NodeDaemons::CheckNotRunning(control::Remote& node) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = daemons_.find(node.node());
  if (it != daemons_.end() && node.DaemonAlive(it->second)) {
    return Status::Error(Where(node.node()) + " is already running (pid " +
                         std::to_string(it->second.pid) + ")");
  }
  return Status::Ok();
}

control::DaemonSpec NodeDaemons::Spec(const std::string& node, const DbEnv& env,
                                      std::vector<std::string> argv, std::string log_path) const {
  control::DaemonSpec spec;
  spec.name = name_;
  spec.argv = std::move(argv);
  spec.log_path = std::move(log_path);
  if (auto it = env.daemon_env.find(node); it != env.daemon_env.end()) spec.env = it->second;
  return spec;
}

void NodeDaemons::Started(const std::string& node, const control::Daemon& daemon) {
  std::lock_guard<std::mutex> lock(mu_);
  daemons_[node] = daemon;
}

void NodeDaemons::Forget(const std::string& node) {
  std::lock_guard<std::mutex> lock(mu_);
  daemons_.erase(node);
}

Status NodeDaemons::Stop(control::Remote& node) {
  auto daemon = Of(node.node());
  if (!daemon.ok()) return Status::Ok();
  node.SignalDaemon(*daemon, SIGCONT);
  if (Status s = node.StopDaemon(*daemon, stop_grace_); !s.ok()) {
    return s.Wrap(Where(node.node()) + ": stop");
  }
  Forget(node.node());
  return Status::Ok();
}

Status NodeDaemons::Kill(control::Remote& node) {
  auto daemon = Of(node.node());
  if (!daemon.ok()) return Status::Ok();  // already down
  if (node.DaemonAlive(*daemon)) {
    Status s = node.SignalDaemon(*daemon, SIGKILL);
    // A daemon that exited by itself in the meantime is down all the same.
    if (!s.ok() && node.DaemonAlive(*daemon)) return s.Wrap(Where(node.node()) + ": kill");
  }
  if (Status s = WaitDaemonGone(node, *daemon, Where(node.node(), *daemon)); !s.ok()) return s;
  Forget(node.node());
  return Status::Ok();
}

Status NodeDaemons::Pause(control::Remote& node) {
  auto daemon = Of(node.node());
  if (!daemon.ok()) return daemon.status();
  if (Status s = node.SignalDaemon(*daemon, SIGSTOP); !s.ok()) {
    return s.Wrap(Where(node.node()) + ": pause");
  }
  return WaitDaemonStopped(node, *daemon, Where(node.node(), *daemon));
}

Status NodeDaemons::Resume(control::Remote& node) {
  auto daemon = Of(node.node());
  if (!daemon.ok()) return daemon.status();
  return node.SignalDaemon(*daemon, SIGCONT).Wrap(Where(node.node()) + ": resume");
}

}  // namespace coordcheck
