// KvdDb's contract apart from the server's behaviour: validation at Setup, the primary,
// log files, the argv it deploys; and the target registry.

#include <signal.h>

#include <catch2/catch.hpp>

#include "targets/kvd/db.h"
#include "targets/kvd/target.h"
#include "targets/target.h"
#include "tests/targets/kvd_test_cluster.h"

namespace coordcheck::test {
namespace {

TEST_CASE("targets registry lists kvd with its bugs and workloads", "[registry]") {
  REQUIRE(AllTargets().size() >= 1);
  const Target* kvd = FindTarget("kvd");
  REQUIRE(kvd != nullptr);
  CHECK(kvd == AllTargets()[0]);
  CHECK(FindTarget("nope") == nullptr);
  CHECK(kvd->name() == "kvd");
  CHECK_FALSE(kvd->description().empty());
  std::vector<std::string> bugs;
  for (const BugInfo& bug : kvd->bugs()) {
    bugs.push_back(bug.name);
    CHECK_FALSE(bug.description.empty());
  }
  CHECK(bugs == std::vector<std::string>{"follower-reads", "lost-cas", "no-fsync"});
  CHECK(kvd->client_ops() == std::vector<std::string>{"read", "write", "cas"});
  CHECK(kvd->MakeClient() != nullptr);
  std::unique_ptr<Db> db = kvd->MakeDb();
  CHECK(dynamic_cast<Killable*>(db.get()) != nullptr);
  CHECK(dynamic_cast<Pausable*>(db.get()) != nullptr);
  CHECK(dynamic_cast<HasPrimary*>(db.get()) != nullptr);
}

TEST_CASE("kvd db: Setup rejects unknown bugs and options, naming the node", "[kvd][db]") {
  SECTION("bug") {
    TestClusterOptions options;
    options.bug = "stale-writes";
    TestCluster cluster(options);
    Status s = cluster.Start();
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find("n1") != std::string::npos);
    CHECK(s.message().find("no bug \"stale-writes\" (known: follower-reads, lost-cas, no-fsync)") !=
          std::string::npos);
  }
  SECTION("option") {
    TestClusterOptions options;
    options.options = {{"replication_delay", 5}};
    TestCluster cluster(options);
    Status s = cluster.Start();
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find("unknown kvd option \"replication_delay\"") != std::string::npos);
  }
  SECTION("node outside the cluster") {
    TestCluster cluster({});
    LocalRemote stranger("n9", "127.0.0.1", "/nonexistent/n9");
    auto argv = kvd::KvdDb::ServerArgv(stranger, cluster.env());
    REQUIRE_FALSE(argv.ok());
    CHECK(argv.message().find("n9") != std::string::npos);
  }
}

TEST_CASE("kvd db: deploys, names the primary and the logs, refuses a second start", "[kvd][db]") {
  TestClusterOptions options;
  options.bug = "lost-cas";
  options.options = {{"lost_cas_delay_ms", 12}};
  TestCluster cluster(options);
  Status started = cluster.Start();
  if (!started.ok()) FAIL(started.message() << "\n" << cluster.Logs());

  auto primary = cluster.db().Primary(cluster.env());
  REQUIRE(primary.ok());
  CHECK(*primary == "n1");
  CHECK(cluster.db().LogFiles(cluster.remote(2)) ==
        std::vector<std::string>{cluster.remote(2).root_dir() + "/kvd.log"});

  auto argv = kvd::KvdDb::ServerArgv(cluster.remote(1), cluster.env());
  REQUIRE(argv.ok());
  const std::string joined = [&] {
    std::string out;
    for (const std::string& a : *argv) out += a + " ";
    return out;
  }();
  CHECK(joined.find(cluster.remote(1).root_dir() + "/bin/coordcheck-kvd --node n2 ") == 0);
  CHECK(joined.find("--primary " + cluster.address(0) + ":") != std::string::npos);
  CHECK(joined.find("--bug lost-cas") != std::string::npos);
  CHECK(joined.find("--lost-cas-delay-ms 12") != std::string::npos);

  Status again = cluster.db().Setup(cluster.remote(1), cluster.env());
  CHECK_FALSE(again.ok());
  CHECK(again.message().find("n2: kvd is already running") != std::string::npos);

  CHECK(cluster.Logs().find("kvd n1: primary listening on " + cluster.address(0)) !=
        std::string::npos);
  CHECK(cluster.Logs().find("bug lost-cas") != std::string::npos);

  // A server that died by itself is down for Kill, and Start brings it back.
  auto daemon = cluster.db().DaemonOf("n3");
  REQUIRE(daemon.ok());
  CHECK(daemon->pid == cluster.remote(2).last_pid());
  REQUIRE(kill(static_cast<pid_t>(daemon->pid), SIGKILL) == 0);
  CHECK(cluster.db().Kill(cluster.remote(2)).ok());
  CHECK_FALSE(cluster.db().DaemonOf("n3").ok());
  REQUIRE(cluster.db().Start(cluster.remote(2), cluster.env()).ok());
  CHECK(cluster.db().Ready(cluster.env(), std::chrono::seconds(5)).ok());

  REQUIRE(cluster.db().Teardown(cluster.remote(0)).ok());
  Status not_ready = cluster.db().Ready(cluster.env(), std::chrono::milliseconds(200));
  CHECK_FALSE(not_ready.ok());
  CHECK(not_ready.message().find("node n1") != std::string::npos);
  CHECK(cluster.db().Teardown(cluster.remote(0)).ok());  // idempotent
  CHECK(cluster.db().Kill(cluster.remote(0)).ok());      // already down
  CHECK_FALSE(cluster.db().Pause(cluster.remote(0)).ok());
}

}  // namespace
}  // namespace coordcheck::test
