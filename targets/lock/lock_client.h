// LockClient: one client of a lock service (Redis SET NX PX, Redlock, etcd's lock API), as
// the lock workload uses it. Implementations live with their targets (targets/redis,
// targets/etcd); the lock workload's Client combines a LockClient with the
// protected resource's client.
//
// Contract: Acquire returns a Grant when the lock is held (from the service's point of
// view at the time it answered), an error Status when it certainly is not (refused,
// already held by another, service unreachable before anything was sent), and sets
// `*uncertain` when it cannot tell (timeout, connection lost mid-request): the workload
// records that as info. Release likewise. Every call returns by `deadline`.
//
// Thread-safety: one LockClient per logical process, used by one thread; implementations
// may run their own background thread (lease keepalive, renewal) and must stop it in Close.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/control/dialer.h"
#include "base/status.h"
#include "history/op.h"

namespace coordcheck {

struct LockEnv {
  control::Dialer* dialer = nullptr;
  // The lock service's nodes and their addresses, in order (n1..nK).
  std::vector<std::string> nodes;
  std::vector<std::string> addresses;
  // The node this client prefers (its "home" node), one of `nodes`.
  std::string node;
  // The lock's name (every client contends for the same lock).
  std::string lock_name = "coordcheck-lock";
  // Lease / TTL the client asks for (ms).
  int64_t ttl_ms = 2000;
  // Seed for the client's own random choices (tokens).
  uint64_t seed = 0;
  Json options;  // the target's options (object or null)
};

struct Grant {
  std::string token;             // the holder's unique value (Redis) or lock key (etcd)
  std::optional<int64_t> fence;  // a fencing token when the service gives one (etcd revision)
  int64_t validity_ms = 0;       // how long the service promises the lock (0 = unknown)
  Json detail;                   // service-specific facts for the history (instances won, ...)
};

class LockClient {
 public:
  virtual ~LockClient() = default;
  virtual Status Open(const LockEnv& env) = 0;
  virtual Result<Grant> Acquire(std::chrono::steady_clock::time_point deadline,
                                         bool* uncertain) = 0;
  virtual Status Release(const Grant& grant,
                                  std::chrono::steady_clock::time_point deadline,
                                  bool* uncertain) = 0;
  virtual void Close() = 0;
  // A stop-the-world pause of the whole client process (the lock workload's client pause,
  // a GC pause) starts now and lasts `d`: the implementation's own background threads
  // (lease keepalive, TTL renewal) must not act before it ends, as they would be stopped
  // too. Called by the thread that uses the client. Default: nothing runs in background.
  virtual void PauseBackground(std::chrono::milliseconds d) { (void)d; }
};

}  // namespace coordcheck
