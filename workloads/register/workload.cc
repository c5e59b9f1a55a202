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
  // Unpaced: each client issues its next op as soon as its last completes, so a key always
  // has up to threads_per_key ops in flight. Why not a rate: whether paced ops overlap
  // depends on the target's latency, not on the rate alone. Measured on kvd (5 clients on one
  // key, 20 s, `coordcheck run -w register -t kvd --bug follower-reads --seed 11 --rate R`):
  // 8% of ops overlapped another on their key at 200 ops/s (0.2 ms per op leaves the key idle
  // between ops), 51% at 2000, 99% unpaced (about 6,000 ops/s). A linearizability checker
  // finds only what overlapping ops expose.
  double default_rate() const override { return 0; }
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
