// The two integer forms a model's step runs in, as templates over the
// model's own step type (a "spec"), so the search (lin_search.h) is
// instantiated per model and its inner loop calls the step directly:
//
//   ScalarModel<Spec>: the state is one interned value (register family,
//     mutex). The spec steps value ids.
//   VectorModel<Spec>: the state is a small vector of ints (counter, set,
//     queue, multi-register). The spec's step is pure, on a vector; states
//     are interned and transitions cached here.
//
// Both fill in the Stepper functions a spec leaves out (one place for these
// defaults): no growers (Role = kOtherRole, MayGrowInto = true), no Scan, no
// Prepare, and DescribeState from the value table.
//
// Thread-safety: one partition model per thread (see PartitionModel).
#pragma once

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "checkers/lin_model.h"
#include "checkers/models/model_tables.h"

namespace coordcheck::lin {

// ScalarModel's spec: a type with
//   struct Compiled;  // one op, compiled
//   static Compiled Compile(int code, const Op& invoke, const Op* ok, HashedValues& values);
//   static int32_t Step(int32_t state, const Compiled& op, HashedValues& values);  // -1: disabled
//   static bool DeterminedByState(const Compiled& op);  // see the Stepper concept
//   static bool ReadOnly(const Compiled& op);
// and optionally, for the growth lookahead:
//   static uint8_t Role(const Compiled& op);
//   static bool MayGrowInto(int32_t state, const Compiled& reader, HashedValues& values);
template <class Spec>
class ScalarModel final : public PartitionModel {
 public:
  // `init` is the partition's initial value.
  explicit ScalarModel(const Json& init) : values_(&charge_), init_(values_.Intern(init)) {}

  void Scan(int, const Op&, const Op*) override {}
  void AddOp(int code, const Op& invoke, const Op* ok) override {
    ops_.push_back(Spec::Compile(code, invoke, ok, values_));
    if constexpr (kHasRoles) has_growers_ = has_growers_ || Spec::Role(ops_.back()) == kGrowerRole;
  }
  SearchResult Run(SearchProblem& problem, const SearchBudget& budget) override {
    charge_.Attach(budget.memory_used);
    problem.init_state = init_;
    return Search(problem, *this, budget);
  }
  Json DescribeState(int32_t state) const override { return values_.Describe(state); }

  // The Stepper concept (lin_search.h).
  int32_t Step(int32_t state, uint32_t id) { return Spec::Step(state, ops_[id], values_); }
  bool DeterminedByState(uint32_t id) const { return Spec::DeterminedByState(ops_[id]); }
  bool ReadOnly(uint32_t id) const { return Spec::ReadOnly(ops_[id]); }
  bool HasGrowers() const {
    if constexpr (kHasRoles) return has_growers_;
    return false;
  }
  uint8_t Role(uint32_t id) const {
    if constexpr (kHasRoles) return Spec::Role(ops_[id]);
    return kOtherRole;
  }
  bool MayGrowInto(int32_t state, uint32_t reader) {
    if constexpr (kHasRoles) return Spec::MayGrowInto(state, ops_[reader], values_);
    return true;
  }

 private:
  static constexpr bool kHasRoles = requires(const typename Spec::Compiled& op) { Spec::Role(op); };

  MemoryCharge charge_;  // before values_: it reports to it
  HashedValues values_;
  int32_t init_;
  bool has_growers_ = false;
  std::vector<typename Spec::Compiled> ops_;
};

// VectorModel's spec: a class (one object per partition, for tables such as
// register names) with
//   struct Compiled;
//   std::vector<int64_t> Init(const std::optional<Json>& init, HashedValues& values);
//   Compiled Compile(int code, const Op& invoke, const Op* ok, HashedValues& values);
//   bool Step(const Compiled& op, std::vector<int64_t>& s) const;  // the pure step, in place;
//                                                                  // false: disabled
//   Json Describe(const std::vector<int64_t>& s, const HashedValues& values) const;
//   static bool DeterminedByState(const Compiled& op);
//   static bool ReadOnly(const Compiled& op);
// and optionally
//   void Scan(int code, const Op& invoke, const Op* ok, HashedValues& values);
//   void Prepare(std::vector<int64_t>& init) const;  // the initial state, just before the search
template <class Spec>
class VectorModel final : public PartitionModel {
 public:
  explicit VectorModel(const std::optional<Json>& init)
      : values_(&charge_), states_(&charge_), transitions_(&charge_) {
    init_ = states_.Intern(spec_.Init(init, values_));
  }

  void Scan(int code, const Op& invoke, const Op* ok) override {
    if constexpr (requires { spec_.Scan(code, invoke, ok, values_); }) {
      spec_.Scan(code, invoke, ok, values_);
    }
  }
  void AddOp(int code, const Op& invoke, const Op* ok) override {
    ops_.push_back(spec_.Compile(code, invoke, ok, values_));
  }
  SearchResult Run(SearchProblem& problem, const SearchBudget& budget) override {
    charge_.Attach(budget.memory_used);
    if constexpr (requires(std::vector<int64_t> & s) { spec_.Prepare(s); }) {
      std::vector<int64_t> s = states_.Copy(init_);
      spec_.Prepare(s);
      init_ = states_.Intern(s);
    }
    problem.init_state = init_;
    return Search(problem, *this, budget);
  }
  Json DescribeState(int32_t state) const override {
    return spec_.Describe(states_.Copy(state), values_);
  }

  // The Stepper concept (lin_search.h).
  int32_t Step(int32_t state, uint32_t id) {
    const uint64_t k = (static_cast<uint64_t>(state) << 32) | id;
    const int32_t cached = transitions_.Find(k);
    if (cached != TransitionCache::kMissing) return cached;
    std::vector<int64_t> s = states_.Copy(state);
    const int32_t next = spec_.Step(ops_[id], s) ? states_.Intern(s) : -1;
    transitions_.Put(k, next);
    return next;
  }
  bool DeterminedByState(uint32_t id) const { return Spec::DeterminedByState(ops_[id]); }
  bool ReadOnly(uint32_t id) const { return Spec::ReadOnly(ops_[id]); }
  bool HasGrowers() const { return false; }
  uint8_t Role(uint32_t) const { return kOtherRole; }
  bool MayGrowInto(int32_t, uint32_t) const { return true; }

 private:
  MemoryCharge charge_;  // before the tables that report to it
  HashedValues values_;
  StatePool states_;
  TransitionCache transitions_;
  Spec spec_;
  std::vector<typename Spec::Compiled> ops_;
  int32_t init_ = 0;
};

// LinModel::make for a ScalarModel starting from `kInitial(init, key)`.
template <class Spec, Json (*kInitial)(const std::optional<Json>& init, const Json& key)>
std::unique_ptr<PartitionModel> MakeScalarModel(const std::optional<Json>& init, const Json& key) {
  return std::make_unique<ScalarModel<Spec>>(kInitial(init, key));
}

// LinModel::make for a VectorModel.
template <class Spec>
std::unique_ptr<PartitionModel> MakeVectorModel(const std::optional<Json>& init, const Json&) {
  return std::make_unique<VectorModel<Spec>>(init);
}

}  // namespace coordcheck::lin
