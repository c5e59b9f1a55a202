// HistoryBuilder: writes small histories by hand in tests, one event per call.
//
// Each call appends one event; its index is its position and its time is
// 1000 * (index + 1) ns, so the event order is the real-time order. A
// completion copies `f` and `key` from the process's outstanding invoke, which
// keeps hand-written histories short:
//
//   HistoryBuilder b;
//   b.Invoke(0, "write", 1).Ok(0).Invoke(1, "read").Ok(1, 1);
//
// Contract: misuse (a completion with no outstanding invoke, a second invoke
// while one is outstanding) is a programmer error and asserts. The builder does
// not otherwise validate; call History::Validate() on the result to do so.
//
// Thread-safety: none; one builder per test.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "history/history.h"

namespace coordcheck::test {

class HistoryBuilder {
 public:
  // Starts an operation of `process` (>= 0). `value` is the argument (null for
  // reads); `key` is null when the op has no independent key.
  HistoryBuilder& Invoke(int64_t process, const std::string& f, Json value = nullptr,
                         Json key = nullptr);
  // Completes the outstanding op of `process`. Ok's `value` is the observed
  // result (nullopt: repeat the invoke's value, as for a write); Fail and Info
  // repeat the invoke's value.
  HistoryBuilder& Ok(int64_t process, std::optional<Json> value = std::nullopt);
  HistoryBuilder& Fail(int64_t process);
  HistoryBuilder& Info(int64_t process);
  // A lone nemesis info event (Jepsen records faults this way).
  HistoryBuilder& Nemesis(const std::string& f, Json value = nullptr);

  // Index the next event will get (handy for naming an op before writing it).
  int64_t next_index() const { return static_cast<int64_t>(history_.size()); }
  const History& history() const { return history_; }

 private:
  HistoryBuilder& Complete(int64_t process, OpType type, const Json* value);

  History history_;
  std::map<int64_t, int64_t> open_;  // process -> index of its outstanding invoke
};

}  // namespace coordcheck::test
