// The report's view of a history: pairing, lanes, the timeline encoding, fault intervals, op
// links, and the HTML/JSON escaping helpers.
#include <catch2/catch.hpp>

#include "reports/history_view.h"
#include "reports/html.h"
#include "reports/nemesis_view.h"
#include "reports/op_refs.h"
#include "reports/plots.h"
#include "tests/reports/report_test_util.h"

namespace coordcheck {
namespace {

using namespace reports;
using test::TimedHistory;

// The inverse of EncodeTimeline, as the page decodes it.
std::vector<std::array<int64_t, 7>> DecodeTimeline(const std::string& b64, size_t n) {
  std::string bytes;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : b64) {
    if (c == '=') break;
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    acc = (acc << 6) | static_cast<uint32_t>(std::strchr(alphabet, c) - alphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  size_t p = 0;
  auto next = [&] {
    uint64_t v = 0;
    int shift = 0;
    uint8_t b;
    do {
      b = static_cast<uint8_t>(bytes.at(p++));
      v |= uint64_t{b & 0x7Fu} << shift;
      shift += 7;
    } while (b & 0x80);
    return static_cast<int64_t>(v);
  };
  std::vector<std::array<int64_t, 7>> out;
  int64_t invoke = 0, start = 0;
  for (size_t i = 0; i < n; ++i) {
    invoke += next();
    const int64_t lane = next();
    start += next();
    const int64_t end = start + next();
    const int64_t code = next();
    const int64_t cd = next();
    out.push_back({invoke, lane, start, end, code / 4, code % 4, cd ? invoke + cd : -1});
  }
  CHECK(p == bytes.size());
  return out;
}

TEST_CASE("history view: pairs ops, keeps nemesis apart and encodes the timeline") {
  TimedHistory h;
  h.Add(1, 0, OpType::kInvoke, "write", 1);                   // 0
  h.Add(2, 1, OpType::kInvoke, "read");                       // 1
  h.Nemesis(3, OpType::kInvoke, "start-partition");           // 2
  h.Add(4, 0, OpType::kOk, "write", 1);                       // 3
  h.Nemesis(5, OpType::kInfo, "start-partition");             // 4
  h.Add(6, 1, OpType::kInfo, "read");                         // 5
  h.Add(7, 11, OpType::kInvoke, "cas", Json::array({1, 2}));  // 6
  h.Add(8.5, 0, OpType::kInvoke, "read");                     // 7
  h.Add(9, 0, OpType::kFail, "read");                         // 8
  h.Nemesis(10, OpType::kInfo, "stop-partition");             // 9 (a lone event)
  const HistoryView view = BuildHistoryView(h.history(), 10, 64);
  REQUIRE(view.ops.size() == 4);
  CHECK(view.f_names == std::vector<std::string>{"write", "read", "cas"});
  CHECK(view.ops[0].complete == 3);
  CHECK(view.ops[1].outcome == Outcome::kInfo);
  CHECK(view.ops[2].outcome == Outcome::kPending);
  CHECK(view.ops[2].end_ns == 10'000'000);  // pending until the history's end
  CHECK(view.ops[3].outcome == Outcome::kFail);
  REQUIRE(view.nemesis.size() == 2);
  CHECK(view.nemesis[0].invoke == 2);
  CHECK(view.nemesis[0].complete == 4);
  CHECK(view.nemesis[1].invoke == -1);
  CHECK(view.nemesis[1].complete == 9);
  CHECK(view.lane_mode == "process");
  CHECK(view.lanes.size() == 3);
  CHECK(view.lanes[2].label == "p11");
  CHECK(view.OpOf(3) == 0);
  CHECK(view.OpOf(8) == 7);
  CHECK(view.OpOf(4) == 2);
  CHECK(view.OpOf(9) == 9);

  const auto decoded = DecodeTimeline(EncodeTimeline(view), view.ops.size());
  REQUIRE(decoded.size() == 4);
  CHECK(decoded[0] == std::array<int64_t, 7>{0, 0, 1000, 4000, 0, 0, 3});
  CHECK(decoded[1] == std::array<int64_t, 7>{1, 1, 2000, 6000, 1, 2, 5});
  CHECK(decoded[2] == std::array<int64_t, 7>{6, 2, 7000, 10000, 2, 3, -1});
  CHECK(decoded[3] == std::array<int64_t, 7>{7, 0, 8500, 9000, 1, 1, 8});
}

TEST_CASE("history view: lanes by thread beyond the process limit, else packed") {
  TimedHistory h;
  // 3 threads; each op ends in info, so every op runs under a fresh process.
  for (int i = 0; i < 30; ++i) {
    const int64_t p = i;  // thread i % 3, process i
    h.Add(i * 10, p, OpType::kInvoke, "read").Add(i * 10 + 5, p, OpType::kInfo, "read");
  }
  HistoryView by_thread = BuildHistoryView(h.history(), 3, 8);
  CHECK(by_thread.lane_mode == "thread");
  REQUIRE(by_thread.lanes.size() == 3);
  CHECK(by_thread.lanes[1].processes.front() == 1);
  CHECK(by_thread.lanes[1].processes.size() == 10);

  HistoryView packed = BuildHistoryView(h.history(), 0, 8);
  CHECK(packed.lane_mode == "packed");
  CHECK(packed.lanes.size() == 1);  // the ops never overlap
  // Overlapping processes need as many lanes as run at once.
  TimedHistory o;
  for (int p = 0; p < 20; ++p) o.Add(p, p, OpType::kInvoke, "read");
  for (int p = 0; p < 20; ++p) o.Add(100 + p, p, OpType::kOk, "read", 1);
  CHECK(BuildHistoryView(o.history(), 0, 8).lanes.size() == 20);
  CHECK(BuildHistoryView(o.history(), 7, 8).lane_mode == "packed");  // mod 7 would overlap
}

TEST_CASE("fault intervals: pairing of start and stop ops by family") {
  TimedHistory h;
  h.Nemesis(0, OpType::kInvoke, "stop-partition")
      .Nemesis(1, OpType::kInfo, "stop-partition");  // nothing open
  h.Nemesis(10, OpType::kInvoke, "start-partition", {{"kind", "isolate"}, {"mode", "drop"}});
  h.Nemesis(11, OpType::kInfo, "start-partition",
            {{"kind", "isolate"}, {"grudge", {{"n1", {"n2", "n3"}}}}});
  h.Nemesis(20, OpType::kInvoke, "bump-clock", {{"n2", -300}})
      .Nemesis(21, OpType::kInfo, "bump-clock");
  h.Nemesis(30, OpType::kInvoke, "bump-clock", {{"n3", 200}})
      .Nemesis(31, OpType::kInfo, "bump-clock");
  h.Nemesis(40, OpType::kInvoke, "stop-partition").Nemesis(41, OpType::kInfo, "stop-partition");
  h.Nemesis(50, OpType::kInvoke, "reset-clock").Nemesis(51, OpType::kInfo, "reset-clock");
  h.Nemesis(60, OpType::kInvoke, "pause-client", {{"ms", 400}})
      .Nemesis(61, OpType::kInfo, "pause-client");
  h.Nemesis(70, OpType::kInvoke, "strobe-clock",
            {{"nodes", {"n1"}}, {"delta_ms", 200}, {"duration_ms", 15}});
  h.Nemesis(72, OpType::kInfo, "strobe-clock");
  h.Nemesis(80, OpType::kInvoke, "kill", {{"nodes", {"n2"}}});
  h.Nemesis(81, OpType::kInfo, "kill", nullptr);
  h.history().ops.back().error = "n2: no such process";
  h.Nemesis(90, OpType::kInvoke, "start-packet", {{"nodes", {"n1"}}, {"loss", 0.2}})
      .Nemesis(91, OpType::kInfo, "start-packet");
  const HistoryView view = BuildHistoryView(h.history(), 0, 64);
  const auto intervals = FaultIntervals(h.history(), view);
  REQUIRE(intervals.size() == 6);
  CHECK(intervals[0].family == "partition");
  CHECK(intervals[0].start_ns == 10'000'000);
  CHECK(intervals[0].end_ns == 41'000'000);
  CHECK(intervals[0].open_op == 2);
  CHECK(intervals[0].close_op == 8);
  CHECK(intervals[0].label == "isolate: n1 drops n2,n3");
  CHECK(intervals[1].family == "clock");
  CHECK(intervals[1].end_ns == 51'000'000);
  CHECK(intervals[1].label == "bump n2 -300 ms; bump n3 +200 ms");
  CHECK(intervals[2].family == "client-pause");
  CHECK(intervals[2].mark);
  CHECK(intervals[2].label == "client pause 400 ms");
  CHECK(intervals[3].family == "clock");
  CHECK(intervals[3].end_ns == 85'000'000);  // its 15 ms duration
  CHECK(intervals[4].family == "kill");
  CHECK_FALSE(intervals[4].healed);
  CHECK(intervals[4].label == "kill n2 (error: n2: no such process)");
  CHECK(intervals[5].family == "packet");
  CHECK(intervals[5].label == "loss 0.2 on n1");
  CHECK(intervals[5].end_ns == 91'000'000);
}

TEST_CASE("op refs: links op numbers in text, resolves completions and critical sections") {
  TimedHistory h;
  h.Add(1, 0, OpType::kInvoke, "acquire").Add(2, 0, OpType::kOk, "acquire");        // 0, 1
  h.Add(3, 0, OpType::kInvoke, "increment");                                        // 2
  h.Add(4, 0, OpType::kOk, "increment", {{"cs", "0-1"}, {"accepted", true}});       // 3
  h.Add(5, 1, OpType::kInvoke, "read").Add(6, 1, OpType::kOk, "read", "<b>x</b>");  // 4, 5
  const HistoryView view = BuildHistoryView(h.history(), 0, 64);
  OpRefs refs(h.history(), view);
  CHECK(refs.OpOfCs("0-1") == 2);
  CHECK(refs.OpOfCs("9-9") == -1);
  const std::string html =
      refs.Linkify("op 4 read <b> at event 5, #2 and op #0; seq 85, cs 3-1, op 99, 1.5 s");
  CHECK(
      html ==
      "<a class=\"op-link\" href=\"#op-4\" data-op=\"4\">op 4</a> read &lt;b&gt; at "
      "<a class=\"op-link\" href=\"#op-4\" data-op=\"4\">event 5</a>, "
      "<a class=\"op-link\" href=\"#op-2\" data-op=\"2\">#2</a> and "
      "<a class=\"op-link\" href=\"#op-0\" data-op=\"0\">op #0</a>; seq 85, cs 3-1, op 99, 1.5 s");
  CHECK(refs.referenced() == std::set<int64_t>{0, 2, 4});
  CHECK(refs.Describe(4) == "process 1 read, ok \"<b>x</b>\" at 0.006 s (invoked at 0.005 s)");
}

TEST_CASE("html helpers: escaping and script-safe JSON") {
  CHECK(EscapeHtml("<a href='x'>\"&\"</a>") ==
        "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;");
  CHECK(EscapeHtml(std::string("bad \xff byte")) == "bad \uFFFD byte");
  const Json v = {{"s", "</script><script>alert(1)</script> & \u2028\u2029"}};
  const std::string text = ScriptJson(v);
  CHECK(text ==
        "{\"s\":\"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e \\u0026 "
        "\\u2028\\u2029\"}");
  CHECK(Json::parse(text) == v);
  CHECK(JsonText(Json("\u00e9\u00e9\u00e9"), 3) ==
        "\"\u00e9\u2026");  // cut at a character boundary
  CHECK(FormatSeconds(12'310'000'000) == "12.310 s");
  CHECK(FormatDuration(850'000) == "850 \u00b5s");
  CHECK(FormatDuration(12'300'000) == "12.3 ms");
  CHECK(Slug("Mutual Exclusion!") == "mutual-exclusion");
  CHECK(Slug("<>") == "x");
}

TEST_CASE("plots: buckets, quantiles and a sampled scatter that keeps the slowest ops") {
  // 1000 reads 10 ms apart, 1 ms each except one of 900 ms (on a process of its own).
  std::vector<Op> events;
  for (int i = 0; i < 1000; ++i) {
    Op inv;
    inv.process = i == 501 ? 99 : i % 4;
    inv.f = "read";
    inv.time_ns = int64_t{i} * 10'000'000;
    Op done = inv;
    done.type = i % 10 == 0 ? OpType::kFail : OpType::kOk;
    done.time_ns += i == 501 ? 900'000'000 : 1'000'000;
    events.push_back(inv);
    events.push_back(done);
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const Op& a, const Op& b) { return a.time_ns < b.time_ns; });
  History sorted;
  for (Op op : events) sorted.Append(std::move(op));
  REQUIRE(sorted.Validate().ok());
  const HistoryView view = BuildHistoryView(sorted, 0, 64);
  const Json buckets = BucketSeries(view, 100);
  CHECK(buckets["bucket_us"] == 100'000);
  CHECK(buckets["buckets"].get<int>() <= 100);
  int64_t ok = 0, fail = 0;
  for (const Json& s : buckets["throughput"]) {
    for (const Json& c : s["counts"]) (s["outcome"] == 0 ? ok : fail) += c.get<int64_t>();
  }
  CHECK(fail == 100);
  CHECK(ok + fail == 1000);
  const Json scatter = ScatterPoints(view, 50, 100);
  CHECK(scatter["t"].size() == 50);
  CHECK(scatter["total"] == view.ops.size());
  bool slowest_kept = false;
  for (const Json& l : scatter["l"]) slowest_kept |= l.get<int64_t>() == 900'000;
  CHECK(slowest_kept);
  const Json latency = LatencyByF(view);
  CHECK(latency["read"]["max_ms"] == 900.0);
  CHECK(latency["*"]["p50_ms"] == 1.0);
}

}  // namespace
}  // namespace coordcheck
