// The HTML report's cost on large histories: register-like histories of N ops (10 client
// threads at about 1000 ops/s; 4% fail, 1% info after which the thread continues under a
// fresh process; a partition every 10 s and a clock bump with offset checks every 30 s),
// rendered by reports::RenderRunReport with the default budget. Prints, per size, the time to
// render, the report's size and the size of its parts, and (with --out) writes the reports.
//
//   build/bench/report_bench [--sizes 10000,100000,1000000] [--out DIR]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "reports/report.h"

namespace {

using coordcheck::History;
using coordcheck::Json;
using coordcheck::kNemesisProcess;
using coordcheck::Op;
using coordcheck::OpType;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

History Generate(int64_t ops, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> latency_ms(0.8, 0.9);
  std::uniform_real_distribution<double> u(0, 1);
  struct Event {
    double t_ms;
    int64_t seq;
    Op op;
  };
  std::vector<Event> events;
  events.reserve(static_cast<size_t>(ops) * 2 + 1000);
  int64_t seq = 0;
  std::vector<int64_t> process(10);
  std::vector<double> free_at(10, 0.0);
  for (int i = 0; i < 10; ++i) process[i] = i;
  for (int64_t i = 0; i < ops; ++i) {
    const auto thread = static_cast<size_t>(i % 10);
    const double start = free_at[thread] + u(rng) * 16;
    const double end = start + latency_ms(rng);
    Op inv;
    inv.process = process[thread];
    const double r = u(rng);
    inv.f = r < 0.5 ? "read" : r < 0.85 ? "write" : "cas";
    inv.value = inv.f == "read"    ? Json()
                : inv.f == "write" ? Json(i % 7)
                                   : Json::array({i % 7, (i + 3) % 7});
    inv.node = "n" + std::to_string(1 + i % 5);
    Op done = inv;
    const double outcome = u(rng);
    done.type = outcome < 0.01 ? OpType::kInfo : outcome < 0.05 ? OpType::kFail : OpType::kOk;
    if (inv.f == "read" && done.type == OpType::kOk) done.value = i % 7;
    if (done.type == OpType::kInfo) done.error = "timeout";
    events.push_back({start, seq++, std::move(inv)});
    events.push_back({end, seq++, std::move(done)});
    free_at[thread] = end;
    if (events.back().op.type == OpType::kInfo) process[thread] += 10;
  }
  const double end_ms = *std::max_element(free_at.begin(), free_at.end());
  auto nemesis = [&](double t, const char* f, Json invoke_value, Json done_value) {
    Op a;
    a.process = kNemesisProcess;
    a.f = f;
    a.value = std::move(invoke_value);
    Op b = a;
    b.type = OpType::kInfo;
    b.value = std::move(done_value);
    events.push_back({t, seq++, std::move(a)});
    events.push_back({t + 2, seq++, std::move(b)});
  };
  for (double t = 5000; t + 6000 < end_ms; t += 10000) {
    nemesis(t, "start-partition", {{"kind", "halves"}},
            {{"kind", "halves"}, {"grudge", {{"n1", {"n3"}}, {"n3", {"n1"}}}}});
    nemesis(t + 5000, "stop-partition", nullptr, {{"healed", {"n1", "n3"}}});
  }
  for (double t = 7000; t + 20000 < end_ms; t += 30000) {
    nemesis(t, "bump-clock", {{"n2", 8000}}, {{"n2", {{"before_ms", 0}, {"after_ms", 8000}}}});
    nemesis(t + 10, "check-clock-offsets", nullptr, {{"n1", 0}, {"n2", 8000}, {"n3", 0}});
    nemesis(t + 15000, "reset-clock", nullptr, nullptr);
    nemesis(t + 15010, "check-clock-offsets", nullptr, {{"n1", 0}, {"n2", 0}, {"n3", 0}});
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return a.t_ms != b.t_ms ? a.t_ms < b.t_ms : a.seq < b.seq;
  });
  History h;
  h.ops.reserve(events.size());
  for (Event& e : events) {
    e.op.time_ns = static_cast<int64_t>(e.t_ms * 1e6);
    h.Append(std::move(e.op));
  }
  return h;
}

size_t BlockSize(const std::string& html, const std::string& id) {
  const std::string open = "id=\"" + id + "\">";
  const size_t at = html.find(open);
  if (at == std::string::npos) return 0;
  return html.find("</script>", at) - at - open.size();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Times the HTML run report on generated histories of 10k to 1M ops."};
  std::vector<int64_t> sizes = {10'000, 100'000, 1'000'000};
  std::string out_dir;
  app.add_option("--sizes", sizes, "history sizes in ops (invoke + completion each)")
      ->delimiter(',');
  app.add_option("--out", out_dir, "write each report to DIR/report-N.html");
  CLI11_PARSE(app, argc, argv);

  std::printf("%10s %10s %10s %10s %12s %12s %12s %12s\n", "ops", "events", "gen s", "render s",
              "size MB", "timeline MB", "values MB", "data MB");
  for (int64_t n : sizes) {
    auto t0 = Clock::now();
    const History history = Generate(n, 42);
    const double gen_s = Since(t0);
    if (coordcheck::Status st = history.Validate(); !st) {
      std::fprintf(stderr, "generated history is invalid: %s\n", st.message().c_str());
      return 1;
    }
    const Json test = {{"name", "report-bench"},
                       {"target", "kvd"},
                       {"workload", "register"},
                       {"concurrency", 10},
                       {"nodes", 5},
                       {"seed", 42},
                       {"nemesis", {"partition", "clock"}},
                       {"meta", {{"command", "report_bench"}, {"commit", "bench"}}}};
    const Json results = {
        {"valid", true}, {"verdict", "valid"}, {"summary", "generated history (not checked)"}};
    t0 = Clock::now();
    const std::string html = coordcheck::reports::RenderRunReport(test, results, history);
    const double render_s = Since(t0);
    std::printf("%10lld %10zu %10.2f %10.2f %12.2f %12.2f %12.2f %12.2f\n",
                static_cast<long long>(n), history.size(), gen_s, render_s,
                static_cast<double>(html.size()) / 1e6,
                static_cast<double>(BlockSize(html, "timeline-data")) / 1e6,
                static_cast<double>(BlockSize(html, "op-values")) / 1e6,
                static_cast<double>(BlockSize(html, "report-data")) / 1e6);
    std::fflush(stdout);
    if (!out_dir.empty()) {
      std::filesystem::create_directories(out_dir);
      std::ofstream(out_dir + "/report-" + std::to_string(n) + ".html", std::ios::binary) << html;
    }
  }
  return 0;
}
