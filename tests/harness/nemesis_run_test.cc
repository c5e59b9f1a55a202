// `coordcheck run` with faults, as root on real network namespaces: the correct kvd stays
// valid under every fault family, follower reads are caught under partitions, every fault
// is recorded in the history with what was done, and nothing of ours (rules, offset files,
// helper processes, namespaces) is left afterwards; the root namespace is unchanged.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "history/jsonl.h"
#include "tests/harness/run_util.h"

namespace coordcheck::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Json = nlohmann::json;

void RequireRoot() {
  INFO("these tests create network namespaces: run them as root (CI does)");
  REQUIRE(::geteuid() == 0);
}

// What the root namespace looks like to someone who must not change it: its firewall tables
// (reading these files creates none) and its interfaces.
std::string RootNamespaceState() {
  std::string names;
  for (const auto& e : fs::directory_iterator("/sys/class/net")) {
    names += e.path().filename().string() + ",";
  }
  return ReadFile("/proc/net/ip_tables_names") + "|" + ReadFile("/proc/net/ip6_tables_names") +
         "|" + names;
}

struct Run {
  int code = -1;
  std::string out;
  std::string dir;
  std::string state;
};

Run RunWithFaults(const std::string& name, std::vector<std::string> extra) {
  Run r;
  const std::string store = FreshDir(name + "-store");
  r.state = FreshDir(name + "-state");
  std::vector<std::string> args = {"run", "--workload", "register", "--target", "kvd",
                                   "--store", store, "--state-dir", r.state, "--quiet"};
  args.insert(args.end(), extra.begin(), extra.end());
  r.code = RunCoordcheck(args, &r.out);
  r.dir = fs::canonical(fs::path(store) / "latest").string();
  return r;
}

// Nemesis events of a stored history: f -> number of completions.
std::map<std::string, int> FaultCompletions(const std::string& run_dir, std::vector<Op>* ops) {
  History h;
  auto err = ReadHistoryFile(run_dir + "/history.jsonl", &h);
  REQUIRE_FALSE(err.has_value());
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
  const std::string before = RootNamespaceState();
  Run r = RunWithFaults(family, {"--nemesis", family, "--nemesis-interval", "2",
                                 "--time-limit", "20", "--seed", "5"});
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
  auto left = Leftovers(r.state, RunIdFromLog(r.dir));
  INFO("left behind: " << Json(left).dump(1));
  CHECK(left.empty());
  CHECK(RootNamespaceState() == before);
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

TEST_CASE("faults: follower reads are caught under partitions") {
  RequireRoot();
  for (const char* seed : {"1", "2"}) {
    Run r = RunWithFaults("fr-partition",
                          {"--bug", "follower-reads", "--nemesis", "partition",
                           "--nemesis-interval", "1", "--time-limit", "8", "--seed", seed,
                           "--target-options", R"({"replication_delay_ms": 5})"});
    INFO(r.out);
    CHECK(r.code == 1);
    CHECK(FaultCompletions(r.dir, nullptr)["start-partition"] >= 1);
    CHECK(Leftovers(r.state, RunIdFromLog(r.dir)).empty());
  }
}

TEST_CASE("faults: SIGINT in the middle of faults heals, tears down and leaves nothing") {
  RequireRoot();
  const std::string before = RootNamespaceState();
  const std::string store = FreshDir("fault-sigint-store");
  const std::string state = FreshDir("fault-sigint-state");
  Spawned s = SpawnCoordcheck({"run", "--store", store, "--state-dir", state, "--nemesis",
                               "partition,packet,clock,pause,kill", "--nemesis-interval", "0.3",
                               "--time-limit", "60"});
  // Wait until faults are under way.
  bool faulting = false;
  for (int i = 0; i < 150 && !faulting; ++i) {
    std::this_thread::sleep_for(100ms);
    faulting = ReadFile(store + "/latest/history.jsonl").find("\"process\":\"nemesis\",\"type\":\"info\"") !=
               std::string::npos;
  }
  REQUIRE(faulting);
  ::kill(s.pid, SIGINT);
  CHECK(WaitExit(s.pid, 30s) == 3);
  const std::string run = fs::canonical(fs::path(store) / "latest").string();
  auto left = Leftovers(state, RunIdFromLog(run));
  INFO(ReadFile(s.out_path) << "\nleft behind: " << Json(left).dump(1));
  CHECK(left.empty());
  CHECK(RootNamespaceState() == before);
}

TEST_CASE("faults: after SIGKILL mid-fault, `coordcheck clean` removes rules, helpers and files") {
  RequireRoot();
  const std::string before = RootNamespaceState();
  const std::string store = FreshDir("fault-sigkill-store");
  const std::string state = FreshDir("fault-sigkill-state");
  // Packet faults start helper daemons (netdelay) on nodes; clock faults write offset files.
  Spawned s = SpawnCoordcheck({"run", "--store", store, "--state-dir", state, "--nemesis",
                               "packet,clock", "--nemesis-interval", "0.2", "--time-limit", "60"});
  bool faulting = false;
  for (int i = 0; i < 150 && !faulting; ++i) {
    std::this_thread::sleep_for(100ms);
    faulting = ReadFile(store + "/latest/history.jsonl").find("\"f\":\"start-packet\"") !=
               std::string::npos;
  }
  REQUIRE(faulting);
  ::kill(s.pid, SIGKILL);
  REQUIRE(WaitExit(s.pid, 10s) == -SIGKILL);
  const std::string run = fs::canonical(fs::path(store) / "latest").string();
  const std::string run_id = RunIdFromLog(run);
  CHECK_FALSE(Leftovers(state, run_id).empty());
  std::string out;
  CHECK(RunCoordcheck({"clean", "--state-dir", state}, &out) == 0);
  auto left = Leftovers(state, run_id);
  INFO(out << "\nleft behind: " << Json(left).dump(1));
  CHECK(left.empty());
  CHECK(RootNamespaceState() == before);
}

TEST_CASE("faults: partitions and packet faults need network namespaces") {
  std::string out;
  const std::string store = FreshDir("fault-local-store");
  CHECK(RunCoordcheck({"run", "--backend", "local", "--nemesis", "partition", "--store", store},
                      &out) == 3);
  CHECK(out.find("nemesis 'partition' needs the netns backend") != std::string::npos);
}

}  // namespace coordcheck::testing
