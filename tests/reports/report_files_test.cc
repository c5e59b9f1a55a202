// WriteRunReport and WriteCompareReport on run folders: real lock runs (tests/reports/data,
// copied to a temp dir), a missing or broken history, a missing results.json, a comparison.
#include <catch2/catch.hpp>

#include <filesystem>

#include "history/jsonl.h"
#include "reports/report.h"
#include "tests/reports/report_test_util.h"
#include "workloads/lock/mutual_exclusion.h"

namespace coordcheck {
namespace {

namespace fs = std::filesystem;
using reports::WriteCompareReport;
using reports::WriteRunReport;
using test::HasId;
using test::ReadFile;
using test::ScriptBlockJson;
using test::TempDir;

const std::string kData = COORDCHECK_REPORTS_TEST_DATA;

// Copies fixture run `name` to DIR/store/NAME/run and returns that folder.
std::string CopyRun(const TempDir& dir, const std::string& name) {
  const fs::path to = fs::path(dir.path()) / "store" / name / "run";
  fs::create_directories(to);
  for (const char* file : {"test.json", "results.json", "history.jsonl"}) {
    fs::copy_file(fs::path(kData) / name / file, to / file);
  }
  return to.string();
}

TEST_CASE("run folder: a real invalid lock run links its anomalies to their ops") {
  TempDir dir;
  const std::string run = CopyRun(dir, "lock-redis-lock");
  const Status st = WriteRunReport(run);
  REQUIRE(st.ok());
  const std::string html = ReadFile(run + "/report.html");
  for (const char* id :
       {"verdict-banner", "checker-mutual-exclusion", "checker-fencing",
        "anomalies-mutual-exclusion", "timeline", "latency-scatter", "latency-quantiles",
        "throughput", "clock-plot", "nemesis-table", "figures"}) {
    INFO(id);
    CHECK(HasId(html, id));
  }
  CHECK(html.find("data-verdict=\"invalid\"") != std::string::npos);
  // The first overlap names critical sections 0-43 and 3-1: both link to their increments.
  const size_t first = html.find("id=\"anomaly-mutual-exclusion-1\"");
  REQUIRE(first != std::string::npos);
  const std::string item = html.substr(first, html.find("</li>\n", first) - first);
  CHECK(test::Count(item, "class=\"op-link\"") == 2);
  CHECK(item.find("increment") != std::string::npos);
  // A lost-updates anomaly is listed too.
  CHECK(html.find(">lost-updates</span>") != std::string::npos);
  const Json data = ScriptBlockJson(html, "report-data");
  CHECK(data["lane_mode"] == "process");
  CHECK(data["faults"].size() >= 3);
  CHECK(data["clock"]["nodes"].size() >= 1);
  CHECK(data["events"] == 1800);
  // Every referenced op's values are embedded.
  const Json values = ScriptBlockJson(html, "op-values");
  for (const Json& op : data["referenced"])
    CHECK(values.contains(std::to_string(op.get<int64_t>())));
}

TEST_CASE("run folder: a lock run re-checked today links the ops its typed anomalies name") {
  TempDir dir;
  const std::string run = CopyRun(dir, "lock-redis-lock");
  History history;
  REQUIRE(ReadHistoryFile(run + "/history.jsonl", &history).ok());
  const CheckResult r = MutualExclusionChecker().Check(history, CheckBudget{});
  REQUIRE(r.valid == Validity::kInvalid);
  REQUIRE(r.anomalies.size() >= 1);
  REQUIRE(r.anomalies[0].type == "overlap");
  REQUIRE(r.anomalies[0].ops.size() == 2);
  Json results = Json::parse(ReadFile(run + "/results.json"));
  results["checkers"]["mutual-exclusion"] = r.ToJson();
  test::WriteFile(run + "/results.json", results.dump());
  REQUIRE(WriteRunReport(run).ok());
  const std::string html = ReadFile(run + "/report.html");
  const size_t first = html.find("id=\"anomaly-mutual-exclusion-1\"");
  REQUIRE(first != std::string::npos);
  const std::string item = html.substr(first, html.find("</li>\n", first) - first);
  INFO(item);
  for (int64_t op : r.anomalies[0].ops) {
    CHECK(item.find("data-op=\"" + std::to_string(op) + "\">op " + std::to_string(op) + "</a>") !=
          std::string::npos);
  }
  CHECK(item.find("class=\"interval-link\"") != std::string::npos);
}

TEST_CASE("run folder: a missing history still gives a report that says so") {
  TempDir dir;
  const std::string run = CopyRun(dir, "lock-etcd-lock");
  fs::remove(fs::path(run) / "history.jsonl");
  REQUIRE(WriteRunReport(run).ok());
  const std::string html = ReadFile(run + "/report.html");
  CHECK(html.find("history.jsonl is missing") != std::string::npos);
  CHECK(HasId(html, "notes"));
  CHECK(HasId(html, "checker-mutual-exclusion"));
  CHECK(ScriptBlockJson(html, "timeline-data")["n"] == 0);
  // The clock-effect note from results.json is shown as well.
  CHECK(html.find("the clock faults did not reach the target") != std::string::npos);
}

TEST_CASE("run folder: a broken history shows the events before the broken line") {
  TempDir dir;
  const std::string run = CopyRun(dir, "lock-etcd-lock");
  const std::string text = ReadFile(run + "/history.jsonl");
  size_t cut = 0;
  for (int line = 0; line < 100; ++line) cut = text.find('\n', cut) + 1;
  test::WriteFile(run + "/history.jsonl",
                  text.substr(0, cut) + "{\"index\": 100, this is not json\n");
  REQUIRE(WriteRunReport(run).ok());
  const std::string html = ReadFile(run + "/report.html");
  CHECK(html.find("history.jsonl is broken") != std::string::npos);
  CHECK(html.find(":101:") != std::string::npos);
  CHECK(ScriptBlockJson(html, "report-data")["events"] == 100);
}

TEST_CASE("run folder: a missing or broken results.json is an error naming the file") {
  TempDir dir;
  const std::string run = CopyRun(dir, "lock-etcd-lock");
  fs::remove(fs::path(run) / "results.json");
  Status st = WriteRunReport(run);
  CHECK_FALSE(st.ok());
  CHECK(st.message().find(run + "/results.json") != std::string::npos);
  CHECK_FALSE(fs::exists(fs::path(run) / "report.html"));

  test::WriteFile(run + "/results.json", "{\"valid\": ");
  st = WriteRunReport(run);
  CHECK_FALSE(st.ok());
  CHECK(st.message().find("results.json:1: not valid JSON: ") != std::string::npos);

  st = WriteRunReport(dir.path() + "/no-such-run");
  CHECK_FALSE(st.ok());
  CHECK(st.message().find("test.json") != std::string::npos);
}

TEST_CASE("comparison folder: targets side by side, linking each run's report") {
  TempDir dir;
  const std::string redis = CopyRun(dir, "lock-redis-lock");
  const std::string etcd = CopyRun(dir, "lock-etcd-lock");
  REQUIRE(WriteRunReport(redis).ok());
  Json compare = Json::parse(ReadFile(kData + "/compare.json"));
  REQUIRE(compare["runs"].size() == 3);
  compare["runs"][0]["run_dir"] = redis;
  compare["runs"][1]["run_dir"] =
      dir.path() + "/store/lock-redlock/gone";  // a run whose folder is missing
  compare["runs"][2]["run_dir"] = etcd;
  const std::string compare_dir = dir.path() + "/store/compare-lock/ts";
  fs::create_directories(compare_dir);
  test::WriteFile(compare_dir + "/compare.json", compare.dump(2));
  REQUIRE(WriteCompareReport(compare_dir).ok());
  const std::string html = ReadFile(compare_dir + "/report.html");
  for (const char* id :
       {"verdict-banner", "compare-table", "latency-compare", "latency-table", "run-command"}) {
    INFO(id);
    CHECK(HasId(html, id));
  }
  CHECK(html.find("data-verdict=\"invalid\"") != std::string::npos);
  CHECK(html.find("href=\"../../lock-redis-lock/run/report.html\"") != std::string::npos);
  CHECK(html.find("href=\"../../lock-etcd-lock/run/report.html\"") != std::string::npos);
  CHECK(html.find("data-target=\"redlock\"") != std::string::npos);
  CHECK(html.find("results.json missing") != std::string::npos);
  // Figures columns and the clock effect of each run.
  CHECK(html.find("<th>rejected stale writes</th>") != std::string::npos);
  CHECK(html.find("<th>clock faults</th>") != std::string::npos);
  CHECK(html.find("not-reached") != std::string::npos);
  CHECK(html.find("mutual-exclusion: 25 (overlap, lost-updates)") != std::string::npos);

  fs::remove(compare_dir + "/compare.json");
  const Status st = WriteCompareReport(compare_dir);
  CHECK_FALSE(st.ok());
  CHECK(st.message().find("compare.json") != std::string::npos);
}

TEST_CASE("comparison folder: a run_dir that is not a plain path gets no link") {
  TempDir dir;
  const std::string compare_dir = dir.path() + "/store/compare-lock/ts";
  // A run folder named like a URL scheme, next to compare.json; its results.json says so too.
  const std::string evil = compare_dir + "/javascript:alert(1)";
  fs::create_directories(evil);
  Json results = Json::parse(ReadFile(kData + "/lock-etcd-lock/results.json"));
  results["run_dir"] = "javascript:alert(1)";
  test::WriteFile(evil + "/results.json", results.dump(2));
  Json compare = Json::parse(ReadFile(kData + "/compare.json"));
  REQUIRE(compare["runs"].size() == 3);
  compare["runs"][0]["run_dir"] = evil;
  compare["runs"][1]["run_dir"] = "javascript:alert(1)";
  compare["runs"][2]["run_dir"] = CopyRun(dir, "lock-redis-lock");
  test::WriteFile(compare_dir + "/compare.json", compare.dump(2));
  REQUIRE(WriteCompareReport(compare_dir).ok());
  const std::string html = ReadFile(compare_dir + "/report.html");
  CHECK(html.find("href=\"javascript:") == std::string::npos);
  CHECK(html.find("javascript:alert(1)/report.html") == std::string::npos);
  CHECK(html.find("href=\"../../lock-redis-lock/run/report.html\"") != std::string::npos);
  CHECK(html.find("data-target=\"redis-lock\"") != std::string::npos);

  // Whatever the links given: only plain relative paths become hrefs.
  const std::vector<std::string> links = {
      "javascript:alert(1)", "/etc/passwd", "//evil.example/x", "a/b?c", "..\\x", "%2e%2e/x",
      "ok/run/report.html"};
  Json three = compare;
  three["runs"] = Json::array();
  for (size_t i = 0; i < links.size(); ++i) three["runs"].push_back(compare["runs"][2]);
  const std::string page = reports::RenderCompareReport(three, std::vector<Json>(links.size()),
                                                        std::vector<Json>(links.size()), links);
  for (size_t i = 0; i + 1 < links.size(); ++i) {
    INFO(links[i]);
    CHECK(page.find("href=\"" + links[i]) == std::string::npos);
  }
  CHECK(page.find("href=\"ok/run/report.html\"") != std::string::npos);
}

}  // namespace
}  // namespace coordcheck
