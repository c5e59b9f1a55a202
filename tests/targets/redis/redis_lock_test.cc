// redis-lock (SET NX PX on one instance) against real redis-server: one holder at a time,
// release only by the holder, expiry letting a second client in while the first still
// holds its grant (the unsafety without fencing), renewal, and how a dead or paused
// instance turns into definite or uncertain outcomes.
#include <catch2/catch.hpp>
#include <string>
#include <thread>

#include "targets/redis/redis_lock.h"
#include "tests/support/slack.h"
#include "tests/targets/redis/redis_test_util.h"

namespace {

using coordcheck::Result;
using coordcheck::Status;

namespace control = coordcheck::control;
using coordcheck::Grant;
using coordcheck::LockEnv;
using coordcheck::redis::RedisLockClient;
using redistest::Clock;
using redistest::Ms;
using std::chrono::milliseconds;

constexpr char kLock[] = "coordcheck-lock";

std::unique_ptr<RedisLockClient> Open(const LockEnv& env) { return redistest::OpenLock<RedisLockClient>(env); }
using redistest::MustAcquire;
using redistest::MustFail;

TEST_CASE("redis-lock: one holder at a time, the next after release", "[redis][lock]") {
  redistest::RedisCluster c("local", 3);
  c.Start();
  auto a = Open(c.LockEnvFor(2000, 1));
  auto b = Open(c.LockEnvFor(2000, 2));

  const Grant held = MustAcquire(*a);
  CHECK_FALSE(held.fence.has_value());  // no fencing token
  CHECK(held.validity_ms > 1900);
  CHECK(held.validity_ms <= 2000);
  CHECK(held.detail["node"] == "n1");
  CHECK(c.Get("n1", kLock) == held.token);  // on the first lock node only
  CHECK(c.Get("n2", kLock) == "(nil)");

  const auto start = Clock::now();
  const std::string refused = MustFail(*b, milliseconds(150));
  const auto took = Ms(Clock::now() - start);
  INFO(refused);
  CHECK(refused.find("lock held by another client") != std::string::npos);
  CHECK(took >= milliseconds(100));  // retried until about the deadline
  CHECK(took <= milliseconds(150) + testtime::kSlack);  // and gave up then (TTL 2 s)

  bool uncertain = true;
  const Status released = a->Release(held, Clock::now() + milliseconds(500), &uncertain);
  INFO(released.message());
  CHECK(released.ok());
  CHECK_FALSE(uncertain);
  const Grant next = MustAcquire(*b);
  CHECK(next.token != held.token);
  CHECK(c.Get("n1", kLock) == next.token);
}

TEST_CASE("redis-lock: waiting clients get the lock once it is released", "[redis][lock]") {
  redistest::RedisCluster c("local", 3);
  c.Start();
  auto a = Open(c.LockEnvFor(5000, 1));
  auto b = Open(c.LockEnvFor(5000, 2));
  const Grant held = MustAcquire(*a);
  std::thread releaser([&] {
    std::this_thread::sleep_for(milliseconds(100));
    bool uncertain = false;
    CHECK(a->Release(held, Clock::now() + milliseconds(500), &uncertain).ok());
  });
  const auto start = Clock::now();
  const Grant next = MustAcquire(*b, milliseconds(2000));
  const auto waited = Ms(Clock::now() - start);
  releaser.join();
  CHECK(waited >= milliseconds(90));
  CHECK(waited < milliseconds(100) + testtime::kSlack);  // at the release, not the 5 s TTL
  CHECK(next.detail["attempts"].get<int>() > 1);
}

TEST_CASE("redis-lock: release by a non-holder fails definitely", "[redis][lock]") {
  redistest::RedisCluster c("local", 3);
  c.Start();
  auto a = Open(c.LockEnvFor(2000, 1));
  auto b = Open(c.LockEnvFor(2000, 2));
  const Grant held = MustAcquire(*a);
  Grant forged = held;
  forged.token = "not-the-holder";
  bool uncertain = true;
  Status s = b->Release(forged, Clock::now() + milliseconds(500), &uncertain);
  REQUIRE_FALSE(s.ok());
  CHECK_FALSE(uncertain);
  CHECK(s.message().find("n1 (") != std::string::npos);
  CHECK(s.message().find("lock already expired or taken") != std::string::npos);
  CHECK(c.Get("n1", kLock) == held.token);  // untouched

  REQUIRE(a->Release(held, Clock::now() + milliseconds(500), &uncertain).ok());
  s = a->Release(held, Clock::now() + milliseconds(500), &uncertain);  // twice
  CHECK_FALSE(s.ok());
  CHECK_FALSE(uncertain);
  CHECK(s.message().find("lock already expired or taken") != std::string::npos);
}

TEST_CASE(
    "redis-lock: after expiry a second client acquires while the first still holds its "
    "grant",
    "[redis][lock]") {
  redistest::RedisCluster c("local", 3);
  c.Start();
  auto a = Open(c.LockEnvFor(300, 1));
  auto b = Open(c.LockEnvFor(300, 2));
  const Grant first = MustAcquire(*a);
  // a stalls (a GC pause, say) and never looks at its validity: it still believes it holds
  // the lock. Redis expires the key after 300 ms and b gets in.
  const auto start = Clock::now();
  const Grant second = MustAcquire(*b, milliseconds(2000));
  const auto waited = Ms(Clock::now() - start);
  INFO("b waited " << waited.count() << " ms");
  CHECK(waited >= milliseconds(250));  // not before the key expired
  CHECK(c.Get("n1", kLock) == second.token);
  // Two grants outstanding at once; nothing tells a's later writes apart (no fence).
  CHECK_FALSE(first.fence.has_value());
  CHECK_FALSE(second.fence.has_value());
  // a only learns it lost the lock when it releases: definitely not its lock any more.
  bool uncertain = true;
  const Status late = a->Release(first, Clock::now() + milliseconds(500), &uncertain);
  CHECK_FALSE(late.ok());
  CHECK_FALSE(uncertain);
  CHECK(late.message().find("lock already expired or taken") != std::string::npos);
  CHECK(c.Get("n1", kLock) == second.token);  // b's lock is untouched
}

TEST_CASE("redis-lock: renewal keeps the lock past its TTL until release", "[redis][lock]") {
  redistest::RedisCluster c("local", 3);
  c.Start();
  auto a = Open(c.LockEnvFor(300, 1, {{"renew", true}}));
  auto b = Open(c.LockEnvFor(300, 2));
  const Grant held = MustAcquire(*a);
  CHECK(held.detail["renew"] == true);
  std::this_thread::sleep_for(milliseconds(700));  // more than twice the TTL
  CHECK(a->renewals() >= 3);
  CHECK(c.Get("n1", kLock) == held.token);
  CHECK(MustFail(*b, milliseconds(100)).find("lock held by another client") != std::string::npos);
  bool uncertain = true;
  REQUIRE(a->Release(held, Clock::now() + milliseconds(500), &uncertain).ok());
  const int64_t renewals = a->renewals();
  const Grant next = MustAcquire(*b);
  std::this_thread::sleep_for(milliseconds(250));
  CHECK(a->renewals() == renewals);  // no renewal after the release
  CHECK_FALSE(a->renewal_lost());

  // A renewal that finds the key taken stops: a's second lock is deleted and taken by b.
  REQUIRE(b->Release(next, Clock::now() + milliseconds(500), &uncertain).ok());
  const Grant again = MustAcquire(*a);
  REQUIRE(c.Call("n1", {"DEL", kLock}).ok());
  const Grant stolen = MustAcquire(*b);
  CHECK(nodetest::WaitUntil([&] { return a->renewal_lost(); }, milliseconds(1000)));
  std::this_thread::sleep_for(milliseconds(350));  // past b's TTL: not extended by a
  CHECK(c.Get("n1", kLock) == "(nil)");
  a->Close();  // joins the renewal thread
  (void)again;
  (void)stolen;
}

TEST_CASE(
    "redis-lock: a background pause stops renewal: the key expires and another client gets in",
    "[redis][lock]") {
  redistest::RedisCluster c("local", 3);
  c.Start();
  auto a = Open(c.LockEnvFor(300, 1, {{"renew", true}}));
  auto b = Open(c.LockEnvFor(300, 2, {{"renew", true}}));  // b keeps its key once it has it
  const Grant held = MustAcquire(*a);
  // Renewing, a keeps the key past its TTL.
  REQUIRE(nodetest::WaitUntil([&] { return a->renewals() >= 3; }, milliseconds(10000)));
  CHECK(c.Get("n1", kLock) == held.token);
  // a's whole client pauses (a GC pause) for far longer than the TTL: no renewal goes out,
  // Redis expires the key, and b takes the lock while a still believes it holds it.
  a->PauseBackground(milliseconds(5000));
  const auto paused = Clock::now();
  const int64_t renewals = a->renewals();
  const Grant next = MustAcquire(*b, milliseconds(4000));
  INFO("b got in " << Ms(Clock::now() - paused).count() << " ms into the pause");
  CHECK(Ms(Clock::now() - paused) >= milliseconds(150));  // not before a's key could expire
  CHECK(a->renewals() == renewals);
  CHECK(c.Get("n1", kLock) == next.token);
  // After the pause a's next renewal finds the key taken and stops; b's key is untouched.
  CHECK(nodetest::WaitUntil([&] { return a->renewal_lost(); }, milliseconds(15000)));
  CHECK(a->renewals() == renewals);
  CHECK(c.Get("n1", kLock) == next.token);
  a->Close();
}

TEST_CASE("redis-lock: a dead instance fails definitely, a paused one is uncertain",
          "[redis][lock]") {
  redistest::RedisCluster c("local", 3);
  c.Start();
  auto a = Open(c.LockEnvFor(2000, 1));

  REQUIRE(c.db().Kill(c.remote("n1")).ok());
  auto start = Clock::now();
  const std::string dead = MustFail(*a, milliseconds(150));
  INFO(dead);
  CHECK(Ms(Clock::now() - start) <= milliseconds(150) + testtime::kSlack);
  CHECK(dead.find("n1 (") != std::string::npos);
  CHECK(dead.find("refused") != std::string::npos);
  REQUIRE(c.db().Start(c.remote("n1"), c.env()).ok());
  const Grant after_restart = MustAcquire(*a);  // the restarted instance is empty
  bool uncertain = false;
  REQUIRE(a->Release(after_restart, Clock::now() + milliseconds(500), &uncertain).ok());

  REQUIRE(c.db().Pause(c.remote("n1")).ok());
  start = Clock::now();
  auto grant = a->Acquire(start + milliseconds(150), &uncertain);
  const auto took = Ms(Clock::now() - start);
  REQUIRE_FALSE(grant.ok());
  CHECK(uncertain);
  CHECK(took >= milliseconds(150));
  CHECK(took < milliseconds(150) + testtime::kSlack);
  CHECK(grant.message().find("no reply by the deadline") != std::string::npos);
  // Rightly uncertain: once resumed, redis runs the SET that was sent.
  REQUIRE(c.db().Resume(c.remote("n1")).ok());
  std::string value;
  CHECK(nodetest::WaitUntil([&] {
    value = c.Get("n1", kLock);
    return value != "(nil)";
  }));
  CHECK(value.size() > 16);
}

TEST_CASE("redis-lock: Open rejects what it cannot use", "[redis][lock]") {
  RedisLockClient client;
  LockEnv env;
  CHECK(client.Open(env).message() == "redis-lock: no dialer");
  redistest::RedisCluster c("local", 3);
  env = c.LockEnvFor(2000, 1);
  env.options = {{"renw", true}};
  CHECK(client.Open(env).message().find("unknown redis option \"renw\"") != std::string::npos);
  env.options = nullptr;
  env.ttl_ms = 0;
  CHECK(client.Open(env).message() == "redis-lock: ttl_ms must be positive, got 0");
  env = c.LockEnvFor(2000, 1);
  env.addresses.clear();
  CHECK(client.Open(env).message().find("needs the lock nodes and their addresses") !=
        std::string::npos);
  bool uncertain = true;
  CHECK(client.Acquire(Clock::now(), &uncertain).message() == "redis-lock: Acquire before Open");
}

}  // namespace
