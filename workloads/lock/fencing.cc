#include "workloads/lock/fencing.h"

#include <optional>

#include "workloads/lock/resource_log.h"

namespace coordcheck {
namespace {

using Clock = std::chrono::steady_clock;
using lock_log::Entry;
using lock_log::Plural;

}  // namespace

CheckResult FencingChecker::Check(const History& history, const CheckBudget& budget) const {
  CheckResult result;
  const Clock::time_point deadline = budget.DeadlineFromNow();
  auto unknown = [&](const std::string& reason, const std::string& message) {
    return result.SetUnknown(reason, message);
  };

  lock_log::LogProblem problem;
  std::optional<lock_log::ResourceLog> log = FindResourceLog(history, deadline, &problem);
  if (!log) return unknown(problem.reason, problem.message);
  const std::vector<Entry>& entries = log->entries;

  int64_t accepted = 0, fenced = 0, unfenced = 0, rejected = 0, rejected_reads = 0, decreases = 0;
  bool any_fence = false;
  std::optional<size_t> highest;  // the accepted write holding the highest fence so far
  Json rejected_list = Json::array();
  Json anomalies = Json::array();
  bool truncated = false;
  std::optional<lock_log::CsOps> cs_ops;  // built for the first anomaly
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i % lock_log::kClockStride == 0 && Clock::now() >= deadline) {
      return unknown("time-limit", "time limit of " + std::to_string(budget.time_limit.count()) +
                                       " ms reached after " + std::to_string(i) + " of " +
                                       std::to_string(entries.size()) + " log entries");
    }
    const Entry& e = entries[i];
    if (e.fence) any_fence = true;
    if (!e.is_write) {
      rejected_reads += e.accepted ? 0 : 1;
      continue;
    }
    if (!e.accepted) {
      ++rejected;
      if (rejected_list.size() < lock_log::kMaxListed) {
        Json r = lock_log::EntryJson(e);
        r["highest_accepted_fence"] = highest ? Json(*entries[*highest].fence) : Json();
        rejected_list.push_back(std::move(r));
      }
      continue;
    }
    ++accepted;
    if (!e.fence) {
      ++unfenced;
      continue;
    }
    ++fenced;
    if (highest && *e.fence < *entries[*highest].fence) {
      ++decreases;
      if (anomalies.size() < lock_log::kMaxListed) {
        const Entry& h = entries[*highest];
        Json a = {{"type", "fence-decrease"},
                  {"write", lock_log::EntryJson(e)},
                  {"after", lock_log::EntryJson(h)}};
        a["explanation"] = "the resource accepted the write of critical section " +
                           lock_log::DescribeCs(e) + " with fence " + std::to_string(*e.fence) +
                           " at seq " + std::to_string(e.seq) + " (" + lock_log::Seconds(e.t_ns) +
                           ") after it had accepted fence " + std::to_string(*h.fence) +
                           " from critical section " + lock_log::DescribeCs(h) + " at seq " +
                           std::to_string(h.seq) + " (" + lock_log::Seconds(h.t_ns) + ")";
        // Typed: the stale write's increment, then the one holding the higher fence.
        if (!cs_ops) cs_ops.emplace(history);
        Anomaly typed{"fence-decrease", a["explanation"].get<std::string>()};
        cs_ops->Name({e.cs, h.cs}, &typed);
        cs_ops->DateSpan(&typed);
        result.anomalies.push_back(std::move(typed));
        anomalies.push_back(std::move(a));
      } else {
        truncated = true;
      }
      continue;
    }
    if (!highest || *e.fence > *entries[*highest].fence) highest = i;
  }

  Json& d = result.details;
  d["entries"] = entries.size();
  d["accepted_writes"] = accepted;
  d["fenced_accepted_writes"] = fenced;
  d["unfenced_accepted_writes"] = unfenced;
  d["rejected_stale_writes"] = rejected;
  d["rejected"] = std::move(rejected_list);
  d["rejected_stale_reads"] = rejected_reads;
  d["highest_fence"] = highest ? Json(*entries[*highest].fence) : Json();
  d["decrease_count"] = decreases;
  d["anomaly_types"] = decreases > 0 ? Json::array({"fence-decrease"}) : Json::array();
  const std::string first =
      anomalies.empty() ? std::string() : anomalies[0]["explanation"].get<std::string>();
  d["anomalies"] = std::move(anomalies);
  if (truncated) d["anomalies_truncated"] = true;

  std::string counts = Plural(accepted, "accepted write", "accepted writes") + ", " +
                       Plural(rejected, "stale write", "stale writes") + " rejected";
  if (rejected_reads > 0) {
    counts += " (and " + Plural(rejected_reads, "stale read", "stale reads") + ")";
  }
  if (!any_fence) {
    d["note"] = "no fencing tokens: nothing to check";
    result.valid = Validity::kValid;
    result.summary = "no fencing tokens: nothing to check (" + counts + ")";
    return result;
  }
  if (unfenced > 0) {
    d["note"] = Plural(unfenced, "accepted write", "accepted writes") +
                " carried no fence and are not ordered against fenced ones";
  }
  if (decreases > 0) {
    result.valid = Validity::kInvalid;
    result.summary = Plural(decreases, "accepted write", "accepted writes") +
                     " carried a fence lower than one accepted before (first: " + first + ")";
    return result;
  }
  result.valid = Validity::kValid;
  result.summary =
      "fences never decreased: " + counts +
      (highest ? ", highest fence " + std::to_string(*entries[*highest].fence) : std::string());
  return result;
}

}  // namespace coordcheck
