// The election workload's op stream (workloads/election/ops.h gives the ops): writes to the
// one key, with status ops mixed in; the final phase's raft-events op is the workload's
// (workload.cc).
//
// Contract: pure and deterministic (generator.h): whether an op is a status comes from the
// carried Rng; write values are 1, 2, 3, ... in the order the writes are emitted (unique in
// the run, so increasing along every process). Infinite, on any free thread: wrap it in
// Clients and bound it with TimeLimit; the run's Stagger sets the rate.
//
// Thread-safety: immutable values.
#pragma once

#include "generators/generator.h"

namespace coordcheck::gen {

struct ElectionGenOptions {
  // The probability (0..1) that an op is a status rather than a write. Default 0.1.
  double status_fraction = 0.1;
};

GenPtr ElectionOps(const ElectionGenOptions& options, Rng rng);

}  // namespace coordcheck::gen
