#include "targets/redis/lock_support.h"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "base/seed.h"

namespace coordcheck::redis {
Result<RedisOptions> CheckLockEnv(const LockEnv& env, const std::string& client) {
  using R = Result<RedisOptions>;
  if (env.dialer == nullptr) return R::Error(client + ": no dialer");
  if (env.nodes.empty() || env.nodes.size() != env.addresses.size()) {
    return R::Error(client + ": needs the lock nodes and their addresses (got " +
                    std::to_string(env.nodes.size()) + " nodes, " +
                    std::to_string(env.addresses.size()) + " addresses)");
  }
  if (env.ttl_ms <= 0) {
    return R::Error(client + ": ttl_ms must be positive, got " + std::to_string(env.ttl_ms));
  }
  auto options = ParseRedisOptions(env.options);
  if (!options.ok()) return R::Error(client + ": " + options.message());
  return options;
}

LockRandom::LockRandom(uint64_t seed) : rng_(SplitMix64(seed ^ 0x5eedULL)) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(SplitMix64(seed)));
  prefix_ = hex;
}

std::string LockRandom::NextToken() { return prefix_ + "-" + std::to_string(++counter_); }

std::chrono::milliseconds LockRandom::RetryPause(std::chrono::milliseconds min,
                                                 std::chrono::milliseconds max) {
  std::uniform_int_distribution<int64_t> pick(min.count(), std::max(min, max).count());
  return std::chrono::milliseconds(pick(rng_));
}

bool PauseForRetry(LockRandom& random, std::chrono::steady_clock::time_point deadline,
                   std::chrono::milliseconds reserve) {
  using Clock = std::chrono::steady_clock;
  const std::chrono::milliseconds pause = random.RetryPause(kRetryPauseMin, kRetryPauseMax);
  if (Clock::now() + pause + reserve > deadline) return false;
  std::this_thread::sleep_for(pause);
  return Clock::now() + reserve <= deadline;  // the sleep may overrun on a busy machine
}

}  // namespace coordcheck::redis
