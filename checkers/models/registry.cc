// The registry of linearizability models, and the defaults and generic
// functions of LinModel (checkers/lin_model.h).
//
// Adding a model: write checkers/models/<name>.cc defining one LinModel, add
// that file to checkers/CMakeLists.txt and add one X(...) line below.
#include <algorithm>

#include "checkers/lin_model.h"

namespace coordcheck::lin {

// Every model, in the order `--help` lists them: one line each, naming the
// LinModel its file defines.
#define COORDCHECK_LIN_MODELS(X) \
  X(kRegisterModel)              \
  X(kCasRegisterModel)           \
  X(kKvModel)                    \
  X(kMutexModel)                 \
  X(kSetModel)                   \
  X(kQueueModel)                 \
  X(kCounterModel)               \
  X(kMultiRegisterModel)

#define COORDCHECK_DECLARE_LIN_MODEL(model) extern const LinModel model;
COORDCHECK_LIN_MODELS(COORDCHECK_DECLARE_LIN_MODEL)
#undef COORDCHECK_DECLARE_LIN_MODEL

const std::vector<const LinModel*>& AllLinModels() {
#define COORDCHECK_ADDRESS_OF(model) &model,
  static const std::vector<const LinModel*> models = {COORDCHECK_LIN_MODELS(COORDCHECK_ADDRESS_OF)};
#undef COORDCHECK_ADDRESS_OF
  return models;
}

const LinModel* FindLinModel(std::string_view name) {
  for (const LinModel* m : AllLinModels()) {
    if (m->name == name ||
        std::find(m->aliases.begin(), m->aliases.end(), name) != m->aliases.end())
      return m;
  }
  return nullptr;
}

Status AnyInit(const Json&) { return Status::Ok(); }
Status AnyValue(int, const Op&, const Op*) { return Status::Ok(); }
bool NeverNoOp(int, const Op&) { return false; }
std::string NoStrongerClass(int, const Op&) { return ""; }
Status InitIsList(const Json& init) {
  if (!init.is_array()) return Status::Error("init must be a list");
  return Status::Ok();
}

int OpCode(const LinModel& model, std::string_view f) {
  for (const OpName& op : model.ops)
    if (op.f == f) return op.code;
  return -1;
}

std::string InfoClassKey(int code, const Json& value) {
  return std::to_string(code) + '\0' + value.dump();
}

Status ValidateOp(const LinModel& model, const Op& invoke, const Op* completion) {
  const int code = OpCode(model, invoke.f);
  if (code >= 0) return model.validate_op(code, invoke, completion);
  // The expected list names aliases together: "read/get, write/put".
  std::string expected;
  for (size_t i = 0; i < model.ops.size(); ++i) {
    const bool alias = i > 0 && model.ops[i].code == model.ops[i - 1].code;
    if (i > 0) expected += alias ? "/" : ", ";
    expected += model.ops[i].f;
  }
  return Status::Error("f \"" + invoke.f + "\" is not an operation of this model (expected " +
                       expected + ")");
}

}  // namespace coordcheck::lin
