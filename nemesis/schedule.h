// Fault schedules: the nemesis's op streams, built from the fault packages (nemesis/package.h;
// nemesis/ops.h gives the ops and their values).
//
// FaultSchedule deals, from the run's seed, a fault family among those scheduled — from a
// shuffled deck, so each comes once in every round of as many steps as there are
// families — waits a random interval (uniform in [0.5, 1.5] x the mean), starts it with its
// package's step (random parameters: which partition, which nodes, how much skew), waits
// again, and stops it; then the next. With `overlap`, two faults run at a time: start A,
// wait, start B, wait, stop A, wait, start C, wait, stop B, ... — each lasts about two
// intervals and overlaps the next one for about one; a family is never started while a
// fault of its own runs (with one family the schedule is one fault at a time). FaultHeal is the final phase: each scheduled family's
// heal ops, families in registry order (whatever the order asked), before the final reads.
//
// Contract: pure generators (see generators/generator.h); ops go to any free thread of the
// context, so wrap them in gen::Nemesis(...). Times are absolute: the schedule starts counting
// at time 0 of the runner's clock. Families must be registry names (PlanFaults' scheduled).
//
// Thread-safety: immutable values.
#pragma once

#include "generators/generator.h"
#include "nemesis/package.h"

namespace coordcheck {

// An infinite schedule (bound it with TimeLimit); Void when no family or no node is given.
gen::GenPtr FaultSchedule(const FaultScheduleOptions& options, gen::Rng rng);
// One op per heal step of each family, in order, then done.
gen::GenPtr FaultHeal(const FaultScheduleOptions& options);

}  // namespace coordcheck
