// The packet fault family's package (nemesis/package.h).
#include "nemesis/package.h"
#include "nemesis/ops.h"
#include "nemesis/packet/family.h"
#include "nemesis/packet/packet_nemesis.h"

namespace coordcheck::fault::packet {
namespace {

FaultStep Step(gen::Rng& rng, const FaultScheduleOptions& o) {
  Json value = {{"nodes", PickNodes(rng, o.nodes)}, {"seed", rng.Next() >> 11}};
  const uint64_t shape = rng.Uniform(3);  // loss, delay, both
  if (shape != 1) value["loss"] = 0.1 + 0.05 * static_cast<double>(rng.Uniform(7));
  if (shape != 0) {
    value["delay_ms"] = 20 + 20 * static_cast<int64_t>(rng.Uniform(10));
    value["jitter_ms"] = 10 * static_cast<int64_t>(rng.Uniform(4));
  }
  return FaultStep{{FaultStepOp(kStartPacket, value)}, {FaultStepOp(kStopPacket)}};
}

std::unique_ptr<Nemesis> Make(const FaultContext& c) {
  return std::make_unique<PacketNemesis>(*c.cluster, c.bin_dir);
}

}  // namespace

const FaultPackage& Package() {
  static const FaultPackage package{
      .info = kInfo,
      .needs = {.separate_network = true},
      .step = Step,
      .heal = {kStopPacket},
      .make_nemesis = Make,
  };
  return package;
}

}  // namespace coordcheck::fault::packet
