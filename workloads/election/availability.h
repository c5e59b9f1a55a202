// Availability of an election workload's run, measured on the controller's clock (history
// time), never on the nodes' (the clock fault skews those): when the cluster took no writes,
// and how long it took to take one again after each fault.
//
//   windows     every gap longer than the threshold between consecutive ok write
//               completions, counting from the run's start (time 0) to the first one, and
//               from the last one to the last write event of the run (marked until_end: no
//               ok write ended it; with no ok write at all, the whole run up to then)
//   recoveries  for each nemesis completion that starts a fault — an op its family opens an
//               interval with or marks a point fault with (nemesis/families.h: kill, pause,
//               start-partition, restart, ...) — the time from that completion to the
//               completion of the first ok write invoked at or after it; none when no such
//               write exists.
// Why writes invoked after the fault: a write already under way may be served before the
// fault took hold and complete just after it, which would say the cluster recovered at once.
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "history/history.h"

namespace coordcheck::election {

struct UnavailableWindow {
  int64_t from_ns = 0;
  int64_t to_ns = 0;
  bool until_end = false;  // no ok write ended it
};

struct FaultRecovery {
  int64_t op = -1;  // history index of the fault's completion
  std::string f;
  std::string family;
  int64_t at_ns = 0;
  std::optional<int64_t> recovery_ns;  // none: no ok write was invoked after it
  bool failed = false;                 // the completion carries an error
};

struct Availability {
  int64_t writes = 0;     // write ops invoked
  int64_t ok_writes = 0;  // of them, ok
  int64_t threshold_ns = 0;
  std::vector<UnavailableWindow> windows;
  int64_t total_ns = 0;    // sum of the windows
  int64_t longest_ns = 0;  // the longest window
  std::vector<FaultRecovery> recoveries;
};

// nullopt when `deadline` passed first.
std::optional<Availability> MeasureAvailability(const History& history, int64_t threshold_ns,
                                                std::chrono::steady_clock::time_point deadline);

// Writes the measurement into a checker's details (names in election_safety.h); without any
// write in the history its figures are null (nothing was measured).
void AddAvailabilityDetails(const Availability& a, Json* details);

}  // namespace coordcheck::election
