// MutualExclusionChecker ("mutual-exclusion"): did the lock keep critical sections apart
// where it matters — at the protected resource? Reads only the history: the resource's own
// log and final counter, which the lock workload's final phase read into it
// (workloads/lock/ops.h, workloads/lock/resource_log.h).
//
// A critical section (cs) is the resource's entries carrying its id. Its interval at the
// resource runs from its first entry (its read) to its last accepted write. For every two
// critical sections whose writes the resource ACCEPTED, the intervals must not overlap;
// rejected writes (a fenced resource refusing a stale token) changed nothing and do not
// count. The final counter (resource-read, else the last accepted write's value) must equal
// the number of accepted writes: each cs writes read+1, so a smaller counter means updates
// were lost (two writes of the same value), a larger one that the resource counted writes it
// did not log.
//
// Why the resource's order and not its clock: the resource serves requests one at a time
// and numbers them (seq), so "B read before A wrote" is exact in seq order even where two
// entries carry the same t_ns. Intervals are compared by seq; t_ns only dates the report.
// Two intervals that merely touch (B's read right after A's write) do not overlap.
//
// Verdicts: invalid on any overlap or counter mismatch; unknown when the history has no ok
// resource-log (the resource's log was never read: never valid), when the log is malformed,
// when the time limit is reached, or when ok increments the history acknowledges as accepted
// are missing from the log (the log is incomplete, so it cannot vouch for them); else valid.
//
// Details:
//   {"entries", "critical_sections" (distinct cs ids in the log), "accepted_critical_sections",
//    "accepted_writes", "rejected_writes", "overlap_count" (pairs, all counted),
//    "final_counter", "counter_source": "resource-read"|"resource-log", "lost_updates"
//    (accepted writes - counter, 0 when not positive), "anomaly_types": [...],
//    "anomalies": [at most 100 overlaps, then the counter's anomaly if any:
//       {"type": "overlap", "a": CS, "b": CS (a started first), "from_ns", "to_ns",
//        "explanation"},
//       {"type": "lost-updates", "lost", "accepted_writes", "final_counter",
//        "same_value_writes": [{"value", "writes": [entry...]}] (at most 100 each),
//        "explanation"},
//       {"type": "counter-ahead", "accepted_writes", "final_counter", "explanation"}],
//    "anomalies_truncated": true (only when more were found than listed),
//    "acknowledged_writes_missing_from_log", "missing_from_log": [cs ids] (only when > 0)}
//   CS = {"cs", "process", "fence", "read_seq", "read_t_ns", "read_value", "write_seq",
//         "write_t_ns", "write_value"}; unknown: {"reason", "message"} (+ the counts so far).
//
// Typed anomalies (CheckResult::anomalies), one per listed details anomaly: "overlap" names
// the increments of both critical sections (a's, then b's; found by the "cs" their values
// carry, lock_log::CsOps) and is dated by the overlap of the two ops in history time (the
// later invoke to the earlier completion; else the span of both); "lost-updates" names the
// increments of the listed same-value writes, dated by their span; "counter-ahead" names the
// resource-log op.
//
// Cost: O(n log n) time and O(n) memory in the log's length; the clock is read every few
// thousand entries.
//
// Thread-safety: see Checker.
#pragma once

#include "checkers/checker.h"

namespace coordcheck {

class MutualExclusionChecker final : public Checker {
 public:
  std::string name() const override { return "mutual-exclusion"; }
  CheckResult Check(const History& history, const CheckBudget& budget) const override;
};

}  // namespace coordcheck
