// The register workload's op streams: reads, writes and compare-and-sets on small integer
// values (the register/cas-register conventions of shared/HISTORY-FORMAT.md: read's invoke
// value null, write's value v, cas's value [expected, new]), per independent key.
//
// Contract: pure functions of their options and Rng; rate control is not part of them (the
// caller composes with Stagger), nor is the nemesis (compose with Clients(gen, nemesis)).
//
// Thread-safety: the generators are immutable values (see generator.h).
#pragma once

#include <cstdint>
#include <vector>

#include "generators/generator.h"

namespace coordcheck::gen {

struct RegisterOpsOptions {
  // Relative weights of read, write and cas (non-negative, not all zero). Default 1:1:1.
  uint32_t read_weight = 1;
  uint32_t write_weight = 1;
  uint32_t cas_weight = 1;
  // Values written and compared are 0..value_count-1 (> 0). Default 5.
  uint32_t value_count = 5;
};

struct RegisterOptions {
  // Client threads per key: must divide the test's concurrency (CheckThreadsPerKey).
  // Default 5.
  int threads_per_key = 5;
  // Ops per key before its group moves on to a fresh key. Default 100.
  int64_t ops_per_key = 100;
  RegisterOpsOptions ops;
};

// An infinite random mix of read, write and cas ops, without key, on any free thread.
GenPtr RegisterOps(Rng rng, const RegisterOpsOptions& options = {});
// IndependentConcurrent(threads_per_key, key -> Limit(ops_per_key, RegisterOps)) on keys 0,
// 1, 2, ...; each key's ops come from rng.Child(key), so a key's op stream does not depend
// on how the keys' ops interleave. Infinite: bound it with TimeLimit.
GenPtr RegisterWorkload(const RegisterOptions& options, Rng rng);
// One read of each key (null: a read without key), in order, each on any free client
// thread; for the final phase after the faults are healed.
GenPtr FinalReads(std::vector<Json> keys);

}  // namespace coordcheck::gen
