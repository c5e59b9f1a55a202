#include "tests/support/brute_force.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

namespace coordcheck::test {

namespace {

// One client operation, paired here (not with History::Partners, to stay
// independent of the code under test).
struct RefOp {
  int64_t invoke = -1;
  int64_t complete = -1;          // completion position, -1 when never completed
  OpType type = OpType::kInvoke;  // kOk, kFail, kInfo; kInvoke = still pending
  std::string f;
  std::string key;  // WitnessKey
  Json in;          // invoke value
  Json out;         // completion value
  bool ok() const { return type == OpType::kOk; }
};

// a must come before b in every linearization: a completed ok before b began.
// Info and pending ops have no bound, whatever their completion event says.
bool Precedes(const RefOp& a, const RefOp& b) {
  return a.ok() && a.complete >= 0 && a.complete < b.invoke;
}

std::vector<RefOp> CollectOps(const History& history) {
  std::map<int64_t, size_t> open;  // process -> its outstanding op
  std::vector<RefOp> ops;
  for (size_t i = 0; i < history.size(); ++i) {
    const Op& e = history[i];
    if (e.process == kNemesisProcess) continue;
    if (e.type == OpType::kInvoke) {
      RefOp op;
      op.invoke = static_cast<int64_t>(i);
      op.f = e.f;
      op.key = WitnessKey(e);
      op.in = e.value;
      open[e.process] = ops.size();
      ops.push_back(std::move(op));
      continue;
    }
    auto it = open.find(e.process);
    if (it == open.end()) continue;  // not a valid history; nothing to pair
    RefOp& op = ops[it->second];
    op.complete = static_cast<int64_t>(i);
    op.type = e.type;
    op.out = e.value;
    open.erase(it);
  }
  return ops;
}

enum class Step : uint8_t { kOk, kInconsistent, kBadOp };

// The sequential specifications, on JSON states (see brute_force.h).
class RefModel {
 public:
  RefModel(std::string_view name, const std::optional<Json>& init) : name_(name) {
    if (name_ == "kv") {
      kv_init_ = init.has_value() && init->is_string() ? init->get<std::string>() : "";
      initial_ = Json::object();
    } else if (init.has_value()) {
      initial_ = *init;
    } else if (name_ == "mutex") {
      initial_ = false;
    } else if (name_ == "set" || name_ == "queue") {
      initial_ = Json::array();
    } else if (name_ == "counter") {
      initial_ = 0;
    } else if (name_ == "multi-register") {
      initial_ = Json::object();
    } else {
      initial_ = nullptr;  // register, cas-register: no value
    }
    if (name_ == "set") {
      Json sorted = Json::array();
      for (const Json& m : initial_) sorted.push_back(m);
      std::sort(sorted.begin(), sorted.end());
      sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
      initial_ = sorted;
    }
  }

  bool known() const {
    static const std::set<std::string> kNames = {
        "register", "cas-register", "kv", "mutex", "set", "queue", "counter", "multi-register"};
    return kNames.count(name_) > 0;
  }

  const Json& initial() const { return initial_; }

  // The state as VerifyWitness reports it.
  Json Describe(const Json& state, const std::string& key) const {
    if (name_ != "kv") return state;
    return state.contains(key) ? state[key] : Json(kv_init_);
  }

  // Applies `op`; checks its result when it is ok.
  Step Apply(Json* state, const RefOp& op) const {
    const bool check = op.ok();
    const std::string& f = op.f;
    if (name_ == "register" || name_ == "cas-register") {
      return Register(state, f, op.in, op.out, check);
    }
    if (name_ == "kv") {
      Json cur = state->contains(op.key) ? (*state)[op.key] : Json(kv_init_);
      std::string alias = f == "get" ? "read" : f == "put" ? "write" : f;
      if (alias == "append") {
        if (!cur.is_string() || !op.in.is_string()) return Step::kBadOp;
        (*state)[op.key] = cur.get<std::string>() + op.in.get<std::string>();
        return Step::kOk;
      }
      Step s = Register(&cur, alias, op.in, op.out, check);
      if (s == Step::kOk) (*state)[op.key] = cur;
      return s;
    }
    if (name_ == "mutex") {
      if (!state->is_boolean()) return Step::kBadOp;
      const bool held = state->get<bool>();
      if (f == "acquire") {
        if (held) return Step::kInconsistent;
        *state = true;
        return Step::kOk;
      }
      if (f == "release") {
        if (!held) return Step::kInconsistent;
        *state = false;
        return Step::kOk;
      }
      return Step::kBadOp;
    }
    if (name_ == "set") {
      if (f == "add") {
        auto pos = std::lower_bound(state->begin(), state->end(), op.in);
        if (pos == state->end() || *pos != op.in) state->insert(pos, op.in);
        return Step::kOk;
      }
      if (f == "read") {
        if (!check) return Step::kOk;
        if (!op.out.is_array()) return Step::kBadOp;
        Json seen = op.out;
        std::sort(seen.begin(), seen.end());
        return seen == *state ? Step::kOk : Step::kInconsistent;
      }
      return Step::kBadOp;
    }
    if (name_ == "queue") {
      if (f == "enqueue") {
        state->push_back(op.in);
        return Step::kOk;
      }
      if (f == "dequeue") {
        if (check) {
          if (op.out.is_null()) return state->empty() ? Step::kOk : Step::kInconsistent;
          if (state->empty() || (*state)[0] != op.out) return Step::kInconsistent;
        }
        if (!state->empty()) state->erase(state->begin());
        return Step::kOk;
      }
      return Step::kBadOp;
    }
    if (name_ == "counter") {
      if (!state->is_number_integer()) return Step::kBadOp;
      if (f == "add") {
        if (!op.in.is_number_integer()) return Step::kBadOp;
        *state = state->get<int64_t>() + op.in.get<int64_t>();
        return Step::kOk;
      }
      if (f == "read") {
        if (!check) return Step::kOk;
        return op.out == *state ? Step::kOk : Step::kInconsistent;
      }
      return Step::kBadOp;
    }
    if (name_ == "multi-register") {
      if (f != "txn" || !op.in.is_array()) return Step::kBadOp;
      if (check && (!op.out.is_array() || op.out.size() != op.in.size())) return Step::kBadOp;
      for (size_t i = 0; i < op.in.size(); ++i) {
        const Json& mop = op.in[i];
        if (!mop.is_array() || mop.size() != 3 || !mop[1].is_string()) return Step::kBadOp;
        const std::string k = mop[1].get<std::string>();
        if (mop[0] == "read") {
          if (!check) continue;
          const Json cur = state->contains(k) ? (*state)[k] : Json(nullptr);
          if (cur != op.out[i][2]) return Step::kInconsistent;
        } else if (mop[0] == "write") {
          (*state)[k] = mop[2];
        } else {
          return Step::kBadOp;
        }
      }
      return Step::kOk;
    }
    return Step::kBadOp;
  }

 private:
  static Step Register(Json* state, const std::string& f, const Json& in, const Json& out,
                       bool check) {
    if (f == "read") {
      return !check || out == *state ? Step::kOk : Step::kInconsistent;
    }
    if (f == "write") {
      *state = in;
      return Step::kOk;
    }
    if (f == "cas") {
      if (!in.is_array() || in.size() != 2) return Step::kBadOp;
      if (*state != in[0]) return Step::kInconsistent;
      *state = in[1];
      return Step::kOk;
    }
    return Step::kBadOp;
  }

  std::string name_;
  Json initial_;
  std::string kv_init_;
};

std::string Describe(const RefOp& op) {
  std::string s = "op at " + std::to_string(op.invoke) + " (" + op.f + " " + op.in.dump();
  if (op.ok()) s += " -> " + op.out.dump();
  return s + ")";
}

// Depth-first search over the orders of `chosen` that respect real time.
class Search {
 public:
  Search(const RefModel& model, const std::vector<const RefOp*>& chosen)
      : model_(model), ops_(chosen) {}

  bool Run(std::vector<int64_t>* order, std::string* error) {
    order_.clear();
    const bool found = Dfs(0, model_.initial());
    if (found) *order = order_;
    *error = error_;
    return found;
  }

 private:
  bool Dfs(uint32_t done, const Json& state) {
    if (!error_.empty()) return false;
    if (done == (1u << ops_.size()) - 1) return true;
    for (size_t x = 0; x < ops_.size(); ++x) {
      if (done & (1u << x)) continue;
      bool ready = true;
      for (size_t y = 0; y < ops_.size() && ready; ++y) {
        if (y != x && !(done & (1u << y)) && Precedes(*ops_[y], *ops_[x])) ready = false;
      }
      if (!ready) continue;
      Json next = state;
      const Step s = model_.Apply(&next, *ops_[x]);
      if (s == Step::kBadOp) {
        error_ = "model does not know " + Describe(*ops_[x]);
        return false;
      }
      if (s == Step::kInconsistent) continue;
      order_.push_back(ops_[x]->invoke);
      if (Dfs(done | (1u << x), next)) return true;
      order_.pop_back();
    }
    return false;
  }

  const RefModel& model_;
  std::vector<const RefOp*> ops_;
  std::vector<int64_t> order_;
  std::string error_;
};

}  // namespace

std::string WitnessKey(const Op& op) {
  if (op.key.is_null()) return "";
  if (op.key.is_string()) return op.key.get<std::string>();
  return op.key.dump();
}

BruteForceResult BruteForceCheck(const History& history, std::string_view model,
                                 const std::optional<Json>& init) {
  BruteForceResult result;
  const RefModel ref(model, init);
  if (!ref.known()) {
    result.error = "unknown model " + std::string(model);
    return result;
  }
  std::vector<RefOp> all = CollectOps(history);
  std::vector<const RefOp*> required;
  std::vector<const RefOp*> optional;
  for (const RefOp& op : all) {
    if (op.type == OpType::kFail) continue;
    (op.ok() ? required : optional).push_back(&op);
  }
  if (required.size() + optional.size() > static_cast<size_t>(kBruteForceMaxOps)) {
    result.error =
        "too many ops for brute force: " + std::to_string(required.size() + optional.size());
    return result;
  }
  for (uint32_t mask = 0; mask < (1u << optional.size()); ++mask) {
    std::vector<const RefOp*> chosen = required;
    for (size_t i = 0; i < optional.size(); ++i) {
      if (mask & (1u << i)) chosen.push_back(optional[i]);
    }
    Search search(ref, chosen);
    const bool found = search.Run(&result.order, &result.error);
    if (!result.error.empty()) return result;
    if (found) {
      result.valid = true;
      return result;
    }
  }
  result.valid = false;
  result.order.clear();
  return result;
}

std::optional<std::string> VerifyWitness(const History& history, std::string_view model,
                                         const std::optional<Json>& init, const std::string& key,
                                         const std::vector<int64_t>& order, WitnessKind kind,
                                         Json* final_state) {
  const RefModel ref(model, init);
  if (!ref.known()) return "unknown model " + std::string(model);
  std::vector<RefOp> all = CollectOps(history);
  std::map<int64_t, const RefOp*> by_invoke;  // ops of `key`
  for (const RefOp& op : all) {
    if (op.key == key) by_invoke[op.invoke] = &op;
  }
  const std::string where = "key \"" + key + "\": ";

  std::map<int64_t, size_t> position;  // invoke -> position in order
  for (size_t i = 0; i < order.size(); ++i) {
    auto it = by_invoke.find(order[i]);
    if (it == by_invoke.end()) {
      return where + "entry " + std::to_string(i) + " (" + std::to_string(order[i]) +
             ") is not the invoke of a client op of this key";
    }
    if (it->second->type == OpType::kFail) {
      return where + "entry " + std::to_string(i) + " is a fail " + Describe(*it->second);
    }
    if (!position.emplace(order[i], i).second) {
      return where + Describe(*it->second) + " appears twice";
    }
  }
  for (const auto& [invoke, op] : by_invoke) {
    if (kind == WitnessKind::kComplete && op->ok() && position.count(invoke) == 0) {
      return where + "ok " + Describe(*op) + " is missing";
    }
  }
  for (size_t i = 0; i < order.size(); ++i) {
    const RefOp& b = *by_invoke[order[i]];
    for (const auto& [invoke, a] : by_invoke) {
      if (!Precedes(*a, b)) continue;
      auto pos = position.find(invoke);
      if (pos == position.end()) {
        return where + Describe(*a) + " must precede " + Describe(b) + " but is missing";
      }
      if (pos->second > i) {
        return where + Describe(*a) + " completed before " + Describe(b) +
               " was invoked but comes after it";
      }
    }
  }
  Json state = ref.initial();
  for (int64_t invoke : order) {
    const RefOp& op = *by_invoke[invoke];
    const Json before = state;
    const Step s = ref.Apply(&state, op);
    if (s == Step::kBadOp) return where + "model does not know " + Describe(op);
    if (s == Step::kInconsistent) {
      return where + Describe(op) + " cannot take effect in state " +
             ref.Describe(before, key).dump();
    }
  }
  if (final_state != nullptr) *final_state = ref.Describe(state, key);
  return std::nullopt;
}

std::optional<std::string> VerifyWitnessDetails(const History& history, std::string_view model,
                                                const std::optional<Json>& init,
                                                const Json& witness) {
  if (!witness.is_object()) return "witness is not an object: " + witness.dump();
  std::set<std::string> keys;
  std::set<std::string> keys_with_ok;
  for (const RefOp& op : CollectOps(history)) {
    keys.insert(op.key);
    if (op.ok()) keys_with_ok.insert(op.key);
  }
  for (const std::string& k : keys_with_ok) {
    if (!witness.contains(k)) return "witness has no entry for key \"" + k + "\"";
  }
  for (auto it = witness.begin(); it != witness.end(); ++it) {
    if (!it.value().is_array()) return "witness of \"" + it.key() + "\" is not a list";
    std::vector<int64_t> order;
    for (const Json& i : it.value()) {
      if (!i.is_number_integer()) return "witness of \"" + it.key() + "\" has " + i.dump();
      order.push_back(i.get<int64_t>());
    }
    if (keys.count(it.key()) == 0 && !order.empty()) {
      return "witness names key \"" + it.key() + "\" which the history does not have";
    }
    if (auto error = VerifyWitness(history, model, init, it.key(), order)) return error;
  }
  return std::nullopt;
}

}  // namespace coordcheck::test
