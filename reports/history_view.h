// HistoryView: a history as the report draws it — client ops as time spans on lanes, nemesis
// ops apart, f names interned — and the timeline's compact encoding. Internal to
// coordcheck_reports.
//
// Pairing is tolerant: the report must render any history it is given (a hand-built one, or
// the valid prefix of a broken file), so a completion pairs with its process's outstanding
// invoke when there is one and is otherwise skipped (counted in `unpaired`); an invoke never
// completed is pending until the history's last time. Times are clamped to never decrease.
//
// Lanes: one per client process while there are at most ReportOptions::max_process_lanes
// processes; else one per worker thread (process mod concurrency — processes are numbered so,
// a thread continuing under process p + concurrency after an info) when that never puts two
// overlapping ops on one lane; else processes are packed greedily into lanes by their active
// spans. Either way the ops of one lane are disjoint and sorted, which the page relies on to
// find the visible ones by binary search.
//
// Thread-safety: plain value type.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "history/history.h"

namespace coordcheck::reports {

// A client op's outcome as drawn (ok, fail, info; pending = never completed).
enum class Outcome : uint8_t { kOk = 0, kFail = 1, kInfo = 2, kPending = 3 };

struct ClientSpan {
  int64_t invoke = 0;     // event index of the invoke
  int64_t complete = -1;  // event index of the completion; -1 when pending
  int64_t process = 0;
  int64_t start_ns = 0;
  int64_t end_ns = 0;  // the completion's time; the history's end when pending
  Outcome outcome = Outcome::kPending;
  uint32_t f = 0;  // index into HistoryView::f_names
  uint32_t lane = 0;
};

struct NemesisSpan {
  int64_t invoke = -1;    // event index of the invoke; -1 for a lone completion
  int64_t complete = -1;  // event index of the completion; -1 when never completed
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  // The event that names the op: the invoke, else the lone completion.
  int64_t first() const { return invoke >= 0 ? invoke : complete; }
};

struct Lane {
  std::string label;               // "p3", "thread 2", "lane 4"
  std::vector<int64_t> processes;  // the processes drawn on it, ascending
};

struct HistoryView {
  std::vector<ClientSpan> ops;       // client ops in invoke order
  std::vector<NemesisSpan> nemesis;  // nemesis ops in order of their first event
  std::vector<std::string> f_names;  // client ops' f, in order of first appearance
  std::vector<Lane> lanes;
  std::string lane_mode;  // "process", "thread" or "packed"
  int64_t end_ns = 0;     // the last event's time (0 for an empty history)
  int64_t unpaired = 0;   // completions without an outstanding invoke (skipped)
  // For each event: the ClientSpan (>= 0) or NemesisSpan (-2 - i) it belongs to; -1 when
  // skipped.
  std::vector<int64_t> span_of_event;

  // The invoke index naming the op that event `index` belongs to (its first event), or -1.
  int64_t OpOf(int64_t index) const;
  // The ClientSpan of event `index`, or nullptr.
  const ClientSpan* ClientOf(int64_t index) const;
};

// `concurrency` is the test's client thread count (0 when unknown).
HistoryView BuildHistoryView(const History& history, int concurrency, int max_process_lanes);

// The client spans as base64 of unsigned LEB128 varints, six per op in invoke order:
// invoke - previous invoke, lane, start_us - previous start_us, end_us - start_us,
// f * 4 + outcome, complete - invoke (0 when pending). Times are µs since the test started.
std::string EncodeTimeline(const HistoryView& view);

}  // namespace coordcheck::reports
