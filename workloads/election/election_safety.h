// ElectionSafetyChecker ("election-safety"): did the Raft cluster keep Raft's safety
// properties, judged from its nodes' own event logs and the status answers in the history
// (workloads/election/ops.h, raft_events.h) — and how available was it (availability.h)?
//
//   election safety      at most one leader per term: over every node's "role":"leader"
//                        events and every ok status whose role is leader.
//   leader completeness  an entry committed in term T (a commit event of term T, index i in
//                        from..to, its entry term from the event's runs) is in the log of
//                        every leader of a later term: that leader's last_index >= i and its
//                        term at i is the committed one.
//   commit agreement     (state machine safety) two commit events never give one index
//                        different terms.
// Why run-wise: logs are compared as runs of equal terms, never index by index. The commit
// events are merged once into committed runs (index range, entry term, the lowest term of a
// commit covering it) by a sweep over their runs' boundaries, which finds disagreeing commits
// on the way; each leader's log is then walked against the committed runs older than its
// term. Cost O(S log S + L (C + R)) for S commit runs, L leaders, C committed runs and R runs
// of a leader's log, whatever the number of entries (10^6-entry logs cost no more than short
// ones with as many terms).
//
// Verdicts: invalid on any violation; else unknown when a node's events are missing (its
// log is in the raft-events answer's "errors", or a node that the events name or that
// answered a status is absent from it), when the history has no ok raft-events op, when the
// answer, an event or a status value is malformed (the message names the node and the event's
// position in its list, or the op), or when the time limit is reached; else valid. A
// violation found where some logs are missing or malformed still makes the run invalid (what
// was read proves it); details "incomplete" then says what could not be read.
//
// Details:
//   {"nodes": [names read], "missing_nodes": [{"node", "why"}], "events" (all types),
//    "skipped_event_types": {type: count}, "elections" (leader events), "terms" (highest term
//    seen), "leaders" (distinct leader nodes), "leader_nodes", "status_ops" (ok),
//    "commit_events", "committed_index" (highest index committed), "committed_runs",
//    "election_safety_violations", "leader_completeness_violations", "commit_conflicts",
//    "anomaly_types", "anomalies": [at most 100:
//      {"type": "two-leaders", "term", "leaders": [{"node", "events": [position, ...],
//        "ops": [status invoke index, ...]}], "explanation"},
//      {"type": "leader-incomplete", "index", "to_index", "committed_term", "commit_term",
//       "commit_node", "commit_event", "leader", "leader_term", "leader_event",
//       "had": term | "missing", "explanation"},
//      {"type": "commit-conflict", "index", "to_index", "a": C, "b": C, "explanation"}
//       C = {"node", "event", "commit_term", "entry_term"}],
//    "anomalies_truncated": true (only when more were found than listed),
//    "incomplete": [messages] (only when invalid with something unread),
//    availability: "unavailable_threshold_ms", "ok_writes", "unavailable_windows",
//    "total_unavailable_ms", "longest_unavailable_ms" (null without writes), "unavailability":
//    [{"from_ns", "to_ns", "ms", "until_end" (only when true)}], "timeline_bands" (the same
//    windows, {"from_ns", "to_ns", "label"}, drawn on the report's timeline), "faults",
//    "recoveries": [{"op", "f", "family", "at_ns", "recovery_ms" | null, "failed"}],
//    "max_recovery_ms" (null when none)}
//   unknown: + {"reason", "message"}: reason "no-raft-events", "bad-raft-events",
//   "bad-status", "events-missing" or "time-limit".
// Event positions are 0-based within their node's list; ops are history indices. The
// explanations say "entry N" for log index N and "event at position N" for event positions,
// never "index N" or "event N", which reports link to history ops.
//
// Typed anomalies: two-leaders names the status ops that saw a leader (dated by their span)
// and the raft-events op when events did; the others name the raft-events op (node clocks
// date nothing in history time).
//
// Thread-safety: see Checker.
#pragma once

#include <cstdint>

#include "checkers/checker.h"

namespace coordcheck {

struct ElectionSafetyOptions {
  // A gap between ok writes longer than this is unavailability, ms (ElectionWorkloadOptions).
  // Default 1000.
  int64_t unavailable_threshold_ms = 1000;
};

class ElectionSafetyChecker final : public Checker {
 public:
  explicit ElectionSafetyChecker(ElectionSafetyOptions options = {}) : options_(options) {}
  std::string name() const override { return "election-safety"; }
  CheckResult Check(const History& history, const CheckBudget& budget) const override;

 private:
  ElectionSafetyOptions options_;
};

}  // namespace coordcheck
