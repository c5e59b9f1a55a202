// Linearizability checker: is there a total order of the history's operations,
// consistent with real time, in which each op's result is what a sequential
// model gives? (Herlihy & Wing; the search follows Wing & Gong with Lowe's
// just-in-time linearization and a memo of visited configurations.)
//
// Semantics (shared/HISTORY-FORMAT.md):
// - `fail` ops did not happen and are dropped;
// - `info` ops, and invokes that never completed, may take effect at any time
//   after their invoke, or never; their (unknown) results are not checked;
// - ops are split by `key` (P-compositionality) when the model is
//   partitionable, and the parts are checked in parallel; the first invalid
//   part stops the others;
// - nemesis events are ignored.
//
// Result details:
//   valid:   {"model", "keys", "ops", "witness": {"<key>": [invoke index, ...]}}
//            (the witness lists the ops that took effect, in linearization order;
//            info ops that never took effect are absent; omitted when
//            LinearizableOptions::witness is false). A history without keys
//            uses the key "" (the JSON dump of a null key is not used).
//   invalid: {"model", "key", "op": {the op that could not be linearized: "index"
//            (its invoke), "complete" (its completion), "process", "f", "value",
//            "result"}, "prefix": [invoke indices of the longest linearizable
//            prefix found], "states": [model states (JSON) possible just before
//            the failing op, after that prefix], "explanation": "..."}
//            When the search cannot finish in time but a stale read is proved
//            from real-time order alone (checkers/stale_read.h), the key is
//            invalid with "proof": {"read", "value", "overwrite",
//            "last_writer"} and empty "prefix" and "states".
//   Typed anomalies (CheckResult::anomalies), one when invalid: "not-linearizable"
//            naming the failing op, then up to 3 ops ending the prefix (latest first),
//            dated from the failing op's invoke to its completion; or "stale-read" naming
//            the read, the overwrite and the last writer (when known), dated from the
//            earliest of their invokes to the latest completion.
//   unknown: {"model", "reason": "time-limit"|"memory-limit"|"error", "message",
//            "line" (for an error about one event: its line, index + 1),
//            "keys_checked", "keys"}
//
// Thread-safety: see Checker.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "checkers/checker.h"

namespace coordcheck {

struct LinearizableOptions {
  // One of ModelNames(): register, cas-register, kv, mutex, set, queue, counter,
  // multi-register.
  std::string model = "cas-register";
  // Initial state; nullopt = the model's default (register: null = no value;
  // kv: every key ""; mutex: false = free; set/queue: []; counter: 0;
  // multi-register: {} = every register null).
  std::optional<Json> init;
  // Include the witness linearization of a valid history in the details.
  bool witness = true;
  // Tuning: iterations of the first depth-first phase of a key's search when it
  // has info ops, before best-first and depth-first phases alternate (tests set
  // it low to exercise both). Any value gives the same verdicts.
  uint64_t depth_first_iterations = 50'000;
};

// The models this checker knows, and a one-paragraph description of each one's
// value conventions (for `coordcheck check --help`).
std::vector<std::string> ModelNames();
std::string ModelHelp();

// Checks that every op in `history` is one the model understands (f, value
// shapes) and that `options.init` fits the model. The error is an InputError
// at `file_name` naming the event (line = index + 1), or no line when it is
// not about one event. Call before Check() to report bad input.
Status ValidateForModel(const History& history, const LinearizableOptions& options,
                        const std::string& file_name = "");

class LinearizableChecker final : public Checker {
 public:
  explicit LinearizableChecker(LinearizableOptions options);
  std::string name() const override { return "linearizable"; }
  CheckResult Check(const History& history, const CheckBudget& budget) const override;

 private:
  LinearizableOptions options_;
};

}  // namespace coordcheck
