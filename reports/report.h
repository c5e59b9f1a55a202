// The HTML report of a run and of a comparison: one self-contained file each (inline CSS, JS
// and data; nothing is fetched when it is opened), readable offline next to the run's files.
//
// A run's report.html shows: a header (test, target, workload, nemesis, seed, commit, command
// line, duration) under a verdict banner and the run's notes; a section per checker (verdict,
// figures, each anomaly in words with links to its ops, the linearizability counterexample);
// a zoomable timeline of every op, one lane per process, with nemesis intervals shaded and the
// stretches checkers mark (their details' "timeline_bands", checker_sections.h); latency
// (scatter and quantiles over time) and throughput over time, by f and outcome; the clock
// offsets when clock faults were checked; the nemesis intervals as a table.
//
// Why the work is split this way: a history may hold millions of ops, so everything the page
// plots is aggregated here (time buckets, quantiles, a sampled scatter) and the timeline is
// embedded as compact columns (base64 varints, about 12 bytes an op); the page decodes it once
// and draws only the visible window. Full op values are embedded for a budgeted subset (every
// nemesis op and every op a checker's result names first, then the first ops of the history);
// the others say on which line of history.jsonl they are.
//
// Safety: every string taken from a history or a result is HTML-escaped where it is written
// as HTML and \u-escaped (<, >, &, U+2028, U+2029) inside the embedded JSON blocks; the page
// shows values with textContent only. So no value can inject markup or script.
//
// The output depends only on the inputs and options (no clock, no environment), so it can be
// compared in tests.
//
// Thread-safety: pure functions of their inputs; the Write* functions write only the
// report.html of the folder they are given.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "history/history.h"

namespace coordcheck::reports {

// Size budget and layout knobs. The defaults keep a 1M-op history's report under 20 MB.
struct ReportOptions {
  // Client ops whose values (invoke value, result, error, key, node) are embedded in full,
  // counted in history order after the ops the results name. Default 20,000.
  int64_t max_value_ops = 20'000;
  // Bytes of embedded values at most (all ops together), so a history of large values
  // cannot blow the file up. Default 4 MiB.
  int64_t max_value_bytes = int64_t{4} << 20;
  // Characters of one value's JSON text; longer values are cut (the page says so and
  // names the history line). Default 600.
  int64_t max_value_chars = 600;
  // Nemesis ops embedded with their values; later ones show times only. Default 5,000.
  int64_t max_nemesis_ops = 5'000;
  // Points of the latency scatter plot; more ops are sampled down (keeping every bucket's
  // slowest op and a share of fail/info ops). Default 20,000.
  int64_t max_scatter_points = 20'000;
  // Time buckets of the throughput and latency-quantile plots (at most). Default 300.
  int time_buckets = 300;
  // Rows listed per table in a checker's section (anomalies, prefix, rejected writes...);
  // the rest are counted, not shown. Default 200.
  int max_list_rows = 200;
  // Up to this many client processes the timeline has one lane per process; beyond it,
  // one lane per worker thread (process mod concurrency, as processes are numbered). Default 64.
  int max_process_lanes = 64;
  // Why the history is missing or partial, shown in the report (WriteRunReport sets it when
  // history.jsonl cannot be read). Empty = the history is complete.
  std::string history_problem;
  // A comparison reads each run's history for its latency quantiles unless the file is
  // larger than this. Default 512 MiB.
  int64_t max_compare_history_bytes = int64_t{512} << 20;
};

// Reads RUN_DIR's test.json, results.json and history.jsonl and writes RUN_DIR/report.html.
// A missing or broken history still gives a report (it says what is missing and shows the
// events before the first broken line). A missing or unreadable test.json or results.json,
// or a report that cannot be written, is an error naming the file.
Status WriteRunReport(const std::string& run_dir, const ReportOptions& options = {});

// The run report as HTML from values: `test` as in test.json, `results` as in results.json
// (either may be an empty object), `history` as read from history.jsonl (may be empty).
std::string RenderRunReport(const Json& test, const Json& results, const History& history,
                            const ReportOptions& options = {});

// A comparison folder (compare.json: {command, workload, seed, exit_code, runs: [{target,
// exit_code, verdict, run_dir, figures}]}) → COMPARE_DIR/report.html: the targets side by side
// (verdicts, figures, anomalies, rejected stale writes, clock effect, latency), reading each
// run's results.json (and its history for latency), linking each run's report.html by a
// relative path. A run whose files are missing gets a row saying so; a missing or broken
// compare.json is an error naming the file.
Status WriteCompareReport(const std::string& compare_dir,
                                   const ReportOptions& options = {});

// The comparison page from values: `compare` as in compare.json, `run_results[i]` the
// results.json of compare["runs"][i] (null when missing), `latency[i]` that run's latency
// summary (LatencySummary; null when unknown), `report_links[i]` the href of its report,
// relative to the comparison's folder (empty: none). A link that is not a plain relative path
// (a scheme such as "javascript:", a leading '/', characters other than letters, digits and
// "-._~/+") is dropped: that run's name is then plain text.
std::string RenderCompareReport(const Json& compare, const std::vector<Json>& run_results,
                                const std::vector<Json>& latency,
                                const std::vector<std::string>& report_links);

// A swarm folder (swarm.json, harness/swarm.h) → SWARM_DIR/report.html: the detection
// figures and one row per run (seed, faults, interval, verdict, seconds, concurrency, the
// checkers' summary, the command that repeats it, a relative link to its report.html). A
// missing or broken swarm.json is an error naming the file; a run whose files are missing
// still gets its row.
Status WriteSwarmReport(const std::string& swarm_dir);

// The swarm page from values: `swarm` as in swarm.json, `run_results[i]` the results.json of
// swarm["runs"][i] (null when missing), `report_links[i]` its report's href (PlainRelativeHref
// applies).
std::string RenderSwarmReport(const Json& swarm, const std::vector<Json>& run_results,
                              const std::vector<std::string>& report_links);

// Latency of a history's client ops by f, over ok ops: {"<f>": {"count", "p50_ms", "p95_ms",
// "p99_ms", "max_ms"}, ...}; also "*" over all f. Empty object for no ok ops.
Json LatencySummary(const History& history);

}  // namespace coordcheck::reports
