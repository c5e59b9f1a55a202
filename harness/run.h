// RunTest: one whole test run, the way Jepsen's core orchestrates it — set up the cluster
// and the target, run the workload's phases through the Runner while recording the
// history, tear everything down (also after an error or a stop signal), then check the
// history and write results.json. Only orchestration lives here.
//
// Thread-safety: one RunTest per process at a time (it owns the nodes it creates).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "harness/test_config.h"
#include "history/op.h"
#include "reports/run_results.h"
#include "workloads/workload.h"

namespace coordcheck {

struct RunOptions {
  // The command line, recorded with the run.
  std::string command_line;
  // Where coordcheck's binaries (coordcheck-kvd, ...) are.
  std::string bin_dir;
  // No progress lines on stderr.
  bool quiet = false;
  // Set by SIGINT/SIGTERM/SIGHUP/SIGQUIT: the run stops (also during set-up and the
  // ready wait), tears down, writes results.json and exits 3.
  const std::atomic<bool>* stop = nullptr;
};

// What a finished run leaves for its caller (`coordcheck compare` builds its table from it).
struct RunOutcome {
  int exit_code = 3;
  std::string run_dir;  // "" when the run folder could not be made
  // results.json as written; none when the run did not get so far (an invalid config).
  std::optional<reports::RunResults> results;
  TestConfig config;    // the config as run (seed and node count resolved)
};

// Runs `config` and returns the exit code (shared/DESIGN.md: 0 valid, 1 invalid,
// 2 unknown, 3 the run failed). Prints the seed first, then progress, the verdict and the
// run's folder. `outcome`, when given, receives the run's folder and results.
int RunTest(TestConfig config, const RunOptions& options, RunOutcome* outcome = nullptr);

// The main phase as a run composes it: the workload's client ops, paced to config.rate
// with a stagger seeded from `seed`, routed to client threads, alongside the fault schedule
// on the nemesis thread, all cut at config.time_limit_s.
gen::GenPtr ComposeMainPhase(const TestConfig& config, const WorkloadParts& parts, uint64_t seed,
                             gen::GenPtr faults);

// The config's rate, or its workload's default when unset (Workload::default_rate).
double EffectiveRate(const TestConfig& config);

// A child seed of `seed` for the part called `name` (every random choice of a run derives
// from the master seed this way).
uint64_t ChildSeed(uint64_t seed, const std::string& name);

}  // namespace coordcheck
