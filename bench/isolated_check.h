// One benchmark measurement: read a history file and run LinearizableChecker
// on it in a forked child process, so that a crash or a runaway check cannot
// take the benchmark down and the child's peak memory is the check's alone.
//
// What is measured (all in the child):
// - read: ReadHistoryFile, wall time;
// - check: LinearizableChecker::Check, wall time of each run; the first run is
//   repeated (up to max_runs in total) only while each run takes less than
//   repeat_below_ms, so small histories get a stable median and big ones run once;
// - memory: the child's peak RSS (ru_maxrss from wait4: history + check), and
//   the growth of RSS during the first check (the peak is reset through
//   /proc/self/clear_refs after the read, so the read's own peak is excluded).
//
// Thread-safety: forks; call from a single-threaded parent only.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checkers/checker.h"

namespace coordcheck::bench {

struct IsolatedCheckOptions {
  std::string model = "cas-register";  // LinearizableOptions::model
  std::optional<Json> init;            // LinearizableOptions::init; nullopt = the model's default
  bool witness = false;                // LinearizableOptions::witness
  CheckBudget budget;                  // passed to every Check() run
  int max_runs = 5;                    // runs in total when every run is fast
  double repeat_below_ms = 1000;       // repeat only while a run takes less than this (ms)
  std::chrono::seconds watchdog{300};  // the child is killed (status kHung) after this
  uint64_t address_space_limit_bytes = 0;  // RLIMIT_AS for the child; 0 = none
};

enum class RunStatus : uint8_t {
  kOk,        // the check ran; see verdicts
  kBadInput,  // the history could not be read or does not fit the model
  kCrashed,   // the child died (signal, exception, bad exit)
  kHung,      // the child outlived the watchdog and was killed
};

struct IsolatedCheckResult {
  RunStatus status = RunStatus::kCrashed;
  std::string message;             // for every status but kOk: what happened
  double read_ms = 0;              // reading and validating the file
  std::vector<double> check_ms;    // wall time of each Check() run
  std::vector<Validity> verdicts;  // the verdict of each run
  double cpu_ms = 0;               // user + system CPU time of the first run (all threads)
  double peak_rss_mb = 0;          // the child's peak RSS (history + check), from wait4
  double check_growth_mb = 0;      // peak RSS during the first check minus RSS before it
  std::string summary;             // CheckResult::summary of the first run
  int64_t failing_op = -1;         // invalid: details.op.index (the op's invoke)
  std::string unknown_reason;      // unknown: details.reason

  double MedianCheckMs() const;
};

IsolatedCheckResult RunIsolatedCheck(const std::string& path, const IsolatedCheckOptions& options);

}  // namespace coordcheck::bench
