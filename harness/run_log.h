// RunLog: the run's own log, coordcheck.log in its store folder — what the controller did
// and when (set-up steps, errors, phase figures), one timestamped line each. Lines marked
// for the user are echoed to stderr unless quiet.
//
// Thread-safety: all methods may be called from several threads.
#pragma once

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

namespace coordcheck {

class Progress;

class RunLog {
 public:
  RunLog() = default;
  ~RunLog();
  RunLog(const RunLog&) = delete;
  RunLog& operator=(const RunLog&) = delete;

  // Opens (appends to) `path`; false on failure. Until then lines only go to stderr.
  bool Open(const std::string& path);
  void set_quiet(bool quiet) { quiet_ = quiet; }
  // Terminal lines go through `progress` (above its status line); null = straight to stderr.
  void set_progress(Progress* progress) { progress_ = progress; }
  // A line for the log file only.
  void Log(const std::string& line);
  // A line for the log file and the terminal.
  void Say(const std::string& line);

 private:
  void Write(const std::string& line, bool echo);

  std::mutex mu_;
  std::FILE* file_ = nullptr;
  bool quiet_ = false;
  Progress* progress_ = nullptr;
  const std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

}  // namespace coordcheck
