// PartitionNemesis on real network namespaces: what its rules do to packets between nodes,
// which rules it leaves where, and that it never touches the test's own namespace or
// anybody else's rules. Every test needs root and carries the [root] tag.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "nemesis/ops.h"
#include "nemesis/partition/partition_nemesis.h"
#include "tests/nemesis/partition/test_util.h"
#include "tests/support/node_env.h"

namespace coordcheck::nemesis {
namespace {

using nodetest::NemesisOp;
using parttest::TestCluster;

constexpr const char* kPolicies = "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n";
constexpr const char* kOurs = "-N coordcheck-part\n-A INPUT -j coordcheck-part\n";

// Invokes `f` and requires a clean info completion of the same process and f.
Op Run(PartitionNemesis& nemesis, const std::string& f, Json value) {
  Op done = nemesis.Invoke(NemesisOp(f, std::move(value)));
  INFO(f << " error: " << done.error.dump());
  REQUIRE(done.error.is_null());
  REQUIRE(done.type == OpType::kInfo);
  REQUIRE(done.process == kNemesisProcess);
  REQUIRE(done.f == f);
  return done;
}

void SetUp(PartitionNemesis& nemesis) {
  auto setup = nemesis.Setup();
  INFO(setup.message());
  REQUIRE(setup.ok());
}

void TearDown(PartitionNemesis& nemesis) {
  auto teardown = nemesis.Teardown();
  INFO(teardown.message());
  REQUIRE(teardown.ok());
}

// What a TCP connect from x to y does under `grudge` with REJECT rules: it hangs when x
// drops y (the SYN-ACK or the reset never reaches x's socket), is refused when only y
// drops x, and succeeds otherwise. With DROP rules any cut hangs.
std::string ExpectedConnect(const Grudge& grudge, const std::string& x, const std::string& y,
                            bool reject) {
  if (Drops(grudge, x, y)) return "timeout";
  if (Drops(grudge, y, x)) return reject ? "refused" : "timeout";
  return "ok";
}

void CheckConnectivity(TestCluster& cluster, const Grudge& grudge, bool reject,
                       const std::string& what) {
  const auto matrix = cluster.ConnectMatrix(300);
  for (const auto& [pair, outcome] : matrix) {
    INFO(what << ": connect " << pair.first << " -> " << pair.second << ", grudge "
              << GrudgeToJson(grudge).dump());
    CHECK(outcome == ExpectedConnect(grudge, pair.first, pair.second, reject));
  }
}

// The rules in our chain on `node`, in order.
std::vector<std::string> ChainRules(TestCluster& cluster, const std::string& node) {
  std::vector<std::string> rules;
  std::istringstream lines(cluster.Rules(node));
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("-A coordcheck-part ", 0) == 0) rules.push_back(line);
  }
  return rules;
}

// Waits up to 2 s for `node`'s UDP receiver to have `count` datagrams.
void AwaitUdp(TestCluster& cluster, const std::string& node, size_t count) {
  nodetest::WaitUntil([&] { return cluster.UdpReceived(node).size() >= count; },
                      std::chrono::seconds(2), std::chrono::milliseconds(10));
}

TEST_CASE("partition netns: a cut pair cannot connect and a healed pair can", "[root]") {
  nodetest::RequireRoot();
  TestCluster cluster(5);
  PartitionNemesis nemesis(cluster.cluster(), nullptr);
  SetUp(nemesis);
  CHECK(cluster.Connect("n1", "n3", 300).first == "ok");

  Op started = Run(nemesis, "start-partition", {{"kind", "halves"}, {"mode", "drop"}});
  CHECK(started.value["grudge"] == Json::parse(R"({"n1": ["n4", "n5"], "n2": ["n4", "n5"],
      "n3": ["n4", "n5"], "n4": ["n1", "n2", "n3"], "n5": ["n1", "n2", "n3"]})"));
  CHECK(started.value["rules"] == 12);
  CHECK(started.value["kind"] == "halves");
  CHECK(cluster.Connect("n1", "n4", 300).first == "timeout");
  CHECK(cluster.Connect("n5", "n3", 300).first == "timeout");
  CHECK(cluster.Connect("n1", "n3", 300).first == "ok");
  CHECK(cluster.Connect("n4", "n5", 300).first == "ok");

  Op stopped = Run(nemesis, "stop-partition", nullptr);
  CHECK(stopped.value == Json::parse(R"({"healed": ["n1", "n2", "n3", "n4", "n5"]})"));
  CHECK(cluster.Connect("n1", "n4", 300).first == "ok");
  CHECK(cluster.Connect("n5", "n3", 300).first == "ok");
  TearDown(nemesis);
}

TEST_CASE("partition netns: a one-way cut blocks one direction only", "[root]") {
  nodetest::RequireRoot();
  TestCluster cluster(5);
  PartitionNemesis nemesis(cluster.cluster(), nullptr);
  SetUp(nemesis);
  cluster.StartUdpReceiver("n1");
  cluster.StartUdpReceiver("n2");

  // n1 drops n2's packets; n2 still receives n1's.
  Op started = Run(nemesis, "start-partition", {{"grudge", {{"n1", {"n2"}}}}, {"mode", "drop"}});
  CHECK(started.value["rules"] == 1);
  cluster.SendUdp("n2", "n1", 5);
  cluster.SendUdp("n1", "n2", 5);
  AwaitUdp(cluster, "n2", 5);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(cluster.UdpReceived("n2") == std::vector<std::string>(5, "n1"));
  CHECK(cluster.UdpReceived("n1").empty());

  Run(nemesis, "stop-partition", nullptr);
  cluster.SendUdp("n2", "n1", 3);
  AwaitUdp(cluster, "n1", 3);
  CHECK(cluster.UdpReceived("n1") == std::vector<std::string>(3, "n2"));
  TearDown(nemesis);
}

TEST_CASE("partition netns: REJECT fails a connect fast while DROP makes it time out", "[root]") {
  nodetest::RequireRoot();
  TestCluster cluster(3);
  PartitionNemesis nemesis(cluster.cluster(), nullptr);
  SetUp(nemesis);
  // n3 drops n1: n1's SYN meets n3's rules, and n3's reset still reaches n1.
  Run(nemesis, "start-partition", {{"grudge", {{"n3", {"n1"}}}}, {"mode", "reject"}});
  auto [rejected, rejected_ms] = cluster.Connect("n1", "n3", 3000);
  CHECK(rejected == "refused");
  CHECK(rejected_ms < 500);  // against DROP's 1 s timeout below (RUN_SERIAL: see CMakeLists)

  Run(nemesis, "start-partition", {{"grudge", {{"n3", {"n1"}}}}, {"mode", "drop"}});
  auto [dropped, dropped_ms] = cluster.Connect("n1", "n3", 1000);
  CHECK(dropped == "timeout");
  CHECK(dropped_ms >= 1000);
  TearDown(nemesis);
}

TEST_CASE("partition netns: a node's rules are only our chain and its jump", "[root]") {
  nodetest::RequireRoot();
  TestCluster cluster(3);
  PartitionNemesis nemesis(cluster.cluster(), nullptr);
  SetUp(nemesis);
  for (const std::string& node : cluster.names()) {
    CHECK(cluster.Rules(node) == std::string(kPolicies) + kOurs);
  }
  Op started =
      Run(nemesis, "start-partition", {{"grudge", {{"n1", {"n2", "n3"}}}}, {"mode", "reject"}});
  CHECK(started.value["rules"] == 4);
  const std::string a2 = cluster.address("n2") + "/32";
  const std::string a3 = cluster.address("n3") + "/32";
  CHECK(cluster.Rules("n1") == std::string(kPolicies) + kOurs + "-A coordcheck-part -s " + a2 +
                                   " -p tcp -j REJECT --reject-with tcp-reset\n"
                                   "-A coordcheck-part -s " +
                                   a2 +
                                   " -j REJECT --reject-with icmp-port-unreachable\n"
                                   "-A coordcheck-part -s " +
                                   a3 +
                                   " -p tcp -j REJECT --reject-with tcp-reset\n"
                                   "-A coordcheck-part -s " +
                                   a3 + " -j REJECT --reject-with icmp-port-unreachable\n");
  CHECK(cluster.Rules("n2") == std::string(kPolicies) + kOurs);

  // A new partition replaces the old one: heal first, then the new grudge.
  Run(nemesis, "start-partition", {{"grudge", {{"n2", {"n3"}}}}});
  CHECK(ChainRules(cluster, "n1").empty());
  CHECK(ChainRules(cluster, "n2") ==
        std::vector<std::string>{"-A coordcheck-part -s " + a3 + " -j DROP"});

  Run(nemesis, "stop-partition", nullptr);
  for (const std::string& node : cluster.names()) {
    CHECK(cluster.Rules(node) == std::string(kPolicies) + kOurs);
  }
  TearDown(nemesis);
  for (const std::string& node : cluster.names()) CHECK(cluster.Rules(node) == kPolicies);
}

TEST_CASE("partition netns: heal and teardown leave foreign rules in place", "[root]") {
  nodetest::RequireRoot();
  TestCluster cluster(3);
  // Someone else's chain and rules on n2, there before the nemesis.
  cluster.Exec("n2", {"iptables", "-w", "-N", "someone-else"});
  cluster.Exec(
      "n2", {"iptables", "-w", "-A", "someone-else", "-p", "udp", "--dport", "9", "-j", "ACCEPT"});
  cluster.Exec("n2", {"iptables", "-w", "-A", "INPUT", "-j", "someone-else"});
  cluster.Exec("n2", {"iptables", "-w", "-A", "INPUT", "-s", "10.77.0.99", "-j", "DROP"});
  const std::string foreign =
      "-N someone-else\n-A INPUT -j someone-else\n"
      "-A INPUT -s 10.77.0.99/32 -j DROP\n"
      "-A someone-else -p udp -m udp --dport 9 -j ACCEPT\n";
  REQUIRE(cluster.Rules("n2") == std::string(kPolicies) + foreign);

  PartitionNemesis nemesis(cluster.cluster(), nullptr);
  SetUp(nemesis);
  // Our jump comes first in INPUT, so the cut applies before anyone's ACCEPT.
  CHECK(cluster.Rules("n2") == std::string(kPolicies) +
                                   "-N coordcheck-part\n-N someone-else\n"
                                   "-A INPUT -j coordcheck-part\n-A INPUT -j someone-else\n"
                                   "-A INPUT -s 10.77.0.99/32 -j DROP\n"
                                   "-A someone-else -p udp -m udp --dport 9 -j ACCEPT\n");
  Run(nemesis, "start-partition", {{"kind", "isolate"}, {"seed", 3}, {"mode", "reject"}});
  Run(nemesis, "stop-partition", nullptr);
  CHECK(ChainRules(cluster, "n2").empty());
  CHECK(cluster.Rules("n2").find("-A INPUT -s 10.77.0.99/32 -j DROP\n") != std::string::npos);
  CHECK(cluster.Rules("n2").find("-A someone-else -p udp") != std::string::npos);
  TearDown(nemesis);
  CHECK(cluster.Rules("n2") == std::string(kPolicies) + foreign);
}

TEST_CASE("partition netns: every kind gives exactly its grudge's connectivity", "[root]") {
  nodetest::RequireRoot();
  TestCluster cluster(5);
  const auto names = cluster.names();
  std::string primary = "n4";
  PartitionNemesis nemesis(cluster.cluster(),
                           [&]() -> Result<std::string> { return primary; });
  SetUp(nemesis);
  CheckConnectivity(cluster, {}, true, "before any partition");
  for (const std::string& kind : GrudgeKinds()) {
    for (uint64_t seed : {11ULL, 12ULL}) {
      Op started =
          Run(nemesis, "start-partition", {{"kind", kind}, {"seed", seed}, {"mode", "reject"}});
      const Grudge grudge = *MakeGrudge(names, kind, seed);
      CHECK(started.value["grudge"] == GrudgeToJson(grudge));
      CheckConnectivity(cluster, grudge, true, kind + " seed " + std::to_string(seed));
    }
  }
  Op isolated = Run(nemesis, "start-partition", {{"kind", "isolate-primary"}, {"mode", "reject"}});
  CHECK(isolated.value["primary"] == "n4");
  const Grudge around_n4 =
      *ParseGrudge(Json::parse(R"({"n1":["n4"],"n2":["n4"],"n3":["n4"],"n4":["n1","n2","n3","n5"],
                      "n5":["n4"]})"),
                   names);
  CHECK(isolated.value["grudge"] == GrudgeToJson(around_n4));
  CheckConnectivity(cluster, around_n4, true, "isolate-primary");

  const Json explicit_grudge = Json::parse(R"({"n1": ["n2", "n5"], "n3": ["n1"]})");
  Run(nemesis, "start-partition", {{"grudge", explicit_grudge}, {"mode", "reject"}});
  CheckConnectivity(cluster, *ParseGrudge(explicit_grudge, names), true, "explicit");

  Run(nemesis, "start-partition", {{"kind", "bridge"}, {"seed", 5}, {"mode", "drop"}});
  CheckConnectivity(cluster, *MakeGrudge(names, "bridge", 5), false, "bridge, drop");

  Run(nemesis, "stop-partition", nullptr);
  CheckConnectivity(cluster, {}, true, "healed");
  TearDown(nemesis);
}

TEST_CASE("partition netns: isolate-primary without a usable primary is an error", "[root]") {
  nodetest::RequireRoot();
  TestCluster cluster(3);
  const Json value = {{"kind", "isolate-primary"}};

  PartitionNemesis none(cluster.cluster(), nullptr);
  SetUp(none);
  Op no_primary = none.Invoke(NemesisOp("start-partition", value));
  CHECK_THAT(no_primary.error.get<std::string>(),
             Catch::Contains("the target does not report a primary"));
  TearDown(none);

  auto answer = Result<std::string>::Error("no leader elected");
  PartitionNemesis asking(cluster.cluster(), [&] { return answer; });
  SetUp(asking);
  Op failed = asking.Invoke(NemesisOp("start-partition", value));
  CHECK_THAT(failed.error.get<std::string>(), Catch::Contains("no leader elected"));
  answer = std::string("n9");
  Op unknown = asking.Invoke(NemesisOp("start-partition", value));
  CHECK_THAT(unknown.error.get<std::string>(), Catch::Contains("n9"));
  for (const std::string& node : cluster.names()) CHECK(ChainRules(cluster, node).empty());
  TearDown(asking);
}

TEST_CASE("partition netns: a failed start names the node and heals the rest", "[root]") {
  nodetest::RequireRoot();
  TestCluster cluster(5);
  PartitionNemesis nemesis(cluster.cluster(), nullptr);
  SetUp(nemesis);
  // Someone removes our chain from n3 behind the nemesis's back.
  cluster.Exec("n3", {"iptables", "-w", "-D", "INPUT", "-j", "coordcheck-part"});
  cluster.Exec("n3", {"iptables", "-w", "-X", "coordcheck-part"});

  Op failed = nemesis.Invoke(NemesisOp("start-partition", {{"kind", "halves"}}));
  CHECK(failed.type == OpType::kInfo);
  REQUIRE(failed.error.is_string());
  const std::string error = failed.error.get<std::string>();
  CHECK_THAT(error, Catch::Contains("node n3: iptables-restore failed"));
  CHECK_THAT(error, Catch::Contains("No chain/target/match by that name"));
  CHECK_THAT(error, !Catch::Contains("node n1") && !Catch::Contains("node n5"));
  for (const std::string& node : cluster.names()) {
    INFO("node " << node);
    CHECK(ChainRules(cluster, node).empty());
  }
  // stop-partition reports what it could heal and what not.
  Op stopped = nemesis.Invoke(NemesisOp("stop-partition", nullptr));
  CHECK(stopped.value == Json::parse(R"({"healed": ["n1", "n2", "n4", "n5"]})"));
  CHECK_THAT(stopped.error.get<std::string>(), Catch::Contains("node n3"));

  TearDown(nemesis);
  for (const std::string& node : cluster.names()) CHECK(cluster.Rules(node) == kPolicies);
}

TEST_CASE("partition netns: setup clears a leftover chain and teardown is idempotent", "[root]") {
  nodetest::RequireRoot();
  TestCluster cluster(3);
  {
    // A nemesis that partitions and never tears down (a controller that died).
    PartitionNemesis abandoned(cluster.cluster(), nullptr);
    SetUp(abandoned);
    Run(abandoned, "start-partition", {{"kind", "isolate"}, {"seed", 1}});
  }
  PartitionNemesis nemesis(cluster.cluster(), nullptr);
  SetUp(nemesis);
  for (const std::string& node : cluster.names()) {
    CHECK(cluster.Rules(node) == std::string(kPolicies) + kOurs);
  }
  SetUp(nemesis);  // again: still one chain, one jump
  for (const std::string& node : cluster.names()) {
    CHECK(cluster.Rules(node) == std::string(kPolicies) + kOurs);
  }
  TearDown(nemesis);
  TearDown(nemesis);
  for (const std::string& node : cluster.names()) CHECK(cluster.Rules(node) == kPolicies);
  Op after = nemesis.Invoke(NemesisOp("stop-partition", nullptr));
  CHECK_THAT(after.error.get<std::string>(), Catch::Contains("not set up"));
}

TEST_CASE("partition netns: the root namespace is untouched", "[root]") {
  nodetest::RequireRoot();
  const std::string before = nodetest::RootNetworkState();
  std::string run_id;
  {
    TestCluster cluster(5);
    run_id = cluster.cluster().run_id();
    PartitionNemesis nemesis(cluster.cluster(), nullptr);
    SetUp(nemesis);
    Run(nemesis, "start-partition", {{"kind", "majorities-ring"}, {"seed", 9}, {"mode", "reject"}});
    Run(nemesis, "stop-partition", nullptr);
    Run(nemesis, "start-partition", {{"kind", "one-way"}, {"seed", 9}});
    TearDown(nemesis);
  }
  CHECK(nodetest::RootNetworkState() == before);
  CHECK(nodetest::NamespacesOf(run_id).empty());
}

TEST_CASE("partition netns: partitioning and healing five nodes is quick", "[root]") {
  nodetest::RequireRoot();
  TestCluster cluster(5);
  PartitionNemesis nemesis(cluster.cluster(), nullptr);
  using Clock = std::chrono::steady_clock;
  auto ms = [](Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
  const auto t0 = Clock::now();
  SetUp(nemesis);
  const double setup_ms = ms(Clock::now() - t0);
  constexpr int kRounds = 10;
  double start_ms = 0;
  double stop_ms = 0;
  for (int round = 0; round < kRounds; ++round) {
    const auto t1 = Clock::now();
    Run(nemesis, "start-partition",
        {{"kind", "random-halves"}, {"seed", round}, {"mode", "reject"}});
    const auto t2 = Clock::now();
    Run(nemesis, "stop-partition", nullptr);
    start_ms += ms(t2 - t1);
    stop_ms += ms(Clock::now() - t2);
  }
  const auto t3 = Clock::now();
  TearDown(nemesis);
  const double teardown_ms = ms(Clock::now() - t3);
  WARN("5 nodes: setup " << setup_ms << " ms, start-partition " << start_ms / kRounds
                         << " ms, stop-partition " << stop_ms / kRounds << " ms, teardown "
                         << teardown_ms << " ms");
  // Figures (tens of ms alone); the bounds only catch a hang.
  CHECK(start_ms / kRounds < 5000);
  CHECK(stop_ms / kRounds < 5000);
}

}  // namespace
}  // namespace coordcheck::nemesis
