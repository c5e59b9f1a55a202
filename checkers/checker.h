// Checker: judges a recorded history. Checkers read the history and nothing
// else from a run, so every checker also works offline on a saved history.
//
// Contract: Check() never throws for any valid History and never exceeds its
// budget by more than a small constant: running out of time or memory gives
// Validity::kUnknown with details saying which limit was hit — never a guess.
//
// Thread-safety: a Checker is immutable after construction; Check() may be
// called concurrently on different histories.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "history/history.h"

namespace coordcheck {

enum class Validity : uint8_t { kValid, kInvalid, kUnknown };

// "valid", "invalid", "unknown" — the JSON spelling used in results.json.
std::string_view ValidityName(Validity v);
// Jepsen's merge: invalid beats unknown beats valid.
Validity MergeValidity(Validity a, Validity b);
// Jepsen's spelling of :valid? in JSON: true, false or "unknown".
Json ValidityToJson(Validity v);

// One thing a checker found wrong, as data: what reports link and junit.xml prints. The
// checker names the ops itself, so readers never guess them from `details`.
struct Anomaly {
  // (Every member has a default initializer, so {type, explanation, ops} is complete.)
  std::string type{};         // e.g. "overlap", "duplicate-charge", "not-linearizable"
  std::string explanation{};  // one or more sentences; ops written "op N"
  // The ops it names, by event index: an op's invoke, a lone nemesis event's own index.
  std::vector<int64_t> ops{};
  // When it happened, in history time (Op::time_ns); both set or neither.
  std::optional<int64_t> start_ns{}, end_ns{};

  // {"type", "explanation", "ops": [...], "interval_ns": [start, end] (only when known)}.
  Json ToJson() const;
  // Sets the interval to span `ops`: from the earliest invoke to the latest completion (an op
  // never completed counts by its invoke). `partners` is history.Partners(). Unchanged when
  // no op is in the history.
  void SpanOps(const History& history, const std::vector<int64_t>& partners);
};

struct CheckResult {
  Validity valid = Validity::kUnknown;
  Json details = Json::object();  // checker-specific; see each checker's header
  std::string summary;            // one or two lines for the terminal
  // What was found wrong, in the checker's order; a checker may list fewer than it counts
  // (details say how many). Empty when valid or unknown.
  std::vector<Anomaly> anomalies;

  // The contract results.json readers (reports/, junit.xml) rely on:
  // {"valid": true | false | "unknown", "verdict": "valid" | "invalid" | "unknown",
  //  "summary": ..., "details": ...,
  //  "anomalies": [{"type", "explanation", "ops": [event index, ...],
  //                 "interval_ns": [start_ns, end_ns] (only when known)}, ...]}
  // "anomalies" is always written (empty when none); its absence marks a result written
  // before anomalies were typed. A composed result keeps each part's anomalies in that
  // part's JSON (details."<name>".anomalies) and has none of its own.
  Json ToJson() const;

  // Makes this result unknown: details "reason" (e.g. "error", "time-limit") and "message",
  // summary "unknown: <message>". Returns *this.
  CheckResult& SetUnknown(const std::string& reason, const std::string& message);
};

// Budget for one Check() call.
struct CheckBudget {
  std::chrono::milliseconds time_limit{0};  // 0 = unlimited
  uint64_t memory_limit_bytes = 0;          // 0 = unlimited; bounds the checker's own search state
  int threads = 0;                          // 0 = all cores

  // When a check that starts now must stop: now + time_limit, or time_point::max() when
  // unlimited.
  std::chrono::steady_clock::time_point DeadlineFromNow() const;

  // A time limit given in seconds (flags, configs): 0 = unlimited; any positive value is at
  // least 1 ms, rounded up, so that a tiny limit stays a limit.
  static std::chrono::milliseconds TimeLimitOf(double seconds);
};

class Checker {
 public:
  virtual ~Checker() = default;
  virtual std::string name() const = 0;
  virtual CheckResult Check(const History& history, const CheckBudget& budget) const = 0;
};

// A checker as `list` and `check --checker` know it: its name, one line of description, and
// how to make one with its defaults.
struct CheckerInfo {
  std::string name;
  std::string description;
  std::function<std::unique_ptr<Checker>()> make;
};

// The checkers that belong to no workload (checkers/checker.cc): linearizable, with its
// default model (cas-register; `check --model` picks another).
const std::vector<CheckerInfo>& GenericCheckers();

// Runs every checker (sequentially) and merges verdicts: invalid > unknown > valid.
// details = {"<name>": <that checker's result JSON>, ...}.
class ComposeChecker final : public Checker {
 public:
  explicit ComposeChecker(std::vector<std::unique_ptr<Checker>> checkers);
  std::string name() const override { return "compose"; }
  CheckResult Check(const History& history, const CheckBudget& budget) const override;

 private:
  std::vector<std::unique_ptr<Checker>> checkers_;
};

}  // namespace coordcheck
