// The register workload: read/write/cas on independent keys, each key judged linearizable
// against a cas-register starting empty (null). threads_per_key client threads per key and
// ops_per_key ops per key; the final phase reads every key used once.
#include "workloads/workload.h"
#include "workloads/register/parts.h"

namespace coordcheck {
namespace {

class RegisterWorkload final : public Workload {
 public:
  std::string name() const override { return "register"; }
  std::string description() const override {
    return "read/write/cas on independent keys, judged linearizable (cas-register per key)";
  }
  std::vector<std::string> client_ops() const override { return {"read", "write", "cas"}; }
  std::vector<CheckerInfo> checkers() const override {
    return {{"linearizable", "Wing & Gong linearizability of every key against a cas-register",
             [] { return LinearizableAgainst("cas-register"); }}};
  }
  Status Validate(const WorkloadConfig& c) const override {
    return ValidateIndependentKeys(c, name());
  }
  WorkloadParts Make(const WorkloadConfig& config, uint64_t seed) const override {
    return IndependentRegisterParts(config, gen::RegisterOpsOptions{}, "cas-register", seed);
  }
};

}  // namespace

namespace workloads {
const Workload& Register() {
  static const RegisterWorkload kWorkload;
  return kWorkload;
}
}  // namespace workloads

}  // namespace coordcheck
