// The lock targets — redis-lock, redlock, etcd-lock and raft-lock — as the harness runs them: the
// lock service on the target's nodes plus the protected resource (targets/resource) on one extra
// node, driven by the lock workload (LockWorkloadClient).
//
// LockDb wraps the lock service's Db: on the target's nodes it forwards to it with a DbEnv
// whose nodes are the lock nodes only (an etcd cluster must not count the resource node as
// a member); on the extra node (the last of DbEnv::nodes) it runs the resource in the mode
// the workload's options name. Kill, pause, primary and clock observation are forwarded for
// lock nodes when the service's Db has them; the resource node is never faulted (faults name
// the target's nodes only), and asking for it is an error naming the node.
//
// Thread-safety: Target objects are immutable; LockDb follows Db (the resource's Db is made
// once, under a mutex).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "targets/lock/workload_client.h"
#include "targets/resource/db.h"
#include "targets/target.h"

namespace coordcheck::lock {

class LockDb final : public Db,
                     public Killable,
                     public Pausable,
                     public HasPrimary,
                     public ClockObservable {
 public:
  explicit LockDb(std::unique_ptr<Db> service);

  Status Setup(control::Remote& node, const DbEnv& env) override;
  Status Ready(const DbEnv& env, std::chrono::milliseconds timeout) override;
  Status Teardown(control::Remote& node) override;
  std::vector<std::string> LogFiles(control::Remote& node) override;

  Killable* killable() override { return service_->killable() ? this : nullptr; }
  Pausable* pausable() override { return service_->pausable() ? this : nullptr; }
  HasPrimary* has_primary() override { return service_->has_primary() ? this : nullptr; }
  ClockObservable* clock_observable() override {
    return service_->clock_observable() ? this : nullptr;
  }

  Status Kill(control::Remote& node) override;
  Status Start(control::Remote& node, const DbEnv& env) override;
  Status Pause(control::Remote& node) override;
  Status Resume(control::Remote& node) override;
  Result<std::string> Primary(const DbEnv& env) override;
  Result<ClockReading> ObserveClock(const control::NodeInfo& node, const DbEnv& env) override;

  // The lock service's DbEnv: `env` without its last node.
  static DbEnv ServiceEnv(const DbEnv& env);

 private:
  bool IsResourceNode(const std::string& node);
  Result<resource::ResourceDb*> Resource(const DbEnv& env);

  std::unique_ptr<Db> service_;
  std::mutex mu_;
  std::string resource_node_;                       // guarded by mu_ ("" before Setup)
  std::unique_ptr<resource::ResourceDb> resource_;  // guarded by mu_ (made by Setup)
};

// Whether `target` is a lock target whose clients get fencing tokens from the lock (etcd's
// lock: the key's create revision; our Raft's: the granting entry's index) when it runs
// with `bug` ("" = none; raft-lock's no-fence gives none).
bool GivesFencingTokens(const Target& target, const std::string& bug);

// The lock targets (registered in targets/registry.cc).
const Target& RedisLockTarget();
const Target& RedlockTarget();
const Target& EtcdLockTarget();
const Target& RaftLockTarget();

}  // namespace coordcheck::lock
