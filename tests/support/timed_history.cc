#include "tests/support/timed_history.h"

#include <utility>

namespace coordcheck::test {

TimedHistory& TimedHistory::Add(double t_ms, int64_t process, OpType type, const std::string& f,
                                Json value, Json error, Json key) {
  Op op;
  op.time_ns = static_cast<int64_t>(t_ms * 1e6);
  op.process = process;
  op.type = type;
  op.f = f;
  op.value = std::move(value);
  op.error = std::move(error);
  op.key = std::move(key);
  history_.Append(std::move(op));
  return *this;
}

TimedHistory& TimedHistory::Nemesis(double t_ms, OpType type, const std::string& f, Json value) {
  return Add(t_ms, kNemesisProcess, type, f, std::move(value));
}

}  // namespace coordcheck::test
