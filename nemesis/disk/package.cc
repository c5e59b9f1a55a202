// The disk fault family's package (nemesis/package.h): one lose-unsynced or torn-write op a
// step, nothing to stop or heal (the node is back when the op completes; Teardown starts
// any left down and unmounts).
#include "nemesis/package.h"
#include "nemesis/disk/disk_nemesis.h"
#include "nemesis/disk/family.h"
#include "nemesis/ops.h"
#include "nemesis/process/process_nemesis.h"

namespace coordcheck::fault::disk {
namespace {

FaultStep Step(gen::Rng& rng, const FaultScheduleOptions& o) {
  Json value = ProcessFaultTargets(rng, o);
  if (rng.Uniform(2) == 0) return FaultStep{{FaultStepOp(kLoseUnsynced, value)}, {}};
  value["seed"] = rng.Next() >> 11;  // 53 bits: exact as a JSON number in every reader
  return FaultStep{{FaultStepOp(kTornWrite, value)}, {}};
}

std::unique_ptr<Nemesis> Make(const FaultContext& c) {
  return std::make_unique<DiskNemesis>(*c.cluster, c.process_control, c.target_nodes, c.data_dirs,
                                       c.bin_dir);
}

}  // namespace

const FaultPackage& Package() {
  static const FaultPackage package{
      .info = kInfo,
      .needs = {.kill = true, .data_dir = true},
      .step = Step,
      .heal = {},
      .make_nemesis = Make,
  };
  return package;
}

}  // namespace coordcheck::fault::disk
