// The faults of a run as the report shows them: nemesis ops paired into intervals (when a
// fault was in force), and the clock offsets measured by check-clock-offsets. Internal to
// coordcheck_reports. The f names and values are nemesis/ops.h's.
//
// Pairing, by family, as each family's FaultInfo says (nemesis/families.h, data only: the
// reports do not link the nemesis): an op in `opens` starts an interval (another while it is
// open extends it: bump-clock after bump-clock), one in `closes` ends it, one in `marks` is
// a mark at its invoke. An op whose completion carries an error still opens or closes its
// interval, with the error in its label. An opening op whose value has "duration_ms"
// (strobe-clock) lasts that long from its invoke, at least until its completion.
// An interval runs from the opening op's invoke to the closing op's completion (the widest
// window in which the fault may have been in force); one never closed runs to the history's
// end and says so. A closing op with nothing open is left out (the heal phase stops every
// family, open or not).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reports/history_view.h"

namespace coordcheck::reports {

struct FaultInterval {
  std::string family;  // a FaultInfo name: partition, packet, clock, ...
  int64_t start_ns = 0;
  int64_t end_ns = 0;     // == start_ns for a mark
  int64_t open_op = -1;   // invoke index of the opening op
  int64_t close_op = -1;  // invoke index of the closing op; -1 when none
  bool mark = false;      // a point event (client-pause)
  bool healed = true;     // false when never closed in the history
  std::string label;      // what was done, e.g. "isolate: n1 | n2 n3"
};

std::vector<FaultInterval> FaultIntervals(const History& history, const HistoryView& view);

// The family of a nemesis f ("" when it is not a fault op).
std::string FaultFamily(const std::string& f);

// {"<family>": "<CSS colour>", ...} for every family in the catalogue.
Json FaultColours();

// The clock offsets observed by check-clock-offsets completions:
//   {"nodes": {"n1": [[t_us, offset_ms], ...]}, "target": {"n1": [[t_us, offset_ms, error_ms],
//    ...]}, "methods": {"n1": "etcd HTTP Date header"}, "samples": N}
// null when the history has no such completion.
Json ClockSeries(const History& history, const HistoryView& view);

}  // namespace coordcheck::reports
