// RenderRunReport: escaping of every value taken from a history or a result, the page's key
// elements, the linearizability counterexample, the embedded data (checkers' timeline bands
// among them) and the size budget.
#include <catch2/catch.hpp>

#include <random>

#include "checkers/linearizable.h"
#include "nemesis/families.h"
#include "reports/checker_sections.h"
#include "reports/report.h"
#include "tests/reports/report_test_util.h"
#include "workloads/payments/idempotency.h"

namespace coordcheck {
namespace {

using reports::RenderRunReport;
using test::Count;
using test::HasId;
using test::ScriptBlockJson;
using test::ScriptBlockText;
using test::TimedHistory;

const std::string kEvil =
    "<script>alert(1)</script> \"double\" 'single' </script><!-- & &amp; \u2028 \u2029 end";

// A register history with a stale read (op 4 reads 1 after 2 was written), clock faults with
// offset checks, a partition and a client pause.
History StaleReadHistory() {
  TimedHistory h;
  h.Add(0, 0, OpType::kInvoke, "write", 1).Add(10, 0, OpType::kOk, "write", 1);
  h.Nemesis(12, OpType::kInvoke, "bump-clock", {{"n1", 5000}});
  h.Nemesis(13, OpType::kInfo, "bump-clock", {{"n1", {{"before_ms", 0}, {"after_ms", 5000}}}});
  h.Nemesis(14, OpType::kInvoke, "check-clock-offsets");
  h.Nemesis(15, OpType::kInfo, "check-clock-offsets", {{"n1", 5000}, {"n2", 0}});
  h.history().ops.back().extra = {
      {"clock",
       {{"n1",
         {{"file_ms", 5000},
          {"target", {{"offset_ms", 12}, {"error_ms", 500}, {"method", "Date header"}}}}}}}};
  h.Add(20, 1, OpType::kInvoke, "write", 2).Add(30, 1, OpType::kOk, "write", 2);
  h.Add(40, 2, OpType::kInvoke, "read").Add(50, 2, OpType::kOk, "read", 1);
  h.Nemesis(55, OpType::kInvoke, "start-partition", {{"kind", "halves"}});
  h.Nemesis(56, OpType::kInfo, "start-partition",
            {{"kind", "halves"}, {"grudge", {{"n1", {"n2"}}, {"n2", {"n1"}}}}});
  h.Nemesis(60, OpType::kInvoke, "pause-client", {{"ms", 400}});
  h.Nemesis(61, OpType::kInfo, "pause-client", {{"ms", 400}, {"posted", true}});
  h.Add(62, 0, OpType::kInvoke, "read").Add(70, 0, OpType::kFail, "read", nullptr, "timeout-ish");
  h.Nemesis(80, OpType::kInvoke, "stop-partition").Nemesis(81, OpType::kInfo, "stop-partition");
  h.Nemesis(90, OpType::kInvoke, "reset-clock").Nemesis(91, OpType::kInfo, "reset-clock");
  h.Add(95, 1, OpType::kInvoke, "read").Add(99, 1, OpType::kInfo, "read", nullptr, "timed out");
  REQUIRE(h.history().Validate().ok());
  return h.history();
}

Json TestJson(const std::string& name) {
  return {{"name", name},
          {"target", "kvd"},
          {"workload", "register"},
          {"bug", "lost-cas"},
          {"nodes", 3},
          {"concurrency", 3},
          {"nemesis", {"clock", "partition", "client-pause"}},
          {"seed", 12345678901234567890ull},
          {"meta",
           {{"command", "coordcheck run -w register -t kvd --name '" + name + "'"},
            {"commit", "abc123def456"}}}};
}

Json ResultsFor(const History& history) {
  LinearizableOptions options;
  options.model = "register";
  CheckResult r = LinearizableChecker(options).Check(history, CheckBudget{});
  Json results = {{"test", "register-kvd"},
                  {"valid", ValidityToJson(r.valid)},
                  {"verdict", std::string(ValidityName(r.valid))},
                  {"summary", r.summary}};
  results["checkers"]["linearizable"] = r.ToJson();
  results["notes"] = {"the clock faults did not reach the target"};
  results["phases"] = {
      {"main", {{"seconds", 0.09}, {"invoked", 5}, {"ok", 3}, {"fail", 1}, {"info", 1}}}};
  results["figures"] = {{"ops", 5}};
  return results;
}

TEST_CASE(
    "report: values from the history and results are escaped and round-trip through the data "
    "blocks") {
  TimedHistory h;
  h.Add(1, 0, OpType::kInvoke, kEvil, {{"k", kEvil}}, nullptr, kEvil);
  h.Add(2, 0, OpType::kOk, kEvil, Json::array({kEvil, 1}), nullptr, kEvil);
  h.Add(3, 1, OpType::kInvoke, "write", kEvil);
  h.Add(4, 1, OpType::kFail, "write", kEvil, kEvil);
  h.Nemesis(5, OpType::kInvoke, "start-partition", {{"kind", kEvil}});
  h.Nemesis(6, OpType::kInfo, "start-partition", {{"kind", kEvil}, {"grudge", {{kEvil, {kEvil}}}}});
  h.history().ops[1].node = kEvil;
  Json test = TestJson(kEvil);
  Json results = {
      {"test", kEvil},
      {"target", kEvil},
      {"valid", false},
      {"verdict", "invalid"},
      {"summary", kEvil},
      {"error", kEvil},
      {"notes", {kEvil}},
      {"figures", {{kEvil, kEvil}}},
      {"checkers",
       {{kEvil,
         {{"valid", false},
          {"verdict", kEvil},
          {"summary", kEvil + " op 0"},
          {"details",
           {{"anomalies",
             Json::array({Json{{"type", kEvil}, {"explanation", kEvil + " op 2"}, {"index", 0}}})},
            {"rows", Json::array({Json::object({{kEvil, kEvil}})})},
            {kEvil, kEvil}}}}}}}};
  const std::string html = RenderRunReport(test, results, h.history());

  // Nothing from the inputs opens or closes an element: every <script and </script> is ours.
  CHECK(html.find("<script>alert") == std::string::npos);
  CHECK(html.find("<!-- &") == std::string::npos);
  CHECK(Count(html, "<script") == 5);  // error hook, three data blocks, the page script
  CHECK(Count(html, "</script>") == 5);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &quot;double&quot; &#39;single&#39;") !=
        std::string::npos);
  CHECK(html.find("data-checker=\"&lt;script&gt;alert(1)&lt;/script&gt; &quot;double&quot;") !=
        std::string::npos);

  for (const char* id : {"report-data", "timeline-data", "op-values"}) {
    auto text = ScriptBlockText(html, id);
    REQUIRE(text);
    CHECK(text->find('<') == std::string::npos);
    CHECK(text->find('>') == std::string::npos);
    CHECK(text->find('&') == std::string::npos);
    CHECK(text->find("\u2028") == std::string::npos);
    CHECK(text->find("\u2029") == std::string::npos);
  }
  // The embedded JSON parses back to the original strings.
  const Json values = ScriptBlockJson(html, "op-values");
  CHECK(values["0"]["v"] == Json{{"k", kEvil}});
  CHECK(values["0"]["r"] == Json::array({kEvil, 1}));
  CHECK(values["0"]["k"] == kEvil);
  CHECK(values["0"]["n"] == kEvil);
  CHECK(values["2"]["v"] == kEvil);
  CHECK(values["2"]["e"] == kEvil);
  CHECK(values["4"]["r"]["kind"] == kEvil);
  const Json data = ScriptBlockJson(html, "report-data");
  CHECK(data["f_names"][0] == kEvil);
  CHECK(data["name"] == kEvil);
  REQUIRE(data["faults"].size() == 1);
  CHECK(data["faults"][0]["label"].get<std::string>().find("<script>alert(1)</script>") !=
        std::string::npos);
}

TEST_CASE("report: key elements of an invalid linearizability run with clock faults") {
  const History history = StaleReadHistory();
  const Json results = ResultsFor(history);
  REQUIRE(results["verdict"] == "invalid");
  const std::string html = RenderRunReport(TestJson("register-kvd"), results, history);

  for (const char* id : {"verdict-banner",
                         "notes",
                         "run-info",
                         "run-seed",
                         "run-commit",
                         "run-command",
                         "run-duration",
                         "figures",
                         "checkers",
                         "checker-linearizable",
                         "counterexample",
                         "counterexample-table",
                         "counterexample-states",
                         "timeline",
                         "tl-zoom-in",
                         "tl-reset",
                         "op-details",
                         "latency-scatter",
                         "latency-quantiles",
                         "throughput",
                         "clock-section",
                         "clock-plot",
                         "nemesis-table",
                         "report-data",
                         "timeline-data",
                         "op-values"}) {
    INFO(id);
    CHECK(HasId(html, id));
  }
  CHECK(html.find("data-verdict=\"invalid\"") != std::string::npos);
  CHECK(html.find("12345678901234567890") != std::string::npos);
  CHECK(html.find("abc123def456") != std::string::npos);
  CHECK(html.find("the clock faults did not reach the target") != std::string::npos);
  // The stale read (op 8, invoked at 40 ms) cannot be placed; the table marks it and links it.
  CHECK(html.find("<tr class=\"cannot-place\" data-op=\"8\">") != std::string::npos);
  CHECK(html.find("href=\"#op-8\"") != std::string::npos);
  // The op links also reach the embedded values.
  const Json values = ScriptBlockJson(html, "op-values");
  CHECK(values["8"]["r"] == 1);
  const Json data = ScriptBlockJson(html, "report-data");
  CHECK(std::find(data["referenced"].begin(), data["referenced"].end(), Json(8)) !=
        data["referenced"].end());
  // Clock readings per node and the target's own clock.
  CHECK(data["clock"]["nodes"]["n1"][0][1] == 5000);
  CHECK(data["clock"]["target"]["n1"][0][1] == 12);
  CHECK(data["clock"]["methods"]["n1"] == "Date header");
  // Fault intervals: clock (bump → reset), partition, and the client pause as a mark.
  std::vector<std::string> families;
  for (const Json& f : data["faults"]) families.push_back(f["family"]);
  CHECK(families == std::vector<std::string>{"clock", "partition", "client-pause"});
  CHECK(data["faults"][0]["s"] == 12000);
  CHECK(data["faults"][0]["e"] == 91000);
  CHECK(data["faults"][2]["mark"] == true);
  // The timeline: 5 client ops on 3 process lanes.
  CHECK(data["lane_mode"] == "process");
  CHECK(data["lanes"].size() == 3);
  CHECK(ScriptBlockJson(html, "timeline-data")["n"] == 5);
}

TEST_CASE("report: a stale-read proof is told in words with links to its ops") {
  const History history = StaleReadHistory();
  Json details = {{"model", "register"},
                  {"key", nullptr},
                  {"op", {{"index", 8}, {"complete", 9}, {"process", 2}, {"f", "read"}}},
                  {"prefix", Json::array()},
                  {"states", Json::array()},
                  {"proof", {{"read", 8}, {"value", 1}, {"overwrite", 6}, {"last_writer", 0}}},
                  {"explanation", "not linearizable: op 8 is a stale read"}};
  Json results = {{"verdict", "invalid"}, {"valid", false}};
  results["checkers"]["linearizable"] = {
      {"valid", false}, {"verdict", "invalid"}, {"details", details}};
  const std::string html = RenderRunReport(TestJson("t"), results, history);
  CHECK(HasId(html, "stale-read-proof"));
  CHECK(html.find("process 2 read 1 at 0.050 s (<a class=\"op-link\" href=\"#op-8\" "
                  "data-op=\"8\">op #8</a>, invoked at "
                  "0.040 s), but <a class=\"op-link\" href=\"#op-6\" data-op=\"6\">op #6</a> "
                  "(process 1 write 2) overwrote 1, "
                  "completed at 0.030 s \u2014 before the read was invoked; every op that could "
                  "have written 1 completed before "
                  "<a class=\"op-link\" href=\"#op-6\" data-op=\"6\">op #6</a> was invoked (the "
                  "last: <a class=\"op-link\" "
                  "href=\"#op-0\" data-op=\"0\">op #0</a>, completed at 0.010 s).") !=
        std::string::npos);
  CHECK(HasId(html, "cannot-place"));
}

TEST_CASE("report: no clock plot without clock readings, and empty inputs still render") {
  TimedHistory h;
  h.Add(0, 0, OpType::kInvoke, "read").Add(1, 0, OpType::kOk, "read", nullptr);
  const std::string html = RenderRunReport(Json::object(), Json::object(), h.history());
  CHECK_FALSE(HasId(html, "clock-plot"));
  CHECK(HasId(html, "verdict-banner"));
  CHECK(html.find("data-verdict=\"unknown\"") != std::string::npos);
  CHECK(html.find("results.json holds no verdict") != std::string::npos);

  const std::string empty = RenderRunReport(Json::object(), Json::object(), History{});
  CHECK(HasId(empty, "timeline"));
  CHECK(ScriptBlockJson(empty, "timeline-data")["n"] == 0);
}

TEST_CASE("report: an error result shows the run's error in the banner") {
  Json results = {
      {"valid", "unknown"}, {"verdict", "error"}, {"error", "cannot create the nodes: netns busy"}};
  const std::string html = RenderRunReport(TestJson("t"), results, History{});
  CHECK(html.find("class=\"banner verdict-error\"") != std::string::npos);
  CHECK(HasId(html, "run-error"));
  CHECK(html.find("cannot create the nodes: netns busy") != std::string::npos);
}

// A register-like history of `ops` ops by 10 processes at about 1000 ops/s, with fail and
// info completions (the process moves on under a fresh id) and a partition every 10 s.
History GeneratedHistory(int64_t ops, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> latency_ms(0.5, 0.8);
  std::uniform_real_distribution<double> u(0, 1);
  History h;
  struct Proc {
    int64_t id;
    double free_at_ms;
  };
  std::vector<Proc> procs;
  for (int i = 0; i < 10; ++i) procs.push_back({i, 0});
  // Events are generated per op, then merged by time.
  struct Ev {
    double t;
    int64_t seq;
    Op op;
  };
  std::vector<Ev> evs;
  int64_t seq = 0;
  for (int64_t i = 0; i < ops; ++i) {
    Proc& p = procs[static_cast<size_t>(i % 10)];
    const double start = p.free_at_ms + u(rng) * 2;
    const double end = start + latency_ms(rng);
    Op inv;
    inv.process = p.id;
    inv.type = OpType::kInvoke;
    const double r = u(rng);
    inv.f = r < 0.5 ? "read" : r < 0.9 ? "write" : "cas";
    inv.value = inv.f == "read"    ? Json()
                : inv.f == "write" ? Json(i % 5)
                                   : Json::array({i % 5, (i + 1) % 5});
    Op done = inv;
    const double outcome = u(rng);
    done.type = outcome < 0.01 ? OpType::kInfo : outcome < 0.05 ? OpType::kFail : OpType::kOk;
    if (inv.f == "read" && done.type == OpType::kOk) done.value = static_cast<int64_t>(i % 5);
    evs.push_back({start, seq++, inv});
    evs.push_back({end, seq++, done});
    p.free_at_ms = end;
    if (done.type == OpType::kInfo) p.id += 10;
  }
  for (double t = 5000; t < procs[0].free_at_ms; t += 10000) {
    Op a;
    a.process = kNemesisProcess;
    a.type = OpType::kInvoke;
    a.f = "start-partition";
    a.value = {{"kind", "halves"}};
    Op b = a;
    b.type = OpType::kInfo;
    Op c = a;
    c.f = "stop-partition";
    c.value = nullptr;
    Op d = c;
    d.type = OpType::kInfo;
    evs.push_back({t, seq++, a});
    evs.push_back({t + 1, seq++, b});
    evs.push_back({t + 5000, seq++, c});
    evs.push_back({t + 5001, seq++, d});
  }
  std::sort(evs.begin(), evs.end(),
            [](const Ev& x, const Ev& y) { return x.t != y.t ? x.t < y.t : x.seq < y.seq; });
  for (Ev& e : evs) {
    e.op.time_ns = static_cast<int64_t>(e.t * 1e6);
    h.Append(std::move(e.op));
  }
  return h;
}

TEST_CASE("report: a 100k-op history's report stays within its share of the 20 MB budget") {
  const History history = GeneratedHistory(100'000, 7);
  REQUIRE(history.Validate().ok());
  Json test = TestJson("big");
  test["concurrency"] = 10;
  const std::string html =
      RenderRunReport(test, Json{{"verdict", "valid"}, {"valid", true}}, history);
  // 20 MB for 1M ops is 2 MB per 100k ops (the embedded values and plots are a fixed part).
  CHECK(html.size() < 2'000'000);
  const Json data = ScriptBlockJson(html, "report-data");
  CHECK(data["scatter"]["t"].size() <= 20'000);
  CHECK(data["scatter"]["total"] == 100'000);
  CHECK(data["values_embedded"].get<int64_t>() <= 20'000 + 100);
  CHECK(data["buckets"]["buckets"].get<int64_t>() <= 300);
  // More than 64 processes (info ops retire them): one lane per worker thread.
  CHECK(data["lane_mode"] == "thread");
  CHECK(data["lanes"].size() == 10);
}

}  // namespace
}  // namespace coordcheck

namespace coordcheck {
namespace {

TEST_CASE("report: a double charge lists the payment's attempts as linked ops") {
  // Payment p0-1 timed out (op 0), was retried (op 2) and acknowledged, but the service
  // committed two charges for it.
  TimedHistory h;
  const Json v1 = {{"account", "a1"}, {"amount", 40}, {"attempt", 1}};
  const Json v2 = {{"account", "a1"}, {"amount", 40}, {"attempt", 2}};
  Json ok2 = v2;
  ok2["charge_id"] = "ch-2";
  ok2["replayed"] = false;
  h.Add(0, 0, OpType::kInvoke, "charge", v1, nullptr, "p0-1")
      .Add(1000, 0, OpType::kInfo, "charge", v1, "no answer in time", "p0-1")
      .Add(1100, 5, OpType::kInvoke, "charge", v2, nullptr, "p0-1")
      .Add(1110, 5, OpType::kOk, "charge", ok2, nullptr, "p0-1")
      .Add(2000, 5, OpType::kInvoke, "read-service")
      .Add(2010, 5, OpType::kOk, "read-service",
           {{"charges", {{"ch-1", "p0-1", "a1", 40}, {"ch-2", "p0-1", "a1", 40}}},
            {"balances", {{"a1", 80}}}});
  REQUIRE(h.history().Validate().ok());
  CheckResult r = IdempotencyChecker().Check(h.history(), CheckBudget{});
  REQUIRE(r.valid == Validity::kInvalid);
  Json results = {{"verdict", "invalid"}, {"valid", false}};
  results["checkers"]["idempotency"] = r.ToJson();
  const std::string html = RenderRunReport(TestJson("t"), results, h.history());
  const size_t item = html.find("<li class=\"anomaly\" id=\"anomaly-idempotency-1\">");
  REQUIRE(item != std::string::npos);
  const std::string anomaly = html.substr(item, html.find("</li>\n", item) - item);
  INFO(anomaly);
  CHECK(anomaly.find("duplicate-charge") != std::string::npos);
  CHECK(anomaly.find("p0-1") != std::string::npos);
  // Both attempts, linked, each described.
  CHECK(anomaly.find("<a class=\"op-link\" href=\"#op-0\" data-op=\"0\">op 0</a>: ") !=
        std::string::npos);
  CHECK(anomaly.find("<a class=\"op-link\" href=\"#op-2\" data-op=\"2\">op 2</a>: ") !=
        std::string::npos);
}

TEST_CASE("report: fault colours, legend and classes come from the fault catalogue") {
  const History history = StaleReadHistory();
  const std::string html = RenderRunReport(TestJson("t"), ResultsFor(history), history);
  const Json data = ScriptBlockJson(html, "report-data");
  REQUIRE(data["fault_colours"].size() == FaultCatalogue().size());
  for (const FaultInfo* info : FaultCatalogue()) {
    INFO(info->name);
    CHECK(data["fault_colours"][info->name] == info->colour);
    CHECK(html.find(".fault-" + info->name + " { background: " + info->colour + "; }") !=
          std::string::npos);
    CHECK(html.find("<i class=\"swatch fault-" + info->name + "\"></i>") != std::string::npos);
  }
}

// A mutual-exclusion result whose details anomaly has a member merely named "op" (8) and a
// critical section "cs" the history's ops do not carry; with `typed`, the typed anomaly names
// ops 0 and 6 and an interval.
Json OverlapResult(bool typed) {
  Json result = {{"valid", false},
                 {"verdict", "invalid"},
                 {"summary", "1 overlapping pair"},
                 {"details",
                  {{"anomalies",
                    {{{"type", "overlap"},
                      {"op", 8},
                      {"a", {{"cs", "0-1"}}},
                      {"explanation", "critical sections 0-1 and 1-1 overlapped"}}}}}}};
  if (typed) {
    result["anomalies"] = {{{"type", "overlap"},
                            {"explanation", "critical sections 0-1 and 1-1 overlapped"},
                            {"ops", {0, 6}},
                            {"interval_ns", {20'000'000, 30'000'000}}}};
  }
  return result;
}

// The report of OverlapResult(typed) over StaleReadHistory(): the page in `html`, the
// anomaly's list item returned.
std::string RenderedAnomaly(bool typed, std::string* html) {
  Json results = {{"verdict", "invalid"}, {"valid", false}};
  results["checkers"]["mutual-exclusion"] = OverlapResult(typed);
  *html = RenderRunReport(TestJson("t"), results, StaleReadHistory());
  const size_t item = html->find("<li class=\"anomaly\" id=\"anomaly-mutual-exclusion-1\">");
  REQUIRE(item != std::string::npos);
  return html->substr(item, html->find("</li>\n", item) - item);
}

TEST_CASE("report: a typed anomaly links every op it names, and nothing it does not") {
  std::string html;
  const std::string anomaly = RenderedAnomaly(true, &html);
  INFO(anomaly);
  CHECK(anomaly.find("<a class=\"op-link\" href=\"#op-0\" data-op=\"0\">op 0</a>: ") !=
        std::string::npos);
  CHECK(anomaly.find("<a class=\"op-link\" href=\"#op-6\" data-op=\"6\">op 6</a>: ") !=
        std::string::npos);
  // details' "op": 8 is no longer guessed to be an op.
  CHECK(anomaly.find("data-op=\"8\"") == std::string::npos);
  // The interval zooms the timeline (in its unit, microseconds).
  CHECK(anomaly.find("data-start-us=\"20000\" data-end-us=\"30000\"") != std::string::npos);
  CHECK(anomaly.find("0.020 s \u2013 0.030 s") != std::string::npos);
  CHECK(Count(html, "<li class=\"anomaly\"") == 1);  // details.anomalies are not listed again
}

TEST_CASE("report: a results.json without typed anomalies falls back to the guess") {
  std::string html;
  const std::string anomaly = RenderedAnomaly(false, &html);
  INFO(anomaly);
  CHECK(anomaly.find("<a class=\"op-link\" href=\"#op-8\" data-op=\"8\">op 8</a>: ") !=
        std::string::npos);
  CHECK(anomaly.find("data-op=\"6\"") == std::string::npos);
  CHECK(anomaly.find("data-start-us") == std::string::npos);
}

// A checker's details "timeline_bands" (the election workload's unavailability windows):
// drawn on the timeline from the report data, never listed as a table in its section.
Json BandsResult(Json bands) {
  return {{"valid", true},
          {"verdict", "valid"},
          {"summary", "one leader per term"},
          {"details", {{"total_unavailable_ms", 2190.0}, {"timeline_bands", std::move(bands)}}},
          {"anomalies", Json::array()}};
}

TEST_CASE("report: checkers' timeline bands are drawn on the timeline, well-formed ones only") {
  const History history = StaleReadHistory();
  Json results = {{"verdict", "valid"}, {"valid", true}};
  results["checkers"]["election-safety"] = BandsResult(
      {{{"from_ns", 20'000'000}, {"to_ns", 30'000'000}, {"label", kEvil}},
       {{"from_ns", 40'000'000}, {"to_ns", 30'000'000}, {"label", "ends before it starts"}},
       {{"from_ns", "0"}, {"to_ns", 30'000'000}, {"label", "not a number"}},
       {{"from_ns", 1}, {"to_ns", 2}},
       "not an object",
       {{"from_ns", 50'000'000}, {"to_ns", 60'000'000}, {"label", "second"}}});
  results["checkers"]["other"] = BandsResult("not a list");
  const std::string html = RenderRunReport(TestJson("t"), results, history);

  const Json data = ScriptBlockJson(html, "report-data");
  CHECK(data["bands"] ==
        Json::array(
            {{{"checker", "election-safety"}, {"s", 20'000}, {"e", 30'000}, {"label", kEvil}},
             {{"checker", "election-safety"}, {"s", 50'000}, {"e", 60'000}, {"label", "second"}}}));
  CHECK(html.find("<i class=\"swatch checker-band\"></i>") != std::string::npos);
  // The bands are not repeated as a table in the checker's section; its figures stay.
  CHECK(html.find("timeline bands") == std::string::npos);
  CHECK(html.find("<th>total unavailable ms</th>") != std::string::npos);
  // The label came through escaped: nothing of it opens an element.
  CHECK(html.find("<script>alert") == std::string::npos);
  CHECK(Count(html, "<script") == 5);

  // Without bands: an empty list, and no legend entry.
  const std::string plain = RenderRunReport(TestJson("t"), ResultsFor(history), history);
  CHECK(ScriptBlockJson(plain, "report-data")["bands"] == Json::array());
  CHECK(plain.find("<i class=\"swatch checker-band\"></i>") == std::string::npos);
}

TEST_CASE("report: at most kMaxTimelineBands bands are embedded") {
  Json bands = Json::array();
  for (int64_t i = 0; i < static_cast<int64_t>(reports::kMaxTimelineBands) + 500; ++i) {
    bands.push_back({{"from_ns", i * 1000}, {"to_ns", i * 1000 + 500}, {"label", "b"}});
  }
  Json results = {{"verdict", "valid"}, {"valid", true}};
  results["checkers"]["election-safety"] = BandsResult(bands);
  const std::string html = RenderRunReport(TestJson("t"), results, StaleReadHistory());
  CHECK(ScriptBlockJson(html, "report-data")["bands"].size() == reports::kMaxTimelineBands);
}

}  // namespace
}  // namespace coordcheck
