#include "nemesis/packet/packet_nemesis.h"

#include <unistd.h>

#include <sstream>

#include "nemesis/ops.h"

namespace coordcheck {
namespace {

using control::ExecResult;

constexpr const char* kNetdelayDaemon = "netdelay";

// The last `max` bytes of `text`, trimmed, on one line.
std::string Excerpt(const std::string& text, size_t max = 300) {
  std::string s = text.size() > max ? "..." + text.substr(text.size() - max) : text;
  for (char& c : s) {
    if (c == '\n') c = ' ';
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// `message` without a leading "node NAME: " (Remote errors carry one; ours add it again).
std::string WithoutNode(const std::string& message, const std::string& node) {
  const std::string prefix = "node " + node + ": ";
  return message.rfind(prefix, 0) == 0 ? message.substr(prefix.size()) : message;
}

std::string Joined(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

}  // namespace

PacketNemesis::PacketNemesis(control::Cluster& cluster, std::string bin_dir,
                             PacketNemesisOptions options)
    : cluster_(cluster), bin_dir_(std::move(bin_dir)), options_(std::move(options)) {
  for (const auto& n : cluster_.nodes()) node_names_.push_back(n.name);
}

std::vector<std::string> PacketNemesis::fs() const {
  return {fault::kStartPacket, fault::kStopPacket};
}

std::string PacketNemesis::NetdelayPath(const std::string& node) {
  return cluster_.remote(node).root_dir() + "/bin/" + kNetdelayProgram;
}

std::string PacketNemesis::NetdelayReadyFile(const std::string& node) {
  return cluster_.remote(node).root_dir() + "/netdelay.ready";
}

std::string PacketNemesis::NetdelayLog(const std::string& node) {
  return cluster_.remote(node).root_dir() + "/netdelay.log";
}

Result<ExecResult> PacketNemesis::Run(const std::string& node, const std::vector<std::string>& argv,
                                      const std::string& input,
                                      std::optional<std::chrono::milliseconds> timeout) {
  control::ExecOptions exec;
  exec.timeout = timeout.value_or(options_.exec_timeout);
  exec.input = input;
  auto result = cluster_.remote(node).Exec(argv, exec);
  const std::string what = "node " + node + ": " + Joined(argv);
  if (!result.ok()) return Status::Error(what + ": " + WithoutNode(result.message(), node));
  if (result->timed_out) {
    return Status::Error(what + ": timed out after " + std::to_string(exec.timeout.count()) +
                         " ms");
  }
  if (!result->success()) {
    return Status::Error(what + ": exit " + std::to_string(result->exit_code) + ": " +
                         Excerpt(result->err.empty() ? result->out : result->err));
  }
  return result;
}

Status PacketNemesis::Setup() {
  std::lock_guard lock(mu_);
  if (!cluster_.capabilities().separate_network) {
    return Status::Error("packet faults need the netns backend (or real machines): the " +
                         cluster_.backend() +
                         " backend's nodes share the controller's network namespace");
  }
  const std::string helper = bin_dir_ + "/" + kNetdelayProgram;
  if (access(helper.c_str(), X_OK) != 0) {
    return Status::Error("packet faults: " + helper +
                         " not found or not executable (build the coordcheck-netdelay target)");
  }
  for (const auto& node : node_names_) {
    if (Status s = cluster_.remote(node).Upload(helper, NetdelayPath(node), 0755); !s.ok()) {
      return s;
    }
  }
  for (const auto& node : node_names_) {
    if (Status s = SetUpNode(node); !s.ok()) {
      for (const auto& n : node_names_) TearDownNode(n);
      return s.Wrap("packet faults set-up");
    }
  }
  set_up_ = true;
  return Status::Ok();
}

Status PacketNemesis::SetUpNode(const std::string& node) {
  state_[node].chain = true;
  // Declaring the chain creates it, or flushes it if a previous Setup left it.
  const std::string chain = std::string(":") + kPacketChain + " - [0:0]\n";
  if (auto r = Run(node, {"iptables-restore", "-w", "--noflush"}, "*mangle\n" + chain + "COMMIT\n");
      !r.ok()) {
    return r.status();
  }
  const std::vector<std::string> jump = {"POSTROUTING", "-o", options_.interface, "-j",
                                         kPacketChain};
  std::vector<std::string> check = {"iptables", "-w", "-t", "mangle", "-C"};
  check.insert(check.end(), jump.begin(), jump.end());
  control::ExecOptions exec;
  exec.timeout = options_.exec_timeout;
  auto present = cluster_.remote(node).Exec(check, exec);
  if (present.ok() && present->success()) return Status::Ok();
  std::vector<std::string> add = {"iptables", "-w", "-t", "mangle", "-A"};
  add.insert(add.end(), jump.begin(), jump.end());
  auto added = Run(node, add);
  return added.ok() ? Status::Ok() : added.status();
}

Status PacketNemesis::StopNetdelay(const std::string& node) {
  NodeState& st = state_[node];
  if (!st.netdelay) return Status::Ok();
  Status s = cluster_.remote(node).StopDaemon(*st.netdelay, options_.stop_grace);
  if (!s.ok()) return s;
  st.netdelay.reset();
  return Status::Ok();
}

Status PacketNemesis::HealNode(const std::string& node, bool* netdelay_ended) {
  Status first;
  const auto& netdelay = state_[node].netdelay;
  *netdelay_ended = netdelay && !cluster_.remote(node).DaemonAlive(*netdelay);
  if (state_[node].chain) {
    auto flushed = Run(node, {"iptables", "-w", "-t", "mangle", "-F", kPacketChain});
    if (!flushed.ok()) first = flushed.status();
  }
  // After the flush: no packet is queued any more while netdelay lets its held ones go.
  if (Status s = StopNetdelay(node); !s.ok() && first.ok()) first = s;
  return first;
}

Status PacketNemesis::Heal(Json* report) {
  std::string errors;
  Json healed = Json::array();
  Json ended = Json::array();
  for (const auto& node : node_names_) {
    bool netdelay_ended = false;
    Status s = HealNode(node, &netdelay_ended);
    if (netdelay_ended) ended.push_back(node);
    if (!s.ok()) {
      errors += (errors.empty() ? "" : "; ") + s.message();
    } else {
      healed.push_back(node);
    }
  }
  if (report != nullptr) {
    (*report)["healed"] = std::move(healed);
    if (!ended.empty()) (*report)["netdelay_ended_early"] = std::move(ended);
  }
  return errors.empty() ? Status::Ok() : Status::Error(errors);
}

Result<Json> PacketNemesis::ApplyNode(const std::string& node, const PacketFault& fault) {
  Json applied = Json::object();
  if (fault.has_delay()) {
    const uint64_t seed = NodeSeed(fault.seed, node);
    control::DaemonSpec spec;
    spec.name = kNetdelayDaemon;
    spec.argv = {NetdelayPath(node),
                 "--queue",
                 std::to_string(options_.queue),
                 "--delay-ms",
                 std::to_string(fault.delay_ms),
                 "--jitter-ms",
                 std::to_string(fault.jitter_ms),
                 "--seed",
                 std::to_string(seed),
                 "--ready-file",
                 NetdelayReadyFile(node)};
    spec.log_path = NetdelayLog(node);
    auto daemon = cluster_.remote(node).StartDaemon(spec);
    if (!daemon.ok()) return daemon.status();
    state_[node].netdelay = *daemon;
    auto ready = Run(node,
                     {NetdelayPath(node), "--wait-ready", NetdelayReadyFile(node), "--pid",
                      std::to_string(daemon->pid), "--timeout-ms",
                      std::to_string(options_.bind_timeout.count())},
                     "", options_.exec_timeout + options_.bind_timeout);
    if (!ready.ok()) {
      return Status::Error("node " + node + ": coordcheck-netdelay did not bind queue " +
                           std::to_string(options_.queue) + "; its log: " + NetdelayLogTail(node));
    }
    applied["queue"] = options_.queue;
    applied["pid"] = daemon->pid;
    applied["seed"] = seed;
  }
  const std::vector<std::string> rules = PacketRules(fault, kPacketChain, options_.queue);
  std::string batch = std::string("*mangle\n:") + kPacketChain + " - [0:0]\n";
  for (const auto& r : rules) batch += r + "\n";
  batch += "COMMIT\n";
  if (auto r = Run(node, {"iptables-restore", "-w", "--noflush"}, batch); !r.ok()) {
    return r.status();
  }
  applied["rules"] = rules;
  return applied;
}

std::string PacketNemesis::NetdelayLogTail(const std::string& node) {
  control::ExecOptions exec;
  exec.timeout = options_.exec_timeout;
  auto tail = cluster_.remote(node).Exec({"tail", "-c", "400", NetdelayLog(node)}, exec);
  if (!tail.ok() || !tail->success()) return "(cannot be read)";
  return Excerpt(tail->out);
}

Op PacketNemesis::Invoke(const Op& invoke) {
  std::lock_guard lock(mu_);
  Op done = invoke;
  done.type = OpType::kInfo;
  const bool start = invoke.f == fault::kStartPacket;
  if (!start && invoke.f != fault::kStopPacket) {
    done.error = "packet nemesis: unknown fault " + invoke.f;
    return done;
  }
  if (!set_up_) {
    done.error = "packet nemesis: not set up";
    return done;
  }
  if (!start) {
    Json report = Json::object();
    Status s = Heal(&report);
    done.value = std::move(report);
    if (!s.ok()) done.error = s.message();
    return done;
  }
  auto fault = ParsePacketFault(invoke.value, node_names_);
  if (!fault.ok()) {
    done.error = fault.message();
    return done;
  }
  Json previous = Json::object();
  if (Status s = Heal(&previous); !s.ok()) {
    done.error = "cannot heal the previous packet fault first: " + s.message();
    return done;
  }
  if (previous.contains("netdelay_ended_early")) {
    done.value["previous_netdelay_ended_early"] = previous["netdelay_ended_early"];
  }
  Json applied = Json::object();
  for (const auto& node : fault->nodes) {
    auto on_node = ApplyNode(node, *fault);
    if (!on_node.ok()) {
      std::string error = on_node.message();
      Status undo = Heal(nullptr);
      error +=
          undo.ok() ? "; every node healed again" : "; healing again failed: " + undo.message();
      done.error = error;
      return done;
    }
    applied[node] = std::move(*on_node);
  }
  done.value["applied"] = std::move(applied);
  return done;
}

Status PacketNemesis::TearDownNode(const std::string& node) {
  Status first = RemoveChain(node);
  if (Status s = StopNetdelay(node); !s.ok() && first.ok()) first = s;
  return first;
}

Status PacketNemesis::RemoveChain(const std::string& node) {
  NodeState& st = state_[node];
  if (!st.chain) return Status::Ok();
  auto listed = Run(node, {"iptables", "-w", "-t", "mangle", "-S"});
  if (!listed.ok()) return listed.status();
  const std::string jump_suffix = std::string(" -j ") + kPacketChain;
  std::string batch;
  bool chain_exists = false;
  std::istringstream lines(listed->out);
  for (std::string line; std::getline(lines, line);) {
    if (line == std::string("-N ") + kPacketChain) chain_exists = true;
    if (line.rfind("-A POSTROUTING ", 0) == 0 && line.size() > jump_suffix.size() &&
        line.compare(line.size() - jump_suffix.size(), jump_suffix.size(), jump_suffix) == 0) {
      batch += "-D" + line.substr(2) + "\n";
    }
  }
  if (chain_exists) batch += std::string("-F ") + kPacketChain + "\n-X " + kPacketChain + "\n";
  if (!batch.empty()) {
    auto removed =
        Run(node, {"iptables-restore", "-w", "--noflush"}, "*mangle\n" + batch + "COMMIT\n");
    if (!removed.ok()) return removed.status();
  }
  st.chain = false;
  return Status::Ok();
}

Status PacketNemesis::Teardown() {
  std::lock_guard lock(mu_);
  Status first;
  for (const auto& node : node_names_) {
    if (Status s = TearDownNode(node); !s.ok() && first.ok()) first = s;
  }
  set_up_ = false;
  return first.Wrap("packet faults teardown");
}

}  // namespace coordcheck
