// The plots' data, aggregated from a HistoryView so the page draws a few thousand numbers
// whatever the history's size. Internal to coordcheck_reports.
//
// Buckets: the history's span cut into at most `time_buckets` buckets of a round width (1, 2
// or 5 × 10^k µs). An op counts in the bucket of its completion for throughput and in the
// bucket of its invoke for latency (as the scatter places it). Pending ops have no latency and
// no completion: they are counted apart.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

#include "reports/history_view.h"

namespace coordcheck::reports {

// {"bucket_us": W, "buckets": N,
//  "throughput": [{"f": i, "outcome": o, "counts": [N counts]}],        (non-empty series only)
//  "quantiles": [{"f": i, "outcome": o, "count": n, "p50": [N], "p95": [N], "p99": [N],
//                 "max": [N]}]}                                          (µs; null = no op)
// outcome: 0 ok, 1 fail, 2 info.
Json BucketSeries(const HistoryView& view, int time_buckets);

// The latency scatter: every completed op when there are at most `max_points`, else a sample:
// up to half of it the slowest op of each (bucket, f, outcome), slowest first (the outliers a
// plain sample would lose), then fail/info ops, then an even share of the rest. Columns sorted by
// invoke, delta-coded: {"t": [start_us deltas], "l": [latency_us], "c": [f * 4 + outcome], "i":
// [invoke index deltas], "total": completed ops}.
Json ScatterPoints(const HistoryView& view, int64_t max_points, int time_buckets);

// Latency of ok ops by f name, plus "*" over all: {"<f>": {"count", "p50_ms", "p95_ms",
// "p99_ms", "max_ms"}}.
Json LatencyByF(const HistoryView& view);

}  // namespace coordcheck::reports
