// End to end without the runner: concurrent clients do random reads, writes and cas ops on
// a few keys against random kvd nodes; the recorded history goes to the linearizability
// checker. The correct server must pass; every deliberately broken variant must be caught
// on every seed tried (FoundationDB's negative tests).

#include <catch2/catch.hpp>
#include <cstdio>

#include "tests/targets/kvd_test_cluster.h"
#include "tests/targets/kvd_workload.h"

namespace coordcheck::test {
namespace {

using std::chrono::milliseconds;

std::vector<std::string> NodeNames(const TestCluster& cluster) {
  std::vector<std::string> names;
  for (int i = 0; i < cluster.size(); ++i) names.push_back(cluster.name(i));
  return names;
}

CheckResult RunAndCheck(TestCluster& cluster, const WorkloadOptions& w) {
  WorkloadResult run = RunRegisterWorkload(cluster.client_env(), NodeNames(cluster), w);
  INFO("seed " << w.seed << ": " << run.Describe());
  REQUIRE(run.ok > 500);
  CheckResult result = CheckCasRegister(run.history);
  UNSCOPED_INFO("seed " << w.seed << ": " << run.Describe() << ": " << result.summary);
  return result;
}

TEST_CASE("kvd end to end: the correct server is linearizable", "[kvd][linearizable]") {
  TestClusterOptions options;
  options.seed = 11;
  TestCluster cluster(options);
  Status started = cluster.Start();
  if (!started.ok()) FAIL(started.message() << "\n" << cluster.Logs());
  WorkloadOptions w;
  w.duration = milliseconds(1500);
  w.seed = 11;
  CHECK(RunAndCheck(cluster, w).valid == Validity::kValid);
}

void ExpectCaught(const std::string& bug) {
  for (uint64_t seed : {1, 2, 3}) {
    TestClusterOptions options;
    options.bug = bug;
    options.seed = seed;
    TestCluster cluster(options);
    Status started = cluster.Start();
    if (!started.ok()) FAIL(started.message() << "\n" << cluster.Logs());
    WorkloadOptions w;
    w.seed = seed;
    CheckResult result = RunAndCheck(cluster, w);
    INFO("bug " << bug << ", seed " << seed << ": " << result.summary);
    CHECK(result.valid == Validity::kInvalid);
  }
}

TEST_CASE("kvd end to end: follower-reads is caught", "[kvd][linearizable]") {
  ExpectCaught("follower-reads");
}

TEST_CASE("kvd end to end: lost-cas is caught", "[kvd][linearizable]") { ExpectCaught("lost-cas"); }

// Throughput, not a correctness test: run with `test_targets "[bench]"`.
TEST_CASE("kvd throughput", "[.][bench]") {
  TestCluster cluster({});
  Status started = cluster.Start();
  if (!started.ok()) FAIL(started.message() << "\n" << cluster.Logs());
  for (int node : {0, 1}) {
    WorkloadOptions w;
    w.threads = 10;
    w.duration = milliseconds(2000);
    w.max_pause_us = 0;
    w.only_node = node;
    w.keys = 10;
    WorkloadResult run = RunRegisterWorkload(cluster.client_env(), NodeNames(cluster), w);
    std::printf("kvd: 10 threads via %s (%s): %.0f ops/s, %s\n", cluster.name(node).c_str(),
                node == 0 ? "primary" : "follower",
                static_cast<double>(run.ok + run.fail + run.info) / run.seconds,
                run.Describe().c_str());
    CHECK(run.info == 0);
  }
}

}  // namespace
}  // namespace coordcheck::test
