// PaymentsDb on real nodes: the payments service with SQLite and the ledger (local backend),
// and PostgreSQL shared by two service instances (netns, root) — deployed by the real Db,
// driven over the wire protocol, and faulted: every fault is observed (the process group
// really gone, a paused database really unanswering), and what was committed survives.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "nemesis/partition/partition_nemesis.h"
#include "targets/payments/db.h"
#include "targets/payments/line_link.h"
#include "tests/support/node_env.h"

namespace coordcheck::test {
namespace {

using nemesis::PartitionNemesis;
using payments::LineLink;
using payments::LinkReply;
using payments::PaymentsDb;
using payments::Store;
using std::chrono::milliseconds;

std::string BinDir() {
  return std::filesystem::path(COORDCHECK_PAYMENTS_BINARY).parent_path().string();
}

// A payments target deployed on a fresh cluster by the real PaymentsDb.
class PaymentsNodes {
 public:
  PaymentsNodes(Store store, const std::string& backend, int nodes, const std::string& bug = "",
                Json options = Json{{"slow_every", 0}})
      : cluster_(backend, nodes), db_(store) {
    env_.nodes = cluster_.cluster().nodes();
    env_.bin_dir = BinDir();
    env_.dialer = &cluster_.cluster().dialer();
    env_.bug = bug;
    env_.workload_options = std::move(options);
    std::vector<std::thread> setups;
    std::vector<Status> results(env_.nodes.size());
    for (size_t i = 0; i < env_.nodes.size(); ++i) {
      setups.emplace_back(
          [&, i] { results[i] = db_.Setup(cluster_.remote(env_.nodes[i].name), env_); });
    }
    for (std::thread& t : setups) t.join();
    for (const Status& s : results) {
      INFO(s.message());
      REQUIRE(s.ok());
    }
    Status ready = db_.Ready(env_, std::chrono::seconds(60));
    INFO(ready.message());
    REQUIRE(ready.ok());
  }
  ~PaymentsNodes() {
    for (const control::NodeInfo& n : env_.nodes) {
      Status s = db_.Teardown(cluster_.remote(n.name));
      INFO(s.message());
      CHECK(s.ok());
    }
  }

  PaymentsDb& db() { return db_; }
  DbEnv& env() { return env_; }
  control::Remote& remote(const std::string& node) { return cluster_.remote(node); }
  nodetest::TestCluster& cluster() { return cluster_; }

  // A link to `node`'s service (or ledger) port.
  std::unique_ptr<LineLink> Link(const std::string& node, int port) {
    std::string address;
    for (const control::NodeInfo& n : env_.nodes)
      if (n.name == node) address = n.address;
    control::Dialer* dialer = env_.dialer;
    return std::make_unique<LineLink>(address, port,
                                      [dialer](const std::string& h, int p, milliseconds t) {
                                        return dialer->Connect(h, p, t);
                                      });
  }

 private:
  nodetest::TestCluster cluster_;
  PaymentsDb db_;
  DbEnv env_;
};

Json Charge(const std::string& key, const std::string& account, int amount) {
  return Json{{"op", "charge"}, {"key", key}, {"account", account}, {"amount", amount}};
}

Json MustCall(LineLink& link, const Json& request, milliseconds timeout = milliseconds(5000)) {
  LinkReply r = link.Call(request, timeout);
  INFO(link.where() << " " << request.dump() << ": " << r.error << " " << r.answer.dump());
  REQUIRE(r.ok);
  REQUIRE(r.answer.value("ok", false) == true);
  return r.answer;
}

// PostgreSQL's processes on `node`: the postmaster (its pid is postmaster.pid's first line)
// and its children, which are not in its process group (targets/payments/db.cc).
std::vector<std::string> PostgresPids(PaymentsNodes& nodes, const std::string& node) {
  std::istringstream pidfile(
      nodetest::ReadFile(nodes.remote(node).root_dir() + "/data/pgdata/postmaster.pid"));
  std::string postmaster;
  pidfile >> postmaster;
  std::vector<std::string> pids = {postmaster};
  std::FILE* children = ::popen(("/usr/bin/pgrep -P " + postmaster).c_str(), "r");
  REQUIRE(children != nullptr);
  for (char line[32]; std::fgets(line, sizeof line, children) != nullptr;) {
    pids.push_back(std::to_string(std::atoll(line)));
  }
  ::pclose(children);
  return pids;
}

// A process's state letter from /proc/PID/stat ('T' stopped, 'Z' zombie), or 0 when gone.
char StateOf(const std::string& pid) {
  std::ifstream stat("/proc/" + pid + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return 0;
  const size_t paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() ? 0 : line[paren + 2];
}

// Waits until the service's outbox is empty.
void Drained(LineLink& service) {
  CHECK(nodetest::WaitUntil(
      [&] {
        LinkReply r = service.Call({{"op", "pending"}}, milliseconds(2000));
        return r.ok && r.answer.value("pending", -1) == 0;
      },
      std::chrono::seconds(10), milliseconds(50)));
}

TEST_CASE("payments db: SQLite service and ledger, a retry replays, the outbox delivers once, a kill loses nothing",
          "[payments][db]") {
  PaymentsNodes nodes(Store::kSqlite, "local", 2);
  auto service = nodes.Link("n1", 7500);
  auto ledger = nodes.Link("n2", 7600);
  const Json first = MustCall(*service, Charge("k1", "a1", 40));
  CHECK(first["replayed"] == false);
  const Json again = MustCall(*service, Charge("k1", "a1", 40));
  CHECK(again["replayed"] == true);
  CHECK(again["charge_id"] == first["charge_id"]);
  MustCall(*service, Charge("k2", "a2", 7));
  Drained(*service);
  Json read = MustCall(*ledger, {{"op", "read"}});
  CHECK(read["events"].size() == 2);
  for (const Json& e : read["events"]) CHECK(e[3] == 1);
  CHECK(read["balances"] == Json{{"a1", 40}, {"a2", 7}});

  // Kill the service: its process is gone (connections refused), and after a restart the
  // committed charge and its key are still there.
  REQUIRE(nodes.db().Kill(nodes.remote("n1")).ok());
  LinkReply refused = service->Call({{"op", "ping"}}, milliseconds(500));
  CHECK_FALSE(refused.ok);
  CHECK_FALSE(refused.sent);
  REQUIRE(nodes.db().Start(nodes.remote("n1"), nodes.env()).ok());
  REQUIRE(nodes.db().Ready(nodes.env(), std::chrono::seconds(10)).ok());
  const Json replay = MustCall(*service, Charge("k1", "a1", 40));
  CHECK(replay["charge_id"] == first["charge_id"]);
  CHECK(replay["replayed"] == true);
  Json state = MustCall(*service, {{"op", "read"}});
  CHECK(state["charges"].size() == 2);
  CHECK(state["balances"] == Json{{"a1", 40}, {"a2", 7}});
  CHECK(nodes.db().LogFiles(nodes.remote("n1")) ==
        std::vector<std::string>{nodes.remote("n1").root_dir() + "/payments.log"});
}

// The final phase's drain must not end while a charge whose client gave up is still running
// (targets/payments/client.h): the service counts the charges it is working on.
TEST_CASE("payments db: the service reports the charges it is working on", "[payments][db]") {
  PaymentsNodes nodes(Store::kSqlite, "local", 2, "",
                      Json{{"slow_every", 1}, {"slow_ms", 800}});  // every charge takes 0.8 s
  auto idle = nodes.Link("n1", 7500);
  CHECK(MustCall(*idle, {{"op", "pending"}})["charging"] == 0);
  auto service = nodes.Link("n1", 7500);
  LinkReply charged;
  std::thread slow([&] { charged = service->Call(Charge("k1", "a1", 5), milliseconds(5000)); });
  CHECK(nodetest::WaitUntil(
      [&] { return MustCall(*idle, {{"op", "pending"}})["charging"] == 1; },
      std::chrono::seconds(5), milliseconds(20)));
  slow.join();
  CHECK(charged.ok);
  CHECK(charged.answer["ok"] == true);
  CHECK(MustCall(*idle, {{"op", "pending"}})["charging"] == 0);
}

TEST_CASE("payments db: the bugs reach the processes (no key, non-deduplicating ledger)",
          "[payments][db]") {
  {
    PaymentsNodes nodes(Store::kSqlite, "local", 2, "no-key");
    auto service = nodes.Link("n1", 7500);
    const Json a = MustCall(*service, Charge("k1", "a1", 5));
    const Json b = MustCall(*service, Charge("k1", "a1", 5));
    CHECK(a["charge_id"] != b["charge_id"]);  // charged twice
    CHECK(b["replayed"] == false);
  }
  {
    PaymentsNodes nodes(Store::kSqlite, "local", 2, "non-dedup-consumer");
    auto ledger = nodes.Link("n2", 7600);
    const Json event = {{"op", "apply"}, {"events", Json::array({Json::array({"e1", "a1", 3})})}};
    MustCall(*ledger, event);
    MustCall(*ledger, event);
    Json read = MustCall(*ledger, {{"op", "read"}});
    REQUIRE(read["events"].size() == 1);
    CHECK(read["events"][0][3] == 2);
    CHECK(read["balances"]["a1"] == 6);
  }
}

TEST_CASE("payments db: PostgreSQL shared by two instances, killed and paused for real",
          "[payments][db][root]") {
  nodetest::RequireRoot();
  PaymentsNodes nodes(Store::kPostgres, "netns", 4);  // n1 postgres, n2 n3 services, n4 ledger
  auto n2 = nodes.Link("n2", 7500);
  auto n3 = nodes.Link("n3", 7500);
  const Json first = MustCall(*n2, Charge("k1", "a1", 25));
  // The other instance shares the key store: it replays the first one's answer.
  const Json other = MustCall(*n3, Charge("k1", "a1", 25));
  CHECK(other["charge_id"] == first["charge_id"]);
  CHECK(other["replayed"] == true);

  // Kill PostgreSQL: none of its processes is left, and a charge fails definitely.
  const std::vector<std::string> running = PostgresPids(nodes, "n1");
  REQUIRE(nodes.db().Kill(nodes.remote("n1")).ok());
  for (const std::string& pid : running) {
    INFO("pid " << pid);
    const char st = StateOf(pid);
    CHECK((st == 0 || st == 'Z'));
  }
  LinkReply down = n2->Call(Charge("k2", "a1", 1), milliseconds(8000));
  REQUIRE(down.ok);
  CHECK(down.answer["ok"] == false);
  CHECK(down.answer["definite"] == true);
  REQUIRE(nodes.db().Start(nodes.remote("n1"), nodes.env()).ok());
  REQUIRE(nodes.db().Ready(nodes.env(), std::chrono::seconds(30)).ok());
  const Json after = MustCall(*n3, Charge("k1", "a1", 25));
  CHECK(after["charge_id"] == first["charge_id"]);  // survived the crash

  // Pause PostgreSQL (every process of it): a charge gets no answer while it is stopped, and
  // completes once it resumes.
  // Every process of it is stopped, the children as well as the postmaster.
  const std::vector<std::string> serving = PostgresPids(nodes, "n1");
  CHECK(serving.size() >= 4);  // postmaster, checkpointer, walwriter, ... and backends
  REQUIRE(nodes.db().Pause(nodes.remote("n1")).ok());
  for (const std::string& pid : serving) {
    INFO("pid " << pid);
    CHECK(StateOf(pid) == 'T');
  }
  LinkReply stalled = n2->Call(Charge("k3", "a2", 2), milliseconds(1000));
  CHECK_FALSE(stalled.ok);
  REQUIRE(nodes.db().Resume(nodes.remote("n1")).ok());
  for (const std::string& pid : serving) {
    INFO("pid " << pid);
    const char st = StateOf(pid);
    CHECK((st != 'T' && st != 't'));  // running again (or exited by itself)
  }
  Drained(*n2);
  // k3's first attempt may have committed after the resume; a retry must replay it.
  const Json k3 = MustCall(*n3, Charge("k3", "a2", 2));
  Drained(*n3);
  const Json state = MustCall(*n2, {{"op", "read"}});
  int k3_charges = 0;
  for (const Json& c : state["charges"]) k3_charges += c[1] == "k3";
  CHECK(k3_charges == 1);
  auto ledger = nodes.Link("n4", 7600);
  Json read = MustCall(*ledger, {{"op", "read"}});
  CHECK(read["events"].size() == state["charges"].size());
  CHECK(read["balances"] == state["balances"]);

  // Killed while paused, it leaves not one process behind: a child left attached to the
  // shared memory would keep the restarted server from starting.
  const std::vector<std::string> before_kill = PostgresPids(nodes, "n1");
  REQUIRE(nodes.db().Pause(nodes.remote("n1")).ok());
  REQUIRE(nodes.db().Kill(nodes.remote("n1")).ok());
  for (const std::string& pid : before_kill) {
    INFO("pid " << pid);
    const char st = StateOf(pid);
    CHECK((st == 0 || st == 'Z'));
  }
  REQUIRE(nodes.db().Start(nodes.remote("n1"), nodes.env()).ok());
  Status ready = nodes.db().Ready(nodes.env(), std::chrono::seconds(30));
  INFO(ready.message());
  REQUIRE(ready.ok());
  CHECK(MustCall(*n3, Charge("k1", "a1", 25))["charge_id"] == first["charge_id"]);
  CHECK(nodes.db().LogFiles(nodes.remote("n1")) ==
        std::vector<std::string>{nodes.remote("n1").root_dir() + "/postgres.log"});
}

TEST_CASE("payments db: a partition between one service instance and PostgreSQL cuts just that link",
          "[payments][db][root]") {
  nodetest::RequireRoot();
  PaymentsNodes nodes(Store::kPostgres, "netns", 4);  // n1 postgres, n2 n3 services, n4 ledger
  auto n2 = nodes.Link("n2", 7500);
  auto n3 = nodes.Link("n3", 7500);
  MustCall(*n2, {{"op", "ping"}});
  PartitionNemesis partition(nodes.cluster().cluster(), nullptr);
  REQUIRE(partition.Setup().ok());
  Op cut = partition.Invoke(nodetest::NemesisOp(
      "start-partition", {{"grudge", {{"n1", {"n2"}}, {"n2", {"n1"}}}}, {"mode", "drop"}}));
  INFO(cut.error.dump());
  REQUIRE(cut.error.is_null());
  // n2 cannot reach its database: its charge does not succeed (the statement deadline drops
  // the connection, or the client gives up first) ...
  LinkReply stuck = n2->Call(Charge("k1", "a1", 9), milliseconds(6000));
  const bool charged = stuck.ok && stuck.answer.value("ok", false) == true;
  CHECK_FALSE(charged);
  // ... while n3, on the same network, charges the same payment.
  const Json via_n3 = MustCall(*n3, Charge("k1", "a1", 9));
  CHECK(via_n3["replayed"] == false);
  Op healed = partition.Invoke(nodetest::NemesisOp("stop-partition"));
  REQUIRE(healed.error.is_null());
  REQUIRE(partition.Teardown().ok());
  // Healed: n2 answers again, with n3's charge for the key.
  CHECK(nodetest::WaitUntil(
      [&] {
        LinkReply r = n2->Call(Charge("k1", "a1", 9), milliseconds(4000));
        return r.ok && r.answer.value("charge_id", "") == via_n3["charge_id"];
      },
      std::chrono::seconds(20), milliseconds(200)));
  Json state = MustCall(*n3, {{"op", "read"}});
  CHECK(state["charges"].size() == 1);
}

}  // namespace
}  // namespace coordcheck::test
