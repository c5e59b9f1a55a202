// The client-pause fault family's package (nemesis/package.h): one "pause-client" {"ms": D}
// op for the next client to enter a critical section; nothing to stop (the client resumes by
// itself), nothing to heal.
#include "nemesis/package.h"
#include "nemesis/client_pause/client_pause_nemesis.h"
#include "nemesis/client_pause/family.h"

namespace coordcheck::fault::client_pause {
namespace {

FaultStep Step(gen::Rng&, const FaultScheduleOptions& o) {
  // Whichever client enters its critical section next: the pause lands on a holder.
  return FaultStep{{FaultStepOp("pause-client", Json{{"ms", o.client_pause_ms}})}, {}};
}

std::unique_ptr<Nemesis> Make(const FaultContext& c) {
  return std::make_unique<ClientPauseNemesis>(c.client_board, c.client_threads);
}

}  // namespace

const FaultPackage& Package() {
  static const FaultPackage package{
      .info = kInfo,
      .needs = {.client_pauses = true},
      .step = Step,
      .heal = {},
      .make_nemesis = Make,
  };
  return package;
}

}  // namespace coordcheck::fault::client_pause
