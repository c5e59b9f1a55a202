// End to end, as root on network namespaces: a default register run on kvd really runs its
// ops concurrently (spread over every client, most overlapping another on their key), and
// `coordcheck swarm` catches a broken kvd, stops there and prints a command that repeats the
// failing run's config, while a swarm of the correct kvd stays valid.
#include <filesystem>
#include <random>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "tests/harness/run_util.h"
#include "tests/support/node_env.h"

namespace coordcheck::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Json = nlohmann::json;
using nodetest::RequireRoot;

// The newest folder under STORE/NAME (the swarm's own folder).
std::string NewestUnder(const std::string& store, const std::string& name) {
  std::string newest;
  for (const auto& e : fs::directory_iterator(fs::path(store) / name)) {
    if (e.is_directory() && !e.is_symlink() && e.path().string() > newest) newest = e.path().string();
  }
  return newest;
}

std::string RandomSeed() {
  return std::to_string((uint64_t{std::random_device{}()} << 32) ^ std::random_device{}());
}

std::vector<std::string> SwarmArgs(const RunDirs& d, std::vector<std::string> extra) {
  std::vector<std::string> args = {"swarm", "--workload", "register", "--target", "kvd",
                                    "--store", d.store, "--state-dir", d.state, "--quiet"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

}  // namespace

TEST_CASE("run: a default register run on kvd spreads its ops and most of them overlap") {
  RequireRoot();
  RunDirs d = FreshRunDirs("concurrency");
  const std::string seed = RandomSeed();
  std::string out;
  const int code =
      RunCoordcheck(RegisterRunArgs(d, {"--time-limit", "5", "--seed", seed}), &out);
  INFO("seed " << seed << "\n" << out);
  REQUIRE(code == 0);
  // The register workload's default rate (unpaced) is what the run recorded.
  CHECK(ReadJson(LatestRun(d) + "/test.json")["rate"] == 0);
  const Json results = ReadJson(LatestRun(d) + "/results.json");
  const Json& c = results["concurrency"];
  INFO(c.dump());
  CHECK(c["overlap_share"].get<double>() > 0.5);
  CHECK(c["low"] == false);
  CHECK(c["max_open"] == 5);  // the 5 clients of a key were in flight at once
  // Every client issued a fair share (1/5 expected; processes renumber only after info ops).
  CHECK(c["processes"].get<int>() >= 5);
  for (int p = 0; p < 5; ++p) {
    INFO("process " << p);
    CHECK(c["ops_per_process"].value(std::to_string(p), 0) >
          c["client_ops"].get<int64_t>() / 20);
  }
  // `check --checker concurrency` reproduces the figures from the stored history.
  std::string checked;
  CHECK(RunCoordcheck({"check", LatestRun(d) + "/history.jsonl", "--checker", "concurrency"},
                      &checked) == 0);
  CHECK(checked.find(std::to_string(c["client_ops"].get<int64_t>()) + " client ops") !=
        std::string::npos);
  CheckNothingLeft(d);
}

TEST_CASE("run: swarm catches kvd's lost-cas, stops there and prints a command that repeats it") {
  RequireRoot();
  RunDirs d = FreshRunDirs("swarm-bug");
  const std::string seed = RandomSeed();
  std::string out;
  const int code = RunCoordcheck(
      SwarmArgs(d, {"--bug", "lost-cas", "--runs", "4", "--time-limit", "4", "--seed", seed}),
      &out, 10min);
  INFO("swarm seed " << seed << "\n" << out);
  REQUIRE(code == 1);
  const std::string dir = NewestUnder(d.store, "swarm-register-kvd-lost-cas");
  const Json swarm = ReadJson(dir + "/swarm.json");
  const Json& runs = swarm["runs"];
  REQUIRE(!runs.empty());
  CHECK(runs.size() <= 4);
  // It stopped at the first invalid run: every run before it was valid.
  CHECK(runs.back()["verdict"] == "invalid");
  for (size_t i = 0; i + 1 < runs.size(); ++i) CHECK(runs[i]["verdict"] == "valid");
  CHECK(swarm["detection"]["invalid"] == 1);
  CHECK(swarm["detection"]["first"]["run"] == runs.back()["run"]);
  for (const char* f : {"report.html", "junit.xml", "table.txt"}) CHECK(fs::exists(fs::path(dir) / f));
  const std::string reproduce = runs.back()["reproduce"].get<std::string>();
  CHECK(out.find("reproduce: " + reproduce) != std::string::npos);

  // The printed command (plain words here) runs the failing run's config again.
  std::vector<std::string> words = Split(reproduce, ' ');
  REQUIRE(words.size() > 2);
  REQUIRE(words[0] == "coordcheck");
  words.erase(words.begin());
  words.push_back("--quiet");
  std::string again;
  const int again_code = RunCoordcheck(words, &again);
  INFO(again);
  CHECK((again_code == 0 || again_code == 1));
  Json first = ReadJson(runs.back()["run_dir"].get<std::string>() + "/test.json");
  Json second = ReadJson(LatestRun(d) + "/test.json");
  first.erase("meta");
  second.erase("meta");
  CHECK(first == second);
  CheckNothingLeft(d);
}

TEST_CASE("run: a swarm of the correct kvd is valid in every run") {
  RequireRoot();
  RunDirs d = FreshRunDirs("swarm-valid");
  const std::string seed = RandomSeed();
  std::string out;
  const int code = RunCoordcheck(
      SwarmArgs(d, {"--runs", "2", "--all", "--time-limit", "4", "--seed", seed}), &out, 10min);
  INFO("swarm seed " << seed << "\n" << out);
  CHECK(code == 0);
  const Json swarm = ReadJson(NewestUnder(d.store, "swarm-register-kvd") + "/swarm.json");
  CHECK(swarm["runs"].size() == 2);
  CHECK(swarm["detection"]["invalid"] == 0);
  CHECK(out.find("detected in 0 of 2 runs") != std::string::npos);
  CheckNothingLeft(d);
}

}  // namespace coordcheck::testing
