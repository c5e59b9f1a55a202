#include "nemesis/clock/clock_nemesis.h"

#include <time.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "nemesis/ops.h"

namespace coordcheck {
namespace {


constexpr int64_t kNsPerMs = 1000000;
// Offsets beyond about 30 years are a typo, not a fault.
constexpr double kMaxOffsetMs = 1e12;

int64_t Nanos(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::string BootId() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id.empty() ? "unknown" : id;
}

bool InRange(int64_t offset_ms) {
  return std::fabs(static_cast<double>(offset_ms)) <= kMaxOffsetMs;
}

double RoundMs(double ms) { return std::round(ms * 1000) / 1000; }

// A whole number of milliseconds from JSON; false when `value` is not a sane number.
bool ParseMs(const Json& value, int64_t* ms) {
  if (!value.is_number()) return false;
  const double v = value.get<double>();
  if (!std::isfinite(v) || std::fabs(v) > kMaxOffsetMs) return false;
  *ms = std::llround(v);
  return true;
}

Op Completion(const Op& invoke) {
  Op done = invoke;
  done.type = OpType::kInfo;
  done.value = nullptr;
  done.error = nullptr;
  return done;
}

Op Failed(Op done, const std::string& error) {
  done.error = done.f + ": " + error;
  return done;
}

void SetErrors(Op& done, const std::vector<std::string>& errors) {
  if (errors.empty()) return;
  std::string joined;
  for (const auto& e : errors) joined += (joined.empty() ? "" : "; ") + e;
  done.error = joined;
}

// One reading of coordcheck-clock `now` on a node, against the controller's clock.
struct Observation {
  double offset_ms = 0;
  double error_ms = 0;  // the reading is within offset_ms ± error_ms
  std::string method;   // "same-host" or "round-trip"
};

}  // namespace

struct ClockNemesis::NodeClock {
  std::string name;
  control::Remote* remote = nullptr;
  std::string lib_path;
  std::string tool_path;
  std::string offset_path;
  std::unique_ptr<clock::OffsetAccess> access;
  int64_t offset_ms = 0;
  // A write failed half-way (an Exec timed out, say): read the file before trusting
  // offset_ms again.
  bool uncertain = false;
};

ClockNemesis::ClockNemesis(control::Cluster& cluster, std::string bin_dir,
                           ClockNemesisOptions options)
    : cluster_(cluster), bin_dir_(std::move(bin_dir)), options_(options) {
  bool direct = options_.access == ClockNemesisOptions::Access::kDirect;
  if (options_.access == ClockNemesisOptions::Access::kAuto) {
    direct = cluster_.capabilities().shared_filesystem;
  }
  for (const auto& info : cluster_.nodes()) {
    auto node = std::make_unique<NodeClock>();
    node->name = info.name;
    node->remote = &cluster_.remote(info.name);
    const std::string& root = node->remote->root_dir();
    node->lib_path = root + "/lib/" + kLibraryName;
    node->tool_path = root + "/bin/" + kToolName;
    node->offset_path = root + "/clock/offset";
    node->access = direct ? clock::DirectOffsetAccess(info.name, node->offset_path)
                          : clock::ExecOffsetAccess(*node->remote, node->tool_path,
                                                    node->offset_path, options_.exec_timeout);
    nodes_.push_back(std::move(node));
  }
}

ClockNemesis::~ClockNemesis() = default;

std::vector<std::string> ClockNemesis::fs() const {
  return {fault::kBumpClock, fault::kStrobeClock, fault::kResetClock, fault::kCheckClockOffsets};
}

std::vector<std::string> ClockNemesis::DaemonEnv(const std::string& node) const {
  for (const auto& n : nodes_) {
    if (n->name == node) {
      return {"LD_PRELOAD=" + n->lib_path, "COORDCHECK_CLOCK_FILE=" + n->offset_path};
    }
  }
  return {};
}

ClockNemesis::NodeClock* ClockNemesis::Find(const std::string& node) {
  for (auto& n : nodes_) {
    if (n->name == node) return n.get();
  }
  return nullptr;
}

Status ClockNemesis::Setup() {
  const std::string lib = bin_dir_ + "/" + kLibraryName;
  const std::string tool = bin_dir_ + "/" + kToolName;
  for (const auto& path : {lib, tool}) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      return Status::Error("clock nemesis: " + path + " not found (is bin_dir the build's bin?)");
    }
  }
  for (auto& node : nodes_) {
    if (node->lib_path.find_first_of(" :") != std::string::npos) {
      return Status::Error("clock nemesis setup: node " + node->name + ": " + node->lib_path +
                           " contains a space or ':', which LD_PRELOAD cannot carry");
    }
    if (Status s = node->remote->Upload(lib, node->lib_path, 0755); !s.ok()) {
      return s.Wrap("clock nemesis setup");
    }
    if (Status s = node->remote->Upload(tool, node->tool_path, 0755); !s.ok()) {
      return s.Wrap("clock nemesis setup");
    }
    if (Status s = node->access->Create(); !s.ok()) return s.Wrap("clock nemesis setup");
    node->offset_ms = 0;
    node->uncertain = false;
  }
  set_up_ = true;
  return Status::Ok();
}

Status ClockNemesis::SetOffset(NodeClock& node, int64_t offset_ms) {
  Status s = node.access->Write(offset_ms * kNsPerMs);
  if (!s.ok()) {
    node.uncertain = true;
    return s;
  }
  node.offset_ms = offset_ms;
  node.uncertain = false;
  return s;
}

Op ClockNemesis::Invoke(const Op& invoke) {
  Op done = Completion(invoke);
  if (!set_up_) return Failed(std::move(done), "the clock nemesis is not set up");
  // Where a failed write left a node's offset is read back before it is used as `before`.
  for (auto& node : nodes_) {
    if (!node->uncertain) continue;
    auto current = node->access->Read();
    if (current.ok()) {
      node->offset_ms = *current / kNsPerMs;
      node->uncertain = false;
    }
  }
  if (invoke.f == fault::kBumpClock) return Bump(invoke.value, std::move(done));
  if (invoke.f == fault::kStrobeClock) return Strobe(invoke.value, std::move(done));
  if (invoke.f == fault::kResetClock) return Reset(invoke.value, std::move(done));
  if (invoke.f == fault::kCheckClockOffsets) return CheckOffsets(std::move(done));
  return Failed(std::move(done), "not a clock fault");
}

Op ClockNemesis::Bump(const Json& input, Op done) {
  if (!input.is_object() || input.empty()) {
    return Failed(std::move(done), "expected {\"node\": delta_ms, ...}");
  }
  std::vector<std::pair<NodeClock*, int64_t>> plan;
  for (const auto& [name, delta] : input.items()) {
    NodeClock* node = Find(name);
    if (node == nullptr) return Failed(std::move(done), "no node " + name + " in this cluster");
    int64_t delta_ms = 0;
    if (!ParseMs(delta, &delta_ms)) {
      return Failed(std::move(done), "node " + name + ": delta " + delta.dump() +
                                         " is not a number of milliseconds");
    }
    plan.emplace_back(node, delta_ms);
  }
  Json result = Json::object();
  std::vector<std::string> errors;
  for (auto& [node, delta_ms] : plan) {
    if (node->uncertain) {
      errors.push_back("node " + node->name + ": its current offset is unknown");
      continue;
    }
    const int64_t before = node->offset_ms;
    if (!InRange(before + delta_ms)) {
      errors.push_back("node " + node->name + ": offset " + std::to_string(before + delta_ms) +
                       " ms is out of range");
      continue;
    }
    if (Status s = SetOffset(*node, before + delta_ms); !s.ok()) {
      errors.push_back(s.message());
      continue;
    }
    result[node->name] = {{"before_ms", before}, {"after_ms", node->offset_ms}};
  }
  done.value = std::move(result);
  SetErrors(done, errors);
  return done;
}

Op ClockNemesis::Strobe(const Json& input, Op done) {
  if (!input.is_object() || !input.contains("nodes") || !input["nodes"].is_array() ||
      input["nodes"].empty()) {
    return Failed(std::move(done),
                  "expected {\"nodes\": [...], \"delta_ms\", \"period_ms\", "
                  "\"duration_ms\"}");
  }
  std::vector<NodeClock*> targets;
  std::set<std::string> seen;
  for (const auto& name : input["nodes"]) {
    NodeClock* node = name.is_string() ? Find(name.get<std::string>()) : nullptr;
    if (node == nullptr) {
      return Failed(std::move(done), "no node " + name.dump() + " in this cluster");
    }
    if (node->uncertain) {
      return Failed(std::move(done), "node " + node->name + ": its current offset is unknown");
    }
    if (seen.insert(node->name).second) targets.push_back(node);
  }
  int64_t delta_ms = 0;
  int64_t period_ms = 0;
  int64_t duration_ms = 0;
  if (!ParseMs(input.value("delta_ms", Json()), &delta_ms)) {
    return Failed(std::move(done), "delta_ms must be a number of milliseconds");
  }
  if (!ParseMs(input.value("period_ms", Json()), &period_ms) || period_ms < 1) {
    return Failed(std::move(done), "period_ms must be at least 1");
  }
  if (!ParseMs(input.value("duration_ms", Json()), &duration_ms) || duration_ms < 0 ||
      duration_ms > options_.max_strobe_duration_ms) {
    return Failed(std::move(done),
                  "duration_ms must be 0.." + std::to_string(options_.max_strobe_duration_ms));
  }
  std::vector<int64_t> before;
  for (NodeClock* node : targets) {
    if (!InRange(node->offset_ms + delta_ms)) {
      return Failed(std::move(done), "node " + node->name + ": offset " +
                                         std::to_string(node->offset_ms + delta_ms) +
                                         " ms is out of range");
    }
    before.push_back(node->offset_ms);
  }

  std::vector<std::string> errors;
  // Sets every target to its high (before + delta) or low (before) offset; false on error.
  auto set_all = [&](bool high) {
    bool ok = true;
    for (size_t i = 0; i < targets.size(); ++i) {
      if (Status s = SetOffset(*targets[i], before[i] + (high ? delta_ms : 0)); !s.ok()) {
        errors.push_back(s.message());
        ok = false;
      }
    }
    return ok;
  };
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto end = start + std::chrono::milliseconds(duration_ms);
  int64_t flips = 0;
  bool high = false;
  for (int64_t tick = 0;; ++tick) {
    const auto at = start + std::chrono::milliseconds(tick * period_ms);
    if (at >= end) break;
    std::this_thread::sleep_until(at);
    high = !high;
    if (!set_all(high)) break;
    ++flips;
  }
  if (high || !errors.empty()) {
    if (set_all(false) && high) ++flips;
  }
  Json nodes = Json::object();
  for (size_t i = 0; i < targets.size(); ++i) {
    nodes[targets[i]->name] = {{"before_ms", before[i]},
                               {"strobe_ms", before[i] + delta_ms},
                               {"after_ms", targets[i]->offset_ms}};
  }
  done.value = {{"nodes", std::move(nodes)},
                {"delta_ms", delta_ms},
                {"period_ms", period_ms},
                {"duration_ms", duration_ms},
                {"flips", flips}};
  SetErrors(done, errors);
  return done;
}

Op ClockNemesis::Reset(const Json& input, Op done) {
  std::vector<NodeClock*> targets;
  if (input.is_null()) {
    for (auto& node : nodes_) targets.push_back(node.get());
  } else if (input.is_object() && input.contains("nodes") && input["nodes"].is_array()) {
    std::set<std::string> seen;
    for (const auto& name : input["nodes"]) {
      NodeClock* node = name.is_string() ? Find(name.get<std::string>()) : nullptr;
      if (node == nullptr) {
        return Failed(std::move(done), "no node " + name.dump() + " in this cluster");
      }
      if (seen.insert(node->name).second) targets.push_back(node);
    }
  } else {
    return Failed(std::move(done), "expected null or {\"nodes\": [...]}");
  }
  Json result = Json::object();
  std::vector<std::string> errors;
  for (NodeClock* node : targets) {
    const Json before = node->uncertain ? Json() : Json(node->offset_ms);
    if (Status s = SetOffset(*node, 0); !s.ok()) {
      errors.push_back(s.message());
      continue;
    }
    result[node->name] = {{"before_ms", before}, {"after_ms", 0}};
  }
  done.value = std::move(result);
  SetErrors(done, errors);
  return done;
}

// How an offset is observed: coordcheck-clock `now` runs on the node under the preload and
// prints its boot id and CLOCK_REALTIME between two CLOCK_MONOTONIC readings.
//   same-host  — same boot id and the probe's monotonic reading inside the controller's
//                window around the Exec: both share one monotonic clock, so
//                offset = (node realtime - node monotonic) - (ours - ours), exact up to
//                the spread of each side's two monotonic readings (well under 1 ms).
//   round-trip — any other machine: offset = node realtime - midpoint of the controller's
//                realtime before and after the Exec, error half the round trip.
Op ClockNemesis::CheckOffsets(Op done) {
  const std::string boot_id = BootId();
  Json value = Json::object();
  Json details = Json::object();
  std::vector<std::string> errors;
  for (auto& node : nodes_) {
    control::ExecOptions exec;
    exec.timeout = options_.exec_timeout;
    exec.env = DaemonEnv(node->name);
    const int64_t mono0 = Nanos(CLOCK_MONOTONIC);
    const int64_t real0 = Nanos(CLOCK_REALTIME);
    auto result = node->remote->Exec({node->tool_path, "now"}, exec);
    const int64_t mono_a = Nanos(CLOCK_MONOTONIC);
    const int64_t real1 = Nanos(CLOCK_REALTIME);
    const int64_t mono_b = Nanos(CLOCK_MONOTONIC);
    std::string probe_boot;
    int64_t p_mono1 = 0;
    int64_t p_real = 0;
    int64_t p_mono2 = 0;
    if (!result.ok()) {
      errors.push_back(result.message());
      continue;
    }
    std::istringstream line(result->out);
    if (!result->success() || !(line >> probe_boot >> p_mono1 >> p_real >> p_mono2)) {
      errors.push_back("node " + node->name + ": " + kToolName + " now: exit " +
                       std::to_string(result->exit_code) + ", printed '" + result->out + "' " +
                       result->err);
      continue;
    }
    Observation seen;
    if (probe_boot == boot_id && p_mono1 >= mono0 && p_mono2 <= mono_a) {
      const double node_delta = static_cast<double>(p_real) - (p_mono1 + p_mono2) / 2.0;
      const double our_delta = static_cast<double>(real1) - (mono_a + mono_b) / 2.0;
      seen.offset_ms = (node_delta - our_delta) / kNsPerMs;
      seen.error_ms = ((p_mono2 - p_mono1) + (mono_b - mono_a)) / 2.0 / kNsPerMs;
      seen.method = "same-host";
    } else {
      seen.offset_ms = (static_cast<double>(p_real) - (real0 + real1) / 2.0) / kNsPerMs;
      seen.error_ms = (real1 - real0) / 2.0 / kNsPerMs;
      seen.method = "round-trip";
    }
    value[node->name] = std::llround(seen.offset_ms);
    Json detail = {{"observed_ms", RoundMs(seen.offset_ms)},
                   {"error_ms", RoundMs(seen.error_ms)},
                   {"method", seen.method}};
    auto file = node->access->Read();
    if (file.ok()) {
      detail["file_ms"] = RoundMs(static_cast<double>(*file) / kNsPerMs);
    } else {
      errors.push_back(file.message());
    }
    if (options_.target_clock) {
      auto target = options_.target_clock(node->name);
      if (target.ok()) {
        detail["target"] = {{"offset_ms", target->offset_ms},
                            {"error_ms", target->error_ms},
                            {"method", target->method}};
      } else {
        detail["target_error"] = target.message();
      }
    }
    details[node->name] = std::move(detail);
  }
  done.value = std::move(value);
  if (!done.extra.is_object()) done.extra = Json::object();
  done.extra["clock"] = std::move(details);
  SetErrors(done, errors);
  return done;
}

Status ClockNemesis::Teardown() {
  if (!set_up_) return Status::Ok();
  Status first;
  for (auto& node : nodes_) {
    Status s = SetOffset(*node, 0);
    if (first.ok() && !s.ok()) first = s.Wrap("clock nemesis teardown");
  }
  return first;
}

}  // namespace coordcheck
