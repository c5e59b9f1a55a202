// EtcdOptions: the etcd target's options from the test config (`target_options`, a JSON
// object or null), parsed once, at the edge, by EtcdDb and EtcdLockClient alike.
//
// Unknown keys and ill-typed values are errors, so a typo in a test file is reported
// instead of silently ignored.
//
// Thread-safety: plain value type.
#pragma once

#include "base/options.h"
#include "history/op.h"

namespace coordcheck::etcd {

struct EtcdOptions {
  // Port of the client API (gRPC and the v3 JSON gateway) on every node. Default 2379.
  int client_port = 2379;
  // Port of the raft peer traffic on every node. Default 2380.
  int peer_port = 2380;
};

// Parses `options` (null or an object). The error names the offending key.
Result<EtcdOptions> ParseEtcdOptions(const Json& options);
// The options' catalogue: names, ranges, defaults and docs (`list`, errors).
const OptionTable<EtcdOptions>& EtcdOptionTable();

}  // namespace coordcheck::etcd
