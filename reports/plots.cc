#include "reports/plots.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <tuple>
#include <vector>

namespace coordcheck::reports {

namespace {

// A round bucket width in µs giving at most `buckets` buckets over `span_us`.
int64_t BucketWidthUs(int64_t span_us, int buckets) {
  buckets = std::max(1, buckets);
  for (int64_t scale = 1;; scale *= 10) {
    for (int64_t m : {1, 2, 5}) {
      const int64_t w = m * scale;
      if ((span_us / w) + 1 <= buckets) return w;
    }
    if (scale > (int64_t{1} << 50)) return scale;
  }
}

// The q-quantile (nearest rank) of `v`, which it partially sorts.
int64_t Quantile(std::vector<int64_t>& v, double q) {
  size_t k = static_cast<size_t>(q * static_cast<double>(v.size()));
  if (k >= v.size()) k = v.size() - 1;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

int64_t LatencyUs(const ClientSpan& op) {
  return std::max<int64_t>(0, (op.end_ns - op.start_ns) / 1000);
}

}  // namespace

Json BucketSeries(const HistoryView& view, int time_buckets) {
  const int64_t span_us = std::max<int64_t>(1, view.end_ns / 1000);
  const int64_t w = BucketWidthUs(span_us, time_buckets);
  const auto n = static_cast<size_t>(span_us / w + 1);
  // Keyed by (f, outcome).
  std::map<std::pair<uint32_t, int>, std::vector<int64_t>> counts;
  std::map<std::pair<uint32_t, int>, std::vector<std::vector<int64_t>>> latencies;
  for (const ClientSpan& op : view.ops) {
    if (op.outcome == Outcome::kPending) continue;
    const auto key = std::make_pair(op.f, static_cast<int>(op.outcome));
    auto& c = counts[key];
    if (c.empty()) c.assign(n, 0);
    c[std::min(n - 1, static_cast<size_t>(op.end_ns / 1000 / w))]++;
    auto& l = latencies[key];
    if (l.empty()) l.resize(n);
    l[std::min(n - 1, static_cast<size_t>(op.start_ns / 1000 / w))].push_back(LatencyUs(op));
  }
  Json throughput = Json::array();
  for (const auto& [key, c] : counts) {
    throughput.push_back(Json{{"f", key.first}, {"outcome", key.second}, {"counts", c}});
  }
  Json quantiles = Json::array();
  for (auto& [key, buckets] : latencies) {
    Json series = {{"f", key.first}, {"outcome", key.second}};
    Json p50 = Json::array(), p95 = Json::array(), p99 = Json::array(), max = Json::array();
    int64_t count = 0;
    for (auto& b : buckets) {
      if (b.empty()) {
        p50.push_back(nullptr), p95.push_back(nullptr), p99.push_back(nullptr),
            max.push_back(nullptr);
        continue;
      }
      count += static_cast<int64_t>(b.size());
      p50.push_back(Quantile(b, 0.50));
      p95.push_back(Quantile(b, 0.95));
      p99.push_back(Quantile(b, 0.99));
      max.push_back(*std::max_element(b.begin(), b.end()));
    }
    series["count"] = count;
    series["p50"] = std::move(p50);
    series["p95"] = std::move(p95);
    series["p99"] = std::move(p99);
    series["max"] = std::move(max);
    quantiles.push_back(std::move(series));
  }
  return Json{
      {"bucket_us", w}, {"buckets", n}, {"throughput", throughput}, {"quantiles", quantiles}};
}

Json ScatterPoints(const HistoryView& view, int64_t max_points, int time_buckets) {
  std::vector<uint32_t> completed;  // indices into view.ops
  completed.reserve(view.ops.size());
  for (uint32_t i = 0; i < view.ops.size(); ++i) {
    if (view.ops[i].outcome != Outcome::kPending) completed.push_back(i);
  }
  std::vector<uint32_t> chosen;
  const auto budget = static_cast<size_t>(std::max<int64_t>(0, max_points));
  if (completed.size() <= budget) {
    chosen = completed;
  } else {
    std::vector<char> keep(view.ops.size(), 0);
    size_t kept = 0;
    // 1. Each (bucket, f, outcome)'s slowest op: the outliers a sample would lose.
    const int64_t w = BucketWidthUs(std::max<int64_t>(1, view.end_ns / 1000), time_buckets);
    std::map<std::tuple<int64_t, uint32_t, int>, uint32_t> slowest;
    for (uint32_t i : completed) {
      const ClientSpan& op = view.ops[i];
      auto key = std::make_tuple(op.start_ns / 1000 / w, op.f, static_cast<int>(op.outcome));
      auto [it, inserted] = slowest.try_emplace(key, i);
      if (!inserted && LatencyUs(view.ops[it->second]) < LatencyUs(op)) it->second = i;
    }
    std::vector<uint32_t> outliers;
    for (const auto& [key, i] : slowest) outliers.push_back(i);
    std::stable_sort(outliers.begin(), outliers.end(), [&](uint32_t a, uint32_t b) {
      return LatencyUs(view.ops[a]) > LatencyUs(view.ops[b]);
    });
    for (uint32_t i : outliers) {
      if (kept >= budget / 2) break;
      keep[i] = 1, ++kept;
    }
    // 2. fail and info ops, evenly, up to half of what is left; 3. the rest evenly.
    for (int pass = 0; pass < 2; ++pass) {
      std::vector<uint32_t> pool;
      for (uint32_t i : completed) {
        const bool rare = view.ops[i].outcome != Outcome::kOk;
        if (!keep[i] && (pass == 1 || rare)) pool.push_back(i);
      }
      const size_t room = pass == 0 ? (budget - kept) / 2 : budget - kept;
      if (pool.empty() || room == 0) continue;
      const double stride =
          std::max(1.0, static_cast<double>(pool.size()) / static_cast<double>(room));
      for (double x = 0; static_cast<size_t>(x) < pool.size() && kept < budget; x += stride) {
        keep[pool[static_cast<size_t>(x)]] = 1, ++kept;
      }
    }
    for (uint32_t i : completed)
      if (keep[i]) chosen.push_back(i);
  }
  Json t = Json::array(), l = Json::array(), c = Json::array(), idx = Json::array();
  int64_t prev_t = 0, prev_i = 0;
  for (uint32_t i : chosen) {
    const ClientSpan& op = view.ops[i];
    const int64_t start_us = std::max(prev_t, op.start_ns / 1000);
    t.push_back(start_us - prev_t);
    l.push_back(LatencyUs(op));
    c.push_back(uint64_t{op.f} * 4 + static_cast<uint64_t>(op.outcome));
    idx.push_back(op.invoke - prev_i);
    prev_t = start_us;
    prev_i = op.invoke;
  }
  return Json{{"t", t}, {"l", l}, {"c", c}, {"i", idx}, {"total", completed.size()}};
}

Json LatencyByF(const HistoryView& view) {
  std::map<std::string, std::vector<int64_t>> by_f;
  for (const ClientSpan& op : view.ops) {
    if (op.outcome != Outcome::kOk) continue;
    const int64_t us = LatencyUs(op);
    by_f[view.f_names[op.f]].push_back(us);
    by_f["*"].push_back(us);
  }
  Json out = Json::object();
  for (auto& [f, v] : by_f) {
    const double max_ms = static_cast<double>(*std::max_element(v.begin(), v.end())) / 1e3;
    out[f] = Json{{"count", v.size()},
                  {"p50_ms", static_cast<double>(Quantile(v, 0.50)) / 1e3},
                  {"p95_ms", static_cast<double>(Quantile(v, 0.95)) / 1e3},
                  {"p99_ms", static_cast<double>(Quantile(v, 0.99)) / 1e3},
                  {"max_ms", max_ms}};
  }
  return out;
}

}  // namespace coordcheck::reports
