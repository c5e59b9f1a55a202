#include "workloads/election/generator.h"

#include <cstdint>
#include <memory>
#include <utility>

#include "workloads/election/ops.h"

namespace coordcheck::gen {
namespace {

class ElectionOpsGen final : public Generator {
 public:
  ElectionOpsGen(double status_fraction, Rng rng, int64_t next_value)
      : status_fraction_(status_fraction), rng_(rng), next_value_(next_value) {}

  Emission Next(const Context& ctx) const override {
    Rng rng = rng_;
    int64_t next_value = next_value_;
    Invocation op;
    if (rng.UniformReal() < status_fraction_) {
      op.f = election_ops::kStatus;
    } else {
      op.f = election_ops::kWrite;
      op.key = election_ops::kKey;
      op.value = next_value++;
    }
    auto filled = FillIn(std::move(op), ctx);
    if (!filled) return Emission::Pending();
    return Emission::Of(std::move(*filled),
                        std::make_shared<ElectionOpsGen>(status_fraction_, rng, next_value));
  }

 private:
  double status_fraction_;
  Rng rng_;
  int64_t next_value_;
};

}  // namespace

GenPtr ElectionOps(const ElectionGenOptions& options, Rng rng) {
  return std::make_shared<ElectionOpsGen>(options.status_fraction, rng, 1);
}

}  // namespace coordcheck::gen
