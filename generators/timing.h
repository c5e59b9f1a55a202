// Time: spacing ops out (Jepsen's stagger and delay), pausing (sleep) and stopping after a
// while (time-limit). All times are ns since the test started, taken from the context and
// the ops, never from a clock.
//
// Contract: Stagger and Delay only move an op's time later; the runner waits until an op's
// time before invoking it. Their schedule is anchored at the first op actually emitted, and
// advances from the schedule, not from when ops really ran: a slow system gets its ops in
// bursts to catch up, as in Jepsen.
//
// Thread-safety: the generators are immutable values (see generator.h).
#pragma once

#include <cstdint>

#include "generators/generator.h"

namespace coordcheck::gen {

// Ops of `gen` at random intervals, each uniform in [0, 2 dt_ns) (mean dt_ns): the first op
// is scheduled at the context's time, each later one at the previous schedule plus an
// interval; an op's time is max(its own time, its scheduled time).
GenPtr Stagger(int64_t dt_ns, GenPtr gen, Rng rng);
// Ops of `gen` exactly dt_ns apart: each op's time is max(its own time, the previous op's
// time + dt_ns).
GenPtr Delay(int64_t dt_ns, GenPtr gen);
// One pause op (f = kSleepF, value = dt_ns) on any free thread, then done. It emits nothing
// for a client; the thread it occupies is busy for dt_ns, so in Phases the next phase starts
// dt_ns after the pause began. (A pure generator cannot wait on its own: nothing would
// remember when the wait began, so the pause is an op the runner carries out, as in Jepsen.)
GenPtr Sleep(int64_t dt_ns);
// Ops of `gen` whose time is before cutoff = (time of the first op emitted) + dt_ns; done at
// the first op at or after the cutoff, or as soon as the context's time reaches it.
GenPtr TimeLimit(int64_t dt_ns, GenPtr gen);

}  // namespace coordcheck::gen
