#include "targets/lock/lock_target.h"

#include <algorithm>

#include "targets/etcd/db.h"
#include "targets/etcd/lock_client.h"
#include "targets/etcd/options.h"
#include "targets/raft/db.h"
#include "targets/raft/lock_client.h"
#include "targets/raft/options.h"
#include "targets/raft/target.h"
#include "targets/redis/db.h"
#include "targets/redis/options.h"
#include "targets/redis/redis_lock.h"
#include "targets/redis/redlock.h"
#include "workloads/lock/ops.h"

namespace coordcheck::lock {
namespace {

Status NotOnResource(const std::string& node, const char* what) {
  return Status::Error("node " + node + " runs the protected resource, which is not " + what +
                       " (faults name the lock service's nodes)");
}

}  // namespace

LockDb::LockDb(std::unique_ptr<Db> service) : service_(std::move(service)) {}

DbEnv LockDb::ServiceEnv(const DbEnv& env) {
  DbEnv service = env;
  if (!service.nodes.empty()) service.nodes.pop_back();
  return service;
}

bool LockDb::IsResourceNode(const std::string& node) {
  std::lock_guard<std::mutex> lock(mu_);
  return node == resource_node_;
}

Result<resource::ResourceDb*> LockDb::Resource(const DbEnv& env) {
  std::lock_guard<std::mutex> lock(mu_);
  if (resource_ == nullptr) {
    if (env.nodes.size() < 2) {
      return Result<resource::ResourceDb*>::Error(
          "a lock target needs its lock nodes and one resource node");
    }
    auto options = ParseLockWorkloadOptions(env.workload_options);
    if (!options.ok()) return options.status();
    resource::ResourceOptions r;
    r.port = options->resource_port;
    r.mode = options->resource;
    r.node = env.nodes.back().name;
    resource_node_ = r.node;
    resource_ = std::make_unique<resource::ResourceDb>(r);
  }
  return resource_.get();
}

Status LockDb::Setup(control::Remote& node, const DbEnv& env) {
  auto resource = Resource(env);
  if (!resource.ok()) return resource.status();
  if (IsResourceNode(node.node())) return (*resource)->Setup(node, env);
  return service_->Setup(node, ServiceEnv(env));
}

Status LockDb::Ready(const DbEnv& env, std::chrono::milliseconds timeout) {
  auto resource = Resource(env);
  if (!resource.ok()) return resource.status();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (auto st = service_->Ready(ServiceEnv(env), timeout); !st.ok()) return st;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return (*resource)->Ready(env, std::max(left, std::chrono::milliseconds(1)));
}

Status LockDb::Teardown(control::Remote& node) {
  if (IsResourceNode(node.node())) {
    std::lock_guard<std::mutex> lock(mu_);
    return resource_->Teardown(node);
  }
  return service_->Teardown(node);
}

std::vector<std::string> LockDb::LogFiles(control::Remote& node) {
  if (IsResourceNode(node.node())) {
    std::lock_guard<std::mutex> lock(mu_);
    return resource_->LogFiles(node);
  }
  return service_->LogFiles(node);
}

Status LockDb::Kill(control::Remote& node) {
  if (IsResourceNode(node.node())) return NotOnResource(node.node(), "killed");
  return service_->killable()->Kill(node);
}

Status LockDb::Start(control::Remote& node, const DbEnv& env) {
  if (IsResourceNode(node.node())) return NotOnResource(node.node(), "killed");
  return service_->killable()->Start(node, ServiceEnv(env));
}

Status LockDb::Pause(control::Remote& node) {
  if (IsResourceNode(node.node())) return NotOnResource(node.node(), "paused");
  return service_->pausable()->Pause(node);
}

Status LockDb::Resume(control::Remote& node) {
  if (IsResourceNode(node.node())) return NotOnResource(node.node(), "paused");
  return service_->pausable()->Resume(node);
}

Result<std::string> LockDb::Primary(const DbEnv& env) {
  return service_->has_primary()->Primary(ServiceEnv(env));
}

Result<ClockReading> LockDb::ObserveClock(const control::NodeInfo& node, const DbEnv& env) {
  if (IsResourceNode(node.name)) return NotOnResource(node.name, "a lock node");
  return service_->clock_observable()->ObserveClock(node, ServiceEnv(env));
}

namespace {

// A lock target: a service Db, a LockClient, and the rules for its node count.
class LockTarget final : public Target {
 public:
  struct Spec {
    std::string name;
    std::string description;
    int default_nodes;
    int min_nodes;
    int max_nodes;
    bool fencing_tokens;
    std::function<std::unique_ptr<Db>()> db;
    LockClientFactory client;
    std::function<std::vector<OptionDoc>()> options;
    // Its bugs (the service's --bug values), and those under which it gives no tokens.
    std::function<std::vector<BugInfo>()> bugs = [] { return std::vector<BugInfo>(); };
    std::vector<std::string> tokenless_bugs = {};
  };
  explicit LockTarget(Spec spec) : spec_(std::move(spec)) {}

  std::string name() const override { return spec_.name; }
  std::string description() const override { return spec_.description; }
  std::vector<BugInfo> bugs() const override { return spec_.bugs(); }
  std::vector<std::string> client_ops() const override {
    return {lock_ops::kAcquire, lock_ops::kIncrement, lock_ops::kRelease, lock_ops::kResourceLog,
            lock_ops::kResourceRead};
  }
  std::vector<OptionDoc> options() const override { return spec_.options(); }
  int default_nodes() const override { return spec_.default_nodes; }
  Status CheckNodes(int nodes) const override {
    if (nodes >= spec_.min_nodes && nodes <= spec_.max_nodes) return Status::Ok();
    if (spec_.min_nodes == spec_.max_nodes) {
      return Status::Error(spec_.name + " runs on exactly " + std::to_string(spec_.min_nodes) +
                           " node" + (spec_.min_nodes == 1 ? "" : "s") +
                           " (plus the resource's), not " + std::to_string(nodes));
    }
    return Status::Error(spec_.name + " runs on " + std::to_string(spec_.min_nodes) + " to " +
                         std::to_string(spec_.max_nodes) + " nodes (plus the resource's), not " +
                         std::to_string(nodes));
  }
  std::vector<std::string> extra_node_roles() const override { return {"resource"}; }
  bool fencing_tokens(const std::string& bug) const {
    return spec_.fencing_tokens &&
           std::find(spec_.tokenless_bugs.begin(), spec_.tokenless_bugs.end(), bug) ==
               spec_.tokenless_bugs.end();
  }
  std::unique_ptr<Db> MakeDb() const override { return std::make_unique<LockDb>(spec_.db()); }
  std::unique_ptr<Client> MakeClient() const override {
    return std::make_unique<LockWorkloadClient>(spec_.client);
  }

 private:
  const Spec spec_;
};

}  // namespace

bool GivesFencingTokens(const Target& target, const std::string& bug) {
  const auto* lock = dynamic_cast<const LockTarget*>(&target);
  return lock != nullptr && lock->fencing_tokens(bug);
}

const Target& RedisLockTarget() {
  static const LockTarget target({
      redis::RedisLockClient::kName,
      "one Redis instance: SET key token NX PX ttl, compare-and-delete release; no fencing token",
      1,
      1,
      1,
      false,
      [] { return std::make_unique<redis::RedisDb>(); },
      [] { return std::make_unique<redis::RedisLockClient>(); },
      [] { return redis::RedisOptionTable().Docs(); },
  });
  return target;
}

const Target& RedlockTarget() {
  static const LockTarget target({
      redis::RedlockClient::kName,
      "Redlock over independent Redis instances (majority, validity = ttl - elapsed - drift); "
      "no fencing token",
      5,
      3,
      9,
      false,
      [] { return std::make_unique<redis::RedisDb>(); },
      [] { return std::make_unique<redis::RedlockClient>(); },
      [] { return redis::RedisOptionTable().Docs(); },
  });
  return target;
}

const Target& EtcdLockTarget() {
  static const LockTarget target({
      etcd::EtcdLockClient::kName,
      "etcd's lock API over the v3 JSON gateway: a leased key; fencing token = its "
      "create_revision",
      3,
      1,
      7,
      true,
      [] { return std::make_unique<etcd::EtcdDb>(); },
      [] { return std::make_unique<etcd::EtcdLockClient>(); },
      [] { return etcd::EtcdOptionTable().Docs(); },
  });
  return target;
}

const Target& RaftLockTarget() {
  static const LockTarget target({
      raft::RaftLockClient::kName,
      "coordcheck's own Raft's lock table: acquire(name, owner, ttl) through the log; fencing "
      "token = the log index of the granting entry; expiry proposed by the leader",
      3,
      1,
      7,
      true,
      [] { return std::make_unique<raft::RaftDb>(); },
      [] { return std::make_unique<raft::RaftLockClient>(); },
      [] { return raft::RaftOptionTable().Docs(); },
      [] { return raft::RaftTarget().bugs(); },
      {"no-fence"},
  });
  return target;
}

}  // namespace coordcheck::lock
