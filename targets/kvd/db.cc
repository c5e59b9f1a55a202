#include "targets/kvd/db.h"

#include <unistd.h>

#include <thread>

#include "base/seed.h"
#include "base/strings.h"
#include "targets/kvd/options.h"
#include "targets/kvd/protocol.h"
#include "targets/kvd/target.h"
#include "targets/wire/wire.h"

namespace coordcheck::kvd {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kPingAttempt = milliseconds(1000);
constexpr auto kReadyRetryPause = milliseconds(50);

std::string BinaryPath(const control::Remote& node) {
  return node.root_dir() + "/bin/coordcheck-kvd";
}

std::string LogPath(const control::Remote& node) { return node.root_dir() + "/kvd.log"; }

std::string DataPath(const control::Remote& node) { return node.root_dir() + "/data"; }

Status CheckBug(const std::string& bug) {
  if (bug.empty()) return Status::Ok();
  const std::vector<BugInfo> bugs = KvdTarget().bugs();
  for (const BugInfo& info : bugs) {
    if (info.name == bug) return Status::Ok();
  }
  return Status::Error("kvd has no bug \"" + bug + "\" (known: " +
                       Join(bugs, ", ", [](const BugInfo& b) { return b.name; }) + ")");
}

// One ping on a fresh connection, bounded by `deadline`.
Status Ping(control::Dialer& dialer, const std::string& address, int port,
            Clock::time_point deadline) {
  const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
  if (left <= milliseconds(0)) return Status::Error("timed out");
  auto fd = dialer.Connect(address, port, left);
  if (!fd.ok()) return fd.status();
  size_t sent = 0;
  wire::IoResult io =
      wire::WriteAll(*fd, EncodeRequest(1, "ping", nullptr, nullptr) + "\n", deadline, &sent);
  std::string answer;
  if (io.ok()) {
    wire::LineReader reader;
    io = reader.ReadLine(*fd, deadline, &answer);
  }
  close(*fd);
  if (!io.ok()) return Status::Error("ping: " + io.error);
  Response response;
  std::string error;
  if (!ParseResponse(answer, &response, &error) || response.type != "ok") {
    return Status::Error("ping: unexpected answer: " + answer);
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::string>> KvdDb::ServerArgv(const control::Remote& node, const DbEnv& env) {
  using R = Result<std::vector<std::string>>;
  if (Status s = CheckBug(env.bug); !s.ok()) {
    return R::Error("node " + node.node() + ": " + s.message());
  }
  auto options = ParseKvdOptions(env.options);
  if (!options.ok()) return R::Error("node " + node.node() + ": " + options.message());
  if (env.nodes.empty()) return R::Error("node " + node.node() + ": kvd: the cluster has no nodes");
  int index = -1;
  std::string peers;
  for (size_t i = 0; i < env.nodes.size(); ++i) {
    if (env.nodes[i].name == node.node()) index = static_cast<int>(i);
    peers += (peers.empty() ? "" : ",") + wire::JoinHostPort(env.nodes[i].address, options->port);
  }
  if (index < 0) return R::Error("node " + node.node() + ": not one of the run's nodes");
  std::vector<std::string> argv = {
      BinaryPath(node),
      "--node",
      node.node(),
      "--listen",
      wire::JoinHostPort(node.address(), options->port),
      "--primary",
      wire::JoinHostPort(env.nodes[0].address, options->port),
      "--peers",
      peers,
      "--data-dir",
      DataPath(node),
      "--seed",
      std::to_string(SplitMix64(env.seed ^ static_cast<uint64_t>(index))),
      "--forward-timeout-ms",
      std::to_string(options->forward_timeout_ms),
      "--replication-delay-ms",
      std::to_string(options->replication_delay_ms),
      "--lost-cas-delay-ms",
      std::to_string(options->lost_cas_delay_ms),
  };
  if (!env.bug.empty()) {
    argv.push_back("--bug");
    argv.push_back(env.bug);
  }
  return argv;
}

Status KvdDb::Setup(control::Remote& node, const DbEnv& env) {
  auto argv = ServerArgv(node, env);
  if (!argv.ok()) return argv.status();
  if (Status s = daemons_.CheckNotRunning(node); !s.ok()) return s;
  const std::string binary = env.bin_dir + "/coordcheck-kvd";
  {
    std::lock_guard<std::mutex> lock(deploy_mu_);
    if (Status s = node.Upload(binary, BinaryPath(node), 0755); !s.ok()) {
      return s.Wrap("node " + node.node() + ": kvd: upload " + binary);
    }
  }
  return StartServer(node, env);
}

Status KvdDb::StartServer(control::Remote& node, const DbEnv& env) {
  auto argv = ServerArgv(node, env);
  if (!argv.ok()) return argv.status();
  if (Status s = daemons_.CheckNotRunning(node); !s.ok()) return s;
  const control::DaemonSpec spec =
      daemons_.Spec(node.node(), env, std::move(argv).value(), LogPath(node));
  auto daemon = [&] {
    std::lock_guard<std::mutex> lock(deploy_mu_);
    return node.StartDaemon(spec);
  }();
  if (!daemon.ok()) return daemon.status().Wrap("node " + node.node() + ": kvd: start");
  daemons_.Started(node.node(), *daemon);
  return Status::Ok();
}

Status KvdDb::Ready(const DbEnv& env, milliseconds timeout) {
  if (env.dialer == nullptr) return Status::Error("kvd: Ready needs a dialer");
  auto options = ParseKvdOptions(env.options);
  if (!options.ok()) return options.status();
  const auto deadline = Clock::now() + timeout;
  for (const control::NodeInfo& node : env.nodes) {
    Status last;
    while (true) {
      last = Ping(*env.dialer, node.address, options->port,
                  std::min(deadline, Clock::now() + kPingAttempt));
      if (last.ok()) break;
      if (Clock::now() + kReadyRetryPause >= deadline) {
        return Status::Error("node " + node.name + ": kvd at " +
                             wire::JoinHostPort(node.address, options->port) + " not ready after " +
                             std::to_string(timeout.count()) + " ms: " + last.message());
      }
      std::this_thread::sleep_for(kReadyRetryPause);
    }
  }
  return Status::Ok();
}

Status KvdDb::Teardown(control::Remote& node) { return daemons_.Stop(node); }

std::vector<std::string> KvdDb::LogFiles(control::Remote& node) { return {LogPath(node)}; }

Status KvdDb::Kill(control::Remote& node) { return daemons_.Kill(node); }

Status KvdDb::Start(control::Remote& node, const DbEnv& env) { return StartServer(node, env); }

Status KvdDb::Pause(control::Remote& node) { return daemons_.Pause(node); }

Status KvdDb::Resume(control::Remote& node) { return daemons_.Resume(node); }

std::string KvdDb::DataDir(const control::Remote& node) const { return DataPath(node); }

Result<std::string> KvdDb::Primary(const DbEnv& env) {
  if (env.nodes.empty()) return Result<std::string>::Error("kvd: the cluster has no nodes");
  return env.nodes[0].name;
}

}  // namespace coordcheck::kvd
