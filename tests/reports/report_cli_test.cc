// `coordcheck report` and `coordcheck serve` as a user runs them, on hostile input: JSON
// nested 100,000 deep (an error naming the file, exit 3, never a crash) and --port outside
// 0..65535 (exit 3 naming --port, never a wrapped-around port).
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "tests/harness/run_util.h"
#include "tests/reports/report_test_util.h"

namespace coordcheck {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::FreshDir;
using testing::RunCoordcheck;

const std::string kData = COORDCHECK_REPORTS_TEST_DATA;

// A JSON object whose notes and checker details nest `depth` arrays deep.
std::string DeepResults(int depth) {
  const std::string deep = std::string(depth, '[') + std::string(depth, ']');
  return R"({"verdict": "invalid", "notes": [)" + deep +
         R"(], "checkers": {"c": {"verdict": "invalid", "summary": "s", "details": {"x": )" + deep +
         "}}}}";
}

TEST_CASE("report: a results.json or compare.json nested 100,000 deep is exit 3, not a crash") {
  const std::string run = FreshDir("deep-run");
  fs::copy_file(kData + "/lock-etcd-lock/test.json", run + "/test.json");
  fs::copy_file(kData + "/lock-etcd-lock/history.jsonl", run + "/history.jsonl");
  test::WriteFile(run + "/results.json", DeepResults(100000));
  std::string out;
  CHECK(RunCoordcheck({"report", run}, &out, 60s) == 3);
  INFO(out);
  CHECK(out.find(run + "/results.json: JSON nested deeper than 256 levels") != std::string::npos);

  // 256 levels are still read.
  test::WriteFile(run + "/results.json", DeepResults(250));
  CHECK(RunCoordcheck({"report", run}, &out, 60s) == 0);

  const std::string compare = FreshDir("deep-compare");
  test::WriteFile(compare + "/compare.json", R"({"runs": [], "x": )" + std::string(100000, '[') +
                                                 std::string(100000, ']') + "}");
  CHECK(RunCoordcheck({"report", compare}, &out, 60s) == 3);
  CHECK(out.find(compare + "/compare.json: JSON nested deeper than 256 levels") !=
        std::string::npos);
}

TEST_CASE("report: a number beyond a double's range in results.json is exit 3, not a crash") {
  // Found by fuzz/json_report_fuzz.cc (corpus/json_report/crash-number-overflow.json):
  // nlohmann throws out_of_range, not parse_error, and the report aborted.
  const std::string run = FreshDir("overflow-run");
  fs::copy_file(kData + "/lock-etcd-lock/test.json", run + "/test.json");
  test::WriteFile(run + "/results.json", R"({"verdict": "invalid", "x": 1E+270955})");
  std::string out;
  CHECK(RunCoordcheck({"report", run}, &out, 60s) == 3);
  INFO(out);
  CHECK(out.find(run + "/results.json:1: not valid JSON: number overflow parsing "
                       "'1E+270955' at column 29") != std::string::npos);
}

TEST_CASE("serve: --port outside 0..65535 is exit 3 naming --port") {
  const std::string store = FreshDir("port-store");
  for (const char* port : {"70000", "65536", "-1", "http"}) {
    INFO(port);
    std::string out;
    CHECK(RunCoordcheck({"serve", store, "--port", port}, &out, 5s) == 3);
    CHECK(out.find("--port") != std::string::npos);
  }
}

}  // namespace
}  // namespace coordcheck
