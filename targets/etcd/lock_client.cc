#include "targets/etcd/lock_client.h"

#include <algorithm>

#include "targets/etcd/gateway.h"

namespace coordcheck::etcd {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// What Acquire and Release keep back from their deadline for the clean-up call (the lease
// revoke): a quarter of the time left, at most 1 s.
milliseconds Reserve(Deadline deadline) {
  if (deadline == Deadline::max()) return milliseconds(1000);
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
  return std::clamp(left / 4, milliseconds(0), milliseconds(1000));
}

constexpr auto kMinKeepalivePeriod = milliseconds(100);

}  // namespace

EtcdLockClient::~EtcdLockClient() { Close(); }

std::string EtcdLockClient::Where() const { return "node " + node_ + ": etcd-lock: "; }

Status EtcdLockClient::Open(const LockEnv& env) {
  Close();
  if (env.dialer == nullptr) return Status::Error("etcd-lock: no dialer");
  if (env.nodes.size() != env.addresses.size()) {
    return Status::Error("etcd-lock: " + std::to_string(env.nodes.size()) + " nodes but " +
                         std::to_string(env.addresses.size()) + " addresses");
  }
  auto it = std::find(env.nodes.begin(), env.nodes.end(), env.node);
  if (it == env.nodes.end()) {
    return Status::Error("etcd-lock: home node \"" + env.node + "\" is not a lock node");
  }
  if (env.lock_name.empty()) return Status::Error("etcd-lock: empty lock name");
  if (env.ttl_ms <= 0) {
    return Status::Error("etcd-lock: ttl_ms must be positive, got " + std::to_string(env.ttl_ms));
  }
  auto options = ParseEtcdOptions(env.options);
  if (!options.ok()) return Status::Error("etcd-lock: " + options.message());
  options_ = *options;
  dialer_ = env.dialer;
  node_ = env.node;
  address_ = env.addresses[static_cast<size_t>(it - env.nodes.begin())];
  lock_name_ = env.lock_name;
  ttl_s_ = (env.ttl_ms + 999) / 1000;
  http_ = std::make_unique<HttpClient>(*dialer_, address_, options_.client_port);
  return Status::Ok();
}

Result<Grant> EtcdLockClient::Acquire(Deadline deadline, bool* uncertain) {
  using R = Result<Grant>;
  *uncertain = false;
  if (http_ == nullptr) return R::Error("etcd-lock: Acquire before Open");
  if (held_lease_ != 0) {
    return R::Error(Where() + "Acquire while still holding " + held_key_ + " (lease " +
                    std::to_string(held_lease_) + ")");
  }
  StopKeepalive();  // of a lease a test hook abandoned
  if (Clock::now() >= deadline) return R::Error(Where() + "deadline passed before sending");
  const auto reserve = Reserve(deadline);
  const Deadline work_deadline = deadline - reserve;

  // 1. A lease. Whatever happens to this call, no lock is held yet.
  CallOutcome outcome;
  auto granted = Call(*http_, "lease/grant", Json{{"TTL", ttl_s_}}, work_deadline, &outcome);
  if (!granted.ok()) return R::Error(Where() + "not acquired: " + granted.message());
  const auto lease = Int64Field(*granted, "ID");
  const auto ttl = Int64Field(*granted, "TTL");
  if (!lease || *lease == 0 || !ttl || *ttl <= 0) {
    return R::Error(Where() + "not acquired: lease/grant: unexpected reply " + granted->dump());
  }
  lease_lost_ = false;
  StartKeepalive(*lease, std::max(kMinKeepalivePeriod, milliseconds(*ttl * 1000 / 3)));

  // Gives up the attempt: revoking the lease deletes any key attached to it, so after a
  // successful revoke the lock is certainly not held by us.
  auto abandon = [&](const std::string& why, bool may_hold) -> R {
    StopKeepalive();
    bool revoke_uncertain = false;
    Status revoked = Revoke(*lease, deadline, &revoke_uncertain);
    if (revoked.ok()) return R::Error(Where() + "not acquired: " + why + "; lease revoked");
    *uncertain = may_hold;
    return R::Error(Where() + (may_hold ? "outcome unknown: " : "not acquired: ") + why + "; " +
                    revoked.message());
  };

  // 2. The lock: blocks until our key is the oldest under the name.
  const std::string lease_text = std::to_string(*lease);
  auto locked =
      Call(*http_, "lock/lock", Json{{"name", Base64Encode(lock_name_)}, {"lease", lease_text}},
           work_deadline, &outcome);
  if (!locked.ok()) return abandon(locked.message(), outcome.uncertain);
  std::optional<std::string> key;
  if (auto k = locked->find("key"); k != locked->end() && k->is_string()) {
    key = Base64Decode(k->get<std::string>());
  }
  if (!key || key->empty()) return abandon("lock/lock: no key in " + locked->dump(), true);

  // 3. The fencing token: the key's create_revision (a linearizable read).
  auto range = Call(*http_, "kv/range", Json{{"key", Base64Encode(*key)}}, work_deadline, &outcome);
  if (!range.ok()) return abandon(range.message(), true);
  auto kvs = range->find("kvs");
  if (kvs == range->end() || !kvs->is_array() || kvs->empty()) {
    // A linearizable read found no key: whatever the revoke does, the lock is not ours.
    return abandon("lock key " + *key + " gone before its fence was read (lease expired?)", false);
  }
  const auto revision = Int64Field((*kvs)[0], "create_revision");
  const auto key_lease = Int64Field((*kvs)[0], "lease");
  if (!revision || *revision <= 0 || key_lease != lease) {
    return abandon("kv/range " + *key + ": unexpected reply " + range->dump(), true);
  }

  held_lease_ = *lease;
  held_key_ = *key;
  Grant grant;
  grant.token = *key;
  grant.fence = *revision;
  grant.validity_ms = *ttl * 1000;
  grant.detail = Json{{"lease", lease_text}, {"node", node_}, {"key", *key}};
  return grant;
}

Status EtcdLockClient::Release(const Grant& grant, Deadline deadline, bool* uncertain) {
  *uncertain = false;
  if (http_ == nullptr) return Status::Error("etcd-lock: Release before Open");
  std::optional<int64_t> lease;
  if (grant.detail.is_object()) lease = Int64Field(grant.detail, "lease");
  if (!lease || *lease == 0 || grant.token.empty()) {
    return Status::Error(Where() + "not a grant of etcd-lock: " + grant.detail.dump());
  }
  // From here on this client no longer renews the lease: if the release fails, the lock
  // ends when the lease expires.
  StopKeepalive();
  if (*lease == held_lease_) {
    held_lease_ = 0;
    held_key_.clear();
  }
  if (Clock::now() >= deadline) return Status::Error(Where() + "deadline passed before sending");
  const Deadline unlock_deadline = deadline - Reserve(deadline);

  CallOutcome outcome;
  auto unlocked = Call(*http_, "lock/unlock", Json{{"key", Base64Encode(grant.token)}},
                       unlock_deadline, &outcome);
  bool revoke_uncertain = false;
  Status revoked = Revoke(*lease, deadline, &revoke_uncertain);
  if (unlocked.ok() || revoked.ok()) return Status::Ok();
  *uncertain = outcome.uncertain || revoke_uncertain;
  return Status::Error(Where() + "release of " + grant.token + " failed: " + unlocked.message() +
                       "; " + revoked.message());
}

Status EtcdLockClient::Revoke(int64_t lease_id, Deadline deadline, bool* uncertain) {
  CallOutcome outcome;
  auto revoked =
      Call(*http_, "lease/revoke", Json{{"ID", std::to_string(lease_id)}}, deadline, &outcome);
  *uncertain = outcome.uncertain;
  if (revoked.ok() || outcome.grpc_code == kGrpcNotFound) return Status::Ok();
  return Status::Error("revoke of lease " + std::to_string(lease_id) +
                       " failed: " + revoked.message());
}

void EtcdLockClient::Close() {
  StopKeepalive();
  http_.reset();
  held_lease_ = 0;
  held_key_.clear();
}

void EtcdLockClient::StopKeepaliveForTest() { StopKeepalive(); }

void EtcdLockClient::PauseBackground(milliseconds d) {
  {
    std::lock_guard<std::mutex> lock(keepalive_mu_);
    paused_until_ = std::max(paused_until_, Clock::now() + d);
  }
  keepalive_wake_.notify_all();
}

void EtcdLockClient::StartKeepalive(int64_t lease_id, milliseconds period) {
  StopKeepalive();
  {
    std::lock_guard<std::mutex> lock(keepalive_mu_);
    keepalive_stop_ = false;
    keepalive_http_ = std::make_unique<HttpClient>(*dialer_, address_, options_.client_port);
  }
  keepalive_ = std::thread([this, lease_id, period] { KeepaliveLoop(lease_id, period); });
}

void EtcdLockClient::StopKeepalive() {
  {
    std::lock_guard<std::mutex> lock(keepalive_mu_);
    keepalive_stop_ = true;
    if (keepalive_http_ != nullptr) keepalive_http_->Abort();
  }
  keepalive_wake_.notify_all();
  if (keepalive_.joinable()) keepalive_.join();
  std::lock_guard<std::mutex> lock(keepalive_mu_);
  keepalive_http_.reset();
}

void EtcdLockClient::KeepaliveLoop(int64_t lease_id, milliseconds period) {
  HttpClient* http = nullptr;
  {
    std::lock_guard<std::mutex> lock(keepalive_mu_);
    http = keepalive_http_.get();
  }
  const Json request{{"ID", std::to_string(lease_id)}};
  while (true) {
    {
      std::unique_lock<std::mutex> lock(keepalive_mu_);
      if (keepalive_wake_.wait_for(lock, period, [&] { return keepalive_stop_; })) return;
      // A client pause stops this thread too, as a GC pause stops every thread.
      if (keepalive_wake_.wait_until(lock, paused_until_, [&] { return keepalive_stop_; })) return;
    }
    // One renewal, bounded by the period so at most one is in flight.
    CallOutcome outcome;
    auto renewed = Call(*http, "lease/keepalive", request, Clock::now() + period, &outcome);
    if (renewed.ok()) {
      const auto ttl = Int64Field(*renewed, "TTL");
      if (ttl && *ttl > 0) {
        ++renewals_;
        continue;
      }
      lease_lost_ = true;  // etcd answers TTL 0 (omitted) for a lease it no longer has
      return;
    }
    if (outcome.grpc_code == kGrpcNotFound) {
      lease_lost_ = true;
      return;
    }
    // Anything else (timeout, leader change, node down) may pass: try again next period.
  }
}

}  // namespace coordcheck::etcd
