// The kill fault family's package (nemesis/package.h): the process faults' (ProcessNemesis).
#include "nemesis/package.h"
#include "nemesis/kill/family.h"
#include "nemesis/process/process_nemesis.h"

namespace coordcheck::fault::kill {

const FaultPackage& Package() {
  static const FaultPackage package =
      ProcessFaultPackage(kInfo, ProcessFaults{.kill = true, .pause = false});
  return package;
}

}  // namespace coordcheck::fault::kill
