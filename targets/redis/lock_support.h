// What the two Redis lock clients share: the checks of their LockEnv, the compare-and-delete
// and compare-and-PEXPIRE scripts, unique tokens and the random retry pause, both from the
// client's seed.
//
// Thread-safety: the scripts are constants and CheckLockEnv a plain function; a LockRandom
// is used by one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <string>

#include "base/status.h"
#include "targets/lock/lock_client.h"
#include "targets/redis/options.h"

namespace coordcheck::redis {

// What both clients need of `env`: a dialer, the lock nodes with their addresses (at least
// one) and a positive TTL; returns its parsed options. Errors start with "<client>: ".
Result<RedisOptions> CheckLockEnv(const LockEnv& env, const std::string& client);

// KEYS[1] = the lock, ARGV[1] = the holder's token: deletes the lock only if it still
// holds that token. Returns 1 when deleted, 0 when the lock was gone or someone else's.
inline constexpr const char* kUnlockScript =
    "if redis.call('get',KEYS[1]) == ARGV[1] then return redis.call('del',KEYS[1]) "
    "else return 0 end";
// KEYS[1] = the lock, ARGV[1] = the token, ARGV[2] = the TTL (ms): extends the TTL only if
// the lock still holds that token. Returns 1 when extended, 0 otherwise.
inline constexpr const char* kRenewScript =
    "if redis.call('get',KEYS[1]) == ARGV[1] then return redis.call('pexpire',KEYS[1],ARGV[2]) "
    "else return 0 end";

// Tokens and retry pauses of one client, derived from its seed: the same seed gives the
// same sequence, and clients with different seeds (the runner gives each a child seed)
// never share a token.
class LockRandom {
 public:
  explicit LockRandom(uint64_t seed);
  // "<16 hex digits of the seed's hash>-<counter>", unique per call.
  std::string NextToken();
  // A pause before the next attempt, uniform in [min, max].
  std::chrono::milliseconds RetryPause(std::chrono::milliseconds min,
                                       std::chrono::milliseconds max);

 private:
  std::string prefix_;
  uint64_t counter_ = 0;
  std::mt19937_64 rng_;
};

// The retry pause range of both clients (Redlock asks for a random delay, to
// desynchronise contending clients).
inline constexpr std::chrono::milliseconds kRetryPauseMin{5};
inline constexpr std::chrono::milliseconds kRetryPauseMax{20};

// Sleeps a random retry pause in [kRetryPauseMin, kRetryPauseMax] and returns true when at
// least `reserve` is then left before `deadline` for the next attempt. Returns false —
// without sleeping when the pause itself would not leave it — otherwise. Why a reserve: an
// attempt cut short by the deadline turns a certain outcome ("held by another client")
// into an uncertain one (a request sent with no time for its reply) or leaves keys behind.
bool PauseForRetry(LockRandom& random, std::chrono::steady_clock::time_point deadline,
                   std::chrono::milliseconds reserve);

}  // namespace coordcheck::redis
