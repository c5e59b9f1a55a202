// Sequential models for the linearizability checker, compiled to compact
// integer form: values are interned to ids, states are ids, and each op of a
// partition is parsed once into a small struct before the search.
//
// A PartitionModel holds the ops of one partition (key) of one check; it is
// built and searched by one thread.
//
// Model value conventions are documented in ModelHelp() (linearizable.cc) and
// shared/HISTORY-FORMAT.md.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "checkers/lin_search.h"
#include "history/op.h"

namespace coordcheck::lin {

enum class ModelKind {
  kRegister,
  kCasRegister,
  kKv,
  kMutex,
  kSet,
  kQueue,
  kCounter,
  kMultiRegister
};

// Parses a model name (as in ModelNames()); false when unknown.
bool ParseModelKind(std::string_view name, ModelKind* kind);

// Checks one operation against the model's conventions. `completion` is the
// op's ok completion, or nullptr when it is info / pending. Returns a message
// naming what is wrong (without place).
std::optional<std::string> ValidateOp(ModelKind kind, const Op& invoke, const Op* completion);
// Checks an initial state for the model.
std::optional<std::string> ValidateInit(ModelKind kind, const Json& init);

class PartitionModel {
 public:
  virtual ~PartitionModel() = default;
  // True when an info op with this invoke can never change the state (a read),
  // so the checker may drop it.
  virtual bool InfoIsNoOp(const Op& invoke) const = 0;
  // Adds an op (already validated); `ok` is its ok completion or nullptr for an
  // info/pending op. Op ids are assigned 0, 1, ... in call order.
  virtual void AddOp(const Op& invoke, const Op* ok) = 0;
  // Called for every op of the partition before any AddOp, so a model can
  // learn which values are ever observed.
  virtual void Scan(const Op& /*invoke*/, const Op* /*ok*/) {}
  // Runs the search; problem.init_state is filled in here.
  virtual SearchResult Run(SearchProblem& problem, const SearchBudget& budget) = 0;
  virtual Json DescribeState(int32_t state) const = 0;
  // The class of an info op: ops with equal keys are interchangeable.
  virtual std::string InfoClassKey(const Op& invoke) const;
  // The class key of a stronger op that can stand in for this info op
  // wherever it is enabled, with the same result; empty when there is none.
  virtual std::string StrongerClassKey(const Op&) const { return ""; }
};

// The initial value of one key of a register, cas-register or kv partition:
// `init` if given (for kv, an object gives per-key values, missing keys ""),
// else null (registers) or "" (kv).
Json RegisterInitialValue(ModelKind kind, const std::optional<Json>& init, const Json& key);

// A model for one partition, starting from `init` (already validated; nullopt =
// the model's default). `key` is the partition's key (for kv's per-key init).
std::unique_ptr<PartitionModel> MakePartitionModel(ModelKind kind, const std::optional<Json>& init,
                                                   const Json& key);

}  // namespace coordcheck::lin
