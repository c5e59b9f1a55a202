// ResourceLog: the protected resource's own log, as the lock workload's final phase read it
// into the history (workloads/lock/ops.h), parsed once into typed entries for the
// mutual-exclusion and fencing checkers.
//
// Contract: FindResourceLog takes the last ok resource-log completion of the history (and the
// last ok resource-read, if any). Every entry must be an object with an integer "seq"
// (strictly increasing along the array), "kind" "read" or "write", a boolean "accepted", an
// integer "t_ns", and optionally "cs" (string, integer or null), "process" (integer or
// null), "fence" (integer or null) and "value" (integer or null). A malformed log is an
// error naming the event and the entry, never a guess.
//
// Thread-safety: plain functions and value types.
#pragma once

#include "checkers/checker_util.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "checkers/checker.h"
#include "history/history.h"

namespace coordcheck::lock_log {

struct Entry {
  int64_t seq = 0;
  std::string cs;  // "" when the request named no critical section (a final read)
  std::optional<int64_t> process;
  bool is_write = false;
  std::optional<int64_t> fence;
  std::optional<int64_t> value;  // read: the counter it returned; write: the value written
  bool accepted = false;
  int64_t t_ns = 0;  // the resource's own clock; comparable only within one log
};

struct ResourceLog {
  std::vector<Entry> entries;
  int64_t log_invoke = -1;  // history index of the resource-log's invoke
  int64_t log_index = -1;   // history index of the resource-log ok completion
  int64_t read_index = -1;  // history index of the resource-read ok completion, -1 if none
  std::optional<int64_t> final_counter;  // the resource-read's value, when there is one
};

// Why there is no log to check.
struct LogProblem {
  std::string reason;   // "no-resource-log", "bad-resource-log", "time-limit"
  std::string message;  // one sentence for the summary
};

// Parses the final resource-log (and resource-read) of `history`. `deadline` bounds the
// parse (time_point::max() = none).
std::optional<ResourceLog> FindResourceLog(const History& history,
                                           std::chrono::steady_clock::time_point deadline,
                                           LogProblem* problem);

// The entry as JSON for a checker's details: {"cs","process","fence","seq","t_ns"} (plus
// "value" when set).
Json EntryJson(const Entry& e);

// "3-7 (process 3)" or "3-7" when the process is unknown.
std::string DescribeCs(const Entry& e);
// Nanoseconds of the resource's clock as seconds with three decimals: "12.310 s".
std::string Seconds(int64_t t_ns);
// "fence 12" or "no fence".
std::string DescribeFence(const std::optional<int64_t>& fence);

// A critical section id as written in a value's "cs": a string, or an integer as its decimal;
// "" for anything else.
std::string CsId(const Json& cs);

// The history's client ops that ran each critical section, to name them in typed anomalies:
// the op (its invoke's index) whose invoke or completion value carries the cs id (the
// increment that ran it; the first such op when several do). Built once per check, and only
// when there is an anomaly to name.
class CsOps {
 public:
  explicit CsOps(const History& history);
  // The op of critical section `cs`, or -1 when no op carries it.
  int64_t Of(const std::string& cs) const;
  // Appends the ops of `cs_ids` to `a` (each once; unknown ones skipped).
  void Name(const std::vector<std::string>& cs_ids, Anomaly* a) const;
  // `a` dated by the overlap of its first two ops in history time (the later invoke to the
  // earlier completion), else by the span of all its ops (Anomaly::SpanOps).
  void DateOverlap(Anomaly* a) const;
  // `a` dated by the span of its ops.
  void DateSpan(Anomaly* a) const { a->SpanOps(history_, partners_); }

 private:
  const History& history_;
  std::vector<int64_t> partners_;
  std::unordered_map<std::string, int64_t> ops_;
};

using checker_util::kClockStride;
using checker_util::kMaxListed;
using checker_util::Plural;

}  // namespace coordcheck::lock_log
