// counter: add an integer delta, read the total. Init 0.
#include "checkers/models/partition_model.h"

namespace coordcheck::lin {
namespace {

class Counter {
 public:
  enum Code : int { kAdd, kRead };
  struct Compiled {
    Code fn = kAdd;
    bool known = false;  // an ok op
    int64_t arg = 0;     // add: delta; read: total read
  };

  std::vector<int64_t> Init(const std::optional<Json>& init, HashedValues&) {
    return {init ? init->get<int64_t>() : 0};
  }
  Compiled Compile(int code, const Op& invoke, const Op* ok, HashedValues&) {
    Compiled op{static_cast<Code>(code), ok != nullptr, 0};
    if (op.fn == kAdd) op.arg = invoke.value.get<int64_t>();
    if (op.fn == kRead && ok != nullptr) op.arg = ok->value.get<int64_t>();
    return op;
  }
  bool Step(const Compiled& op, std::vector<int64_t>& s) const {
    if (op.fn == kAdd) {
      s[0] += op.arg;
      return true;
    }
    return !op.known || s[0] == op.arg;
  }
  Json Describe(const std::vector<int64_t>& s, const HashedValues&) const { return s[0]; }
  static bool DeterminedByState(const Compiled& op) { return ReadOnly(op); }
  static bool ReadOnly(const Compiled& op) { return op.fn == kRead && op.known; }
};

Status ValidateInit(const Json& init) {
  if (!init.is_number_integer()) return Status::Error("counter init must be an integer");
  return Status::Ok();
}

Status ValidateOp(int code, const Op& invoke, const Op* ok) {
  if (code == Counter::kAdd && !invoke.value.is_number_integer())
    return Status::Error("a counter add's value must be an integer delta, got " +
                         invoke.value.dump());
  if (code == Counter::kRead && ok != nullptr && !ok->value.is_number_integer())
    return Status::Error("a counter read's ok value must be an integer, got " + ok->value.dump());
  return Status::Ok();
}

bool InfoIsNoOp(int code, const Op&) { return code == Counter::kRead; }

}  // namespace

extern const LinModel kCounterModel{
    .name = "counter",
    .summary = "a counter: add deltas, read the total",
    .help = "add: integer delta; read: null -> integer. Init 0.",
    .ops = {{"add", Counter::kAdd}, {"read", Counter::kRead}},
    .make = &MakeVectorModel<Counter>,
    .validate_init = &ValidateInit,
    .validate_op = &ValidateOp,
    .info_is_no_op = &InfoIsNoOp,
};

}  // namespace coordcheck::lin
