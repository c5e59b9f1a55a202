// The workloads coordcheck knows (harness/workload.h).
#include "checkers/linearizable.h"
#include "generators/combinators.h"
#include "generators/register.h"
#include "harness/workload.h"

namespace coordcheck {
namespace {

// Independent registers: a read/write/cas mix on keys 0, 1, 2, ..., threads_per_key client
// threads per key and ops_per_key ops per key; each key judged linearizable against a
// cas-register starting empty (null). Final phase: one read of every key used.
class RegisterWorkload final : public Workload {
 public:
  std::string name() const override { return "register"; }
  std::string description() const override {
    return "read/write/cas on independent keys, judged linearizable (cas-register per key)";
  }
  std::vector<std::string> checkers() const override { return {"linearizable"}; }
  WorkloadParts Make(const TestConfig& config, uint64_t seed) const override {
    gen::RegisterOptions options;
    options.threads_per_key = config.threads_per_key;
    options.ops_per_key = config.ops_per_key;
    WorkloadParts parts;
    parts.generator = gen::RegisterWorkload(options, gen::Rng(seed));
    parts.final_generator = [](const std::vector<Json>& keys) { return gen::FinalReads(keys); };
    LinearizableOptions lin;
    lin.model = "cas-register";
    parts.checker = std::make_unique<LinearizableChecker>(lin);
    return parts;
  }
};

}  // namespace

gen::GenPtr ComposeMainPhase(const TestConfig& config, const WorkloadParts& parts, uint64_t seed,
                             gen::GenPtr faults) {
  gen::GenPtr main = parts.generator;
  if (config.rate > 0) {
    main = gen::Stagger(static_cast<int64_t>(1e9 / config.rate), main, gen::Rng(seed));
  }
  return gen::TimeLimit(static_cast<int64_t>(config.time_limit_s * 1e9),
                        gen::Clients(main, faults));
}

const std::vector<const Workload*>& AllWorkloads() {
  static const RegisterWorkload kRegister;
  static const std::vector<const Workload*> all = {&kRegister};
  return all;
}

const Workload* FindWorkload(const std::string& name) {
  for (const Workload* w : AllWorkloads())
    if (w->name() == name) return w;
  return nullptr;
}

std::string WorkloadNames() {
  std::string names;
  for (const Workload* w : AllWorkloads()) names += (names.empty() ? "" : ", ") + w->name();
  return names;
}

}  // namespace coordcheck
