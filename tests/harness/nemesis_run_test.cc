// `coordcheck run` with faults, as root on real network namespaces: the correct kvd stays
// valid under every fault family, follower reads are caught under partitions, every fault
// is recorded in the history with what was done, and nothing of ours (rules, offset files,
// helper processes, namespaces) is left afterwards; the root namespace is unchanged.
#include <signal.h>

#include <map>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "history/jsonl.h"
#include "nemesis/plan.h"
#include "nemesis/registry.h"
#include "tests/harness/run_util.h"
#include "tests/support/node_env.h"

namespace coordcheck::testing {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;
using nodetest::RequireRoot;
using nodetest::RootNetworkState;

// A finished run of the register workload on kvd with `extra` flags.
struct Run {
  RunDirs dirs;
  int code = -1;
  std::string out;
  std::string dir;  // the run's folder in the store
};

Run RunWithFaults(const std::string& name, const std::vector<std::string>& extra) {
  Run r;
  r.dirs = FreshRunDirs(name);
  r.code = RunCoordcheck(RegisterRunArgs(r.dirs, extra), &r.out);
  r.dir = LatestRun(r.dirs);
  return r;
}

// Nemesis events of a stored history: f -> number of completions.
std::map<std::string, int> FaultCompletions(const std::string& run_dir, std::vector<Op>* ops) {
  History h;
  REQUIRE(ReadHistoryFile(run_dir + "/history.jsonl", &h).ok());
  std::map<std::string, int> out;
  for (const Op& op : h.ops) {
    if (!op.is_nemesis() || op.is_invoke()) continue;
    CHECK(op.type == OpType::kInfo);
    ++out[op.f];
    if (ops) ops->push_back(op);
  }
  return out;
}

void CheckValidUnder(const std::string& family, const std::vector<std::string>& fs_expected) {
  RequireRoot();
  const std::string before = RootNetworkState();
  Run r = RunWithFaults(family, {"--nemesis", family, "--nemesis-interval", "2", "--time-limit",
                                 "20", "--seed", "5"});
  INFO(r.out);
  CHECK(r.code == 0);
  std::vector<Op> faults;
  auto completions = FaultCompletions(r.dir, &faults);
  for (const std::string& f : fs_expected) {
    INFO("fault " << f);
    CHECK(completions[f] >= 1);
  }
  for (const Op& op : faults) {
    INFO(OpToLine(op));
    CHECK(op.error.is_null());  // every fault was really done
  }
  Json results = Json::parse(ReadFile(r.dir + "/results.json"));
  CHECK(results["nemesis"]["unhealed"] == "");
  CheckNothingLeft(r.dirs);
  CHECK(RootNetworkState() == before);
}

}  // namespace

TEST_CASE("faults: kvd primary stays valid under partitions") {
  CheckValidUnder("partition", {"start-partition", "stop-partition"});
}

TEST_CASE("faults: kvd primary stays valid under packet loss and delay") {
  CheckValidUnder("packet", {"start-packet", "stop-packet"});
}

TEST_CASE("faults: kvd primary stays valid under clock bumps and strobes") {
  CheckValidUnder("clock", {"reset-clock", "check-clock-offsets"});
}

TEST_CASE("faults: kvd primary stays valid under pauses") {
  CheckValidUnder("pause", {"pause", "resume"});
}

TEST_CASE("faults: kvd primary stays valid under kills and restarts") {
  CheckValidUnder("kill", {"kill", "start"});
}

TEST_CASE("faults: restart crash-restarts kvd's processes, and kvd stays valid") {
  RequireRoot();
  Run r = RunWithFaults("restart", {"--nodes", "3", "--nemesis", "restart", "--nemesis-interval",
                                    "1", "--time-limit", "10", "--seed", "5"});
  INFO(r.out);
  CHECK(r.code == 0);
  std::vector<Op> faults;
  auto completions = FaultCompletions(r.dir, &faults);
  REQUIRE(completions["restart"] >= 3);
  std::map<std::string, int> restarts;  // node -> times restarted
  for (const Op& op : faults) {
    INFO(OpToLine(op));
    CHECK(op.error.is_null());
    for (const Json& n : op.value["nodes"]) ++restarts[n.get<std::string>()];
  }
  REQUIRE_FALSE(restarts.empty());
  // Each start of a kvd process logs one "listening" line: a node restarted N times had N + 1
  // processes.
  for (const std::string node : {"n1", "n2", "n3"}) {
    INFO(node);
    const std::string log = ReadFile(r.dir + "/nodes/" + node + "/kvd.log");
    int started = 0;
    for (size_t at = log.find(" listening on "); at != std::string::npos;
         at = log.find(" listening on ", at + 1)) {
      ++started;
    }
    CHECK(started == 1 + restarts[node]);
  }
  CheckNothingLeft(r.dirs);
}

TEST_CASE("faults: follower reads are caught under partitions") {
  RequireRoot();
  for (const char* seed : {"1", "2"}) {
    Run r =
        RunWithFaults("fr-partition", {"--bug", "follower-reads", "--nemesis", "partition",
                                       "--nemesis-interval", "1", "--time-limit", "8", "--seed",
                                       seed, "--target-options", R"({"replication_delay_ms": 5})"});
    INFO(r.out);
    CHECK(r.code == 1);
    CHECK(FaultCompletions(r.dir, nullptr)["start-partition"] >= 1);
    CheckNothingLeft(r.dirs);
  }
}

TEST_CASE("faults: SIGINT in the middle of faults heals, tears down and leaves nothing") {
  RequireRoot();
  const std::string before = RootNetworkState();
  const RunDirs d = FreshRunDirs("fault-sigint");
  Spawned s = SpawnCoordcheck({"run", "--store", d.store, "--state-dir", d.state, "--nemesis",
                               "partition,packet,clock,pause,kill", "--nemesis-interval", "0.3",
                               "--time-limit", "60"});
  // Wait until faults are under way.
  REQUIRE(WaitForText(LatestHistory(d), "\"process\":\"nemesis\",\"type\":\"info\"", 15s));
  ::kill(s.pid, SIGINT);
  CHECK(WaitExit(s.pid, 30s) == 3);
  INFO(ReadFile(s.out_path));
  CheckNothingLeft(d);
  CHECK(RootNetworkState() == before);
}

TEST_CASE("faults: after SIGKILL mid-fault, `coordcheck clean` removes rules, helpers and files") {
  RequireRoot();
  const std::string before = RootNetworkState();
  const RunDirs d = FreshRunDirs("fault-sigkill");
  // Packet faults start helper daemons (netdelay) on nodes; clock faults write offset files.
  Spawned s = SpawnCoordcheck({"run", "--store", d.store, "--state-dir", d.state, "--nemesis",
                               "packet,clock", "--nemesis-interval", "0.2", "--time-limit", "60"});
  REQUIRE(WaitForText(LatestHistory(d), "\"f\":\"start-packet\"", 15s));
  ::kill(s.pid, SIGKILL);
  REQUIRE(WaitExit(s.pid, 10s) == -SIGKILL);
  CHECK_FALSE(Leftovers(d.state, RunIdFromLog(LatestRun(d))).empty());
  std::string out;
  CHECK(RunCoordcheck({"clean", "--state-dir", d.state}, &out) == 0);
  INFO(out);
  CheckNothingLeft(d);
  CHECK(RootNetworkState() == before);
}

TEST_CASE("faults: partitions and packet faults need network namespaces") {
  std::string out;
  const std::string store = FreshDir("fault-local-store");
  CHECK(RunCoordcheck({"run", "--backend", "local", "--nemesis", "partition", "--store", store},
                      &out) == 3);
  CHECK(out.find("nemesis 'partition' needs the netns backend") != std::string::npos);
}

TEST_CASE("faults: `list` shows the fault registry, in its order") {
  std::string out;
  REQUIRE(RunCoordcheck({"list"}, &out) == 0);
  const size_t begin = out.find("\nnemeses (");
  const size_t end = out.find("\nbackends:");
  REQUIRE(begin != std::string::npos);
  REQUIRE(end != std::string::npos);
  const std::string section =
      out.substr(out.find('\n', begin + 1) + 1, end + 1 - (out.find('\n', begin + 1) + 1));
  std::string expected;
  char line[512];
  for (const FaultPackage* p : AllFaultPackages()) {
    std::snprintf(line, sizeof line, "  %-12s %s\n", p->info.name.c_str(),
                  p->info.description.c_str());
    expected += line;
    const std::string needs = NeedsText(p->needs);
    if (!needs.empty()) {
      std::snprintf(line, sizeof line, "  %-12s needs: %s\n", "", needs.c_str());
      expected += line;
    }
  }
  CHECK(section == expected);
  // --nemesis's help names them too.
  REQUIRE(RunCoordcheck({"run", "--help"}, &out) == 0);
  CHECK(out.find(FaultFamilyNames(",")) != std::string::npos);
}

TEST_CASE("faults: a family that cannot apply to the target is not scheduled, and a note says so") {
  RequireRoot();
  // redis-lock runs on one node: partitions need two.
  RunDirs d = FreshRunDirs("fault-not-applicable");
  std::string out;
  const int code =
      RunCoordcheck({"run", "-w", "lock", "-t", "redis-lock", "--nemesis", "partition,clock",
                     "--nemesis-interval", "0.5", "--time-limit", "4", "--seed", "3", "--store",
                     d.store, "--state-dir", d.state, "--quiet"},
                    &out);
  INFO(out);
  CHECK((code == 0 || code == 1));
  const std::string dir = LatestRun(d);
  std::vector<Op> faults;
  auto completions = FaultCompletions(dir, &faults);
  CHECK(completions["start-partition"] == 0);
  CHECK(completions["stop-partition"] == 0);
  CHECK(completions["bump-clock"] + completions["strobe-clock"] >= 1);  // the other still runs
  const std::string note =
      "partition: not scheduled: redis-lock runs on 1 node; partition needs at least 2";
  Json results = Json::parse(ReadFile(dir + "/results.json"));
  CHECK(results["notes"].size() >= 1);
  CHECK(results["notes"][0] == note);
  CHECK(out.find("note: " + note) != std::string::npos);
  CheckNothingLeft(d);
}

}  // namespace coordcheck::testing
