// mutex (alias lock): acquire needs the lock free, release needs it held.
// The state is the value false (free) or true (held).
#include "checkers/models/partition_model.h"

namespace coordcheck::lin {
namespace {

struct MutexOps {
  enum Code : int { kAcquire, kRelease };
  struct Compiled {
    int32_t from = 0, to = 0;  // the one state the op is enabled in, and its next state
  };

  static Compiled Compile(int code, const Op&, const Op*, HashedValues& values) {
    const int32_t free = values.Intern(false), held = values.Intern(true);
    return code == kAcquire ? Compiled{free, held} : Compiled{held, free};
  }
  static int32_t Step(int32_t state, const Compiled& op, HashedValues&) {
    return state == op.from ? op.to : -1;
  }
  static bool DeterminedByState(const Compiled&) { return true; }  // enabled in one state
  static bool ReadOnly(const Compiled&) { return false; }
};

Json Initial(const std::optional<Json>& init, const Json&) { return init ? *init : Json(false); }

Status ValidateInit(const Json& init) {
  if (!init.is_boolean()) return Status::Error("mutex init must be false (free) or true (held)");
  return Status::Ok();
}

}  // namespace

extern const LinModel kMutexModel{
    .name = "mutex",
    .aliases = {"lock"},
    .summary = "a lock: acquire and release",
    .help =
        "acquire, release (value ignored, e.g. a fencing token). acquire needs\n"
        "the lock free, release needs it held. Init false (free) or true.",
    .ops = {{"acquire", MutexOps::kAcquire},
            {"lock", MutexOps::kAcquire},
            {"release", MutexOps::kRelease},
            {"unlock", MutexOps::kRelease}},
    .make = &MakeScalarModel<MutexOps, &Initial>,
    .validate_init = &ValidateInit,
};

}  // namespace coordcheck::lin
