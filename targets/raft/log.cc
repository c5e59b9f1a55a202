#include "targets/raft/log.h"

#include <algorithm>
#include <cassert>

namespace coordcheck::raft {

void AppendRun(std::vector<TermRun>* runs, uint64_t index, uint64_t term) {
  if (!runs->empty() && runs->back().term == term) return;
  runs->push_back({index, term});
}

std::optional<uint64_t> RaftLog::TermAt(uint64_t index) const {
  if (index == 0) return 0;
  if (index == snapshot_index_) return snapshot_term_;
  if (index < snapshot_index_ || index > last_index()) return std::nullopt;
  return entries_[index - snapshot_index_ - 1].term;
}

const Entry& RaftLog::At(uint64_t index) const {
  assert(index > snapshot_index_ && index <= last_index());
  return entries_[index - snapshot_index_ - 1];
}

std::vector<Entry> RaftLog::Slice(uint64_t lo, uint64_t hi, size_t max) const {
  std::vector<Entry> out;
  if (lo <= snapshot_index_ || lo > hi) return out;
  hi = std::min(hi, last_index());
  for (uint64_t i = lo; i <= hi && out.size() < max; ++i) out.push_back(At(i));
  return out;
}

void RaftLog::Append(Entry entry) {
  assert(entry.index == last_index() + 1);
  assert(entry.term >= last_term());
  entries_.push_back(std::move(entry));
}

void RaftLog::TruncateFrom(uint64_t index) {
  assert(index > snapshot_index_);
  if (index > last_index()) return;
  entries_.resize(index - snapshot_index_ - 1);
}

void RaftLog::CompactTo(uint64_t index) {
  assert(index > snapshot_index_ && index <= last_index());
  std::vector<TermRun> runs = Runs(1, index);
  snapshot_term_ = At(index).term;
  entries_.erase(entries_.begin(),
                 entries_.begin() + static_cast<ptrdiff_t>(index - snapshot_index_));
  snapshot_index_ = index;
  snapshot_runs_ = std::move(runs);
}

void RaftLog::InstallSnapshot(const Snapshot& snapshot) {
  if (TermAt(snapshot.index) == snapshot.term && snapshot.index > snapshot_index_) {
    CompactTo(snapshot.index);
    snapshot_runs_ = snapshot.runs;
    return;
  }
  entries_.clear();
  snapshot_index_ = snapshot.index;
  snapshot_term_ = snapshot.term;
  snapshot_runs_ = snapshot.runs;
}

bool RaftLog::IsUpToDate(uint64_t index, uint64_t term) const {
  return term > last_term() || (term == last_term() && index >= last_index());
}

std::vector<TermRun> RaftLog::Runs(uint64_t lo, uint64_t hi) const {
  std::vector<TermRun> out;
  if (lo == 0) lo = 1;
  if (lo > hi) return out;
  for (const TermRun& run : snapshot_runs_) {
    if (run.first_index > std::min(hi, snapshot_index_)) break;
    // The run covering lo starts before it: clip it to lo.
    if (run.first_index <= lo) {
      out.assign(1, {lo, run.term});
    } else {
      AppendRun(&out, run.first_index, run.term);
    }
  }
  for (uint64_t i = std::max(lo, snapshot_index_ + 1); i <= hi && i <= last_index(); ++i) {
    AppendRun(&out, i, At(i).term);
  }
  return out;
}

uint64_t RaftLog::LastIndexOfTermAtMost(uint64_t term) const {
  for (uint64_t i = last_index(); i > snapshot_index_; --i) {
    if (At(i).term <= term) return i;
  }
  return snapshot_index_;
}

uint64_t RaftLog::FirstIndexOfTerm(uint64_t index) const {
  const uint64_t term = At(index).term;
  while (index > snapshot_index_ + 1 && At(index - 1).term == term) --index;
  return index;
}

}  // namespace coordcheck::raft
