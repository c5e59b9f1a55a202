// The lock workload's op streams (checkers/lock_ops.h gives the ops): every client thread
// loops acquire → increment (its critical section on the protected resource) → release,
// and the client-pause fault family stalls one client inside its critical section.
//
// Contract: pure generators (see generator.h). A client that failed to acquire skips its
// critical section and release by itself (its Client knows it holds nothing), so the
// stream does not need to look at completions.
//
// Thread-safety: immutable values.
#pragma once

#include <cstdint>

#include "generators/generator.h"

namespace coordcheck::gen {

// acquire, increment, release, forever, on each client thread (wrap in Clients and bound it
// with TimeLimit).
GenPtr LockCycles();

struct ClientPauseOptions {
  int client_threads = 5;
  // Mean time between pauses (ns) and how long each stalls its client (ns).
  int64_t interval_ns = 10'000'000'000;
  int64_t pause_ns = 4'000'000'000;
};

// "pause-client" {"thread": T, "ms": D} ops at random intervals for random client threads
// (routed to the nemesis thread by the caller: wrap in Nemesis).
GenPtr ClientPauses(const ClientPauseOptions& options, Rng rng);

}  // namespace coordcheck::gen
