// Sequencing: one generator after another, with or without a barrier between them, cycles,
// and stopping at the first success (Jepsen's concat, cycle, synchronize, phases, then,
// until-ok).
//
// Contract: a sequence asks only its current generator; it moves on when that one says
// done, and Update events go to the current generator only. A barrier (Synchronize, and so
// Phases and Then) makes a generator wait, pending, until every thread of its context is
// free: no op of an earlier part is still outstanding.
//
// Thread-safety: the generators are immutable values (see generator.h).
#pragma once

#include <cstdint>
#include <vector>

#include "generators/generator.h"

namespace coordcheck::gen {

// Each generator of `gens` until it is done, then the next; no barrier.
GenPtr Seq(std::vector<GenPtr> gens);
// `gen` from the start again each time it is done: forever, or `times` runs in all. A run
// that is done before its first op ends the cycle (so an empty generator cannot spin).
GenPtr Cycle(GenPtr gen);
GenPtr Cycle(int64_t times, GenPtr gen);
// Pending until every thread of the context is free, then `gen` (the barrier holds only
// before gen's first op).
GenPtr Synchronize(GenPtr gen);
// Seq of Synchronize(gen) for each: every phase starts once all ops of the earlier phases
// have completed (Jepsen's phases).
GenPtr Phases(std::vector<GenPtr> gens);
// `first`, then a barrier, then `second`. Arguments in reading order (Jepsen's `then` takes
// them the other way round, for ->>).
GenPtr Then(GenPtr first, GenPtr second);
// `gen`'s ops until one of them completes ok (seen through Update: an ok event of a process
// that got an op from this generator); then done. fail and info completions do not stop it.
GenPtr UntilOk(GenPtr gen);

}  // namespace coordcheck::gen
