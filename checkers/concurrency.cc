#include "checkers/concurrency.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace coordcheck {
namespace {

// One key's ops in flight during the sweep.
struct KeyState {
  std::vector<int64_t> open;        // ops that will complete ok/fail, by invoke index
  std::vector<int64_t> open_ended;  // ops open to the end (info or never completed)
  int64_t last_invoke = -1;
};

std::string Percent(double share) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", share * 100);
  return text;
}

}  // namespace

Json Concurrency(const History& history) {
  const std::vector<int64_t> partners = history.Partners();
  std::unordered_map<std::string, KeyState> keys;
  std::vector<char> overlapped(history.size(), 0);
  std::map<int64_t, int64_t> per_process;
  int64_t client_ops = 0;
  int64_t open_sum = 0;
  int64_t max_open = 0;
  for (const Op& op : history.ops) {
    if (op.is_nemesis()) continue;
    const int64_t partner = partners[op.index];
    if (op.is_invoke()) {
      KeyState& key = keys[op.key.dump()];
      const auto open_now = static_cast<int64_t>(key.open.size() + key.open_ended.size());
      if (open_now > 0) {
        overlapped[op.index] = 1;
        // Ops open to the end are settled after the sweep (by last_invoke).
        for (int64_t other : key.open) overlapped[other] = 1;
      }
      const bool open_ended = partner < 0 || history[partner].type == OpType::kInfo;
      (open_ended ? key.open_ended : key.open).push_back(op.index);
      key.last_invoke = op.index;
      ++client_ops;
      ++per_process[op.process];
      open_sum += open_now + 1;
      max_open = std::max(max_open, open_now + 1);
    } else if (op.type != OpType::kInfo && partner >= 0) {
      std::vector<int64_t>& open = keys[history[partner].key.dump()].open;
      auto it = std::find(open.begin(), open.end(), partner);
      if (it != open.end()) {
        *it = open.back();
        open.pop_back();
      }
    }
  }
  int64_t overlapped_count = 0;
  for (auto& [name, key] : keys) {
    for (int64_t op : key.open_ended) {
      if (key.last_invoke > op) overlapped[op] = 1;
    }
  }
  for (char o : overlapped) overlapped_count += o;

  Json out = Json::object();
  out["client_ops"] = client_ops;
  out["keys"] = static_cast<int64_t>(keys.size());
  out["overlapped"] = overlapped_count;
  const double share =
      client_ops == 0 ? 0.0 : static_cast<double>(overlapped_count) / static_cast<double>(client_ops);
  out["overlap_share"] = share;
  out["mean_open"] =
      client_ops == 0 ? 0.0 : static_cast<double>(open_sum) / static_cast<double>(client_ops);
  out["max_open"] = max_open;
  out["processes"] = static_cast<int64_t>(per_process.size());
  Json ops_per_process = Json::object();
  int64_t busiest = 0;
  for (const auto& [process, ops] : per_process) {
    ops_per_process[std::to_string(process)] = ops;
    busiest = std::max(busiest, ops);
  }
  out["ops_per_process"] = std::move(ops_per_process);
  out["busiest_process_share"] =
      client_ops == 0 ? 0.0 : static_cast<double>(busiest) / static_cast<double>(client_ops);
  const bool low = client_ops >= kMinOpsForNote && share < kLowOverlapShare;
  out["low"] = low;
  if (low) {
    out["note"] = "little concurrency was tested: only " + Percent(share) + " of " +
                  std::to_string(client_ops) +
                  " client ops overlapped another op on the same key (under " +
                  Percent(kLowOverlapShare) +
                  "), so the checkers mostly saw one op at a time; raise --rate or "
                  "--concurrency, or use --rate 0";
  }
  return out;
}

CheckResult ConcurrencyChecker::Check(const History& history, const CheckBudget& budget) const {
  (void)budget;  // one linear pass
  CheckResult result;
  result.valid = Validity::kValid;
  result.details = Concurrency(history);
  const Json& d = result.details;
  result.summary = Percent(d["overlap_share"].get<double>()) + " of " +
                   std::to_string(d["client_ops"].get<int64_t>()) +
                   " client ops overlapped another on their key; max " +
                   std::to_string(d["max_open"].get<int64_t>()) + " open on one key";
  if (d.contains("note")) result.summary += " (" + d["note"].get<std::string>() + ")";
  return result;
}

}  // namespace coordcheck
