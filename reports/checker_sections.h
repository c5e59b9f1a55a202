// The checkers' part of a run report: one <section class="checker"> per checker in
// results.json's "checkers", with its verdict badge, summary, figures (the scalar members of
// its details), its anomalies in words with links to their ops, its other lists as tables,
// and for a linearizability failure the counterexample: the partial linearization, the op that
// cannot be placed and the states it could have seen (or the stale-read proof). Internal to
// coordcheck_reports.
//
// Element ids: "checker-<name>" per section, "anomalies-<name>" per anomaly list,
// "counterexample" and "counterexample-table" for the (first) linearizability counterexample.
//
// Thread-safety: pure functions (references are recorded in the OpRefs given).
#pragma once

#include <string>

#include "reports/op_refs.h"
#include "reports/report.h"

namespace coordcheck::reports {

// A verdict string ("valid", "invalid", "unknown", "error") from a result's "verdict", else
// from its "valid" (true, false, "unknown"); "unknown" when neither says.
std::string VerdictOf(const Json& result);

// The HTML of every checker in `checkers` (results.json's "checkers", an object). A
// checker's "timeline_bands" are drawn on the timeline (TimelineBands), not listed here.
std::string RenderCheckers(const Json& checkers, OpRefs* refs, const ReportOptions& options);

// The generic way a checker marks stretches of the run on the report's timeline (e.g. the
// election workload's windows of unavailability): its details' "timeline_bands", a list of
// {"from_ns", "to_ns" (integers, history time, from <= to), "label" (a string)}. Entries of
// another shape are left out, and at most kMaxTimelineBands are kept in all. Returns
// [{"checker", "s", "e" (microseconds, the timeline's unit), "label"}], in the order of
// `checkers` (results.json's "checkers"), for the page's script.
inline constexpr size_t kMaxTimelineBands = 2000;
Json TimelineBands(const Json& checkers);

}  // namespace coordcheck::reports
