#include "targets/resource/db.h"

#include <unistd.h>

#include <thread>

#include "targets/resource/client.h"
#include "targets/wire/wire.h"

namespace coordcheck::resource {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr char kBinaryName[] = "coordcheck-resource";
constexpr auto kPingAttempt = milliseconds(1000);
constexpr auto kReadyRetryPause = milliseconds(50);

std::string BinaryPath(const control::Remote& node) {
  return node.root_dir() + "/bin/" + kBinaryName;
}
std::string LogPath(const control::Remote& node) { return node.root_dir() + "/resource.log"; }
std::string DataDir(const control::Remote& node) { return node.root_dir() + "/resource-data"; }

}  // namespace

ResourceDb::ResourceDb(ResourceOptions options) : options_(std::move(options)) {}

bool ResourceDb::Hosts(const control::Remote& node) const {
  return options_.node.empty() || options_.node == node.node();
}

std::vector<std::string> ResourceDb::ServerArgv(const control::Remote& node) const {
  std::vector<std::string> argv = {BinaryPath(node),
                                   "--node",
                                   node.node(),
                                   "--listen",
                                   wire::JoinHostPort(node.address(), options_.port),
                                   "--mode",
                                   std::string(ModeName(options_.mode))};
  if (options_.persist) {
    argv.push_back("--data-dir");
    argv.push_back(DataDir(node));
  }
  return argv;
}

Status ResourceDb::Setup(control::Remote& node, const DbEnv& env) {
  if (!options_.node.empty()) {
    bool known = false;
    for (const control::NodeInfo& n : env.nodes) known = known || n.name == options_.node;
    if (!known) {
      return Status::Error("node " + node.node() + ": resource: its node \"" + options_.node +
                           "\" is not one of the run's nodes");
    }
  }
  if (!Hosts(node)) return Status::Ok();
  if (Status s = daemons_.CheckNotRunning(node); !s.ok()) return s;
  const std::string binary = env.bin_dir + "/" + kBinaryName;
  const control::DaemonSpec spec = daemons_.Spec(node.node(), env, ServerArgv(node), LogPath(node));
  Result<control::Daemon> daemon = [&]() -> Result<control::Daemon> {
    std::lock_guard<std::mutex> lock(deploy_mu_);
    if (Status s = node.Upload(binary, BinaryPath(node), 0755); !s.ok()) {
      return s.Wrap("node " + node.node() + ": resource: upload " + binary);
    }
    return node.StartDaemon(spec);
  }();
  if (!daemon.ok()) return daemon.status().Wrap("node " + node.node() + ": resource: start");
  daemons_.Started(node.node(), *daemon);
  std::lock_guard<std::mutex> lock(mu_);
  started_[node.node()] = node.address();
  return Status::Ok();
}

Status ResourceDb::Ready(const DbEnv& env, milliseconds timeout) {
  if (env.dialer == nullptr) return Status::Error("resource: Ready needs a dialer");
  std::map<std::string, std::string> started;
  {
    std::lock_guard<std::mutex> lock(mu_);
    started = started_;
  }
  if (started.empty()) return Status::Error("resource: Setup has not started it on any node");
  const auto deadline = Clock::now() + timeout;
  for (const auto& [name, address] : started) {
    ResourceClient client;
    if (Status s = client.Open(env.dialer, address, options_.port,
                               milliseconds(options_.connect_timeout_ms));
        !s.ok()) {
      return s.Wrap("node " + name);
    }
    while (true) {
      Reply reply = client.Ping(std::min(deadline, Clock::now() + kPingAttempt));
      if (reply.ok()) break;
      if (Clock::now() + kReadyRetryPause >= deadline) {
        return Status::Error("node " + name + ": resource at " +
                             wire::JoinHostPort(address, options_.port) + " not ready after " +
                             std::to_string(timeout.count()) + " ms: " + reply.error);
      }
      client.Close();
      std::this_thread::sleep_for(kReadyRetryPause);
    }
  }
  return Status::Ok();
}

Result<control::NodeInfo> ResourceDb::Node(const DbEnv& env) {
  if (!options_.node.empty()) {
    for (const control::NodeInfo& n : env.nodes) {
      if (n.name == options_.node) return n;
    }
    return Result<control::NodeInfo>::Error("resource: its node \"" + options_.node +
                                            "\" is not one of the run's nodes");
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (started_.size() != 1) {
    return Result<control::NodeInfo>::Error(
        started_.empty() ? "resource: not started on any node"
                         : "resource: started on " + std::to_string(started_.size()) +
                               " nodes; set the resource option \"node\"");
  }
  return control::NodeInfo{started_.begin()->first, started_.begin()->second};
}

Status ResourceDb::Teardown(control::Remote& node) { return daemons_.Stop(node); }

std::vector<std::string> ResourceDb::LogFiles(control::Remote& node) {
  if (!options_.node.empty()) {
    return options_.node == node.node() ? std::vector<std::string>{LogPath(node)}
                                        : std::vector<std::string>{};
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (started_.count(node.node()) == 0) return {};
  return {LogPath(node)};
}

}  // namespace coordcheck::resource
