// The `etcd` target end to end, as root on network namespaces with a real etcd cluster:
// `run -w register -t etcd` on 3 nodes under partitions and kills, on a random seed, is
// linearizable — and not vacuously: ok cas ops, cas mismatches and ok reads that saw
// written values are in the history, faults were really done, and ops went through every
// member's gateway. `compare --targets kvd,etcd` runs both register targets on one seed.
#include <chrono>
#include <map>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "history/jsonl.h"
#include "tests/harness/run_util.h"
#include "tests/support/node_env.h"

namespace coordcheck::testing {
namespace {

using Json = nlohmann::json;
using nodetest::RequireRoot;

// What a register history shows of the target's answers.
struct RegisterCounts {
  int ok_cas = 0;
  int mismatches = 0;        // cas fail "mismatch"
  int ok_reads_written = 0;  // ok reads of a value some write or cas wrote to that key
  int ok_writes = 0;
  int info = 0;
  std::set<std::string> nodes;  // nodes of ok client completions
};

RegisterCounts Count(const History& h) {
  std::map<std::string, std::set<std::string>> written;  // key -> values written to it
  for (const Op& op : h.ops) {
    if (!op.is_invoke() || op.is_nemesis()) continue;
    if (op.f == "write") written[op.key.dump()].insert(op.value.dump());
    if (op.f == "cas" && op.value.is_array() && op.value.size() == 2) {
      written[op.key.dump()].insert(op.value[1].dump());
    }
  }
  RegisterCounts c;
  for (const Op& op : h.ops) {
    if (op.is_invoke() || op.is_nemesis()) continue;
    if (op.type == OpType::kInfo) ++c.info;
    if (op.type == OpType::kFail && op.f == "cas" && op.error == "mismatch") ++c.mismatches;
    if (op.type != OpType::kOk) continue;
    if (!op.node.empty()) c.nodes.insert(op.node);
    if (op.f == "cas") ++c.ok_cas;
    if (op.f == "write") ++c.ok_writes;
    if (op.f == "read" && !op.value.is_null() && written[op.key.dump()].count(op.value.dump())) {
      ++c.ok_reads_written;
    }
  }
  return c;
}

}  // namespace

TEST_CASE("run: register on etcd, 3 netns nodes under partitions and kills, is linearizable",
          "[etcd][register][root]") {
  RequireRoot();
  const uint64_t seed = DrawSeed("register on etcd under partition,kill");
  INFO("seed " << seed);
  RunDirs dirs = FreshRunDirs("etcd-register");
  std::string out;
  const auto start = std::chrono::steady_clock::now();
  const int code = RunCoordcheck({"run",
                                  "-w",
                                  "register",
                                  "-t",
                                  "etcd",
                                  "--nodes",
                                  "3",
                                  "--nemesis",
                                  "partition,kill",
                                  "--nemesis-interval",
                                  "2",
                                  "--time-limit",
                                  "12",
                                  "--seed",
                                  std::to_string(seed),
                                  "--store",
                                  dirs.store,
                                  "--state-dir",
                                  dirs.state,
                                  "--quiet"},
                                 &out);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("figure: etcd register run = %.1f s\n", seconds);
  INFO(out);
  CHECK(code == 0);
  const std::string dir = LatestRun(dirs);
  const Json results = ReadJson(dir + "/results.json");
  CHECK(results["valid"] == true);
  CHECK(results["checkers"]["linearizable"]["valid"] == true);
  History h;
  REQUIRE(ReadHistoryFile(dir + "/history.jsonl", &h).ok());

  // Faults were really done: members killed and restarted, partitions installed.
  CHECK(DoneFaults(h.ops, "kill") + DoneFaults(h.ops, "start-partition") >= 2);
  // Not vacuous: the checker had cas ops that took effect and were refused, and reads that
  // saw written values, from clients at home on every member.
  const RegisterCounts c = Count(h);
  std::printf(
      "figure: ok cas = %d, mismatches = %d, ok reads of written values = %d, "
      "ok writes = %d, info = %d\n",
      c.ok_cas, c.mismatches, c.ok_reads_written, c.ok_writes, c.info);
  CHECK(c.ok_cas >= 20);
  CHECK(c.mismatches >= 20);
  CHECK(c.ok_reads_written >= 20);
  CHECK(c.ok_writes >= 20);
  CHECK(c.nodes == std::set<std::string>{"n1", "n2", "n3"});
  // The members' logs are in the store.
  for (const char* node : {"n1", "n2", "n3"}) {
    CHECK(ReadFile(dir + "/nodes/" + node + "/etcd.log").size() > 0);
  }
  CheckNothingLeft(dirs);
}

TEST_CASE("compare: register on kvd and etcd, the same seed, one table", "[etcd][register][root]") {
  RequireRoot();
  const uint64_t seed = DrawSeed("compare register kvd,etcd");
  INFO("seed " << seed);
  RunDirs dirs = FreshRunDirs("compare-register");
  std::string out;
  const int code =
      RunCoordcheck({"compare", "-w", "register", "--targets", "kvd,etcd", "--nemesis", "kill",
                     "--nemesis-interval", "2", "--time-limit", "5", "--seed", std::to_string(seed),
                     "--store", dirs.store, "--state-dir", dirs.state, "--quiet"},
                    &out);
  INFO(out);
  CHECK(code == 0);
  // One row per target under the header.
  std::vector<std::string> targets;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string target, verdict;
    words >> target >> verdict;
    if (verdict == "valid" || verdict == "invalid" || verdict == "unknown") {
      targets.push_back(target);
      CHECK(verdict == "valid");
    }
  }
  CHECK(targets == std::vector<std::string>{"kvd", "etcd"});
  const size_t at = out.find("comparison folder: ");
  REQUIRE(at != std::string::npos);
  const std::string folder = out.substr(at + 19, out.find('\n', at) - at - 19);
  const Json record = ReadJson(folder + "/compare.json");
  REQUIRE(record["runs"].size() == 2);
  CHECK(record["seed"] == seed);
  for (const Json& run : record["runs"]) {
    const std::string run_dir = run["run_dir"];
    const Json test = ReadJson(run_dir + "/test.json");
    CHECK(test["seed"] == seed);
    CHECK(test["workload"] == "register");
    CHECK(run["verdict"] == "valid");
    CHECK(Leftovers(dirs.state, RunIdFromLog(run_dir)).empty());
  }
}

}  // namespace coordcheck::testing
