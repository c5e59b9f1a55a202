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

// The HTML of every checker in `checkers` (results.json's "checkers", an object).
std::string RenderCheckers(const Json& checkers, OpRefs* refs, const ReportOptions& options);

}  // namespace coordcheck::reports
