// The Redis locks under clock skew: redis-server runs under the clock nemesis' preload
// (DbEnv::daemon_env), and a +10 s bump of a Redis node's wall clock expires lock keys at
// once. redis-lock loses mutual exclusion when its one node jumps; redlock when a majority
// of its nodes jump (a minority is not enough).
#include <catch2/catch.hpp>
#include <string>

#include "nemesis/ops.h"
#include "targets/redis/redis_lock.h"
#include "targets/redis/redlock.h"
#include "tests/targets/redis/redis_test_util.h"

namespace {

namespace fault = coordcheck::fault;
using coordcheck::Grant;
using coordcheck::Json;
using coordcheck::LockClient;
using coordcheck::redis::RedisLockClient;
using coordcheck::redis::RedlockClient;
using redistest::Clock;
using redistest::Ms;
using std::chrono::milliseconds;

constexpr char kLock[] = "coordcheck-lock";

// Moves the wall clock of each node in `nodes` by `delta_ms`.
void Bump(redistest::ClockedRedis& s, std::initializer_list<const char*> nodes, int64_t delta_ms) {
  Json value = Json::object();
  for (const char* node : nodes) value[node] = delta_ms;
  const coordcheck::Op done = s.nemesis().Invoke(nodetest::NemesisOp(fault::kBumpClock, value));
  INFO(coordcheck::OpToLine(done));
  REQUIRE(done.error.is_null());
}

Grant MustAcquire(LockClient& client, milliseconds within) {
  bool uncertain = true;
  auto grant = client.Acquire(Clock::now() + within, &uncertain);
  INFO(grant.message());
  REQUIRE(grant.ok());
  CHECK_FALSE(uncertain);
  return *grant;
}

TEST_CASE(
    "redis-lock under a +10 s clock jump on its node: a second client gets the lock "
    "while the first's validity runs",
    "[redis][lock][clock]") {
  redistest::ClockedRedis s("local", 3);
  auto& c = s.redis();
  RedisLockClient a, b;
  REQUIRE(a.Open(c.LockEnvFor(5000, 1)).ok());
  REQUIRE(b.Open(c.LockEnvFor(5000, 2)).ok());
  const auto acquired_at = Clock::now();
  const Grant first = MustAcquire(a, milliseconds(1000));
  CHECK(first.validity_ms > 4900);
  bool uncertain = false;
  CHECK_FALSE(b.Acquire(Clock::now() + milliseconds(50), &uncertain).ok());

  Bump(s, {"n1"}, 10000);
  CHECK(c.Get("n1", kLock) == "(nil)");  // expired at once by n1's clock
  const Grant second = MustAcquire(b, milliseconds(200));
  const auto overlap = Ms(Clock::now() - acquired_at);
  INFO("b holds the lock " << overlap.count() << " ms after a got it for " << first.validity_ms
                           << " ms");
  CHECK(overlap.count() < first.validity_ms);  // a's lock has not expired on a's clock
  CHECK(c.Get("n1", kLock) == second.token);
}

TEST_CASE("redlock under clock jumps: a minority of jumps is tolerated, a majority is not",
          "[redis][redlock][clock]") {
  redistest::ClockedRedis s("local", 5);
  auto& c = s.redis();
  RedlockClient a, b;
  REQUIRE(a.Open(c.LockEnvFor(5000, 1)).ok());
  REQUIRE(b.Open(c.LockEnvFor(5000, 2)).ok());
  const auto acquired_at = Clock::now();
  const Grant first = MustAcquire(a, milliseconds(1000));

  // n1 and n2 jump: their keys expire, but n3..n5 still hold a's token.
  Bump(s, {"n1", "n2"}, 10000);
  bool uncertain = true;
  auto refused = b.Acquire(Clock::now() + milliseconds(100), &uncertain);
  INFO(refused.message());
  CHECK_FALSE(refused.ok());
  CHECK_FALSE(uncertain);

  // n3 jumps too: a majority has forgotten a's lock.
  Bump(s, {"n3"}, 10000);
  const Grant second = MustAcquire(b, milliseconds(200));
  const auto overlap = Ms(Clock::now() - acquired_at);
  INFO(second.detail.dump());
  CHECK(second.detail["won"] == Json::array({"n1", "n2", "n3"}));
  CHECK(overlap.count() < first.validity_ms);  // both hold a valid Redlock grant
}

}  // namespace
