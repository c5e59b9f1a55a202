// KvdOptions: kvd's options from the test config (`target_options` JSON object), parsed
// once, at the edge, by both the Db and the Client.
//
// Unknown keys and ill-typed values are errors, so a typo in a test file is reported
// instead of silently ignored.
//
// Thread-safety: plain value type.
#pragma once

#include "base/options.h"
#include "history/op.h"

namespace coordcheck::kvd {

struct KvdOptions {
  // TCP port every node listens on. Default 7000.
  int port = 7000;
  // Client: bound on one connect, ms (also clipped by the op's deadline). Default 1000.
  int connect_timeout_ms = 1000;
  // Follower: bound on one request forwarded to the primary, ms. Default 5000.
  int forward_timeout_ms = 5000;
  // Bug follower-reads: mean delay before a change reaches a follower, ms; each delay is
  // uniform in [d/2, 3d/2]. Default 40.
  int replication_delay_ms = 40;
  // Bug lost-cas: mean delay before an acknowledged cas takes effect, ms; uniform in
  // [d/2, 3d/2]. Default 30.
  int lost_cas_delay_ms = 30;
};

// Parses `options` (null or an object). The error names the offending key.
Result<KvdOptions> ParseKvdOptions(const Json& options);
// The options' catalogue: names, ranges, defaults and docs (`list`, errors).
const OptionTable<KvdOptions>& KvdOptionTable();

}  // namespace coordcheck::kvd
