// Workload: what clients do and how the history is judged, after Jepsen's one-namespace
// workloads (tests/bank.clj): one folder per workload, workloads/<name>/, holds its ops
// (ops.h: the contract with the clients that run it), its options, its generator, its own
// checkers, its figures and the Workload value; workloads/registry.cc lists the workloads,
// one line each.
//
// Workloads are target-independent: a target can run a workload when its Client understands
// every op the workload's clients issue (Workload::client_ops ⊆ Target::client_ops).
//
// Thread-safety: Workload objects are immutable.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/options.h"
#include "base/status.h"
#include "checkers/checker.h"
#include "generators/generator.h"

namespace coordcheck {

class Target;

// What a workload reads of a test's config.
struct WorkloadConfig {
  Json options = Json::object();  // the workload's own options (TestConfig::workload_options)
  int concurrency = 5;            // client threads
  // Independent keys: client threads per key and ops per key before a fresh key.
  int threads_per_key = 5;
  int ops_per_key = 200;
};

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
  // The ops its clients issue: a target runs it when its Client understands all of them.
  virtual std::vector<std::string> client_ops() const = 0;
  // Its checkers, in the order it runs them.
  virtual std::vector<CheckerInfo> checkers() const = 0;
  // Its options (WorkloadConfig::options): names, types, ranges, defaults, docs.
  virtual std::vector<OptionDoc> options() const { return {}; }
  // The first problem with the config (its options, the key layout), naming the field.
  virtual Status Validate(const WorkloadConfig& config) const = 0;
  // Fills in options whose default depends on the target and its bug ("" = none; the lock
  // workload's resource mode); called before the run records its config. Default: none.
  virtual void ResolveOptions(Json* options, const Target& target, const std::string& bug) const {
    (void)options;
    (void)target;
    (void)bug;
  }
  // The total op rate (ops/s over all clients; 0 = as fast as they go) of a run that does not
  // set one (TestConfig::rate). Default 200; a workload whose checker needs overlapping ops
  // says why it differs.
  static constexpr double kDefaultRate = 200;
  virtual double default_rate() const { return kDefaultRate; }
  // Whether its checkers find more when clients' ops on one key overlap, so that a run with
  // little overlap gets a note saying so (checkers/concurrency.h). Default true.
  virtual bool overlap_matters() const { return true; }
  // How long the client pauses of the "client-pause" fault family last (ms), or 0 when its
  // clients take none.
  virtual int64_t client_pause_ms(const Json& options) const {
    (void)options;
    return 0;
  }
  // Figures worth a column in a comparison table, from a finished run's checker results
  // (results.json "checkers"), and their names in column order; none by default.
  virtual Json Figures(const Json& options, const Json& checker_results) const {
    (void)options;
    (void)checker_results;
    return Json::object();
  }
  virtual std::vector<std::string> figure_names() const { return {}; }
  // The generators and the checker of one run. `config` has passed Validate.
  virtual WorkloadParts Make(const WorkloadConfig& config, uint64_t seed) const = 0;
};

// The config of a workload of independent keys without options of its own: threads_per_key
// divides the concurrency, and no workload options are given.
Status ValidateIndependentKeys(const WorkloadConfig& config, const std::string& workload);

// A figure a workload takes from its checkers' results: details[key] of checker `checker`,
// shown as `as`.
struct FigureSource {
  const char* checker;
  const char* key;
  const char* as;
};
// The figures of `sources` the results have, by their `as` names.
Json CopyFigures(const Json& checker_results, const std::vector<FigureSource>& sources);
// The `as` names of `sources`, in order.
std::vector<std::string> FigureNames(const std::vector<FigureSource>& sources);
// The checkers of `infos`, composed (ComposeChecker), each made with its defaults.
std::unique_ptr<Checker> ComposeCheckers(const std::vector<CheckerInfo>& infos);

// Whether `target`'s Client understands every op `workload`'s clients issue.
bool CanRun(const Target& target, const Workload& workload);

// The checker catalogue: the generic checkers (GenericCheckers), then every workload's own,
// each name once — what `list` shows and `check --checker` accepts.
std::vector<CheckerInfo> AllCheckers();

// Every workload (workloads/registry.cc), in a stable order.
const std::vector<const Workload*>& AllWorkloads();
// The workload called `name`, or nullptr.
const Workload* FindWorkload(const std::string& name);
// "register, lock, ..." for messages.
std::string WorkloadNames();

}  // namespace coordcheck
