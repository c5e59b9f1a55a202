// The parts of a workload of independent registers, shared by the register workloads
// (register, rw-register): ops drawn by `ops` on keys laid out as the config says
// (threads_per_key threads per key, ops_per_key ops per key), one final read of every key
// used, and a linearizability checker of every key against `model`.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "workloads/register/generator.h"
#include "workloads/workload.h"

namespace coordcheck {

WorkloadParts IndependentRegisterParts(const WorkloadConfig& config,
                                       const gen::RegisterOpsOptions& ops, const std::string& model,
                                       uint64_t seed);

// The linearizable checker with `model` and its default initial state.
std::unique_ptr<Checker> LinearizableAgainst(const std::string& model);

}  // namespace coordcheck
