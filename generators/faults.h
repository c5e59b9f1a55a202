// Fault schedules: the nemesis's op streams (nemesis/ops.h gives the ops and their values).
//
// FaultSchedule deals, from the run's seed, a fault family among those enabled — from a
// shuffled deck, so each comes once in every round of as many steps as there are
// families — waits a random interval (uniform in [0.5, 1.5] x the mean), starts it (with random
// parameters: which partition, which nodes, how much skew), waits again, and stops it; then
// the next. Clock changes are each followed by a check-clock-offsets op so the history shows
// every node's offset. FaultHeal is the final phase: it undoes every enabled family (heal
// partitions, remove packet faults, reset clocks, resume, restart) before the final reads.
//
// Families: "partition", "packet", "clock", "pause", "kill" (node faults), and
// "client-pause": a stop-the-world pause of one client inside its critical section, longer
// than its lease (the lock workload's GC pause): one "pause-client" {"ms": D} op for the
// next client to enter a critical section, nothing to stop (the client resumes by itself),
// nothing to heal.
//
// Contract: pure generators (see generator.h); ops go to any free thread of the context, so
// wrap them in Nemesis(...). Times are absolute: the schedule starts counting at time 0 of
// the runner's clock.
//
// Thread-safety: immutable values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "generators/generator.h"

namespace coordcheck::gen {

struct FaultScheduleOptions {
  // Enabled families (names above). Empty = no faults.
  std::vector<std::string> families;
  // The nodes faults may name (n1..nN).
  std::vector<std::string> nodes;
  // Mean time between schedule steps (ns). Default 10 s.
  int64_t interval_ns = 10'000'000'000;
  // Whether the target reports a primary (enables isolate-primary and faults on the primary).
  bool has_primary = false;
  // Whether the target can be killed / paused (else those families emit nothing).
  bool can_kill = true;
  bool can_pause = true;
  // client-pause: whether there are client threads to pause (0 = the family emits nothing)
  // and how long each pause lasts (ms).
  int client_threads = 0;
  int64_t client_pause_ms = 4000;
};

// The known family names, for validation and `coordcheck list`.
const std::vector<std::string>& FaultFamilies();

// An infinite schedule (bound it with TimeLimit); Void when no family is enabled.
GenPtr FaultSchedule(const FaultScheduleOptions& options, Rng rng);
// One op per undo step of each enabled family, in order, then done.
GenPtr FaultHeal(const FaultScheduleOptions& options);

}  // namespace coordcheck::gen
