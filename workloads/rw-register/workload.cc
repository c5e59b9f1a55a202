// The rw-register workload: reads and writes, no cas, on independent keys, each key judged
// linearizable against a plain register (Knossos's classic register test). Writes draw from a
// wide range of values, so nearly every write is unique: a read names the one write it saw,
// which makes a stale or lost write plain in the counterexample and keeps the search small.
// threads_per_key client threads per key, ops_per_key ops per key; the final phase reads
// every key once.
#include "workloads/workload.h"
#include "workloads/register/parts.h"

namespace coordcheck {
namespace {

// Values written are 0..kValues-1: nearly unique over a key's ops_per_key ops.
constexpr uint32_t kValues = 1'000'000;

class RwRegisterWorkload final : public Workload {
 public:
  std::string name() const override { return "rw-register"; }
  std::string description() const override {
    return "reads and (nearly) unique writes on independent keys, judged linearizable "
           "(register per key)";
  }
  std::vector<std::string> client_ops() const override { return {"read", "write"}; }
  std::vector<CheckerInfo> checkers() const override {
    return {{"linearizable", "Wing & Gong linearizability of every key against a register",
             [] { return LinearizableAgainst("register"); }}};
  }
  Status Validate(const WorkloadConfig& c) const override {
    return ValidateIndependentKeys(c, name());
  }
  WorkloadParts Make(const WorkloadConfig& config, uint64_t seed) const override {
    gen::RegisterOpsOptions ops;
    ops.cas_weight = 0;
    ops.value_count = kValues;
    return IndependentRegisterParts(config, ops, "register", seed);
  }
};

}  // namespace

namespace workloads {
const Workload& RwRegister() {
  static const RwRegisterWorkload kWorkload;
  return kWorkload;
}
}  // namespace workloads

}  // namespace coordcheck
