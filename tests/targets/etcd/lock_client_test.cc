// EtcdLockClient against real etcd clusters: contention (the second Acquire waits for the
// first Release), fencing tokens that strictly increase, a holder whose lease expires
// losing the lock to a waiter with a larger fence, deadlines that end cleanly with no lease
// left behind.

#include <atomic>
#include <catch2/catch.hpp>
#include <future>
#include <set>
#include <thread>

#include "harness/control/dialers.h"
#include "targets/etcd/gateway.h"
#include "targets/etcd/lock_client.h"
#include "tests/support/slack.h"
#include "tests/targets/etcd/etcd_test_util.h"

namespace {

using coordcheck::Result;
using coordcheck::Status;

using coordcheck::Grant;
using coordcheck::Json;
using coordcheck::etcd::EtcdLockClient;
using etcdtest::EtcdCluster;
using etcdtest::Figure;
using etcdtest::MsSince;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;
namespace control = coordcheck::control;
namespace etcd = coordcheck::etcd;

Clock::time_point In(milliseconds ms) { return Clock::now() + ms; }

// The leases `node` knows, as decimal strings. lease/leases is served from the member's
// own state, not through the leader: ask the member a client's last grant or revoke went
// to (it answered after applying it), or wait for the others to catch up.
std::set<std::string> Leases(EtcdCluster& c, const std::string& node) {
  const Json reply = c.Call(node, "lease/leases", Json::object());
  std::set<std::string> out;
  for (const Json& l : reply.value("leases", Json::array()))
    out.insert(l.at("ID").get<std::string>());
  return out;
}

// The keys under the lock's name ("NAME/..."), decoded.
std::vector<std::string> LockKeys(EtcdCluster& c, const std::string& name) {
  const Json reply = c.Call(
      "n1", "kv/range",
      Json{{"key", etcd::Base64Encode(name + "/")}, {"range_end", etcd::Base64Encode(name + "0")}});
  std::vector<std::string> out;
  for (const Json& kv : reply.value("kvs", Json::array())) {
    out.push_back(*etcd::Base64Decode(kv.at("key").get<std::string>()));
  }
  return out;
}

Grant MustAcquire(EtcdLockClient& client, milliseconds timeout = seconds(5)) {
  bool uncertain = true;
  auto grant = client.Acquire(In(timeout), &uncertain);
  INFO(grant.message());
  REQUIRE(grant.ok());
  CHECK_FALSE(uncertain);
  REQUIRE(grant->fence.has_value());
  return *grant;
}

void MustRelease(EtcdLockClient& client, const Grant& grant) {
  bool uncertain = true;
  auto released = client.Release(grant, In(seconds(5)), &uncertain);
  INFO(released.message());
  REQUIRE(released.ok());
  CHECK_FALSE(uncertain);
}

TEST_CASE("etcd-lock: Open checks its environment", "[etcd][lock]") {
  control::LocalDialer dialer;
  coordcheck::LockEnv env;
  env.dialer = &dialer;
  env.nodes = {"n1", "n2"};
  env.addresses = {"127.0.0.1", "127.0.0.2"};
  EtcdLockClient client;
  SECTION("home node") {
    env.node = "n3";
    CHECK(client.Open(env).message() == "etcd-lock: home node \"n3\" is not a lock node");
  }
  SECTION("options") {
    env.node = "n1";
    env.options = {{"port", 1}};
    CHECK(client.Open(env).message().find("unknown etcd option \"port\"") != std::string::npos);
  }
  SECTION("not open") {
    bool uncertain = true;
    auto grant = client.Acquire(In(seconds(1)), &uncertain);
    CHECK_FALSE(grant.ok());
    CHECK_FALSE(uncertain);
  }
}

TEST_CASE("etcd-lock: a second client waits for the release, fences strictly increase",
          "[etcd][lock]") {
  EtcdCluster c("local", 3);
  c.Start();
  EtcdLockClient a;
  EtcdLockClient b;
  REQUIRE(a.Open(c.LockEnvFor("n1", 5000)).ok());
  REQUIRE(b.Open(c.LockEnvFor("n2", 5000)).ok());

  const auto t0 = Clock::now();
  const Grant ga = MustAcquire(a);
  Figure("etcd-lock uncontended Acquire (first, new connection)", MsSince(t0), "ms");
  CHECK(ga.token.rfind("cc-test-lock/", 0) == 0);
  CHECK(ga.validity_ms == 5000);
  CHECK(ga.detail.at("node") == "n1");
  CHECK(ga.detail.at("key") == ga.token);
  CHECK(Leases(c, "n1").count(ga.detail.at("lease").get<std::string>()) == 1);

  // B blocks while A holds.
  std::atomic<bool> b_done{false};
  Clock::time_point b_acquired;
  auto b_grant = std::async(std::launch::async, [&] {
    bool uncertain = true;
    auto g = b.Acquire(In(seconds(10)), &uncertain);
    b_acquired = Clock::now();
    b_done = true;
    return std::make_pair(g, uncertain);
  });
  // B's lock/lock has reached etcd: A's key and B's waiting key. B stays blocked (watched
  // for 500 ms: a window for a wrong grant to show, not a wait for anything).
  CHECK(nodetest::WaitUntil([&] { return LockKeys(c, "cc-test-lock").size() == 2; }, seconds(10),
                            milliseconds(20)));
  std::this_thread::sleep_for(milliseconds(500));
  CHECK_FALSE(b_done.load());

  // A's release hands the lock to B at once.
  const auto released = Clock::now();
  MustRelease(a, ga);
  auto [gb, b_uncertain] = b_grant.get();
  INFO(gb.message());
  REQUIRE(gb.ok());
  CHECK_FALSE(b_uncertain);
  const double handover_ms =
      std::chrono::duration<double, std::milli>(b_acquired - released).count();
  Figure("etcd-lock handover (A's Release starts .. B's Acquire returns)", handover_ms, "ms");
  CHECK(handover_ms < 2000 + testtime::kSlack.count());  // at the release (A keeps renewing)
  REQUIRE(gb->fence.has_value());
  CHECK(*gb->fence > *ga.fence);
  CHECK(Leases(c, "n1").count(ga.detail.at("lease").get<std::string>()) == 0);  // revoked
  MustRelease(b, *gb);

  // Successive grants alternating between the clients: strictly increasing fences.
  int64_t last = *gb->fence;
  double total_ms = 0;
  constexpr int kRounds = 6;
  for (int i = 0; i < kRounds; ++i) {
    EtcdLockClient& client = i % 2 == 0 ? a : b;
    const auto t = Clock::now();
    const Grant g = MustAcquire(client);
    total_ms += MsSince(t);
    CHECK(*g.fence > last);
    last = *g.fence;
    MustRelease(client, g);
  }
  Figure("etcd-lock uncontended Acquire (mean of " + std::to_string(kRounds) + ")",
         total_ms / kRounds, "ms");
  CHECK(LockKeys(c, "cc-test-lock").empty());
  CHECK(Leases(c, "n2").empty());  // b's revoke was the last one
  a.Close();
  b.Close();
}

TEST_CASE("etcd-lock: deadlines end Acquire cleanly and leave no lease", "[etcd][lock]") {
  EtcdCluster c("local", 3);
  c.Start();
  EtcdLockClient a;
  EtcdLockClient b;
  REQUIRE(a.Open(c.LockEnvFor("n1", 5000)).ok());
  REQUIRE(b.Open(c.LockEnvFor("n3", 5000)).ok());

  // A deadline already passed: nothing is sent.
  bool uncertain = true;
  auto late = b.Acquire(Clock::now() - milliseconds(1), &uncertain);
  REQUIRE_FALSE(late.ok());
  CHECK_FALSE(uncertain);
  CHECK(late.message() == "node n3: etcd-lock: deadline passed before sending");
  CHECK(Leases(c, "n3").empty());

  // A deadline that passes while waiting behind A: the lease is revoked, so the failure is
  // definite and B's waiting key is gone.
  const Grant ga = MustAcquire(a);
  const auto start = Clock::now();
  uncertain = true;
  auto timed_out = b.Acquire(In(milliseconds(800)), &uncertain);
  const double took_ms = MsSince(start);
  REQUIRE_FALSE(timed_out.ok());
  CHECK_FALSE(uncertain);
  INFO(timed_out.message());
  CHECK(timed_out.message().find("node n3: etcd-lock: not acquired: ") == 0);
  CHECK(timed_out.message().find("lock/lock") != std::string::npos);
  CHECK(timed_out.message().find("; lease revoked") != std::string::npos);
  CHECK(took_ms >= 550);
  CHECK(took_ms < 800 + testtime::kSlack.count());  // by its deadline, not A's 5 s lease
  CHECK(Leases(c, "n3") == std::set<std::string>{ga.detail.at("lease").get<std::string>()});
  CHECK(LockKeys(c, "cc-test-lock") == std::vector<std::string>{ga.token});

  // Releasing a grant twice is harmless (the key and the lease are gone: still released).
  MustRelease(a, ga);
  MustRelease(a, ga);
  CHECK(Leases(c, "n1").empty());

  // The lock is free: B gets it at once.
  const Grant gb = MustAcquire(b, milliseconds(2000));
  CHECK(*gb.fence > *ga.fence);
  // Acquire while holding is refused without touching etcd.
  uncertain = true;
  auto twice = b.Acquire(In(seconds(1)), &uncertain);
  REQUIRE_FALSE(twice.ok());
  CHECK_FALSE(uncertain);
  CHECK(twice.message().find("Acquire while still holding " + gb.token) != std::string::npos);
  MustRelease(b, gb);
}

void LeaseExpiry(const std::string& backend) {
  EtcdCluster c(backend, 3);
  c.Start();
  EtcdLockClient a;
  EtcdLockClient b;
  REQUIRE(a.Open(c.LockEnvFor("n1", 2000)).ok());
  REQUIRE(b.Open(c.LockEnvFor("n2", 2000)).ok());

  // With its keepalive running A keeps the lock past its 2 s TTL.
  const Grant ga = MustAcquire(a);
  CHECK(ga.validity_ms == 2000);
  std::this_thread::sleep_for(milliseconds(2500));
  CHECK(a.renewals() >= 2);
  bool uncertain = true;
  auto blocked = b.Acquire(In(milliseconds(500)), &uncertain);
  CHECK_FALSE(blocked.ok());
  CHECK_FALSE(uncertain);

  // A stops renewing (as if paused): its lease expires and B, waiting, gets the lock with
  // a larger fence while A still holds its old grant.
  a.StopKeepaliveForTest();
  const auto stopped = Clock::now();
  const Grant gb = MustAcquire(b, seconds(8));
  Figure("etcd-lock lease expiry handover (TTL 2 s; keepalive stop .. B holds)", MsSince(stopped),
         "ms");
  CHECK(*gb.fence > *ga.fence);
  CHECK(LockKeys(c, "cc-test-lock") == std::vector<std::string>{gb.token});
  const Json ttl = c.Call("n1", "lease/timetolive", Json{{"ID", ga.detail.at("lease")}});
  CHECK(etcd::Int64Field(ttl, "TTL") == -1);  // A's lease is gone
  // A's late release does not touch B's lock.
  MustRelease(a, ga);
  CHECK(LockKeys(c, "cc-test-lock") == std::vector<std::string>{gb.token});

  // Someone else revokes B's lease: B's keepalive notices and stops renewing.
  c.Call("n3", "lease/revoke", Json{{"ID", gb.detail.at("lease")}});
  CHECK(nodetest::WaitUntil([&] { return b.lease_lost(); }, seconds(3), milliseconds(20)));
  CHECK(LockKeys(c, "cc-test-lock").empty());
  MustRelease(b, gb);  // unlock of a vanished key: released all the same
}

TEST_CASE("etcd-lock: a background pause stops the keepalive: the lease expires, a waiter gets in",
          "[etcd][lock]") {
  EtcdCluster c("local", 3);
  c.Start();
  EtcdLockClient a;
  EtcdLockClient b;
  REQUIRE(a.Open(c.LockEnvFor("n1", 2000)).ok());
  REQUIRE(b.Open(c.LockEnvFor("n2", 2000)).ok());
  const Grant ga = MustAcquire(a);
  // Renewing, a keeps its 2 s lease.
  REQUIRE(nodetest::WaitUntil([&] { return a.renewals() >= 1; }, seconds(10), milliseconds(20)));
  // a's whole client pauses for far longer than the TTL: the keepalive sends nothing, etcd
  // expires the lease and b, waiting, gets the lock with a larger fence.
  a.PauseBackground(seconds(12));
  const auto paused = Clock::now();
  const int64_t renewals = a.renewals();
  const Grant gb = MustAcquire(b, seconds(10));
  INFO("b got in " << MsSince(paused) << " ms into the pause");
  CHECK(MsSince(paused) >= 1000);  // not before a's lease (2 s, renewed every ~0.7 s) expired
  CHECK(a.renewals() == renewals);
  CHECK(*gb.fence > *ga.fence);
  CHECK(LockKeys(c, "cc-test-lock") == std::vector<std::string>{gb.token});
  const Json ttl = c.Call("n1", "lease/timetolive", Json{{"ID", ga.detail.at("lease")}});
  CHECK(etcd::Int64Field(ttl, "TTL") == -1);  // a's lease is gone
  CHECK_FALSE(a.lease_lost());                // a has not noticed: it sent nothing
  a.Close();
  MustRelease(b, gb);
}

TEST_CASE("etcd-lock: a holder whose lease expires loses the lock to a larger fence (netns)",
          "[etcd][lock][root]") {
  nodetest::RequireRoot();
  LeaseExpiry("netns");
}

}  // namespace
