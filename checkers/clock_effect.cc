#include "checkers/clock_effect.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "base/strings.h"
// The fault ops are the history's vocabulary (header-only constants): reading them is not
// a dependency on the nemesis library.
#include "nemesis/ops.h"

namespace coordcheck {
namespace {

// A preload offset counts only beyond the measurement error plus this.
constexpr double kMinOffsetMs = 1000;
// Slack on top of the measurement error when matching an offset.
constexpr double kMatchSlackMs = 250;

// Node names in their natural order: "n2" before "n10".
struct NodeLess {
  static size_t DigitsFrom(const std::string& s) {
    size_t i = s.size();
    while (i > 0 && std::isdigit(static_cast<unsigned char>(s[i - 1]))) --i;
    return i;
  }
  bool operator()(const std::string& a, const std::string& b) const {
    const size_t da = DigitsFrom(a);
    const size_t db = DigitsFrom(b);
    const std::string pa = a.substr(0, da);
    const std::string pb = b.substr(0, db);
    if (pa != pb) return pa < pb;
    const std::string na = a.substr(da);
    const std::string nb = b.substr(db);
    const std::string ta = na.substr(std::min(na.find_first_not_of('0'), na.size()));
    const std::string tb = nb.substr(std::min(nb.find_first_not_of('0'), nb.size()));
    if (ta.size() != tb.size()) return ta.size() < tb.size();
    if (ta != tb) return ta < tb;
    return a < b;
  }
};
using NodeSet = std::set<std::string, NodeLess>;

// The readings of one kind (reached or not reached): where, by which method, how far.
struct Kind {
  NodeSet nodes;
  std::set<std::string> methods;
  double max_abs_file_ms = 0;
  // Reached: the largest |target - file| + error; not reached: the largest |target| +
  // error — a bound on how far the target's clock was from what the verdict says.
  double max_bound_ms = 0;
};

bool Number(const Json& object, const char* name, double* out) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_number()) return false;
  *out = it->get<double>();
  return std::isfinite(*out);
}

// True when a bump-clock or strobe-clock completion says something was done.
bool AppliedClockFault(const Op& op) {
  if (op.f != fault::kBumpClock && op.f != fault::kStrobeClock) return false;
  if (!op.value.is_object()) return false;
  if (op.f == fault::kStrobeClock) {
    auto nodes = op.value.find("nodes");
    return nodes != op.value.end() && nodes->is_object() && !nodes->empty() &&
           op.value.value("delta_ms", Json(0)) != Json(0);
  }
  for (const auto& [node, change] : op.value.items()) {
    if (change.is_object() &&
        change.value("before_ms", Json()) != change.value("after_ms", Json())) {
      return true;
    }
  }
  return false;
}

// "12.3 s" at or above 100 ms, else "40 ms".
std::string Duration(double ms) {
  char buf[32];
  if (ms >= 100) {
    std::snprintf(buf, sizeof buf, "%.1f s", ms / 1000);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f ms", ms);
  }
  return buf;
}

std::string Readings(int64_t n) { return std::to_string(n) + (n == 1 ? " reading" : " readings"); }

std::string ReachedClause(const Kind& k) {
  return "its own clock (" + Join(k.methods, ", ") + ") followed the preload offset, up to " +
         Duration(k.max_abs_file_ms) + ", within ±" + Duration(k.max_bound_ms) + " on " +
         Join(k.nodes, ", ");
}

std::string NotReachedClause(const Kind& k) {
  return "its own clock (" + Join(k.methods, ", ") + ") stayed within ±" + Duration(k.max_bound_ms) +
         " of the controller's on " + Join(k.nodes, ", ") + " while the preload offset was up to " +
         Duration(k.max_abs_file_ms);
}

}  // namespace

Json ClockEffect(const History& history) {
  bool faults = false;
  bool observed = false;
  int64_t samples = 0;
  int64_t unclear = 0;
  int64_t target_reads = 0;
  int64_t target_errors = 0;
  double max_abs_file_ms = 0;
  double max_abs_target_ms = 0;
  Kind reached;
  Kind not_reached;

  for (const Op& op : history.ops) {
    if (!op.is_nemesis() || !op.is_completion()) continue;
    if (AppliedClockFault(op)) faults = true;
    if (op.f != fault::kCheckClockOffsets || !op.extra.is_object()) continue;
    auto clock = op.extra.find("clock");
    if (clock == op.extra.end() || !clock->is_object()) continue;
    for (const auto& [node, detail] : clock->items()) {
      if (!detail.is_object()) continue;
      double file_ms = 0;
      const bool has_file = Number(detail, "file_ms", &file_ms);
      if (has_file) {
        max_abs_file_ms = std::max(max_abs_file_ms, std::fabs(file_ms));
        if (file_ms != 0) faults = true;
      }
      if (auto e = detail.find("target_error"); e != detail.end() && e->is_string()) {
        ++target_errors;
      }
      auto target = detail.find("target");
      if (target == detail.end() || !target->is_object()) continue;
      double target_ms = 0;
      double error_ms = 0;
      if (!Number(*target, "offset_ms", &target_ms) || !Number(*target, "error_ms", &error_ms) ||
          error_ms < 0) {
        continue;
      }
      std::string method;
      if (auto m = target->find("method"); m != target->end() && m->is_string()) {
        method = m->get<std::string>();
      }
      observed = true;
      ++target_reads;
      max_abs_target_ms = std::max(max_abs_target_ms, std::fabs(target_ms));
      if (!has_file || std::fabs(file_ms) <= error_ms + kMinOffsetMs) continue;
      ++samples;
      const double followed = std::fabs(target_ms - file_ms);
      const double stayed = std::fabs(target_ms);
      const bool is_reached = followed <= error_ms + kMatchSlackMs;
      const bool is_not_reached = stayed <= error_ms + kMatchSlackMs;
      if (is_reached == is_not_reached) {
        ++unclear;
        continue;
      }
      Kind& k = is_reached ? reached : not_reached;
      k.nodes.insert(node);
      if (!method.empty()) k.methods.insert(method);
      k.max_abs_file_ms = std::max(k.max_abs_file_ms, std::fabs(file_ms));
      k.max_bound_ms = std::max(k.max_bound_ms, (is_reached ? followed : stayed) + error_ms);
    }
  }

  std::string verdict;
  std::string note;
  const std::string others =
      unclear > 0 ? " (" + Readings(unclear) + " fit neither the preload offset nor real time)"
                  : "";
  if (!faults) {
    verdict = "no-clock-faults";
    note = "no clock faults were applied in this run";
  } else if (reached.nodes.empty() && not_reached.nodes.empty()) {
    verdict = "not-observed";
    if (!observed) {
      note =
          "the target's own clock was not observed, so whether the clock faults reached it "
          "is unknown";
      if (target_errors > 0) {
        note += " (" + std::to_string(target_errors) + " attempt" +
                (target_errors == 1 ? "" : "s") + " to read it failed)";
      }
    } else if (samples == 0) {
      note = "the target's own clock was read " + std::to_string(target_reads) +
             (target_reads == 1 ? " time" : " times") +
             ", never while the preload offset exceeded its measurement error by more than " +
             Duration(kMinOffsetMs) + ", so whether the clock faults reached it is unknown";
    } else {
      note = "the target's own clock fit neither the preload offset nor real time in any of " +
             Readings(samples) + ", so whether the clock faults reached it is unknown";
    }
  } else if (not_reached.nodes.empty()) {
    verdict = "reached";
    note = "the clock faults reached the target: " + ReachedClause(reached) +
           ", so whatever it times by the wall clock (TTLs, leases) ran on the skewed clock" +
           others;
  } else if (reached.nodes.empty()) {
    verdict = "not-reached";
    note = "the clock faults did not reach the target: " + NotReachedClause(not_reached) +
           " — the preload does not reach a clock read without libc (as Go programs read it), "
           "so its leases and TTLs were not affected by them" +
           others;
  } else {
    verdict = "mixed";
    note = "the clock faults reached the target only in part: " + ReachedClause(reached) +
           ", but " + NotReachedClause(not_reached) + others;
  }

  auto to_json = [](const NodeSet& nodes) {
    Json out = Json::array();
    for (const auto& n : nodes) out.push_back(n);
    return out;
  };
  auto round_ms = [](double ms) { return std::round(ms * 1000) / 1000; };
  return Json{{"observed", observed},
              {"samples", samples},
              {"unclear", unclear},
              {"target_errors", target_errors},
              {"reached", to_json(reached.nodes)},
              {"not_reached", to_json(not_reached.nodes)},
              {"max_abs_file_ms", round_ms(max_abs_file_ms)},
              {"max_abs_target_ms", round_ms(max_abs_target_ms)},
              {"verdict", verdict},
              {"note", note}};
}

CheckResult ClockEffectChecker::Check(const History& history, const CheckBudget& budget) const {
  (void)budget;  // one linear pass
  CheckResult result;
  result.valid = Validity::kValid;
  result.details = ClockEffect(history);
  result.summary = "clock faults: " + result.details.value("verdict", std::string("unknown")) +
                   (result.details.contains("note")
                        ? " (" + result.details["note"].get<std::string>() + ")"
                        : std::string());
  return result;
}

}  // namespace coordcheck
