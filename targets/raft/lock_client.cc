#include "targets/raft/lock_client.h"

#include "targets/raft/client.h"

namespace coordcheck::raft {
namespace {

Op Request(const std::string& f, const std::string& lock_name, Json value) {
  Op op;
  op.f = f;
  op.key = lock_name;
  op.value = std::move(value);
  return op;
}

std::string Why(const Op& done) {
  return done.error.is_string() ? done.error.get<std::string>() : done.error.dump();
}

}  // namespace

Status RaftLockClient::Open(const LockEnv& env) {
  env_ = env;
  rng_.seed(env.seed);
  ClientEnv client_env;
  client_env.dialer = env.dialer;
  for (size_t i = 0; i < env.nodes.size() && i < env.addresses.size(); ++i) {
    client_env.addresses[env.nodes[i]] = env.addresses[i];
    client_env.nodes.push_back(env.nodes[i]);
  }
  client_env.options = env.options;
  client_ = MakeLineClient();
  return client_->Open(client_env, env.node);
}

Result<Grant> RaftLockClient::Acquire(Deadline deadline, bool* uncertain) {
  using R = Result<Grant>;
  *uncertain = false;
  if (!client_) return R::Error("raft-lock: Acquire before Open");
  Grant grant;
  grant.token =
      env_.node + "-" + std::to_string(rng_() % 1'000'000'000) + "-" + std::to_string(++attempts_);
  const Op done = client_->Invoke(
      Request("acquire", env_.lock_name, {{"owner", grant.token}, {"ttl_ms", env_.ttl_ms}}),
      deadline);
  if (done.type == OpType::kInfo) {
    *uncertain = true;
    return R::Error(env_.node + ": outcome unknown: " + Why(done));
  }
  if (done.type != OpType::kOk) return R::Error(env_.node + ": not acquired: " + Why(done));
  const Json fence = done.value.is_object() ? done.value.value("fence", Json()) : Json();
  if (fence.is_number_unsigned()) grant.fence = fence.get<int64_t>();
  grant.validity_ms = env_.ttl_ms;
  grant.detail = {{"node", env_.node}};
  return grant;
}

Status RaftLockClient::Release(const Grant& grant, Deadline deadline, bool* uncertain) {
  *uncertain = false;
  if (!client_) return Status::Error("raft-lock: Release before Open");
  Json value = {{"owner", grant.token}};
  if (grant.fence) value["fence"] = *grant.fence;
  const Op done = client_->Invoke(Request("release", env_.lock_name, value), deadline);
  if (done.type == OpType::kOk) return Status::Ok();
  *uncertain = done.type == OpType::kInfo;
  return Status::Error(env_.node + ": release: " + Why(done));
}

void RaftLockClient::Close() {
  if (client_) client_->Close();
}

}  // namespace coordcheck::raft
