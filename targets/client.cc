#include "targets/client.h"

#include <utility>

namespace coordcheck {

Op Complete(const Op& invoke, OpType type, Json value, Json error) {
  Op done = invoke;
  done.type = type;
  done.value = std::move(value);
  done.error = std::move(error);
  return done;
}

Op CompleteOk(const Op& invoke, Json value) {
  return Complete(invoke, OpType::kOk, std::move(value), nullptr);
}

Op CompleteFail(const Op& invoke, Json error) {
  return Complete(invoke, OpType::kFail, invoke.value, std::move(error));
}

Op CompleteInfo(const Op& invoke, Json error) {
  return Complete(invoke, OpType::kInfo, invoke.value, std::move(error));
}

}  // namespace coordcheck
