// LockWorkloadClient: the lock workload's Client (workloads/lock/ops.h gives the ops) for
// any lock service — a LockClient (redis-lock, redlock, etcd-lock) plus a client of the
// protected resource.
//
//   acquire    LockClient::Acquire → ok {"token", "fence", "validity_ms", "detail"}; a
//              definite error → fail; uncertain → info.
//   increment  the critical section, only while this process holds a grant (else fail "lock
//              not held": nothing was sent). cs = "<process>-<n>". Read the counter (logged
//              by the resource with the cs, the process and the fence); hold hold_ms; if the
//              nemesis posted a client pause for this client's thread, stall that long too
//              (also stopping the LockClient's background threads, as a GC pause would) —
//              bounded so the write still goes out before the op's deadline; then write
//              read+1 carrying the fence.
//              → ok {"cs", "fence", "read", "wrote", "accepted": true, "paused_ms"?}
//              → fail {"cs", "fence", "read", "wrote", "accepted": false} error "stale
//                fence" (the resource rejected it); fail also when the read or the write
//                certainly did not happen (nothing was written);
//              → info when the write's outcome is unknown (or the read's: nothing known).
//   release    only while holding (else fail "lock not held"); LockClient::Release → ok /
//              fail / info. The grant is dropped whatever the outcome.
//   resource-log   the resource's whole log → ok [entries]; fail / info as the call went.
//   resource-read  the counter → ok value.
// Open splits ClientEnv::nodes into the lock service's nodes and the resource node (the
// last, the target's one extra node) and opens the LockClient on its home node.
//
// Thread-safety: one thread (Client's contract).
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "targets/client.h"
#include "targets/lock/lock_client.h"
#include "workloads/lock/options.h"
#include "targets/resource/client.h"

namespace coordcheck::lock {

using LockClientFactory = std::function<std::unique_ptr<LockClient>()>;

class LockWorkloadClient final : public Client {
 public:
  explicit LockWorkloadClient(LockClientFactory factory);
  ~LockWorkloadClient() override;

  Status Open(const ClientEnv& env, const std::string& node) override;
  Op Invoke(const Op& invoke, Deadline deadline) override;
  void Close() override;

 private:
  Op Acquire(const Op& invoke, Deadline deadline);
  Op Increment(const Op& invoke, Deadline deadline);
  Op Release(const Op& invoke, Deadline deadline);
  // Sleeps until `until` or `deadline`, whichever is first.
  static void SleepUntil(std::chrono::steady_clock::time_point until, Deadline deadline);

  LockClientFactory factory_;
  std::unique_ptr<LockClient> lock_;
  resource::ResourceClient resource_;
  LockWorkloadOptions options_;
  LockEnv lock_env_;  // for the LockClient, opened lazily (its seed needs the process)
  ClientFaultBoard* faults_ = nullptr;
  int concurrency_ = 0;
  uint64_t seed_ = 0;
  bool lock_open_ = false;
  std::optional<Grant> held_;  // the grant this process believes it holds
  int64_t sections_ = 0;       // critical sections started by this process
};

}  // namespace coordcheck::lock
