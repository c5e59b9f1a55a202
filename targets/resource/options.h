// ResourceOptions: how the protected resource is deployed and reached, parsed once at the
// edge from a JSON object (the lock workload's "resource" options, say).
//
// Unknown keys and ill-typed values are errors, so a typo in a test file is reported instead
// of silently ignored.
//
// Thread-safety: plain value type.
#pragma once

#include <string>

#include "base/options.h"
#include "history/op.h"
#include "targets/resource/state.h"

namespace coordcheck::resource {

struct ResourceOptions {
  // TCP port the resource listens on, on its node's address. Default 7400.
  int port = 7400;
  // "fenced" (rejects requests whose fence is lower than the highest seen, and writes
  // with none; protocol.h) or "unfenced" (accepts everything). Default fenced.
  Mode mode = Mode::kFenced;
  // The node the resource runs on; "" = every node ResourceDb::Setup is called for (the
  // caller gives it exactly one). Default "".
  std::string node;
  // Keep the log and counter in <root_dir>/resource-data, so a restarted resource continues
  // its log. Default true.
  bool persist = true;
  // Ready and clients: bound on one connect, ms. Default 1000.
  int connect_timeout_ms = 1000;
};

// Parses `options` (null or an object with keys port, mode, node, persist,
// connect_timeout_ms). The error names the offending key.
Result<ResourceOptions> ParseResourceOptions(const Json& options);
// The options' catalogue: names, ranges, defaults and docs (`list`, errors).
const OptionTable<ResourceOptions>& ResourceOptionTable();

}  // namespace coordcheck::resource
