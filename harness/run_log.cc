#include "harness/run_log.h"

#include <ctime>

#include "harness/progress.h"

namespace coordcheck {

RunLog::~RunLog() {
  if (file_ != nullptr) std::fclose(file_);
}

bool RunLog::Open(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (file_ != nullptr) std::fclose(file_);
  file_ = std::fopen(path.c_str(), "ae");
  return file_ != nullptr;
}

void RunLog::Log(const std::string& line) { Write(line, false); }

void RunLog::Say(const std::string& line) { Write(line, true); }

void RunLog::Write(const std::string& line, bool echo) {
  const double t =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::lock_guard<std::mutex> lock(mu_);
  if (file_ != nullptr) {
    std::fprintf(file_, "%s +%.3fs %s\n", stamp, t, line.c_str());
    std::fflush(file_);
  }
  if (echo && !quiet_) {
    if (progress_ != nullptr) {
      progress_->Print(line);
    } else {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
  }
}

}  // namespace coordcheck
