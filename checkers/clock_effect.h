// ClockEffect: did the clock faults of a run reach the target? A clock preload skews what
// libc's clock calls return in the target's processes; a target that reads the clock
// without libc (etcd, a Go program) never sees it. So the report must not imply that a
// clock fault happened to the target just because the nemesis applied it: it says what
// the history's check-clock-offsets completions measured (nemesis/clock/clock_nemesis.h).
//
// Each completion's extra field "clock" holds, per node, "file_ms" (the offset the preload
// applies) and, when the target's clock is observable, "target": {"offset_ms",
// "error_ms", "method"} (the target's own clock against the controller's) or
// "target_error". A node reading with both is compared when the preload offset is large
// enough to tell from the measurement error, |file_ms| > error_ms + 1000 ms; then
//   reached      |target - file| <= error_ms + 250 ms  (the target's clock followed it)
//   not reached  |target| <= error_ms + 250 ms         (it stayed with the real time)
//   unclear      neither, or both (an error bound too wide to tell them apart).
//
// The result, a JSON object for results.json and the report:
//   "observed"          any target reading at all
//   "samples"           node readings compared (unclear ones included)
//   "unclear"           of those, how many fit neither
//   "target_errors"     failed target reads
//   "reached", "not_reached"  the nodes with at least one such reading, in node order (a
//                       node may be in both when its target's behaviour changed)
//   "max_abs_file_ms"   largest |file_ms| of any reading
//   "max_abs_target_ms" largest |target offset| of any reading
//   "verdict"           "no-clock-faults"  no clock fault was applied (no bump-clock or
//                                          strobe-clock did anything, every file_ms is 0)
//                       "not-observed"     faults, but no reading was reached or not reached
//                       "reached" | "not-reached" | "mixed"  (both kinds of readings)
//   "note"              one plain sentence for the report saying the above
//
// Reads the history only (a stored history can be re-judged offline); malformed "clock"
// entries are skipped, never an error.
//
// ClockEffectChecker ("clock-effect") is the same analysis as a checker, so that
// `coordcheck check --checker clock-effect` reproduces a run's clock_effect from its saved
// history: it measures and never judges, so its verdict is always valid; details are the
// object above and the summary its note.
//
// Thread-safety: a pure function; the checker as Checker.
#pragma once

#include "checkers/checker.h"
#include "history/history.h"

namespace coordcheck {

// Did the clock faults of a run reach the target? Read from the history's
// check-clock-offsets completions.
Json ClockEffect(const History& history);

class ClockEffectChecker final : public Checker {
 public:
  std::string name() const override { return "clock-effect"; }
  CheckResult Check(const History& history, const CheckBudget& budget) const override;
};

}  // namespace coordcheck
