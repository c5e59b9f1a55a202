// A certain stale read, proved from real-time order alone (register,
// cas-register and kv without appends): an ok read r of value v such that
//   - no info (or never completed) op that could write v was invoked before r
//     completed, and
//   - some ok op w that leaves another value (a write, or a cas to another
//     value) was invoked after every ok op that could write v (invoked before
//     r completed) had completed, and completed before r was invoked; when v is
//     the initial value, the start of the history counts as such an op.
// Then every linearization orders all writers of v before w and w before r,
// and nothing between w and r writes v: r cannot read v, and the history is
// not linearizable. A read of a value nothing could have written (and not
// the initial one) is the degenerate case with no w at all.
//
// Found in O(n log n); the checker uses it when the search alone cannot
// decide in time. Thread-safety: plain functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "history/history.h"

namespace coordcheck::lin {

// One op of a register-like partition, as the proof needs it.
struct RegisterOpRef {
  int64_t invoke = 0;     // history index of the invoke
  int64_t complete = -1;  // history index of the ok completion, -1 for info / pending
  bool is_read = false;   // a read; else a write or cas
  Json value;             // read: the value read (ok only); write / cas: the value left
};

// The ref of a read, write or cas (f as in the kv model's aliases) given its
// ok completion or nullptr (info / pending); nullopt for an append.
std::optional<RegisterOpRef> ToRegisterRef(const Op& invoke, const Op* ok);

struct StaleRead {
  int64_t read = 0;           // invoke index of the read
  int64_t read_complete = 0;  // its completion
  Json value;                 // what it read
  int64_t overwrite = -1;     // invoke index of w, or -1 (initial value / nothing wrote it)
  int64_t last_writer = -1;   // invoke index of the writer of `value` completing last, or -1
};

// The first certain stale read (by read completion), if any. `init` is the
// partition's initial value.
std::optional<StaleRead> FindStaleRead(const std::vector<RegisterOpRef>& ops, const Json& init);

}  // namespace coordcheck::lin

namespace coordcheck {

// FindStaleRead over a whole history, key by key, for the register,
// cas-register and kv models (keys with appends are skipped); `init` as in
// LinearizableOptions. Used by tests to cross-check the proof against the
// search and brute force.
std::optional<lin::StaleRead> FindStaleReadInHistory(const History& history,
                                                     const std::string& model,
                                                     const std::optional<Json>& init);

}  // namespace coordcheck
