// The restart fault family's package (nemesis/package.h): one "restart" op a step, nothing to
// stop or heal (the node is back when it completes; Teardown starts any left down).
#include "nemesis/package.h"
#include "nemesis/process/process_nemesis.h"
#include "nemesis/restart/family.h"
#include "nemesis/restart/restart_nemesis.h"

namespace coordcheck::fault::restart {
namespace {

FaultStep Step(gen::Rng& rng, const FaultScheduleOptions& o) {
  return FaultStep{{FaultStepOp("restart", ProcessFaultTargets(rng, o))}, {}};
}

std::unique_ptr<Nemesis> Make(const FaultContext& c) {
  return std::make_unique<RestartNemesis>(c.process_control, c.target_nodes);
}

}  // namespace

const FaultPackage& Package() {
  static const FaultPackage package{
      .info = kInfo,
      .needs = {.kill = true},
      .step = Step,
      .heal = {},
      .make_nemesis = Make,
  };
  return package;
}

}  // namespace coordcheck::fault::restart
