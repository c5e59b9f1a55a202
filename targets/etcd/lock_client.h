// EtcdLockClient ("etcd-lock"): LockClient over etcd's lock API (v3lock, through the JSON
// gateway), talking only to the client's home node (LockEnv::node).
//
// Acquire: lease/grant {"TTL": ceil(ttl_ms / 1000)} → a lease; a keepalive thread renews it
// (lease/keepalive, one POST per renewal, on a connection of its own) every TTL/3 while the
// client waits for the lock and while it holds it; lock/lock {"name": lock_name, "lease": ID} waits
// until this lease's key is the oldest under the name; the fencing token is that key's
// create_revision (kv/range on the key). Grant{token: the lock key, fence: create_revision,
// validity_ms: granted TTL, detail: {"lease": ID (string), "node": home node, "key": lock key}}.
// Release: stops the keepalive, lock/unlock {"key"}, then lease/revoke.
// Close stops the keepalive and does not revoke: a closed client is like a crashed one,
// and its lease expires after its TTL.
//
// Why a timed-out Acquire can still be definite: lock/lock gets the deadline minus a
// reserve; when it times out (or fails in any way), the lease is revoked with the reserve,
// and revoking a lease deletes every key attached to it. A successful revoke (or "lease
// not found": it expired) therefore means this client certainly does not hold the lock,
// whether or not lock/lock had won it: a definite error. Only when the revoke fails too is
// the outcome uncertain (unless lock/lock had failed definitely). A failed lease/grant is
// always definite: a lease alone holds no lock. Release is ok when the unlock or the revoke
// succeeded; uncertain when both failed and either may have taken effect.
//
// Why the keepalive only stops renewing when the lease is gone: if the client is paused
// (or the test hook stops renewals) past the TTL, etcd expires the lease and hands the
// lock to the next waiter with a larger create_revision, while this client still believes
// it holds its grant — the hazard fencing tokens guard against. The client does not hide
// that: lease_lost() reports it, Acquire/Release behave as before.
//
// Thread-safety: one thread calls Open/Acquire/Release/Close (LockClient's contract); the
// keepalive thread is private. StopKeepaliveForTest is called by that same thread between
// calls; renewals() and lease_lost() may be read from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "targets/etcd/http.h"
#include "targets/etcd/options.h"
#include "targets/lock/lock_client.h"

namespace coordcheck::etcd {

class EtcdLockClient final : public LockClient {
 public:
  static constexpr const char* kName = "etcd-lock";

  EtcdLockClient() = default;
  ~EtcdLockClient() override;

  Status Open(const LockEnv& env) override;
  Result<Grant> Acquire(Deadline deadline, bool* uncertain) override;
  Status Release(const Grant& grant, Deadline deadline, bool* uncertain) override;
  void Close() override;
  // The keepalive sends no renewal for `d` from now (a GC pause of the whole client).
  void PauseBackground(std::chrono::milliseconds d) override;

  // Test hook: stops renewing the current lease without revoking it, as if this client
  // were paused; the lease then expires after its TTL.
  void StopKeepaliveForTest();
  // Renewals that etcd confirmed (all leases of this client).
  int64_t renewals() const { return renewals_.load(); }
  // True once a renewal found the current lease gone (expired or revoked elsewhere).
  bool lease_lost() const { return lease_lost_.load(); }

 private:
  // Starts the keepalive thread for `lease_id` renewing every `period`.
  void StartKeepalive(int64_t lease_id, std::chrono::milliseconds period);
  // Stops it and waits for it (an in-flight renewal is aborted).
  void StopKeepalive();
  void KeepaliveLoop(int64_t lease_id, std::chrono::milliseconds period);
  // lease/revoke; ok also when etcd says the lease is not found (expired: gone all the same).
  Status Revoke(int64_t lease_id, Deadline deadline, bool* uncertain);
  std::string Where() const;

  control::Dialer* dialer_ = nullptr;
  std::string node_;
  std::string address_;
  std::string lock_name_;
  int64_t ttl_s_ = 2;
  EtcdOptions options_;
  std::unique_ptr<HttpClient> http_;  // the caller's calls

  // The grant this client believes it holds (lease 0 = none).
  int64_t held_lease_ = 0;
  std::string held_key_;

  // Keepalive.
  std::mutex keepalive_mu_;
  std::condition_variable keepalive_wake_;
  bool keepalive_stop_ = false;                 // guarded by keepalive_mu_
  std::chrono::steady_clock::time_point paused_until_{};  // no renewal before; keepalive_mu_
  std::unique_ptr<HttpClient> keepalive_http_;  // guarded by keepalive_mu_ for Abort
  std::thread keepalive_;
  std::atomic<int64_t> renewals_{0};
  std::atomic<bool> lease_lost_{false};
};

}  // namespace coordcheck::etcd
