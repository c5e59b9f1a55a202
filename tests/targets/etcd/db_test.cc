// EtcdDb with real etcd clusters: validation, the argv it deploys, readiness, the leader,
// kill and restart of a follower, a paused leader replaced by a new one, teardown.

#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "targets/etcd/db.h"
#include "tests/targets/etcd/etcd_test_util.h"

namespace {

using coordcheck::Result;
using coordcheck::Status;

using coordcheck::Json;
using coordcheck::etcd::EtcdDb;
using coordcheck::etcd::MemberStatus;
using etcdtest::EtcdCluster;
using etcdtest::Figure;
using etcdtest::MsSince;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;
namespace control = coordcheck::control;

std::string Joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) out += a + " ";
  return out;
}

// Every node's maintenance/status (REQUIREd).
std::vector<MemberStatus> Statuses(EtcdCluster& c, const std::vector<std::string>& nodes) {
  std::vector<MemberStatus> out;
  for (const std::string& node : nodes) {
    auto status = EtcdDb::QueryStatus(c.env(), c.info(node), seconds(2));
    INFO(status.message());
    REQUIRE(status.ok());
    out.push_back(*status);
  }
  return out;
}

TEST_CASE("etcd db: options, bugs and membership are checked, naming the node", "[etcd][db]") {
  EtcdCluster c("local", 3);
  control::Remote& n2 = c.remote("n2");
  SECTION("unknown option") {
    c.env().options = {{"client-port", 2379}};
    auto s = c.db().Setup(n2, c.env());
    REQUIRE_FALSE(s.ok());
    CHECK(s.message() ==
          "node n2: etcd: unknown etcd option \"client-port\" (etcd knows: client_port, peer_port)");
  }
  SECTION("bad port") {
    c.env().options = {{"peer_port", 70000}};
    auto s = c.db().Setup(n2, c.env());
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find("node n2") == 0);
    CHECK(s.message().find("etcd option \"peer_port\" must be an integer in 1..65535, got 70000") != std::string::npos);
  }
  SECTION("a bug") {
    c.env().bug = "stale-reads";
    auto s = c.db().Setup(n2, c.env());
    REQUIRE_FALSE(s.ok());
    CHECK(s.message() == "node n2: etcd: has no bug \"stale-reads\" (known: none)");
  }
  SECTION("a node outside the run") {
    c.env().nodes.pop_back();
    auto s = c.db().Setup(c.remote("n3"), c.env());
    REQUIRE_FALSE(s.ok());
    CHECK(s.message() == "node n3: etcd: not one of the run's nodes");
  }
  SECTION("the argv") {
    c.env().options = {{"client_port", 12379}, {"peer_port", 12380}};
    auto argv = c.db().ServerArgv(n2, c.env());
    REQUIRE(argv.ok());
    const std::string a2 = c.info("n2").address;
    std::string cluster;
    for (const control::NodeInfo& n : c.env().nodes) {
      cluster += (cluster.empty() ? "" : ",") + n.name + "=http://" + n.address + ":12380";
    }
    CHECK(Joined(*argv) == "/usr/bin/etcd --name n2 --data-dir " + n2.root_dir() +
                               "/etcd.data --listen-client-urls http://" + a2 +
                               ":12379 --advertise-client-urls http://" + a2 +
                               ":12379 --listen-peer-urls http://" + a2 +
                               ":12380 --initial-advertise-peer-urls http://" + a2 +
                               ":12380 --initial-cluster " + cluster +
                               " --initial-cluster-state new --initial-cluster-token " +
                               c.db().token() + " --logger zap ");
    CHECK(c.db().token() != EtcdDb().token());  // unique per Db (per run)
  }
  CHECK(c.db().LogFiles(n2) == std::vector<std::string>{n2.root_dir() + "/etcd.log"});
  CHECK_FALSE(c.db().DaemonOf("n2").ok());
}

void Lifecycle(const std::string& backend) {
  EtcdCluster c(backend, 3);
  const double start_ms = c.Start();
  Figure(backend + " 3-node etcd cluster Setup..Ready", start_ms, "ms");
  CHECK(start_ms < 60000);  // a figure; the bound only catches a hang

  // The leader: Primary names the node whose member id every member calls leader.
  auto primary = c.db().Primary(c.env());
  INFO(primary.message());
  REQUIRE(primary.ok());
  const std::string leader = *primary;
  std::vector<MemberStatus> statuses = Statuses(c, c.names());
  for (const MemberStatus& s : statuses) {
    if (s.node == leader) CHECK(s.leader_id == s.member_id);
  }
  for (const MemberStatus& s : statuses) CHECK(s.leader_id == statuses[0].leader_id);

  // A second Setup on a running node is refused.
  auto again = c.db().Setup(c.remote(leader), c.env());
  CHECK(again.message() == "node " + leader + ": etcd is already running (pid " +
                               std::to_string(c.db().DaemonOf(leader)->pid) + ")");

  // Kill a follower: the rest still has a leader; Ready names the dead node; Start (same
  // data dir) brings it back into the cluster.
  std::string follower;
  for (const std::string& n : c.names()) {
    if (n != leader) follower = n;
  }
  auto killed_daemon = c.db().DaemonOf(follower);
  REQUIRE(killed_daemon.ok());
  REQUIRE(c.db().Kill(c.remote(follower)).ok());
  CHECK_FALSE(c.remote(follower).DaemonAlive(*killed_daemon));
  CHECK_FALSE(c.db().DaemonOf(follower).ok());
  CHECK(c.db().Kill(c.remote(follower)).ok());  // already down
  auto not_ready = c.db().Ready(c.env(), milliseconds(300));
  REQUIRE_FALSE(not_ready.ok());
  CHECK(not_ready.message().find("node " + follower) == 0);
  auto during = c.db().Primary(c.env());
  REQUIRE(during.ok());
  CHECK(*during == leader);
  const auto restart = Clock::now();
  REQUIRE(c.db().Start(c.remote(follower), c.env()).ok());
  auto rejoined = c.db().Ready(c.env(), seconds(10));
  INFO(rejoined.message() << "\n" << c.Logs());
  REQUIRE(rejoined.ok());
  Figure(backend + " killed follower restarted and ready", MsSince(restart), "ms");

  // Pause the leader: the others elect a new one, which Primary names.
  REQUIRE(c.db().Pause(c.remote(leader)).ok());
  const auto paused = Clock::now();
  std::string elected;
  const bool moved = nodetest::WaitUntil(
      [&] {
        auto p = c.db().Primary(c.env());
        if (p.ok() && *p != leader) elected = *p;
        return !elected.empty();
      },
      seconds(8), milliseconds(50));
  INFO(c.Logs());
  REQUIRE(moved);
  const double failover_ms = MsSince(paused);
  Figure(backend + " paused leader replaced (Primary names the new one)", failover_ms, "ms");
  // Usually 1-2 s (election timeout 1 s, randomized up to 2 s); a split vote on a loaded
  // machine adds another round.
  CHECK(failover_ms < 30000);
  std::vector<std::string> others;
  for (const std::string& n : c.names()) {
    if (n != leader) others.push_back(n);
  }
  for (const MemberStatus& s : Statuses(c, others)) {
    if (s.node == elected) CHECK(s.leader_id == s.member_id);
  }
  // The paused member does not answer; Ready says which one.
  auto while_paused = c.db().Ready(c.env(), milliseconds(300));
  REQUIRE_FALSE(while_paused.ok());
  CHECK(while_paused.message().find("node " + leader) == 0);

  // Resume: the old leader comes back as a follower of the new term.
  REQUIRE(c.db().Resume(c.remote(leader)).ok());
  auto resumed = c.db().Ready(c.env(), seconds(10));
  INFO(resumed.message());
  REQUIRE(resumed.ok());
  auto after = c.db().Primary(c.env());
  REQUIRE(after.ok());
  statuses = Statuses(c, c.names());
  for (const MemberStatus& s : statuses) {
    CHECK(s.leader_id == statuses[0].leader_id);
    if (s.node == *after) CHECK(s.leader_id == s.member_id);
  }

  // A paused member is torn down all the same (SIGCONT first, SIGKILL after the grace).
  REQUIRE(c.db().Pause(c.remote(follower)).ok());
  const auto teardown = Clock::now();
  for (const std::string& n : c.names()) {
    auto daemon = c.db().DaemonOf(n);
    REQUIRE(daemon.ok());
    REQUIRE(c.db().Teardown(c.remote(n)).ok());
    CHECK_FALSE(c.remote(n).DaemonAlive(*daemon));
  }
  Figure(backend + " teardown of 3 members", MsSince(teardown), "ms");
  CHECK(c.EtcdPids().empty());
  CHECK(c.db().Teardown(c.remote("n1")).ok());  // idempotent
  CHECK_FALSE(c.db().Pause(c.remote("n1")).ok());
  auto gone = c.db().Ready(c.env(), milliseconds(300));
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.message().find("node n1") == 0);
}

TEST_CASE("etcd db: ready, leader, kill+start of a follower, paused leader replaced (netns)",
          "[etcd][db][root]") {
  nodetest::RequireRoot();
  Lifecycle("netns");
}

TEST_CASE("etcd db: ready, leader, kill+start of a follower, paused leader replaced (local)",
          "[etcd][db]") {
  Lifecycle("local");
}

TEST_CASE("etcd db: a five-node cluster starts and names one leader", "[etcd][db][root]") {
  nodetest::RequireRoot();
  EtcdCluster c("netns", 5);
  Figure("netns 5-node etcd cluster Setup..Ready", c.Start(), "ms");
  auto primary = c.db().Primary(c.env());
  REQUIRE(primary.ok());
  std::set<uint64_t> leaders;
  for (const std::string& n : c.names()) {
    auto s = EtcdDb::QueryStatus(c.env(), c.info(n), seconds(2));
    REQUIRE(s.ok());
    leaders.insert(s->leader_id);
    if (n == *primary) CHECK(s->leader_id == s->member_id);
  }
  CHECK(leaders.size() == 1);
}

}  // namespace
