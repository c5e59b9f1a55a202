#include "workloads/lock/mutual_exclusion.h"

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "workloads/lock/ops.h"
#include "workloads/lock/resource_log.h"

namespace coordcheck {
namespace {

using Clock = std::chrono::steady_clock;
using lock_log::Entry;
using lock_log::Plural;

// A critical section with an accepted write: positions in the log's entries.
struct Interval {
  size_t start = 0;  // its first entry (normally its read)
  size_t end = 0;    // its last accepted write
  size_t read = 0;   // its first read, or `start` when it has none
};

Json CsJson(const std::vector<Entry>& entries, const Interval& iv) {
  const Entry& r = entries[iv.read];
  const Entry& w = entries[iv.end];
  const bool has_read = !r.is_write;
  return {{"cs", w.cs},
          {"process", w.process ? Json(*w.process) : Json()},
          {"fence", w.fence ? Json(*w.fence) : Json()},
          {"read_seq", has_read ? Json(r.seq) : Json()},
          {"read_t_ns", has_read ? Json(r.t_ns) : Json()},
          {"read_value", has_read && r.value ? Json(*r.value) : Json()},
          {"write_seq", w.seq},
          {"write_t_ns", w.t_ns},
          {"write_value", w.value ? Json(*w.value) : Json()}};
}

// "3-7 (process 3, fence 12)".
std::string Describe(const Entry& write) {
  std::string out = write.cs + " (";
  if (write.process) out += "process " + std::to_string(*write.process) + ", ";
  return out + lock_log::DescribeFence(write.fence) + ")";
}

// How b's interval entered a's: "5-2 read 41 at seq 40 (12.310 s), before 3-7's write at seq
// 42 (12.402 s)".
std::string OrderWords(const std::vector<Entry>& entries, const Interval& a, const Interval& b) {
  const Entry& first = entries[b.start];
  const Entry& write = entries[a.end];
  std::string what = first.is_write ? "wrote" : "read";
  if (first.value) what += " " + std::to_string(*first.value);
  return first.cs + " " + what + " at seq " + std::to_string(first.seq) + " (" +
         lock_log::Seconds(first.t_ns) + "), before " + write.cs + "'s write at seq " +
         std::to_string(write.seq) + " (" + lock_log::Seconds(write.t_ns) + ")";
}

}  // namespace

CheckResult MutualExclusionChecker::Check(const History& history, const CheckBudget& budget) const {
  CheckResult result;
  const Clock::time_point deadline = budget.DeadlineFromNow();
  auto unknown = [&](const std::string& reason, const std::string& message) {
    return result.SetUnknown(reason, message);
  };
  auto time_limit = [&](const std::string& where) {
    return unknown("time-limit", "time limit of " + std::to_string(budget.time_limit.count()) +
                                     " ms reached " + where);
  };

  lock_log::LogProblem problem;
  std::optional<lock_log::ResourceLog> log = FindResourceLog(history, deadline, &problem);
  if (!log) return unknown(problem.reason, problem.message);
  const std::vector<Entry>& entries = log->entries;

  // Group by cs: the first entry, the first read and the last accepted write of each.
  struct Cs {
    size_t first = 0;
    std::optional<size_t> read;
    std::optional<size_t> last_accepted;
  };
  std::vector<Cs> sections;
  std::unordered_map<std::string, size_t> by_id;
  int64_t accepted = 0, rejected = 0;
  std::optional<int64_t> last_accepted_value;
  std::map<int64_t, std::vector<size_t>> writes_by_value;  // accepted writes
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i % lock_log::kClockStride == 0 && Clock::now() >= deadline) {
      return time_limit("while grouping the log by critical section");
    }
    const Entry& e = entries[i];
    if (e.is_write) {
      if (e.accepted) {
        ++accepted;
        last_accepted_value = e.value;
        if (e.value) writes_by_value[*e.value].push_back(i);
      } else {
        ++rejected;
      }
    }
    if (e.cs.empty()) continue;
    auto [it, inserted] = by_id.try_emplace(e.cs, sections.size());
    if (inserted) sections.push_back({i, std::nullopt, std::nullopt});
    Cs& cs = sections[it->second];
    if (!e.is_write && !cs.read) cs.read = i;
    if (e.is_write && e.accepted) cs.last_accepted = i;
  }
  std::vector<Interval> intervals;
  for (const Cs& cs : sections) {
    if (!cs.last_accepted) continue;
    intervals.push_back({cs.first, *cs.last_accepted, cs.read.value_or(cs.first)});
  }
  // Already sorted by start: sections were created in order of their first entry.

  Json& d = result.details;
  d["entries"] = entries.size();
  d["critical_sections"] = sections.size();
  d["accepted_critical_sections"] = intervals.size();
  d["accepted_writes"] = accepted;
  d["rejected_writes"] = rejected;

  // Count every overlapping pair: interval k (by start) overlaps each earlier-starting one
  // that has not ended before it starts. Positions are distinct entries, so no ties.
  std::vector<size_t> ends;
  ends.reserve(intervals.size());
  for (const Interval& iv : intervals) ends.push_back(iv.end);
  std::sort(ends.begin(), ends.end());
  int64_t overlap_count = 0;
  for (size_t k = 0; k < intervals.size(); ++k) {
    const auto ended = std::lower_bound(ends.begin(), ends.end(), intervals[k].start);
    overlap_count += static_cast<int64_t>(k) - static_cast<int64_t>(ended - ends.begin());
  }

  // List the first pairs: sweep by start, keeping the intervals still open.
  std::optional<lock_log::CsOps> cs_ops;  // built for the first anomaly
  auto named = [&]() -> const lock_log::CsOps& {
    if (!cs_ops) cs_ops.emplace(history);
    return *cs_ops;
  };
  Json anomalies = Json::array();
  Json types = Json::array();
  bool truncated = false;
  if (overlap_count > 0) {
    types.push_back("overlap");
    std::multimap<size_t, size_t> open;  // end -> interval
    for (size_t k = 0; k < intervals.size() && !truncated; ++k) {
      if (k % lock_log::kClockStride == 0 && Clock::now() >= deadline) {
        return time_limit("while listing overlapping critical sections");
      }
      const Interval& b = intervals[k];
      open.erase(open.begin(), open.lower_bound(b.start));
      for (const auto& [end, j] : open) {
        if (anomalies.size() >= lock_log::kMaxListed) {
          truncated = true;
          break;
        }
        const Interval& a = intervals[j];
        const int64_t from = std::max(entries[a.start].t_ns, entries[b.start].t_ns);
        const int64_t to = std::min(entries[a.end].t_ns, entries[b.end].t_ns);
        Json o = {{"type", "overlap"},
                  {"a", CsJson(entries, a)},
                  {"b", CsJson(entries, b)},
                  {"from_ns", from},
                  {"to_ns", to}};
        o["explanation"] = "critical sections " + Describe(entries[a.end]) + " and " +
                           Describe(entries[b.end]) + " overlapped at the resource from " +
                           lock_log::Seconds(from) + " to " + lock_log::Seconds(to) + " (" +
                           OrderWords(entries, a, b) + "); both writes were accepted";
        // Typed: both critical sections' increments, dated by their overlap in history time.
        Anomaly typed{"overlap", o["explanation"].get<std::string>()};
        named().Name({entries[a.end].cs, entries[b.end].cs}, &typed);
        named().DateOverlap(&typed);
        result.anomalies.push_back(std::move(typed));
        anomalies.push_back(std::move(o));
      }
      open.emplace(b.end, k);
    }
  }
  d["overlap_count"] = overlap_count;

  // The counter: each accepted write stored read+1.
  int64_t counter = 0;
  if (log->final_counter) {
    counter = *log->final_counter;
    d["counter_source"] = "resource-read";
  } else {
    counter = last_accepted_value.value_or(0);
    d["counter_source"] = "resource-log";
  }
  d["final_counter"] = counter;
  const int64_t lost = accepted - counter;
  d["lost_updates"] = lost > 0 ? lost : 0;
  if (lost > 0) {
    types.push_back("lost-updates");
    Json same = Json::array();
    std::vector<std::string> same_cs;  // the listed writes' critical sections
    for (const auto& [value, writes] : writes_by_value) {
      if (writes.size() < 2) continue;
      if (same.size() >= lock_log::kMaxListed) {
        truncated = true;
        break;
      }
      Json list = Json::array();
      for (size_t i : writes) {
        if (list.size() >= lock_log::kMaxListed) break;
        list.push_back(lock_log::EntryJson(entries[i]));
        same_cs.push_back(entries[i].cs);
      }
      same.push_back({{"value", value}, {"writes", std::move(list)}});
    }
    Json a = {{"type", "lost-updates"},
              {"lost", lost},
              {"accepted_writes", accepted},
              {"final_counter", counter},
              {"same_value_writes", std::move(same)}};
    a["explanation"] = "the resource accepted " + Plural(accepted, "write", "writes") +
                       " of read+1 but its final counter is " + std::to_string(counter) + ": " +
                       Plural(lost, "update was", "updates were") +
                       " lost (critical sections that read the same value wrote the same value)";
    Anomaly typed{"lost-updates", a["explanation"].get<std::string>()};
    named().Name(same_cs, &typed);
    named().DateSpan(&typed);
    result.anomalies.push_back(std::move(typed));
    anomalies.push_back(std::move(a));
  } else if (lost < 0) {
    types.push_back("counter-ahead");
    Json a = {{"type", "counter-ahead"}, {"accepted_writes", accepted}, {"final_counter", counter}};
    a["explanation"] = "the final counter " + std::to_string(counter) + " exceeds the " +
                       Plural(accepted, "accepted write", "accepted writes") +
                       " in the resource's log: the log is missing writes";
    Anomaly typed{"counter-ahead", a["explanation"].get<std::string>(), {log->log_invoke}};
    named().DateSpan(&typed);
    result.anomalies.push_back(std::move(typed));
    anomalies.push_back(std::move(a));
  }
  d["anomaly_types"] = types;
  d["anomalies"] = std::move(anomalies);
  if (truncated) d["anomalies_truncated"] = true;

  // Increments the history acknowledges as accepted, completed before the log was read,
  // must be in the log.
  std::unordered_set<std::string> accepted_ids;
  for (const Interval& iv : intervals) accepted_ids.insert(entries[iv.end].cs);
  int64_t missing = 0;
  Json missing_ids = Json::array();
  for (const Op& op : history.ops) {
    if (op.index >= log->log_invoke) break;
    if (op.type != OpType::kOk || op.f != lock_ops::kIncrement || !op.value.is_object()) continue;
    auto cs = op.value.find("cs");
    auto ok = op.value.find("accepted");
    if (cs == op.value.end() || ok == op.value.end() || *ok != true) continue;
    const std::string id = lock_log::CsId(*cs);
    if (id.empty() || accepted_ids.count(id) != 0) continue;
    ++missing;
    if (missing_ids.size() < lock_log::kMaxListed) missing_ids.push_back(id);
  }
  if (missing > 0) {
    d["acknowledged_writes_missing_from_log"] = missing;
    d["missing_from_log"] = std::move(missing_ids);
  }

  // Verdict and summary.
  const std::string counts =
      Plural(static_cast<int64_t>(intervals.size()), "critical section", "critical sections") +
      " with accepted writes over " +
      Plural(static_cast<int64_t>(entries.size()), "log entry", "log entries");
  if (overlap_count > 0 || lost != 0) {
    result.valid = Validity::kInvalid;
    std::string s;
    if (overlap_count > 0) {
      s = Plural(overlap_count, "overlapping pair", "overlapping pairs") +
          " of critical sections at the resource (first: " +
          d["anomalies"][0]["explanation"].get<std::string>() + ")";
    }
    if (lost > 0) {
      s += std::string(s.empty() ? "" : "; ") + Plural(lost, "lost update", "lost updates") +
           " (final counter " + std::to_string(counter) + ", " +
           Plural(accepted, "accepted write", "accepted writes") + ")";
    } else if (lost < 0) {
      s += std::string(s.empty() ? "" : "; ") + "final counter " + std::to_string(counter) +
           " exceeds the " + Plural(accepted, "accepted write", "accepted writes");
    }
    result.summary = s;
  } else if (missing > 0) {
    result.valid = Validity::kUnknown;
    d["reason"] = "log-incomplete";
    d["message"] = Plural(missing, "increment", "increments") +
                   " acknowledged as accepted are missing from the resource's log";
    result.summary = "unknown: " + d["message"].get<std::string>() + " (" + counts + ")";
  } else {
    result.valid = Validity::kValid;
    result.summary = "mutual exclusion held at the resource: " + counts +
                     ", no overlaps; final counter " + std::to_string(counter) + " = " +
                     Plural(accepted, "accepted write", "accepted writes");
  }
  return result;
}

}  // namespace coordcheck
