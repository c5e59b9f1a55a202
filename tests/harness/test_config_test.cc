// TestConfig's JSON test files (LoadTestFile): read with the config table's rules; what cannot
// be read is an error naming the file (and the line of a syntax error), never an exception.
#include "harness/test_config.h"
#include "harness/run.h"

#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "tests/support/node_env.h"

namespace coordcheck {
namespace {

// Loads `text` as the test file bad.json in `dir`; the error's message, or "ok".
std::string Load(const nodetest::TempDir& dir, const std::string& text, TestConfig* config) {
  const std::string path = dir.path() + "/bad.json";
  std::ofstream(path) << text;
  const Status st = LoadTestFile(path, config);
  return st.ok() ? "ok" : st.message();
}

TEST_CASE("test config: a test file sets the fields it names") {
  nodetest::TempDir dir;
  TestConfig config;
  CHECK(Load(dir, R"({"target": "kvd", "nodes": 3, "meta": {"any": 1}})", &config) == "ok");
  CHECK(config.target == "kvd");
  CHECK(config.nodes == 3);
}

TEST_CASE("test config: an unset rate is the workload's; 0 and null are read as such") {
  nodetest::TempDir dir;
  TestConfig config;
  CHECK(!config.rate);
  CHECK_FALSE(TestConfigToJson(config).contains("rate"));
  config.workload = "register";
  CHECK(EffectiveRate(config) == 0);  // the register workload runs unpaced
  config.workload = "lock";
  CHECK(EffectiveRate(config) == 200);
  CHECK(Load(dir, R"({"rate": 0})", &config) == "ok");
  REQUIRE(config.rate);
  CHECK(*config.rate == 0);
  CHECK(EffectiveRate(config) == 0);
  CHECK(TestConfigToJson(config)["rate"] == 0);
  CHECK(Load(dir, R"({"rate": null})", &config) == "ok");
  CHECK(!config.rate);
  CHECK(Load(dir, R"({"rate": -1})", &config).find("\"rate\" must be a number >= 0") !=
        std::string::npos);
}

TEST_CASE("test config: errors name the file, and the line of a syntax error") {
  nodetest::TempDir dir;
  const std::string file = dir.path() + "/bad.json";
  TestConfig config;
  CHECK(Load(dir, "{\n  \"nodes\": 5,,\n}\n", &config).rfind(file + ":2: not valid JSON: ", 0) == 0);
  CHECK(
      Load(dir, R"({"concurency": 5})", &config).rfind(file + ": unknown key \"concurency\"", 0) ==
      0);
  CHECK(Load(dir, "[1]", &config) == file + ": expected a JSON object");
  CHECK(Load(dir, std::string(300, '[') + std::string(300, ']'), &config) ==
        file + ": JSON nested deeper than 256 levels");
  CHECK(LoadTestFile(dir.path() + "/missing.json", &config).message() ==
        dir.path() + "/missing.json: cannot open");
}

TEST_CASE("test config: a number beyond a double's range is an error naming the file") {
  // nlohmann throws out_of_range for it, not parse_error: it must not escape as an abort.
  nodetest::TempDir dir;
  TestConfig config;
  CHECK(Load(dir, R"({"nodes": 1E+400})", &config) ==
        dir.path() + "/bad.json:1: not valid JSON: number overflow parsing '1E+400' at column 11");
}

}  // namespace
}  // namespace coordcheck
