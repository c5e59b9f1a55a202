#include "workloads/register/parts.h"

#include "checkers/linearizable.h"

namespace coordcheck {

WorkloadParts IndependentRegisterParts(const WorkloadConfig& config,
                                       const gen::RegisterOpsOptions& ops, const std::string& model,
                                       uint64_t seed) {
  gen::RegisterOptions options;
  options.threads_per_key = config.threads_per_key;
  options.ops_per_key = config.ops_per_key;
  options.ops = ops;
  WorkloadParts parts;
  parts.generator = gen::RegisterWorkload(options, gen::Rng(seed));
  parts.final_generator = [](const std::vector<Json>& keys) { return gen::FinalReads(keys); };
  parts.checker = LinearizableAgainst(model);
  return parts;
}

std::unique_ptr<Checker> LinearizableAgainst(const std::string& model) {
  LinearizableOptions lin;
  lin.model = model;
  return std::make_unique<LinearizableChecker>(lin);
}

}  // namespace coordcheck
