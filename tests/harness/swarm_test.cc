// Swarm planning (harness/swarm.h): every run's seed, fault subset and interval come from the
// swarm's seed; the command printed for a run repeats its config; the fault pool is what
// applies to the target; and the swarm page and JUnit file list every run.
#include "harness/swarm.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "base/strings.h"
#include "harness/cli_report.h"
#include "reports/report.h"
#include "tests/harness/run_util.h"

namespace coordcheck {
namespace {

// The flags of a command line of plain words (no quoting) read back as `run` reads them.
TestConfig ConfigOfCommand(const std::string& command) {
  std::vector<std::string> words = Split(command, ' ');
  REQUIRE(words.size() >= 2);
  REQUIRE(words[0] == "coordcheck");
  REQUIRE(words[1] == "run");
  std::map<std::string, std::string> by_flag;
  for (const OptionDoc& d : TestConfigTable().Docs()) {
    if (!d.flag.empty()) by_flag[d.flag.substr(0, d.flag.find(','))] = d.name;
  }
  TestConfig config;
  for (size_t i = 2; i + 1 < words.size(); i += 2) {
    INFO(words[i]);
    REQUIRE(by_flag.count(words[i]) == 1);
    const std::string& name = by_flag[words[i]];
    REQUIRE(TestConfigTable().ParseOne(name, TestConfigTable().FlagValue(name, words[i + 1]),
                                       &config).ok());
  }
  return config;
}

TEST_CASE("swarm: the swarm's seed gives every run's seed, faults and interval") {
  const std::vector<std::string> pool = {"partition", "kill", "pause", "clock"};
  std::set<uint64_t> seeds;
  std::map<std::string, int> chosen;
  int empty = 0, below_two = 0;
  for (int i = 0; i < 400; ++i) {
    const SwarmRunPlan plan = PlanSwarmRun(7, i, pool, 20);
    const SwarmRunPlan again = PlanSwarmRun(7, i, pool, 20);
    CHECK(plan.seed == again.seed);
    CHECK(plan.nemesis == again.nemesis);
    CHECK(plan.nemesis_interval_s == again.nemesis_interval_s);
    CHECK(plan.nemesis_interval_s >= 1.0);
    CHECK(plan.nemesis_interval_s <= 5.0);  // a quarter of the run at most
    below_two += plan.nemesis_interval_s < 2.0 ? 1 : 0;
    seeds.insert(plan.seed);
    for (const std::string& f : plan.nemesis) ++chosen[f];
    empty += plan.nemesis.empty() ? 1 : 0;
    // A subset of the pool, in pool order.
    size_t at = 0;
    for (const std::string& f : plan.nemesis) {
      while (at < pool.size() && pool[at] != f) ++at;
      CHECK(at < pool.size());
    }
  }
  CHECK(seeds.size() == 400);
  // Each family in about half the runs (expected 200 of 400), none always or never.
  for (const std::string& f : pool) {
    INFO(f);
    CHECK(chosen[f] > 140);
    CHECK(chosen[f] < 260);
  }
  CHECK(empty > 5);  // 1/16 expected: runs without faults happen
  // Log-uniform in [1, 5]: below 2 s with probability log 2 / log 5 = 0.43 (172 of 400);
  // uniform, it would be 0.25 (100).
  CHECK(below_two > 140);
  CHECK(below_two < 205);
  CHECK(PlanSwarmRun(8, 0, pool, 20).seed != PlanSwarmRun(7, 0, pool, 20).seed);
  // A short run's interval is at least 1 s.
  CHECK(PlanSwarmRun(7, 3, pool, 1).nemesis_interval_s == 1.0);
}

TEST_CASE("swarm: the printed command repeats the run's config") {
  TestConfig config;
  config.workload = "register";
  config.target = "kvd";
  config.bug = "lost-cas";
  config.seed = 12345678901234567ull;
  config.nemesis = {"partition", "kill"};
  config.nemesis_interval_s = 3.7;
  config.time_limit_s = 15;
  config.rate = 0;
  const std::string command = ReproduceCommand(config);
  INFO(command);
  const TestConfig back = ConfigOfCommand(command);
  CHECK(TestConfigToJson(back) == TestConfigToJson(config));
  // Defaults are left out.
  CHECK(command.find("--concurrency") == std::string::npos);
  // No faults is said as "none", which --nemesis reads as an empty list.
  config.nemesis.clear();
  CHECK(TestConfigToJson(ConfigOfCommand(ReproduceCommand(config))) == TestConfigToJson(config));
}

TEST_CASE("swarm: a value with spaces or quotes is shell-quoted") {
  TestConfig config;
  config.workload = "register";
  config.target = "kvd";
  config.name = "it's a test";
  const std::string command = ReproduceCommand(config);
  CHECK(command.find("--name 'it'\\''s a test'") != std::string::npos);
}

TEST_CASE("swarm: the fault pool is what applies to the target") {
  TestConfig kvd;
  kvd.workload = "register";
  kvd.target = "kvd";
  kvd.backend = "netns";
  const std::vector<std::string> faults = ApplicableFaults(kvd);
  INFO(Join(faults, ","));
  for (const char* f : {"partition", "kill", "pause", "clock", "packet", "disk"}) {
    CHECK(std::find(faults.begin(), faults.end(), f) != faults.end());
  }
  // client pauses need a workload whose clients take them (the lock workload).
  CHECK(std::find(faults.begin(), faults.end(), "client-pause") == faults.end());
  // Partitions need separate networks: not on the local backend.
  TestConfig local = kvd;
  local.backend = "local";
  const std::vector<std::string> on_local = ApplicableFaults(local);
  CHECK(std::find(on_local.begin(), on_local.end(), "partition") == on_local.end());
}

TEST_CASE("swarm: the page and junit.xml list every run") {
  const std::string dir = testing::FreshDir("swarm-report");
  const std::string run_dir = dir + "/register-kvd/20260101T000000Z";
  std::filesystem::create_directories(run_dir);
  std::ofstream(run_dir + "/results.json")
      << Json{{"verdict", "invalid"},
              {"valid", false},
              {"summary", "linearizable: not linearizable"},
              {"concurrency", {{"overlap_share", 0.9}, {"max_open", 5}, {"low", false}}},
              {"checkers", {{"linearizable", {{"valid", false}, {"verdict", "invalid"}, {"summary", "no"}}}}}}
             .dump();
  std::ofstream(run_dir + "/test.json") << Json{{"target", "kvd"}, {"workload", "register"}}.dump();
  const std::string swarm_dir = dir + "/swarm-register-kvd/20260101T000001Z";
  std::filesystem::create_directories(swarm_dir);
  Json valid_run = {{"run", 1},          {"seed", 98},       {"nemesis", Json::array()},
                    {"verdict", "valid"}, {"exit_code", 0}, {"run_dir", dir + "/missing"}};
  Json invalid_run = {{"run", 2},
                      {"seed", 99},
                      {"nemesis", Json::array({"kill"})},
                      {"verdict", "invalid"},
                      {"exit_code", 1},
                      {"run_dir", run_dir},
                      {"reproduce", "coordcheck run --seed 99 <script>"}};
  Json first = {{"run", 2}, {"seed", 99}, {"swarm_seconds", 31.5}};
  Json detection = {{"runs", 2}, {"invalid", 1}, {"rate", 0.5}, {"seconds", 31.5},
                    {"first", first}};
  Json swarm = {{"workload", "register"}, {"target", "kvd"},     {"bug", "lost-cas"},
                {"seed", 7},              {"faults", Json::array({"kill"})},
                {"planned_runs", 10},     {"time_limit_s", 15},  {"exit_code", 1},
                {"detection", detection}, {"runs", Json::array({valid_run, invalid_run})}};
  std::ofstream(swarm_dir + "/swarm.json") << swarm.dump();
  REQUIRE(WriteSwarmReports(swarm_dir).ok());
  const std::string html = testing::ReadFile(swarm_dir + "/report.html");
  CHECK(html.find("Detected in 1 of 2 runs (50%); first at run 2 after 31.5 s") !=
        std::string::npos);
  CHECK(html.find("href=\"../../register-kvd/20260101T000000Z/report.html\"") != std::string::npos);
  CHECK(html.find("90.0% overlapped, max 5 open") != std::string::npos);
  CHECK(html.find("<script>\"") == std::string::npos);
  CHECK(html.find("&lt;script&gt;") != std::string::npos);  // the command, escaped
  const std::string junit = testing::ReadFile(swarm_dir + "/junit.xml");
  CHECK(junit.find("<testsuites") != std::string::npos);
  // Two suites: the run that left no files is an error, the invalid one a failure.
  CHECK(junit.find("<error") != std::string::npos);
  CHECK(junit.find("<failure") != std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace coordcheck
