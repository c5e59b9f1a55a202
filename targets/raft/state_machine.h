// StateMachine: what coordcheck-raft's log drives — a key-value store (the kvd client ops:
// read, write, cas per key) and a lock table whose fencing token is the log index of the
// acquire that granted the lock.
//
// Commands are JSON objects (the entries' data):
//   {"op":"write","key":K,"value":V}                 → ok
//   {"op":"cas","key":K,"expected":E,"new":N}        → ok, or fail "mismatch"
//   {"op":"acquire","name":L,"owner":O,"ttl_ms":T}   → ok {"fence": index} when L is free or
//                                                      already O's (same fence); fail "held"
//   {"op":"release","name":L,"owner":O,"fence":F}    → ok when O holds L with fence F (L is
//                                                      free after), else fail "not held"; without
//                                                      "fence" (bug no-fence) the owner decides
//   {"op":"expire","name":L,"fence":F}               → frees L if it is still held with F
// Keys are compared by their JSON dump (1 and "1" differ), as in kvd. The no-op ("") and
// unknown commands change nothing (fail "unknown command").
//
// Lock expiry is decided by the leader, in log order: the state machine holds no clock; the
// node proposes "expire" once a grant's ttl has passed on the leader's monotonic clock.
//
// Thread-safety: one thread at a time (the node's loop).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace coordcheck::raft {

using Json = nlohmann::json;

struct ApplyResult {
  bool ok = false;
  Json value;         // ok: the result (null for writes)
  std::string error;  // fail: why
};

struct LockHolder {
  std::string owner;
  uint64_t fence = 0;
  int64_t ttl_ms = 0;
};

class StateMachine {
 public:
  ApplyResult Apply(uint64_t index, const std::string& command);
  // The value at `key` (null when unset).
  Json Read(const Json& key) const;
  const std::map<std::string, LockHolder>& locks() const { return locks_; }

  std::string Serialize() const;
  // False (state unchanged) when `data` is not a serialization.
  bool Restore(const std::string& data);

 private:
  ApplyResult ApplyCommand(uint64_t index, const std::string& command);

  std::map<std::string, Json> values_;  // key dump -> value
  std::map<std::string, LockHolder> locks_;
};

}  // namespace coordcheck::raft
