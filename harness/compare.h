// Comparison runs: the same workload, seed and fault schedule against several targets in
// turn (`coordcheck compare`), and the one table that sets their results side by side.
//
// Each target's run is an ordinary run with its own store folder; the comparison adds
// STORE/compare-<workload>/<timestamp>/ with compare.json (the runs, their verdicts,
// figures and folders) and table.txt (what the terminal showed).
//
// Exit code: 3 if any run failed, else 1 if any was invalid, else 2 if any was unknown,
// else 0 — the CI contract of shared/DESIGN.md over the whole set.
//
// Thread-safety: single-threaded (runs go one after another).
#pragma once

#include <string>
#include <vector>

#include "harness/run.h"
#include "harness/test_config.h"

namespace coordcheck {

// The run's verdict as results.json says it; "error" when it has none (the run failed).
std::string VerdictOf(const RunOutcome& run);

// `rows` as plain text, each column as wide as its widest cell, two spaces between columns,
// no trailing spaces, one line per row.
std::string AlignColumns(const std::vector<std::vector<std::string>>& rows);

// One row per run: target, verdict, the workload's figures (Workload::Figures), whether
// clock faults reached the target (when any ran), then per run its checkers' summaries,
// notes and folder. Plain text, columns aligned.
std::string FormatCompareTable(const std::vector<RunOutcome>& runs);

// The exit code of a comparison (above).
int CompareExitCode(const std::vector<RunOutcome>& runs);

// Runs `base` once per target in `targets` (same seed: one is drawn first when base has
// none), prints the table and where everything is stored, writes the comparison's folder.
// Returns the comparison's exit code.
int RunCompare(TestConfig base, const std::vector<std::string>& targets, const RunOptions& options);

}  // namespace coordcheck
