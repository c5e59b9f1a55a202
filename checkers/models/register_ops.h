// The step shared by the register family: register (read, write),
// cas-register (+ cas) and kv (+ append, and the get/put aliases). Each of
// those models' files names the subset of these ops it accepts, its init and
// its help; this is their one ScalarModel spec (partition_model.h). The
// state is the register's value id.
//
// Thread-safety: plain functions.
#pragma once

#include <optional>
#include <string>

#include "checkers/models/partition_model.h"

namespace coordcheck::lin {

struct RegisterOps {
  enum Code : int { kRead, kWrite, kCas, kAppend };

  struct Compiled {
    Code fn = kRead;
    bool known = false;  // an ok op (a read's result is known)
    int32_t a = 0;       // read: value read; write: value; cas: expected; append: suffix
    int32_t b = 0;       // cas: new value
  };

  static Compiled Compile(int code, const Op& invoke, const Op* ok, HashedValues& values) {
    Compiled op;
    op.fn = static_cast<Code>(code);
    op.known = ok != nullptr;
    if (op.fn == kRead) {
      op.a = ok != nullptr ? values.Intern(ok->value) : 0;
    } else if (op.fn == kCas) {
      op.a = values.Intern(invoke.value[0]);
      op.b = values.Intern(invoke.value[1]);
    } else {
      op.a = values.Intern(invoke.value);
    }
    return op;
  }

  static int32_t Step(int32_t state, const Compiled& op, HashedValues& values) {
    switch (op.fn) {
      case kRead:
        return !op.known || state == op.a ? state : -1;
      case kWrite:
        return op.a;
      case kCas:
        return state == op.a ? op.b : -1;
      case kAppend:
        return values.Append(state, op.a);
    }
    return -1;
  }

  static bool DeterminedByState(const Compiled& op) { return op.fn != kAppend; }
  // Reads, and a cas from a value to itself.
  static bool ReadOnly(const Compiled& op) {
    return (op.fn == kRead && op.known) || (op.fn == kCas && op.a == op.b);
  }
  static uint8_t Role(const Compiled& op) {
    if (op.fn == kAppend) return kGrowerRole;
    if (op.fn == kRead && op.known) return kReaderRole;
    return kOtherRole;
  }
  static bool MayGrowInto(int32_t state, const Compiled& reader, HashedValues& values) {
    return values.IsPrefixOf(state, reader.a);
  }

  // LinModel functions of the family.
  // The initial value of register and cas-register: null = no value.
  static Json Initial(const std::optional<Json>& init, const Json&) {
    return init ? *init : Json();
  }
  static Status ValidateOp(int code, const Op& invoke, const Op*) {
    if (code == kCas && !(invoke.value.is_array() && invoke.value.size() == 2))
      return Status::Error("cas value must be [expected, new], got " + invoke.value.dump());
    if (code == kAppend && !invoke.value.is_string())
      return Status::Error("append value must be a string, got " + invoke.value.dump());
    return Status::Ok();
  }
  static bool InfoIsNoOp(int code, const Op&) { return code == kRead; }
  // A write of v stands in for a cas [a, v].
  static std::string StrongerClass(int code, const Op& invoke) {
    return code == kCas ? InfoClassKey(kWrite, invoke.value[1]) : "";
  }
};

}  // namespace coordcheck::lin
