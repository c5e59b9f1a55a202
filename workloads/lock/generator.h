// The lock workload's op streams (workloads/lock/ops.h gives the ops): every client thread
// loops acquire → increment (its critical section on the protected resource) → release.
// (The client-pause fault family, nemesis/client_pause/, stalls one inside its critical
// section.)
//
// Contract: pure generators (see generator.h). A client that failed to acquire skips its
// critical section and release by itself (its Client knows it holds nothing), so the
// stream does not need to look at completions.
//
// Thread-safety: immutable values.
#pragma once

#include "generators/generator.h"

namespace coordcheck::gen {

// acquire, increment, release, forever, on each client thread (wrap in Clients and bound it
// with TimeLimit).
GenPtr LockCycles();

}  // namespace coordcheck::gen
