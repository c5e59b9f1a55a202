// LockWorkloadOptions: the lock workload's options (TestConfig::workload_options), parsed
// once at the edge by the workload (validation), the lock targets' Db (the resource's
// mode) and their clients (TTL, hold, pause).
//
// Unknown keys and ill-typed values are errors naming the key, so a typo in a test file is
// reported instead of silently ignored.
//
// Thread-safety: plain value type.
#pragma once

#include <cstdint>
#include <string>

#include "base/options.h"
#include "history/op.h"
#include "targets/resource/state.h"

namespace coordcheck::lock {

struct LockWorkloadOptions {
  // The protected resource: "fenced" rejects requests with a fence below the highest it
  // has seen (and writes with none); "unfenced" accepts everything. Default fenced (the
  // lock workload resolves an absent one per target: ResolveOptions).
  resource::Mode resource = resource::Mode::kFenced;
  // Its TCP port on the resource node. Default 7400.
  int resource_port = 7400;
  // The lease / TTL every client asks for, ms. Default 2000.
  int64_t ttl_ms = 2000;
  // How long a critical section holds between its read and its write, ms. Default 100.
  int64_t hold_ms = 100;
  // How long a client pause (nemesis "client-pause") stalls its client, ms; 0 = twice the
  // TTL, so the lease certainly runs out. Default 0.
  int64_t client_pause_ms = 0;

  // client_pause_ms, with 0 resolved.
  int64_t EffectiveClientPauseMs() const { return client_pause_ms > 0 ? client_pause_ms : 2 * ttl_ms; }
};

// Parses `options` (null or an object with keys resource, resource_port, ttl_ms, hold_ms,
// client_pause_ms). The error names the key ("workload option \"ttl_ms\" must be ...").
Result<LockWorkloadOptions> ParseLockWorkloadOptions(const Json& options);

// The options' catalogue: names, ranges, defaults and docs (`list`, errors).
const OptionTable<LockWorkloadOptions>& LockWorkloadOptionTable();

// The options as JSON (every key), for results and reports.
Json LockWorkloadOptionsToJson(const LockWorkloadOptions& options);

}  // namespace coordcheck::lock
