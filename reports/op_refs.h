// OpRefs: how a report names the ops a checker's result refers to — a link to the op on the
// timeline ("#op-57", which the page zooms to), a one-line description with times, and the
// set of ops referenced (whose values the page then embeds in full). Internal to
// coordcheck_reports.
//
// An op is named by the index of its first event (its invoke; a lone nemesis event's own
// index), as the checkers name ops; a reference to a completion's index resolves to its op.
// Checkers name the ops of their anomalies themselves (typed anomalies, checkers/checker.h);
// OpOfCs serves only the fallback for results.json written before that, whose lock anomalies
// named critical sections ("cs": "3-1") rather than ops: it finds the client op whose value
// carries that cs (the increment that ran it).
//
// Thread-safety: not thread-safe (records references; builds the cs map lazily).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

#include "reports/history_view.h"

namespace coordcheck::reports {

class OpRefs {
 public:
  OpRefs(const History& history, const HistoryView& view) : history_(history), view_(view) {}

  // The op (its first event's index) that event `index` belongs to; -1 when there is none.
  int64_t Resolve(int64_t index) const { return view_.OpOf(index); }
  // The op of critical section `cs`, or -1 (for untyped results only; see above).
  int64_t OpOfCs(const std::string& cs);

  // Plain text: "process 3 read 2, ok 2 at 12.310 s (invoked at 12.100 s)".
  std::string Describe(int64_t op) const;
  // The time of op's completion (else its invoke) as "12.310 s"; "" when unknown.
  std::string CompletedAt(int64_t op) const;
  // <a class="op-link" href="#op-N" data-op="N">TEXT</a> (TEXT escaped); records the op.
  std::string Link(int64_t op, std::string_view text);
  // `text` HTML-escaped, with "op N", "op #N", "event N", "index N" and "#N" turned into links
  // where N is an event of the history.
  std::string Linkify(std::string_view text);

  // Records `op` as referenced without linking it.
  void Note(int64_t op) {
    if (op >= 0) referenced_.insert(op);
  }
  const std::set<int64_t>& referenced() const { return referenced_; }
  const History& history() const { return history_; }
  const HistoryView& view() const { return view_; }

 private:
  const History& history_;
  const HistoryView& view_;
  std::set<int64_t> referenced_;
  bool cs_built_ = false;
  std::unordered_map<std::string, int64_t> cs_ops_;
};

}  // namespace coordcheck::reports
