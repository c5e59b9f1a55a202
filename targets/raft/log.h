// RaftLog: a node's log in memory — the entries after its latest snapshot, and what the
// snapshot replaced (its last index and term, and the term runs of the entries it covers).
//
// Invariants: entries_ hold indexes snapshot_index()+1 .. last_index() with no gap; terms
// never decrease along the log; the runs of the snapshot end at or before its index.
//
// Thread-safety: a plain value; one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "targets/raft/message.h"

namespace coordcheck::raft {

class RaftLog {
 public:
  RaftLog() = default;

  uint64_t snapshot_index() const { return snapshot_index_; }
  uint64_t snapshot_term() const { return snapshot_term_; }
  const std::vector<TermRun>& snapshot_runs() const { return snapshot_runs_; }
  uint64_t last_index() const { return snapshot_index_ + entries_.size(); }
  uint64_t last_term() const { return entries_.empty() ? snapshot_term_ : entries_.back().term; }

  // The term of the entry at `index`: 0 for index 0, the snapshot's term at its index;
  // nullopt for an index compacted away (below the snapshot) or past the end.
  std::optional<uint64_t> TermAt(uint64_t index) const;
  // The entry at `index` (snapshot_index() < index <= last_index()).
  const Entry& At(uint64_t index) const;
  // Entries lo..hi (inclusive), at most `max` of them; lo > snapshot_index().
  std::vector<Entry> Slice(uint64_t lo, uint64_t hi, size_t max) const;

  // Appends `entry`, whose index must be last_index()+1.
  void Append(Entry entry);
  // Removes entries from `index` on (index > snapshot_index()).
  void TruncateFrom(uint64_t index);
  // Drops entries up to `index` (snapshot_index() < index <= last_index()), remembering
  // their runs: the log now starts after a snapshot at `index`.
  void CompactTo(uint64_t index);
  // Replaces everything with the snapshot, keeping later entries only when the log has the
  // snapshot's last entry (same index and term) — thesis §5.3's InstallSnapshot rule.
  void InstallSnapshot(const Snapshot& snapshot);

  // Whether a log ending at (last_index, last_term) is at least as up to date as this one
  // (§5.4.1: the later last term wins; with equal terms the longer log).
  bool IsUpToDate(uint64_t last_index, uint64_t last_term) const;

  // The term runs of indexes lo..hi (1 <= lo, hi <= last_index()), compacted ones included.
  std::vector<TermRun> Runs(uint64_t lo, uint64_t hi) const;
  // The first index of the entries of `term` held (compacted ones excluded), the last index
  // with a term <= `term`, for the leader's side of fast back-off.
  uint64_t LastIndexOfTermAtMost(uint64_t term) const;
  uint64_t FirstIndexOfTerm(uint64_t index) const;

 private:
  uint64_t snapshot_index_ = 0;
  uint64_t snapshot_term_ = 0;
  std::vector<TermRun> snapshot_runs_;
  std::vector<Entry> entries_;
};

// Appends the runs of `terms` (index i has terms[i - first]) to `runs`, merging with the
// last run when the term continues.
void AppendRun(std::vector<TermRun>* runs, uint64_t index, uint64_t term);

}  // namespace coordcheck::raft
