// Workload: what clients do and how the result is judged — the generator of the main
// phase, the final phase's generator (final reads), and the checker. Workloads are
// target-independent: any target whose Client understands the workload's ops can run it
// (Target::workloads() says which).
//
// Thread-safety: Workload objects are immutable.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checkers/checker.h"
#include "generators/generator.h"
#include "harness/test_config.h"

namespace coordcheck {

class Target;

struct WorkloadParts {
  // Client ops of the main phase (unbounded; the run adds rate and time limits).
  gen::GenPtr generator;
  // The final phase, given the keys the main phase used (null = no final phase).
  std::function<gen::GenPtr(const std::vector<Json>& keys)> final_generator;
  // Judges the whole history.
  std::unique_ptr<Checker> checker;
};

class Workload {
 public:
  virtual ~Workload() = default;
  virtual std::string name() const = 0;
  virtual std::string description() const = 0;
  // The checkers it runs, for `coordcheck list`.
  virtual std::vector<std::string> checkers() const = 0;
  // Fills in what the workload decides per target (the lock workload's resource mode when
  // the config leaves it open). Called before the run records its config.
  virtual void Resolve(TestConfig* config, const Target& target) const {
    (void)config;
    (void)target;
  }
  // The first problem with the config's workload fields (workload_options, keys), or nullopt.
  virtual std::optional<std::string> Validate(const TestConfig& config) const = 0;
  // Whether its clients take client pauses (the "client-pause" nemesis family).
  virtual bool has_client_pauses() const { return false; }
  // How long each client pause lasts (ms), for the fault schedule.
  virtual int64_t client_pause_ms(const TestConfig& config) const {
    (void)config;
    return 0;
  }
  // Figures worth a column in a comparison table, from a finished run's checker details
  // (results.json "checkers"), and their names in column order; none by default.
  virtual Json Figures(const TestConfig& config, const Json& checkers) const {
    (void)config;
    (void)checkers;
    return Json::object();
  }
  virtual std::vector<std::string> figure_names() const { return {}; }
  virtual WorkloadParts Make(const TestConfig& config, uint64_t seed) const = 0;
};

// The main phase as a run composes it: the workload's client ops, paced to config.rate
// with a stagger seeded from `seed`, routed to client threads, alongside the fault schedule
// on the nemesis thread, all cut at config.time_limit_s.
gen::GenPtr ComposeMainPhase(const TestConfig& config, const WorkloadParts& parts, uint64_t seed,
                             gen::GenPtr faults);

const std::vector<const Workload*>& AllWorkloads();
const Workload* FindWorkload(const std::string& name);
// "register, ..." for messages.
std::string WorkloadNames();

}  // namespace coordcheck
