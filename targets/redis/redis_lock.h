// RedisLockClient ("redis-lock"): the single-instance Redis lock — SET lock token NX PX ttl
// to acquire, a compare-and-delete script to release — on the first lock node
// (LockEnv::nodes[0]). No fencing token: Grant::fence is always empty, so a holder that
// outlives its TTL (a pause, a clock jump on the Redis node) is not stopped by anything.
//
// Acquire retries SET NX every 5–20 ms (random, from the seed) while another client holds
// the lock, as long as a retry would have 10 ms before the deadline; then it fails
// definitely ("lock held by another client").
// The token is fresh per Acquire ("<seed hash>-<counter>", see lock_support.h).
// Grant::validity_ms is the TTL minus the round trip of the successful SET: the key was
// set at some moment after it was sent, so from the client's clock it lives at least
// that long (no clock drift allowance: there is one instance and one clock, Redis's).
//
// Outcomes (LockClient's contract):
//   Acquire  Grant: SET answered OK. Definite error: every attempt was answered nil (held)
//            or could not be sent (instance unreachable; retried until the deadline), or
//            the server answered an error. Uncertain: a SET was sent and no reply came
//            (timeout, connection lost) — it may have set the key, so Acquire returns at
//            once; the key, if set, expires after the TTL.
//   Release  ok: the script deleted our key (answered 1). Definite error: it answered 0
//            ("lock already expired or taken"), an error, or was never sent (the key, if
//            still ours, expires after the TTL). Uncertain: sent, no reply.
//
// Renewal (option "renew", off by default): after a successful Acquire a background
// thread runs a compare-and-PEXPIRE script every ttl/3 on a connection of its own, until
// Release or Close; a renewal that finds the key gone or taken stops renewing. The Grant's
// validity_ms still describes the first TTL; its detail says "renew": true.
//
// Thread-safety: one thread uses the client (LockClient's contract); the renewal thread
// shares only the token to renew, under a mutex, and is joined by Close.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "targets/lock/lock_client.h"
#include "targets/redis/lock_support.h"
#include "targets/redis/options.h"
#include "targets/redis/resp.h"

namespace coordcheck::redis {

class RedisLockClient final : public LockClient {
 public:
  static constexpr const char* kName = "redis-lock";

  RedisLockClient() = default;
  ~RedisLockClient() override;

  Status Open(const LockEnv& env) override;
  Result<Grant> Acquire(std::chrono::steady_clock::time_point deadline,
                                 bool* uncertain) override;
  Status Release(const Grant& grant, std::chrono::steady_clock::time_point deadline,
                          bool* uncertain) override;
  void Close() override;
  // No renewal for `d` from now (a GC pause of the whole client stops the renewal thread).
  void PauseBackground(std::chrono::milliseconds d) override;

  // Renewals that extended the TTL so far, and whether one found the lock no longer ours
  // (for tests and the run log).
  int64_t renewals() const { return renewals_.load(); }
  bool renewal_lost() const { return renewal_lost_.load(); }

 private:
  void RenewLoop();
  void StopRenewing(const std::string& token);

  LockEnv env_;
  RedisOptions options_;
  std::optional<LockRandom> random_;
  std::unique_ptr<RespConnection> connection_;  // the client thread's

  std::unique_ptr<RespConnection> renew_connection_;  // the renewal thread's
  std::thread renew_thread_;
  std::mutex renew_mu_;
  std::condition_variable renew_wake_;
  std::string renew_token_;                           // the token to keep alive; "" = none
  std::chrono::steady_clock::time_point renew_next_;  // when to renew it next
  bool renew_stopping_ = false;
  std::atomic<int64_t> renewals_{0};
  std::atomic<bool> renewal_lost_{false};
};

}  // namespace coordcheck::redis
