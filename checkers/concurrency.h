// Concurrency: how much concurrency a run really tested, measured from its history. A
// linearizability checker can only find what the history lets it see: if every op ran alone
// on its key, the history is sequential and only bugs a single sequential client meets can
// show up (a lost update between two writers, a read racing a write — none of them). Load
// settings (rate, clients) say what was asked; this says what happened.
//
// An op is a client invoke and its completion. An op whose completion is info, or that never
// completed, stays open to the end of the history — exactly as the linearizability checker
// treats it (it may take effect at any later time). Ops are grouped by key (no key = one
// group). Nemesis events are ignored.
//
// The result, a JSON object for results.json, the report and `compare`:
//   "client_ops"            client ops (invokes)
//   "keys"                  distinct keys (no key counts as one)
//   "overlapped"            ops whose interval overlapped another op's on the same key
//   "overlap_share"         overlapped / client_ops (0 when there are none)
//   "mean_open", "max_open" the number of ops open on the op's key just after each invoke
//                           (itself included, so 1 = it ran alone), mean and max over ops
//   "processes"             processes that invoked ops
//   "ops_per_process"       {process: ops}, process ids as strings
//   "busiest_process_share" the largest process's ops / client_ops
//   "low"                   true when the run tested little concurrency (below)
//   "note"                  one sentence for the report, only when "low"
//
// "Low" means fewer than kLowOverlapShare (20%) of at least kMinOpsForNote (50) ops
// overlapped another on their key. Why 20%: with fewer than one op in five in flight beside
// another, the checker mostly judged a sequential history; the default register run on kvd
// overlaps far more (README, "Concurrency"), and the 4% a rate-limited run reached before the
// defaults changed is the case this note exists for. Under 50 ops the share says little.
//
// ConcurrencyChecker ("concurrency") is the same analysis as a checker, so that
// `coordcheck check --checker concurrency` reproduces a run's figures from its saved history:
// it measures and never judges (always valid).
//
// Thread-safety: a pure function; the checker as Checker.
#pragma once

#include "checkers/checker.h"
#include "history/history.h"

namespace coordcheck {

inline constexpr double kLowOverlapShare = 0.20;
inline constexpr int64_t kMinOpsForNote = 50;

// The figures above, from the history alone. Requires a valid history.
Json Concurrency(const History& history);

class ConcurrencyChecker final : public Checker {
 public:
  std::string name() const override { return "concurrency"; }
  CheckResult Check(const History& history, const CheckBudget& budget) const override;
};

}  // namespace coordcheck
