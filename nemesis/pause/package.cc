// The pause fault family's package (nemesis/package.h): the process faults' (ProcessNemesis).
#include "nemesis/package.h"
#include "nemesis/pause/family.h"
#include "nemesis/process/process_nemesis.h"

namespace coordcheck::fault::pause {

const FaultPackage& Package() {
  static const FaultPackage package =
      ProcessFaultPackage(kInfo, ProcessFaults{.kill = false, .pause = true});
  return package;
}

}  // namespace coordcheck::fault::pause
