// Progress: one status line on the terminal while a run works — the phase, elapsed and
// remaining time, ops/s over the last seconds, ok/fail/info so far and the faults in
// effect — and while its history is checked (elapsed against the check's time budget).
// Lines the run prints (RunLog::Say) go above it. Quiet when the output is not a terminal
// or with --quiet: then every call is a cheap no-op and nothing is drawn.
//
// Faults in effect come from the nemesis's completions as the runner records them:
// start-partition .. stop-partition, start-packet .. stop-packet, bump/strobe-clock ..
// reset-clock, kill .. start, pause .. resume; a pause-client shows for its duration.
//
// Thread-safety: every method may be called from any thread (one mutex); a thread of its
// own redraws the line a few times a second while a phase is on.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "history/op.h"

namespace coordcheck {

class Progress {
 public:
  using Clock = std::chrono::steady_clock;

  // Draws on `out` when `enabled` (the caller decides: a terminal and not --quiet).
  Progress(std::FILE* out, bool enabled);
  ~Progress();  // clears the line, stops the thread
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  bool enabled() const { return enabled_; }
  // A phase starts (its figures start from zero): `name` ("main phase", "checking 2000
  // events"); `planned_s` its
  // planned length or budget (0 = unknown); `limit_word` how the plan reads ("left" for a
  // phase's time limit, "budget" for a check's).
  void StartPhase(const std::string& name, double planned_s, const char* limit_word = "left");
  // The phase ended: the line is cleared.
  void EndPhase();
  // An event the runner recorded (an invoke or a completion).
  void Observe(const Op& event);
  // Prints `line` (and a newline) above the status line.
  void Print(const std::string& line);
  // The status line at `now` (what the thread draws; exposed for tests).
  std::string Render(Clock::time_point now);

 private:
  void Loop();
  void ClearLocked();
  void DrawLocked(Clock::time_point now);
  std::string RenderLocked(Clock::time_point now);

  std::FILE* out_;
  const bool enabled_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool active_ = false;
  bool drawn_ = false;
  std::string phase_;
  double planned_s_ = 0;
  std::string limit_word_;
  Clock::time_point started_;
  int64_t ok_ = 0, fail_ = 0, info_ = 0;
  std::deque<Clock::time_point> recent_;          // completions of the last few seconds
  std::map<std::string, std::string> faults_;     // family -> what is in effect
  std::map<std::string, Clock::time_point> until_;  // family -> shown until (client pauses)
  std::thread thread_;
};

}  // namespace coordcheck
