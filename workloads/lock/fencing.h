// FencingChecker ("fencing"): did the protected resource honour fencing tokens? Reads only
// the resource's log in the history (workloads/lock/ops.h, workloads/lock/resource_log.h).
//
// In the resource's order (seq), the fences of ACCEPTED writes must never decrease: a write
// accepted with a fence lower than one accepted before it came from a holder whose lock had
// already passed to someone else (Kleppmann's fencing argument). Each such write is an
// anomaly naming it and the earlier write with the higher fence. Writes the resource
// rejected are the safe outcome: they are counted and listed, never anomalies. Accepted
// writes without a fence are counted; they are not ordered against fenced ones.
//
// When no request in the log carries a fence (a lock without fencing tokens) there is
// nothing to check: valid, with the note "no fencing tokens: nothing to check".
//
// Verdicts: invalid on any decrease; unknown when the history has no ok resource-log, when
// the log is malformed, or when the time limit is reached; else valid.
//
// Details:
//   {"entries", "accepted_writes", "fenced_accepted_writes", "unfenced_accepted_writes",
//    "rejected_stale_writes" (every write the resource rejected), "rejected_stale_reads"
//    (reads it rejected: a fenced resource also refuses a read with a stale token, which
//    ends that critical section before it writes), "rejected": [at most 100
//    entries, each with "highest_accepted_fence" (the highest fence accepted before it, or
//    null)], "highest_fence" (null when none), "decrease_count", "anomaly_types": [...],
//    "anomalies": [at most 100 of {"type": "fence-decrease", "write": entry, "after": entry
//    (the accepted write holding the higher fence), "explanation"}], "anomalies_truncated"
//    (only when true), "note" (only when there is one)}
//   entry = lock_log::EntryJson; unknown: {"reason", "message"}.
//
// Typed anomalies (CheckResult::anomalies), one per listed "fence-decrease": the increment of
// the stale write's critical section, then that of the one holding the higher fence (by the
// "cs" their values carry, lock_log::CsOps), dated by the span of both ops.
//
// Cost: one pass over the log; the clock is read every few thousand entries.
//
// Thread-safety: see Checker.
#pragma once

#include "checkers/checker.h"

namespace coordcheck {

class FencingChecker final : public Checker {
 public:
  std::string name() const override { return "fencing"; }
  CheckResult Check(const History& history, const CheckBudget& budget) const override;
};

}  // namespace coordcheck
