#include "targets/kvd/options.h"

namespace coordcheck::kvd {

const OptionTable<KvdOptions>& KvdOptionTable() {
  static const OptionTable<KvdOptions> table =
      OptionTable<KvdOptions>("kvd option", "kvd")
          .Int("port", &KvdOptions::port, 1, 65535, "TCP port every node listens on")
          .Int("connect_timeout_ms", &KvdOptions::connect_timeout_ms, 1, 3'600'000,
               "client: bound on one connect, ms")
          .Int("forward_timeout_ms", &KvdOptions::forward_timeout_ms, 1, 3'600'000,
               "follower: bound on one request forwarded to the primary, ms")
          .Int("replication_delay_ms", &KvdOptions::replication_delay_ms, 0, 3'600'000,
               "bug follower-reads: mean delay before a change reaches a follower, ms")
          .Int("lost_cas_delay_ms", &KvdOptions::lost_cas_delay_ms, 0, 3'600'000,
               "bug lost-cas: mean delay before an acknowledged cas takes effect, ms");
  return table;
}

Result<KvdOptions> ParseKvdOptions(const Json& options) {
  return KvdOptionTable().Read(options);
}

}  // namespace coordcheck::kvd
