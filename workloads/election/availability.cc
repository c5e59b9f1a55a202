#include "workloads/election/availability.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <unordered_map>

#include "checkers/checker_util.h"
#include "nemesis/families.h"
#include "workloads/election/ops.h"

namespace coordcheck::election {
namespace {

using Clock = std::chrono::steady_clock;

// The family whose fault `f` starts (one it opens an interval with or marks), or "".
std::string FaultStarted(const std::string& f) {
  for (const FaultInfo* info : FaultCatalogue()) {
    for (const auto* list : {&info->opens, &info->marks}) {
      if (std::find(list->begin(), list->end(), f) != list->end()) return info->name;
    }
  }
  return "";
}

double Ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

// "2.345 s".
std::string Seconds(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f s", static_cast<double>(ns) / 1e9);
  return buf;
}

}  // namespace

std::optional<Availability> MeasureAvailability(const History& history, int64_t threshold_ns,
                                                Clock::time_point deadline) {
  Availability a;
  a.threshold_ns = threshold_ns;
  struct OkWrite {
    int64_t invoke_ns;
    int64_t complete_ns;
  };
  std::vector<OkWrite> ok;                          // in completion order
  std::unordered_map<int64_t, int64_t> invoked_at;  // process -> its open write's invoke time
  int64_t last_write_ns = -1;
  for (const Op& op : history.ops) {
    if (op.index % static_cast<int64_t>(checker_util::kClockStride) == 0 &&
        Clock::now() >= deadline) {
      return std::nullopt;
    }
    if (op.is_nemesis()) {
      if (op.is_completion()) {
        std::string family = FaultStarted(op.f);
        if (!family.empty()) {
          a.recoveries.push_back(
              {op.index, op.f, std::move(family), op.time_ns, std::nullopt, !op.error.is_null()});
        }
      }
      continue;
    }
    if (op.f != election_ops::kWrite) continue;
    last_write_ns = op.time_ns;
    if (op.is_invoke()) {
      ++a.writes;
      invoked_at[op.process] = op.time_ns;
    } else if (op.type == OpType::kOk) {
      auto it = invoked_at.find(op.process);
      ok.push_back({it == invoked_at.end() ? op.time_ns : it->second, op.time_ns});
    }
  }
  a.ok_writes = static_cast<int64_t>(ok.size());

  auto add_window = [&](int64_t from, int64_t to, bool until_end) {
    if (to - from <= threshold_ns) return;
    a.windows.push_back({from, to, until_end});
    a.total_ns += to - from;
    a.longest_ns = std::max(a.longest_ns, to - from);
  };
  int64_t previous = 0;
  for (const OkWrite& w : ok) {
    add_window(previous, w.complete_ns, false);
    previous = w.complete_ns;
  }
  if (last_write_ns >= 0) add_window(previous, last_write_ns, true);

  // Each fault's recovery: the earliest completion among ok writes invoked at or after it.
  std::vector<OkWrite> by_invoke = ok;
  std::stable_sort(by_invoke.begin(), by_invoke.end(),
                   [](const OkWrite& x, const OkWrite& y) { return x.invoke_ns < y.invoke_ns; });
  std::vector<int64_t> soonest(by_invoke.size() + 1, std::numeric_limits<int64_t>::max());
  for (size_t i = by_invoke.size(); i-- > 0;) {
    soonest[i] = std::min(soonest[i + 1], by_invoke[i].complete_ns);
  }
  for (FaultRecovery& r : a.recoveries) {
    auto first = std::lower_bound(by_invoke.begin(), by_invoke.end(), r.at_ns,
                                  [](const OkWrite& w, int64_t t) { return w.invoke_ns < t; });
    const int64_t done = soonest[first - by_invoke.begin()];
    if (done != std::numeric_limits<int64_t>::max()) r.recovery_ns = done - r.at_ns;
  }
  return a;
}

void AddAvailabilityDetails(const Availability& a, Json* details) {
  Json& d = *details;
  const bool measured = a.writes > 0;
  d["unavailable_threshold_ms"] = Ms(a.threshold_ns);
  d["ok_writes"] = a.ok_writes;
  d["unavailable_windows"] = a.windows.size();
  d["total_unavailable_ms"] = measured ? Json(Ms(a.total_ns)) : Json();
  d["longest_unavailable_ms"] = measured ? Json(Ms(a.longest_ns)) : Json();
  Json windows = Json::array(), bands = Json::array();
  for (const UnavailableWindow& w : a.windows) {
    if (windows.size() >= checker_util::kMaxListed) break;
    Json window = {{"from_ns", w.from_ns}, {"to_ns", w.to_ns}, {"ms", Ms(w.to_ns - w.from_ns)}};
    if (w.until_end) window["until_end"] = true;
    windows.push_back(std::move(window));
    bands.push_back({{"from_ns", w.from_ns},
                     {"to_ns", w.to_ns},
                     {"label", "no ok write for " + Seconds(w.to_ns - w.from_ns) +
                                   (w.until_end ? " (until the run's last write)" : "")}});
  }
  d["unavailability"] = std::move(windows);
  d["timeline_bands"] = std::move(bands);

  Json recoveries = Json::array();
  std::optional<int64_t> max_recovery;
  for (const FaultRecovery& r : a.recoveries) {
    if (r.recovery_ns) max_recovery = std::max(max_recovery.value_or(0), *r.recovery_ns);
    if (recoveries.size() >= checker_util::kMaxListed) continue;
    Json j = {{"op", r.op},
              {"f", r.f},
              {"family", r.family},
              {"at_ns", r.at_ns},
              {"recovery_ms", r.recovery_ns ? Json(Ms(*r.recovery_ns)) : Json()}};
    if (r.failed) j["failed"] = true;
    recoveries.push_back(std::move(j));
  }
  d["faults"] = a.recoveries.size();
  d["recoveries"] = std::move(recoveries);
  d["max_recovery_ms"] = max_recovery ? Json(Ms(*max_recovery)) : Json();
}

}  // namespace coordcheck::election
