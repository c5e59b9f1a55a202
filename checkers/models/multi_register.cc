// multi-register: transactions of reads and writes over named registers.
// Init {register: value}; registers not named start null. The state is one
// value id per register, in order of first mention.
#include <unordered_map>

#include "checkers/models/partition_model.h"

namespace coordcheck::lin {
namespace {

// A micro-op of a txn: ["read"|"write", register, value].
bool IsMicroOp(const Json& m) {
  return m.is_array() && m.size() == 3 && m[0].is_string() && (m[0] == "read" || m[0] == "write") &&
         (m[1].is_string() || m[1].is_number_integer());
}

bool HasWrite(const Json& txn) {
  for (const Json& m : txn)
    if (m[0] == "write") return true;
  return false;
}

class MultiRegister {
 public:
  enum Code : int { kTxn };
  struct Compiled {
    bool known = false;         // an ok txn
    std::vector<int64_t> args;  // triples (is_write, register, value id)
  };

  std::vector<int64_t> Init(const std::optional<Json>& init, HashedValues& values) {
    std::vector<int64_t> s;
    if (!init) return s;
    for (const auto& [k, v] : init->items()) {
      const size_t r = Register(k);
      if (s.size() <= r) s.resize(r + 1, 0);
      s[r] = values.Intern(v);
    }
    return s;
  }
  // Reads of an info txn are dropped.
  Compiled Compile(int, const Op& invoke, const Op* ok, HashedValues& values) {
    Compiled op{ok != nullptr, {}};
    for (const Json& m : ok != nullptr ? ok->value : invoke.value) {
      const bool write = m[0] == "write";
      if (!write && ok == nullptr) continue;
      op.args.push_back(write ? 1 : 0);
      op.args.push_back(
          static_cast<int64_t>(Register(m[1].is_string() ? m[1].get<std::string>() : m[1].dump())));
      op.args.push_back(values.Intern(m[2]));
    }
    return op;
  }
  // Registers first seen in ops start null.
  void Prepare(std::vector<int64_t>& init) const {
    if (init.size() < registers_.size()) init.resize(registers_.size(), 0);
  }
  bool Step(const Compiled& op, std::vector<int64_t>& s) const {
    for (size_t i = 0; i + 2 < op.args.size(); i += 3) {
      const size_t r = static_cast<size_t>(op.args[i + 1]);
      if (s.size() <= r) s.resize(registers_.size(), 0);
      if (op.args[i] == 1) {
        s[r] = op.args[i + 2];
      } else if (s[r] != op.args[i + 2]) {
        return false;
      }
    }
    return true;
  }
  Json Describe(const std::vector<int64_t>& s, const HashedValues& values) const {
    Json out = Json::object();
    for (size_t r = 0; r < registers_.size(); ++r)
      out[registers_[r]] = r < s.size() ? values.Describe(static_cast<int32_t>(s[r])) : Json();
    return out;
  }
  static bool DeterminedByState(const Compiled&) { return false; }
  // A txn of reads only.
  static bool ReadOnly(const Compiled& op) {
    if (!op.known) return false;
    for (size_t i = 0; i < op.args.size(); i += 3)
      if (op.args[i] == 1) return false;
    return true;
  }

 private:
  size_t Register(const std::string& name) {
    auto [it, inserted] = register_ids_.try_emplace(name, registers_.size());
    if (inserted) registers_.push_back(name);
    return it->second;
  }

  std::unordered_map<std::string, size_t> register_ids_;
  std::vector<std::string> registers_;
};

Status ValidateInit(const Json& init) {
  if (!init.is_object())
    return Status::Error("multi-register init must be an object {register: value}");
  return Status::Ok();
}

Status ValidateOp(int, const Op& invoke, const Op* ok) {
  const Json& in = invoke.value;
  const Json& v = ok != nullptr ? ok->value : in;
  if (!v.is_array())
    return Status::Error("txn value must be a list of [f, key, value], got " + v.dump());
  for (const Json& m : v)
    if (!IsMicroOp(m))
      return Status::Error("txn micro-op must be [\"read\"|\"write\", key, value], got " +
                           m.dump());
  if (ok != nullptr && v.size() != in.size() && !in.is_null())
    return Status::Error("txn completion has " + std::to_string(v.size()) +
                         " micro-ops, invoke had " + std::to_string(in.size()));
  return Status::Ok();
}

bool InfoIsNoOp(int, const Op& invoke) { return !HasWrite(invoke.value); }

}  // namespace

extern const LinModel kMultiRegisterModel{
    .name = "multi-register",
    .summary = "registers read and written by transactions",
    .help =
        "txn: [[\"read\"|\"write\", register, v], ...]; reads return values in the\n"
        "ok completion. Init {register: value}; registers not named start null.",
    .ops = {{"txn", MultiRegister::kTxn}},
    .make = &MakeVectorModel<MultiRegister>,
    .validate_init = &ValidateInit,
    .validate_op = &ValidateOp,
    .info_is_no_op = &InfoIsNoOp,
};

}  // namespace coordcheck::lin
