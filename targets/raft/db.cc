#include "targets/raft/db.h"

#include <unistd.h>

#include <thread>

#include "base/seed.h"
#include "base/strings.h"
#include "targets/kvd/protocol.h"
#include "targets/raft/options.h"
#include "targets/raft/target.h"
#include "targets/wire/wire.h"

namespace coordcheck::raft {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kQueryAttempt = milliseconds(1000);
constexpr auto kReadyRetryPause = milliseconds(50);

std::string BinaryPath(const control::Remote& node) {
  return node.root_dir() + "/bin/coordcheck-raft";
}
std::string LogPath(const control::Remote& node) { return node.root_dir() + "/raft.log"; }
std::string EventsPath(const control::Remote& node) {
  return node.root_dir() + "/raft-events.jsonl";
}
std::string DataPath(const control::Remote& node) { return node.root_dir() + "/data"; }

Status CheckBug(const std::string& bug) {
  if (bug.empty()) return Status::Ok();
  const std::vector<BugInfo> bugs = RaftTarget().bugs();
  for (const BugInfo& info : bugs) {
    if (info.name == bug) return Status::Ok();
  }
  return Status::Error("raft has no bug \"" + bug + "\" (known: " +
                       Join(bugs, ", ", [](const BugInfo& b) { return b.name; }) + ")");
}

}  // namespace

Result<Json> QueryStatus(control::Dialer& dialer, const std::string& address, int port,
                         Clock::time_point deadline) {
  const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
  if (left <= milliseconds(0)) return Result<Json>::Error("timed out");
  auto fd = dialer.Connect(address, port, left);
  if (!fd.ok()) return fd.status();
  size_t sent = 0;
  wire::IoResult io = wire::WriteAll(*fd, kvd::EncodeRequest(1, "status", nullptr, nullptr) + "\n",
                                     deadline, &sent);
  std::string answer;
  if (io.ok()) {
    wire::LineReader reader;
    io = reader.ReadLine(*fd, deadline, &answer);
  }
  close(*fd);
  if (!io.ok()) return Result<Json>::Error("status: " + io.error);
  kvd::Response response;
  std::string error;
  if (!kvd::ParseResponse(answer, &response, &error) || response.type != "ok" ||
      !response.value.is_object()) {
    return Result<Json>::Error("status: unexpected answer: " + answer);
  }
  return response.value;
}

Result<std::vector<std::string>> RaftDb::ServerArgv(const control::Remote& node, const DbEnv& env) {
  using R = Result<std::vector<std::string>>;
  if (Status s = CheckBug(env.bug); !s.ok())
    return R::Error("node " + node.node() + ": " + s.message());
  auto options = ParseRaftOptions(env.options);
  if (!options.ok()) return R::Error("node " + node.node() + ": " + options.message());
  int index = -1;
  std::string names, clients, peers;
  for (size_t i = 0; i < env.nodes.size(); ++i) {
    if (env.nodes[i].name == node.node()) index = static_cast<int>(i);
    const std::string sep = i == 0 ? "" : ",";
    names += sep + env.nodes[i].name;
    clients += sep + wire::JoinHostPort(env.nodes[i].address, options->port);
    peers += sep + wire::JoinHostPort(env.nodes[i].address, options->peer_port);
  }
  if (index < 0) return R::Error("node " + node.node() + ": not one of the run's nodes");
  std::vector<std::string> argv = {
      BinaryPath(node),
      "--id",
      std::to_string(index),
      "--names",
      names,
      "--clients",
      clients,
      "--peers",
      peers,
      "--data-dir",
      DataPath(node),
      "--events-file",
      EventsPath(node),
      "--seed",
      std::to_string(SplitMix64(env.seed ^ static_cast<uint64_t>(index))),
      "--tick-ms",
      std::to_string(options->tick_ms),
      "--election-ticks",
      std::to_string(options->election_ticks),
      "--heartbeat-ticks",
      std::to_string(options->heartbeat_ticks),
      "--request-timeout-ms",
      std::to_string(options->request_timeout_ms),
      "--compact-entries",
      std::to_string(options->compact_entries),
  };
  if (!env.bug.empty()) {
    argv.push_back("--bug");
    argv.push_back(env.bug);
  }
  return argv;
}

Status RaftDb::Setup(control::Remote& node, const DbEnv& env) {
  auto argv = ServerArgv(node, env);
  if (!argv.ok()) return argv.status();
  if (Status s = daemons_.CheckNotRunning(node); !s.ok()) return s;
  const std::string binary = env.bin_dir + "/coordcheck-raft";
  {
    std::lock_guard<std::mutex> lock(deploy_mu_);
    if (Status s = node.Upload(binary, BinaryPath(node), 0755); !s.ok()) {
      return s.Wrap("node " + node.node() + ": raft: upload " + binary);
    }
  }
  return StartServer(node, env);
}

Status RaftDb::StartServer(control::Remote& node, const DbEnv& env) {
  auto argv = ServerArgv(node, env);
  if (!argv.ok()) return argv.status();
  if (Status s = daemons_.CheckNotRunning(node); !s.ok()) return s;
  const control::DaemonSpec spec =
      daemons_.Spec(node.node(), env, std::move(argv).value(), LogPath(node));
  auto daemon = [&] {
    std::lock_guard<std::mutex> lock(deploy_mu_);
    return node.StartDaemon(spec);
  }();
  if (!daemon.ok()) return daemon.status().Wrap("node " + node.node() + ": raft: start");
  daemons_.Started(node.node(), *daemon);
  return Status::Ok();
}

Status RaftDb::Ready(const DbEnv& env, milliseconds timeout) {
  if (env.dialer == nullptr) return Status::Error("raft: Ready needs a dialer");
  auto options = ParseRaftOptions(env.options);
  if (!options.ok()) return options.status();
  const auto deadline = Clock::now() + timeout;
  std::string last = "no answer yet";
  while (true) {
    // Every node answers, and all name the same leader.
    std::string leader;
    bool agreed = true;
    for (const control::NodeInfo& node : env.nodes) {
      auto status = QueryStatus(*env.dialer, node.address, options->port,
                                std::min(deadline, Clock::now() + kQueryAttempt));
      if (!status.ok()) {
        last = "node " + node.name + ": raft at " +
               wire::JoinHostPort(node.address, options->port) + ": " + status.message();
        agreed = false;
        break;
      }
      const Json l = (*status)["leader"];
      if (!l.is_string() || (!leader.empty() && leader != l.get<std::string>())) {
        last = "node " + node.name + ": knows no leader, or another one (" + l.dump() + ")";
        agreed = false;
        break;
      }
      leader = l.get<std::string>();
    }
    if (agreed) return Status::Ok();
    if (Clock::now() + kReadyRetryPause >= deadline) {
      return Status::Error("raft not ready after " + std::to_string(timeout.count()) +
                           " ms: " + last);
    }
    std::this_thread::sleep_for(kReadyRetryPause);
  }
}

Status RaftDb::Teardown(control::Remote& node) { return daemons_.Stop(node); }

std::vector<std::string> RaftDb::LogFiles(control::Remote& node) {
  return {LogPath(node), EventsPath(node)};
}

Status RaftDb::Kill(control::Remote& node) { return daemons_.Kill(node); }
Status RaftDb::Start(control::Remote& node, const DbEnv& env) { return StartServer(node, env); }
Status RaftDb::Pause(control::Remote& node) { return daemons_.Pause(node); }
Status RaftDb::Resume(control::Remote& node) { return daemons_.Resume(node); }
std::string RaftDb::DataDir(const control::Remote& node) const { return DataPath(node); }

Result<std::string> RaftDb::Primary(const DbEnv& env) {
  using R = Result<std::string>;
  if (env.dialer == nullptr) return R::Error("raft: Primary needs a dialer");
  auto options = ParseRaftOptions(env.options);
  if (!options.ok()) return R::Error(options.message());
  std::string leader;
  uint64_t best_term = 0;
  std::string errors;
  for (const control::NodeInfo& node : env.nodes) {
    auto status =
        QueryStatus(*env.dialer, node.address, options->port, Clock::now() + kQueryAttempt);
    if (!status.ok()) {
      errors += (errors.empty() ? "" : "; ") + ("node " + node.name + ": " + status.message());
      continue;
    }
    const Json l = (*status)["leader"];
    const uint64_t term = (*status).value("term", uint64_t{0});
    if (l.is_string() && term >= best_term) {
      leader = l.get<std::string>();
      best_term = term;
    }
  }
  if (leader.empty())
    return R::Error("raft: no node knows a leader" + (errors.empty() ? "" : " (" + errors + ")"));
  return leader;
}

}  // namespace coordcheck::raft
