// RedlockClient ("redlock"): the published Redlock algorithm
// (redis.io/docs/manual/patterns/distributed-locks/) over the N independent Redis
// instances of the lock nodes (LockEnv::nodes, one RedisDb instance each).
//
// Acquire, one attempt: take t1 on the steady clock; with a fresh token, SET lock token
// NX PX ttl on each instance in turn, each bounded by instance_timeout_ms (option, default
// 50 ms, much smaller than the TTL) so a dead or paused instance costs little; count the
// instances that answered OK. elapsed = now - t1 (rounded up to ms), drift = ttl*0.01 + 2
// ms (rounded up), validity = ttl - elapsed - drift. The lock is acquired iff at least
// N/2+1 instances answered OK and validity > 0: Grant{token, no fence, validity, detail
// {"won": [nodes], "maybe": [nodes], "quorum", "attempts", "elapsed_ms", "drift_ms"}}.
// Otherwise the attempt is undone — the compare-and-delete script on every instance that
// may hold the token; sent without waiting for the answer when the deadline has come —
// and retried after a random 5–20 ms while the next attempt would still have at least one
// instance timeout before the deadline. Every
// instance is tried even after a quorum is reached, as the algorithm says (more copies of
// the key make a restarted instance less likely to free it early).
// Release runs the compare-and-delete script on every instance.
//
// Why Acquire is never uncertain. In Redlock it is the client, not any one server, that
// decides whether the lock is held: only OKs it received count, and it acts on the lock
// only when it counted a quorum within the validity. An instance that timed out after the
// SET may have landed ("maybe") is counted as not won; if the attempt fails, this client
// never acts on the lock, so the process certainly does not hold it — a definite fail
// (the op's `fail`), whatever was left on the instances. Leftovers cost liveness only:
// the unlock step deletes them where it can (it is sent to the won and "maybe"
// instances; an instance that answered nil, an error, or that nothing was sent to cannot
// hold this attempt's fresh token, so the algorithm's "unlock all" would be a no-op
// there), and anything it cannot reach — a paused instance that runs the queued SET once
// resumed, or a "maybe" instance left when the deadline had come — expires after the TTL.
// A timeout never turns into a grant either: a quorum needs received OKs.
//
// Release outcomes: released on a quorum → ok (a majority still held our token until we
// deleted it). Released plus unreached instances (timeouts, connection failures, error
// replies, or not tried because the deadline came) below a quorum → definite error "lock
// already expired or taken": a majority had certainly lost the token. Anything between →
// uncertain: whether we still held the lock at release cannot be told.
//
// No fencing token (Grant::fence is empty): that is what the comparison with etcd shows.
// What breaks Redlock's mutual exclusion here: restarted instances (no persistence, so a
// quorum can re-form around empty instances), clock jumps on a majority of instances
// (their keys expire early), and holders that pause past their validity.
//
// Thread-safety: one thread uses the client (LockClient's contract); no threads of its own.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "targets/lock/lock_client.h"
#include "targets/redis/lock_support.h"
#include "targets/redis/options.h"
#include "targets/redis/resp.h"

namespace coordcheck::redis {

class RedlockClient final : public LockClient {
 public:
  static constexpr const char* kName = "redlock";

  Status Open(const LockEnv& env) override;
  Result<Grant> Acquire(std::chrono::steady_clock::time_point deadline,
                                 bool* uncertain) override;
  Status Release(const Grant& grant, std::chrono::steady_clock::time_point deadline,
                          bool* uncertain) override;
  void Close() override;

  // N/2+1 for the N instances of the last Open.
  size_t quorum() const { return connections_.size() / 2 + 1; }
  // The clock drift allowance for a TTL: ceil(ttl * 0.01) + 2 ms.
  static int64_t DriftMs(int64_t ttl_ms);

 private:
  // Runs the compare-and-delete script for `token` on instance `i`, bounded by the
  // instance timeout and `deadline`. Returns 1/0 as the script answered, or an error.
  Result<int64_t> Unlock(size_t i, const std::string& token,
                                  std::chrono::steady_clock::time_point deadline, bool* uncertain);
  std::chrono::steady_clock::time_point InstanceDeadline(
      std::chrono::steady_clock::time_point deadline) const;

  LockEnv env_;
  RedisOptions options_;
  std::optional<LockRandom> random_;
  std::vector<std::unique_ptr<RespConnection>> connections_;  // one per lock node, in order
};

}  // namespace coordcheck::redis
