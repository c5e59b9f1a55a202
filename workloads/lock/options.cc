#include "workloads/lock/options.h"

namespace coordcheck::lock {

const OptionTable<LockWorkloadOptions>& LockWorkloadOptionTable() {
  using O = LockWorkloadOptions;
  static const OptionTable<O> table =
      OptionTable<O>("workload option", "the lock workload")
          .Enum("resource", &O::resource,
                {{"fenced", resource::Mode::kFenced}, {"unfenced", resource::Mode::kUnfenced}},
                "the protected resource: fenced rejects stale fencing tokens, unfenced accepts "
                "all; absent = fenced when the lock gives tokens")
          .Int("resource_port", &O::resource_port, 1, 65535, "its TCP port on the resource node")
          .Int("ttl_ms", &O::ttl_ms, 1000, 3'600'000, "the lease / TTL every client asks for, ms")
          .Int("hold_ms", &O::hold_ms, 0, 600'000,
               "how long a critical section holds between its read and its write, ms")
          .Int("client_pause_ms", &O::client_pause_ms, 0, 3'600'000,
               "how long a client pause (fault family client-pause) lasts, ms; 0 = twice the TTL");
  return table;
}

Result<LockWorkloadOptions> ParseLockWorkloadOptions(const Json& options) {
  return LockWorkloadOptionTable().Read(options);
}

Json LockWorkloadOptionsToJson(const LockWorkloadOptions& o) {
  Json out = LockWorkloadOptionTable().ToJson(o);
  out["client_pause_ms"] = o.EffectiveClientPauseMs();
  return out;
}

}  // namespace coordcheck::lock
