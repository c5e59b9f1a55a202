// Acquire latency of redis-lock and redlock, uncontended and with two clients contending
// (hidden: run with `test_target_redis "[bench]"`; netns needs root). Prints p50, p99 and
// max per case.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <thread>
#include <vector>

#include "targets/redis/redis_lock.h"
#include "targets/redis/redlock.h"
#include "tests/targets/redis/redis_test_util.h"

namespace {

using coordcheck::Grant;
using coordcheck::LockClient;
using redistest::Clock;
using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr int kRounds = 400;

void Report(const char* what, std::vector<double> us) {
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[static_cast<size_t>(q * (us.size() - 1))]; };
  std::printf("%-44s n=%zu  p50 %7.0f us  p99 %7.0f us  max %7.0f us\n", what, us.size(), at(0.5),
              at(0.99), us.back());
}

// kRounds acquire+release cycles of one client; the acquire latencies.
std::vector<double> Cycles(LockClient& client) {
  std::vector<double> us;
  for (int i = 0; i < kRounds; ++i) {
    bool uncertain = false;
    const auto start = Clock::now();
    auto grant = client.Acquire(start + milliseconds(2000), &uncertain);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    REQUIRE(grant.ok());
    REQUIRE(client.Release(*grant, Clock::now() + milliseconds(1000), &uncertain).ok());
  }
  return us;
}

// Two clients each doing kRounds/2 cycles at once, holding the lock 1 ms each time.
std::vector<double> Contended(LockClient& a, LockClient& b) {
  std::vector<double> us[2];
  auto run = [&](LockClient& client, std::vector<double>* out) {
    for (int i = 0; i < kRounds / 2; ++i) {
      bool uncertain = false;
      const auto start = Clock::now();
      auto grant = client.Acquire(start + milliseconds(5000), &uncertain);
      out->push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
      if (!grant.ok()) continue;
      std::this_thread::sleep_for(milliseconds(1));
      client.Release(*grant, Clock::now() + milliseconds(1000), &uncertain);
    }
  };
  std::thread other(run, std::ref(b), &us[1]);
  run(a, &us[0]);
  other.join();
  us[0].insert(us[0].end(), us[1].begin(), us[1].end());
  return us[0];
}

void Bench(const std::string& backend) {
  redistest::RedisCluster c(backend, 5);
  c.Start();
  coordcheck::redis::RedisLockClient lock_a, lock_b;
  REQUIRE(lock_a.Open(c.LockEnvFor(2000, 1)).ok());
  REQUIRE(lock_b.Open(c.LockEnvFor(2000, 2)).ok());
  coordcheck::redis::RedlockClient red_a, red_b;
  REQUIRE(red_a.Open(c.LockEnvFor(2000, 3)).ok());
  REQUIRE(red_b.Open(c.LockEnvFor(2000, 4)).ok());
  Report(("redis-lock " + backend + " uncontended").c_str(), Cycles(lock_a));
  Report(("redlock (5) " + backend + " uncontended").c_str(), Cycles(red_a));
  Report(("redis-lock " + backend + " 2 clients, 1 ms holds").c_str(), Contended(lock_a, lock_b));
  Report(("redlock (5) " + backend + " 2 clients, 1 ms holds").c_str(), Contended(red_a, red_b));
}

TEST_CASE("redis locks: acquire latency (local)", "[.][bench]") { Bench("local"); }

TEST_CASE("redis locks: acquire latency (netns)", "[.][bench][root]") {
  nodetest::RequireRoot();
  Bench("netns");
}

}  // namespace
