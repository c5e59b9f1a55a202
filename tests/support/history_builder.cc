#include "tests/support/history_builder.h"

#include <cassert>
#include <utility>

namespace coordcheck::test {

namespace {

Op MakeOp(int64_t index, int64_t process, OpType type, std::string f, Json key, Json value) {
  Op op;
  op.index = index;
  op.time_ns = 1000 * (index + 1);
  op.process = process;
  op.type = type;
  op.f = std::move(f);
  op.key = std::move(key);
  op.value = std::move(value);
  return op;
}

}  // namespace

HistoryBuilder& HistoryBuilder::Invoke(int64_t process, const std::string& f, Json value,
                                       Json key) {
  assert(process >= 0);
  assert(open_.count(process) == 0 && "process already has an outstanding invoke");
  open_[process] = next_index();
  history_.Append(
      MakeOp(next_index(), process, OpType::kInvoke, f, std::move(key), std::move(value)));
  return *this;
}

HistoryBuilder& HistoryBuilder::Ok(int64_t process, std::optional<Json> value) {
  return Complete(process, OpType::kOk, value ? &*value : nullptr);
}

HistoryBuilder& HistoryBuilder::Fail(int64_t process) {
  return Complete(process, OpType::kFail, nullptr);
}

HistoryBuilder& HistoryBuilder::Info(int64_t process) {
  return Complete(process, OpType::kInfo, nullptr);
}

HistoryBuilder& HistoryBuilder::Nemesis(const std::string& f, Json value) {
  history_.Append(
      MakeOp(next_index(), kNemesisProcess, OpType::kInfo, f, nullptr, std::move(value)));
  return *this;
}

HistoryBuilder& HistoryBuilder::Complete(int64_t process, OpType type, const Json* value) {
  auto it = open_.find(process);
  assert(it != open_.end() && "completion without an outstanding invoke");
  const Op& invoke = history_.ops[static_cast<size_t>(it->second)];
  Json result = value != nullptr ? *value : invoke.value;
  Op op = MakeOp(next_index(), process, type, invoke.f, invoke.key, std::move(result));
  open_.erase(it);
  history_.Append(std::move(op));
  return *this;
}

}  // namespace coordcheck::test
