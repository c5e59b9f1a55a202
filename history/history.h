// History: the ordered events of one run, and the pairing of invocations with
// their completions.
//
// A History read by history/jsonl.h already obeys every rule of
// shared/HISTORY-FORMAT.md; code that builds one by hand (tests, importers)
// can call Validate() to get the same guarantees.
//
// Thread-safety: plain value type; const methods may be called concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "history/op.h"

namespace coordcheck {

// An error in an input, its message naming the place: "FILE:LINE: message"; without `file`
// (empty) "line LINE: message"; without `line` (1-based; 0 when the error is not about one
// line) "FILE: message"; with neither just "message".
Status InputError(const std::string& file, int64_t line, const std::string& message);

// Bounds on one input (a history file, an imported file). Why: a corrupt or runaway input —
// a file without newlines, /dev/zero behind stdin, an endless pipe — must end in an error
// naming its place, not in bad_alloc or the OOM killer. Readers take the defaults; tests and
// fuzzers pass small ones.
struct InputLimits {
  // A history line is one event of a few hundred bytes; even a set read of 100k members is under
  // 1 MiB. A longer "line" is a file that is not a history, or one that lost its newlines, and
  // the JSONL reader would have to hold all of it in memory.
  static constexpr size_t kMaxLineBytes = size_t{16} << 20;
  // About 40M events of ~100 bytes (20x the largest history we check, 2M events), which take
  // about 8 GiB once read; beyond that the input is more likely an endless stream than a run.
  static constexpr uint64_t kMaxInputBytes = uint64_t{4} << 30;

  // Longest JSONL line in bytes, without its '\n'. Default kMaxLineBytes.
  size_t max_line_bytes = kMaxLineBytes;
  // Most bytes read from one input (JSONL and EDN). Default kMaxInputBytes.
  uint64_t max_input_bytes = kMaxInputBytes;
};

// One operation: an invoke and its completion, if any.
struct Operation {
  int64_t invoke = -1;    // index of the invoke event, or -1 for a lone nemesis event
  int64_t complete = -1;  // index of the completion, or -1 when never completed
};

struct History {
  std::vector<Op> ops;

  size_t size() const { return ops.size(); }
  bool empty() const { return ops.empty(); }
  const Op& operator[](size_t i) const { return ops[i]; }

  // Appends `op`, setting its index to the next position.
  void Append(Op op);

  // Checks every rule of HISTORY-FORMAT.md; the first violation as an InputError at
  // `file_name`, line = event index + 1.
  Status Validate(const std::string& file_name = "") const;

  // For each event, the index of its partner: an invoke's completion or a
  // completion's invoke; -1 when there is none (pending invoke, lone nemesis
  // event). Requires a valid history.
  std::vector<int64_t> Partners() const;

  // All operations in invoke order (lone nemesis events by their position).
  std::vector<Operation> Operations() const;
};

}  // namespace coordcheck
