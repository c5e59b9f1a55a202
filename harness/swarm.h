// Swarm testing (`coordcheck swarm`): many short runs of one workload against one target, each
// with a seed of its own and a random subset of the fault families and a random fault
// interval (Groce et al., "Swarm testing", ISSTA 2012: leaving features out at random finds
// more than turning all of them on, because some faults mask others — a partition hides the
// bug that needs the network). A CI job gets "how likely does this catch the bug, and how fast".
//
// The swarm's master seed (printed; --seed sets it) gives every run's seed, fault subset and
// interval, so the same swarm seed repeats the same swarm. Each run is an ordinary run with a
// store folder of its own, reproducible by its printed command. The swarm adds
// STORE/swarm-<workload>-<target>[-<bug>]/<timestamp>/ with swarm.json (the runs, the
// detection figures), table.txt, report.html and junit.xml.
//
// Fault pool: --faults, else the test's --nemesis, else every family that applies to the
// target and backend (nemesis/plan.h). Each family of the pool is in a run's subset with
// probability 1/2 (a run may have none: bugs that need no fault show there); the interval is
// log-uniform in [1 s, max(1 s, time limit / 4)], in tenths of a second.
//
// Exit code as `run`'s over the set: 3 if a run failed, else 1 if any was invalid, else 2 if
// any was unknown, else 0. It stops at the first invalid run unless `all`.
//
// Thread-safety: single-threaded (runs go one after another).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "harness/run.h"
#include "harness/test_config.h"

namespace coordcheck {

struct SwarmOptions {
  // Runs at most. Default 10.
  int runs = 10;
  // The families to draw from; empty = the test's nemesis, else all that apply.
  std::vector<std::string> faults;
  // Run all `runs` even after an invalid one. Default false: stop at the first.
  bool all = false;
};

// One run of a swarm as planned from the swarm's seed.
struct SwarmRunPlan {
  uint64_t seed = 0;
  std::vector<std::string> nemesis;  // the drawn subset, in pool order
  double nemesis_interval_s = 0;
};

// The plan of run `index` (0-based) of the swarm with master seed `seed` over `pool`, for a
// main phase of `time_limit_s`. Pure.
SwarmRunPlan PlanSwarmRun(uint64_t seed, int index, const std::vector<std::string>& pool,
                          double time_limit_s);

// The fault families of the registry that can apply to `config`'s target, backend and
// workload (its needs met, or left to the nemesis' set-up when the backend is not chosen).
std::vector<std::string> ApplicableFaults(const TestConfig& config);

// A `coordcheck run` command line that repeats `config`: its workload and target and every
// field that differs from the defaults, as flags, shell-quoted where needed.
std::string ReproduceCommand(const TestConfig& config);

// Runs the swarm (above), prints its table and summary, writes its folder. Returns its exit
// code.
int RunSwarm(TestConfig base, const SwarmOptions& swarm, const RunOptions& options);

}  // namespace coordcheck
