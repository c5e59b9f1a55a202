#include "workloads/lock/generator.h"

#include <algorithm>

#include "generators/basic.h"
#include "generators/sequence.h"
#include "generators/threads.h"
#include "generators/timing.h"

namespace coordcheck::gen {

GenPtr LockCycles() {
  return EachThread(
      Cycle(Seq({Once(MakeOp("acquire")), Once(MakeOp("increment")), Once(MakeOp("release"))})));
}

}  // namespace coordcheck::gen
