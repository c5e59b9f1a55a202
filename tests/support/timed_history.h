// TimedHistory: writes histories by hand in tests, one event per call, each at an explicit
// time (ms since the test started) — for tests of what times mean (report timelines,
// availability windows). HistoryBuilder (history_builder.h) numbers times by position instead.
//
// Contract: events are appended in call order with their index set; nothing is validated
// (call History::Validate() on the result).
//
// Thread-safety: none; one per test.
#pragma once

#include <cstdint>
#include <string>

#include "history/history.h"

namespace coordcheck::test {

class TimedHistory {
 public:
  TimedHistory& Add(double t_ms, int64_t process, OpType type, const std::string& f,
                    Json value = nullptr, Json error = nullptr, Json key = nullptr);
  TimedHistory& Nemesis(double t_ms, OpType type, const std::string& f, Json value = nullptr);
  History& history() { return history_; }

 private:
  History history_;
};

}  // namespace coordcheck::test
