// A sequential model for the linearizability checker, as a value (Porcupine's
// Model): a name and help text, the model's operations, and a handful of plain
// functions — validate, init + step + describe (behind `make`, compiled to
// integer form), whether an info op can be dropped, and the register view for
// the stale-read proof. Every model is one file in checkers/models/ defining
// one LinModel; checkers/models/registry.cc lists them, one line each.
//
// Contract: a model's functions are pure (no state between calls) and never
// throw on input its validate functions accepted. Optional functions default
// to the in-class initializers below — the one place defaults live.
//
// Integer form: a PartitionModel holds the ops of one partition (key) of one
// check, each parsed once into a small struct; states are ids (interned
// values). Its Run instantiates the search (lin_search.h) with the model's own
// step function as a template argument, so the search's inner loop makes no
// virtual call (checkers/models/partition_model.h).
//
// Thread-safety: LinModel values are immutable and shared. A PartitionModel is
// built and searched by one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "checkers/lin_search.h"
#include "history/op.h"

namespace coordcheck::lin {

// The ops of one partition, compiled, with the search over them.
class PartitionModel {
 public:
  virtual ~PartitionModel() = default;
  // Called for every op of the partition before any AddOp, so a model can
  // learn which values are ever observed. `code` is the op's OpName::code;
  // `ok` its ok completion or nullptr for an info/pending op.
  virtual void Scan(int code, const Op& invoke, const Op* ok) = 0;
  // Adds an op (already validated). Op ids are assigned 0, 1, ... in call order.
  virtual void AddOp(int code, const Op& invoke, const Op* ok) = 0;
  // Runs the search; problem.init_state is filled in here.
  virtual SearchResult Run(SearchProblem& problem, const SearchBudget& budget) = 0;
  virtual Json DescribeState(int32_t state) const = 0;
};

// One accepted f and the model's code for it; aliases share a code.
struct OpName {
  std::string_view f;
  int code;
};

// Default functions of a LinModel (see its fields).
Status AnyInit(const Json& init);
Status AnyValue(int code, const Op& invoke, const Op* completion);
bool NeverNoOp(int code, const Op& invoke);
std::string NoStrongerClass(int code, const Op& invoke);
// A validate_init for models whose state is a list (set, queue).
Status InitIsList(const Json& init);

struct LinModel {
  std::string_view name;                       // as given to --model
  std::vector<std::string_view> aliases = {};  // other accepted names
  std::string_view summary;                    // one line, for `coordcheck list`
  // Value conventions, for `coordcheck check --help`: lines after the first
  // are indented to line up under it (ModelHelp() adds the name column).
  std::string_view help;
  std::vector<OpName> ops;  // in the order the help and messages list them

  // A model of one partition (key), starting from `init` (validated; nullopt
  // = the model's default). Required.
  std::unique_ptr<PartitionModel> (*make)(const std::optional<Json>& init,
                                          const Json& key) = nullptr;

  // Optional functions; the defaults are given here only.
  // What is wrong with an initial state, as an error (ok = fine).
  Status (*validate_init)(const Json& init) = &AnyInit;
  // What is wrong with an op's values (its f is known: `code`), as an error;
  // `completion` is its ok completion, or nullptr when checking the invoke alone.
  Status (*validate_op)(int code, const Op& invoke, const Op* completion) = &AnyValue;
  // True when an info op can never change the state (a read): it is dropped.
  bool (*info_is_no_op)(int code, const Op& invoke) = &NeverNoOp;
  // The info class (InfoClassKey) of a stronger op that stands in for this
  // info op wherever it is enabled, with the same result; "" = none.
  std::string (*stronger_class)(int code, const Op& invoke) = &NoStrongerClass;
  // Ops are checked per "key" (P-compositionality); false: one partition.
  bool partition_by_key = true;
  // Register-like models (the stale-read proof applies): the initial value of
  // the partition with `key`; nullptr for other models.
  Json (*register_initial)(const std::optional<Json>& init, const Json& key) = nullptr;
};

// Every model, in the registry's order (checkers/models/registry.cc).
const std::vector<const LinModel*>& AllLinModels();
// The model with this name or alias, or nullptr.
const LinModel* FindLinModel(std::string_view name);

// The code of `f` in `model`, or -1 when the model has no such op.
int OpCode(const LinModel& model, std::string_view f);
// The class of an info op: ops with equal keys are interchangeable.
std::string InfoClassKey(int code, const Json& value);

// Checks one op against the model: f known, then validate_op. An error's
// message names what is wrong (without place).
Status ValidateOp(const LinModel& model, const Op& invoke, const Op* completion);

}  // namespace coordcheck::lin
