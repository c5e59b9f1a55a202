// Our own Raft end to end, as root on real network namespaces with real coordcheck-raft
// processes: the register workload is linearizable under every fault family on random
// seeds; the election workload finds one leader per term and every committed entry in later
// leaders' logs; the bug local-reads is caught by the linearizability checker under
// partitions (a deposed leader isolated by isolate-primary keeps answering reads); no-fsync
// is caught by the disk faults and only by them.
#include <functional>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "history/jsonl.h"
#include "tests/harness/run_util.h"
#include "tests/support/node_env.h"

namespace coordcheck::testing {
namespace {

using Json = nlohmann::json;
using nodetest::RequireRoot;

using RaftRun = FinishedRun;

// `run -w WORKLOAD -t raft` under `nemesis` (mean interval `interval` s) with `extra`.
RaftRun RunRaft(const std::string& name, const std::string& workload, const std::string& bug,
                const std::string& nemesis, uint64_t seed, int seconds,
                const std::vector<std::string>& extra = {}, const std::string& interval = "2") {
  std::vector<std::string> args = {"run",
                                   "-w",
                                   workload,
                                   "-t",
                                   "raft",
                                   "--nemesis",
                                   nemesis,
                                   "--nemesis-interval",
                                   interval,
                                   "--time-limit",
                                   std::to_string(seconds),
                                   "--seed",
                                   std::to_string(seed)};
  if (!bug.empty()) {
    args.push_back("--bug");
    args.push_back(bug);
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return RunAndLoad(name, args);
}

int64_t FaultsDone(const History& h) {
  int64_t n = 0;
  for (const Op& op : h.ops) n += op.is_nemesis() && !op.is_invoke();
  return n;
}

TEST_CASE("raft: register is linearizable under every fault family on random seeds",
          "[root][raft]") {
  RequireRoot();
  for (int run = 0; run < 2; ++run) {
    const uint64_t seed = DrawSeed("raft register run " + std::to_string(run));
    INFO("seed " << seed);
    RaftRun r = RunRaft("raft-register", "register", "", "partition,kill,pause,clock,packet", seed,
                        12, {"--concurrency", "10"});
    INFO(r.out);
    CHECK(r.code == 0);
    CHECK(r.results["valid"] == true);
    // Not vacuous: faults happened, and reads saw writes, cas both matched and mismatched.
    CHECK(FaultsDone(r.history) >= 4);
    CHECK(CountOps(r.history, "write", OpType::kOk) > 100);
    CHECK(CountOps(r.history, "read", OpType::kOk) > 100);
    CHECK(CountOps(r.history, "cas", OpType::kOk) > 20);
    CHECK(CountOps(r.history, "cas", OpType::kFail) > 20);
    // The nodes' logs and event logs are in the store.
    CHECK(ReadFile(r.dir + "/nodes/n1/raft-events.jsonl").find("\"type\":\"role\"") !=
          std::string::npos);
  }
}

TEST_CASE("raft: the election workload finds one leader per term under kills and partitions",
          "[root][raft]") {
  RequireRoot();
  const uint64_t seed = DrawSeed("raft election run");
  INFO("seed " << seed);
  RaftRun r = RunRaft("raft-election", "election", "", "partition,kill", seed, 12);
  INFO(r.out);
  CHECK(r.code == 0);
  const Json& details = r.results["checkers"]["election-safety"]["details"];
  INFO(details.dump());
  CHECK(r.results["checkers"]["election-safety"]["valid"] == true);
  CHECK(details["elections"].get<int64_t>() >= 1);
  CHECK(details["commit_events"].get<int64_t>() > 10);
  CHECK(CountOps(r.history, "raft-events", OpType::kOk) == 1);
  CHECK(CountOps(r.history, "status", OpType::kOk) > 10);
}

// Runs register on raft with `bug` under `nemesis` for 20 s on random seeds until two runs
// are caught, at most seven. A partition must isolate the leader long enough for the others
// to elect a new one (about a second) and a client of the old leader must then read a key the
// new leader's clients wrote. Measured (`coordcheck run -w register -t raft --nodes 3 --bug
// local-reads --nemesis partition --concurrency 10`): at --nemesis-interval 3 and 20 s, 3 of 4
// runs caught; at interval 2 and 15 s, 4 of 8; at interval 1, 1 of 5 (partitions heal
// before an election ends). A run that is not caught must be valid. Fewer than 2 of 7 at a
// 25% miss rate happens about once in 800.
void CaughtOnRandomSeeds(const std::string& bug, const std::string& nemesis,
                         const std::string& interval = "3") {
  RequireRoot();
  int caught = 0, runs = 0;
  std::string seeds;
  while (caught < 2 && runs < 7) {
    const uint64_t seed = DrawSeed("raft " + bug + " run " + std::to_string(runs));
    seeds += " " + std::to_string(seed);
    INFO("seed " << seed);
    RaftRun r = RunRaft("raft-" + bug, "register", bug, nemesis, seed, 20,
                        {"--concurrency", "10", "--nodes", "3"}, interval);
    INFO(r.out);
    ++runs;
    if (r.code == 1) {
      CHECK(r.results["checkers"]["linearizable"]["valid"] == false);
      ++caught;
    } else {
      CHECK(r.code == 0);
    }
  }
  INFO("seeds" << seeds);
  CHECK(caught >= 2);
}

TEST_CASE("raft: bug local-reads is caught under partitions on random seeds", "[root][raft]") {
  CaughtOnRandomSeeds("local-reads", "partition");
}

// The disk faults crash the nodes they name together and drop what each had not synced:
// with a majority named, a raft that acknowledged before fsync loses acknowledged entries
// (measured: 2 of 2 runs of 20 s caught). One node at a time would not show it — the others
// hand its entries back — which is why the disk nemesis crashes its nodes together.
TEST_CASE("raft: bug no-fsync is caught by the disk faults on random seeds", "[root][raft]") {
  CaughtOnRandomSeeds("no-fsync", "disk", "2");
}

TEST_CASE("raft: correct raft stays valid when the disk faults lose unsynced data",
          "[root][raft]") {
  RequireRoot();
  const uint64_t seed = DrawSeed("raft disk run");
  INFO("seed " << seed);
  RaftRun r = RunRaft("raft-disk", "register", "", "disk", seed, 15,
                      {"--concurrency", "10", "--nodes", "3"});
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(FaultsDone(r.history) >= 3);
  CHECK(CountOps(r.history, "read", OpType::kOk) > 100);
  // A WAL cut back to its last synced record said so when the node restarted.
  CHECK(ReadFile(r.dir + "/nodes/n1/raft-events.jsonl").find("\"wal\"") != std::string::npos);
}

TEST_CASE("raft: bug no-fsync passes under plain kills (nothing is lost without the disk faults)",
          "[root][raft]") {
  RequireRoot();
  const uint64_t seed = DrawSeed("raft no-fsync kill run");
  INFO("seed " << seed);
  RaftRun r = RunRaft("raft-no-fsync-kill", "register", "no-fsync", "kill", seed, 12,
                      {"--concurrency", "10", "--nodes", "3"});
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(FaultsDone(r.history) >= 3);
}

}  // namespace
}  // namespace coordcheck::testing
