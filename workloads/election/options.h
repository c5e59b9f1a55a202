// ElectionWorkloadOptions: the election workload's options (TestConfig::workload_options),
// parsed once at the edge by the workload (validation, the generator and the checker).
//
// The op rate is the run's (--rate, TestConfig::rate): the generator only chooses what each
// op is. Unknown keys and ill-typed values are errors naming the key.
//
// Thread-safety: plain value type.
#pragma once

#include <cstdint>

#include "base/options.h"
#include "history/op.h"

namespace coordcheck::election {

struct ElectionWorkloadOptions {
  // The share of client ops that are status ops (asking the client's home node for its role,
  // term and leader); the rest are writes. 0..1. Default 0.1.
  double status_fraction = 0.1;
  // A gap between consecutive ok writes (and from the run's start to the first) longer than
  // this is a window of unavailability, ms. Keep it well above the gap between writes at the
  // run's rate. Default 1000.
  int64_t unavailable_threshold_ms = 1000;
};

// Parses `options` (null or an object with keys status_fraction, unavailable_threshold_ms).
// The error names the key ("workload option \"status_fraction\" must be ...").
Result<ElectionWorkloadOptions> ParseElectionWorkloadOptions(const Json& options);

// The options' catalogue: names, ranges, defaults and docs (`list`, errors).
const OptionTable<ElectionWorkloadOptions>& ElectionWorkloadOptionTable();

}  // namespace coordcheck::election
