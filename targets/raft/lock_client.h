// RaftLockClient ("raft-lock"): LockClient over coordcheck-raft's lock table
// (state_machine.h), talking only to the client's home node (LockEnv::node), which
// forwards to its leader (server.h).
//
// Acquire: {"f":"acquire","key": lock_name,"value":{"owner": O,"ttl_ms": T}} with a fresh
// owner O per attempt → Grant{token: O, fence: the log index of the granting entry (absent
// under bug no-fence), validity_ms: T, detail: {"node": home}}. "held" (another owner has
// it) and every other fail are definite errors; info (timeout, lost connection, an entry
// appended but not applied in time) sets *uncertain. No renewal: the lease runs out T ms
// after the leader applied the grant, and the leader then proposes its expiry.
// Release: {"f":"release","key": lock_name,"value":{"owner": O,"fence": F}}, same mapping
// (fail "not held" when the lock expired meanwhile).
//
// Thread-safety: one thread at a time (LockClient's contract); no background thread.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include "targets/kvd/client.h"
#include "targets/lock/lock_client.h"

namespace coordcheck::raft {

class RaftLockClient final : public LockClient {
 public:
  static constexpr const char* kName = "raft-lock";

  Status Open(const LockEnv& env) override;
  Result<Grant> Acquire(Deadline deadline, bool* uncertain) override;
  Status Release(const Grant& grant, Deadline deadline, bool* uncertain) override;
  void Close() override;

 private:
  std::unique_ptr<kvd::KvdClient> client_;
  LockEnv env_;
  std::mt19937_64 rng_;
  int64_t attempts_ = 0;
};

}  // namespace coordcheck::raft
