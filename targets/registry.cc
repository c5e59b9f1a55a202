#include "targets/etcd/target.h"
#include "targets/kvd/target.h"
#include "targets/lock/lock_target.h"
#include "targets/payments/target.h"
#include "targets/raft/target.h"
#include "targets/target.h"

namespace coordcheck {

const std::vector<const Target*>& AllTargets() {
  static const std::vector<const Target*> kTargets = {
      &kvd::KvdTarget(),
      &raft::RaftTarget(),
      &etcd::EtcdTarget(),
      &lock::RedisLockTarget(),
      &lock::RedlockTarget(),
      &lock::EtcdLockTarget(),
      &lock::RaftLockTarget(),
      &payments::PaymentsTarget(),
      &payments::PaymentsPgTarget(),
  };
  return kTargets;
}

const Target* FindTarget(const std::string& name) {
  for (const Target* target : AllTargets()) {
    if (target->name() == name) return target;
  }
  return nullptr;
}

}  // namespace coordcheck
