// The clock fault family's package (nemesis/package.h). Every clock change is followed by a
// check-clock-offsets op, so the history shows each node's offset.
#include "nemesis/package.h"
#include "nemesis/clock/clock_nemesis.h"
#include "nemesis/clock/family.h"
#include "nemesis/ops.h"

namespace coordcheck::fault::clock {
namespace {

FaultStep Step(gen::Rng& rng, const FaultScheduleOptions& o) {
  FaultStep s;
  Json nodes = PickNodes(rng, o.nodes);
  if (rng.Uniform(3) == 0) {
    Json value = {{"nodes", nodes},
                  {"delta_ms", 100 * static_cast<int64_t>(1 + rng.Uniform(50))},
                  {"period_ms", 10 * static_cast<int64_t>(1 + rng.Uniform(10))},
                  {"duration_ms", 1000 + 500 * static_cast<int64_t>(rng.Uniform(5))}};
    s.start.push_back(FaultStepOp(kStrobeClock, value));
  } else {
    Json value = Json::object();
    // Half the time every node jumps the same way (one bad time source for all), else
    // each its own way: expiring a Redlock needs a majority of instances to jump forward.
    const bool same_sign = rng.Uniform(2) == 0;
    const bool forward = rng.Uniform(2) == 0;
    for (const Json& n : nodes) {
      // ±(100 ms .. 30 s), mostly large enough to outrun leases.
      const int64_t magnitude = 100 * static_cast<int64_t>(1 + rng.Uniform(300));
      const bool ahead = same_sign ? forward : rng.Uniform(2) == 0;
      value[n.get<std::string>()] = ahead ? magnitude : -magnitude;
    }
    s.start.push_back(FaultStepOp(kBumpClock, value));
  }
  s.start.push_back(FaultStepOp(kCheckClockOffsets));
  s.stop.push_back(FaultStepOp(kResetClock));
  s.stop.push_back(FaultStepOp(kCheckClockOffsets));
  return s;
}

std::unique_ptr<Nemesis> Make(const FaultContext& c) {
  ClockNemesisOptions options;
  options.target_clock = c.target_clock;
  return std::make_unique<ClockNemesis>(*c.cluster, c.bin_dir, options);
}

}  // namespace

const FaultPackage& Package() {
  static const FaultPackage package{
      .info = kInfo,
      .needs = {},
      .step = Step,
      .heal = {kResetClock, kCheckClockOffsets},
      .make_nemesis = Make,
  };
  return package;
}

}  // namespace coordcheck::fault::clock
