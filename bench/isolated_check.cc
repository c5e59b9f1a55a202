// One benchmark measurement in a forked child: see isolated_check.h.
#include "bench/isolated_check.h"

#include <poll.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>

#include "checkers/linearizable.h"
#include "history/jsonl.h"

namespace coordcheck::bench {
namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double CpuMs() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto ms = [](const timeval& tv) { return tv.tv_sec * 1e3 + tv.tv_usec / 1e3; };
  return ms(usage.ru_utime) + ms(usage.ru_stime);
}

// A "VmXXX:  1234 kB" field of /proc/self/status, in kB; -1 when absent.
int64_t StatusKb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const size_t n = std::strlen(field);
  while (std::getline(in, line)) {
    if (line.compare(0, n, field) == 0 && line.size() > n && line[n] == ':') {
      return std::stoll(line.substr(n + 1));
    }
  }
  return -1;
}

// Resets VmHWM to the current RSS (Linux >= 4.0). False when not possible.
bool ResetPeakRss() {
  std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (f == nullptr) return false;
  const bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

void WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// The child's whole job; returns the report as JSON.
Json ChildReport(const std::string& path, const IsolatedCheckOptions& options) {
  Json report;
  const auto read_start = Clock::now();
  History history;
  if (Status st = ReadHistoryFile(path, &history); !st) {
    return {{"status", "bad-input"}, {"message", st.message()}};
  }
  LinearizableOptions lin;
  lin.model = options.model;
  lin.init = options.init;
  lin.witness = options.witness;
  if (Status st = ValidateForModel(history, lin, path); !st) {
    return {{"status", "bad-input"}, {"message", st.message()}};
  }
  report["read_ms"] = MsSince(read_start);

  const LinearizableChecker checker(lin);
  const bool reset = ResetPeakRss();
  const int64_t rss_before_kb = StatusKb("VmRSS");
  const int64_t hwm_before_kb = StatusKb("VmHWM");
  Json check_ms = Json::array();
  Json verdicts = Json::array();
  for (int run = 0; run < std::max(1, options.max_runs); ++run) {
    const double cpu_start = CpuMs();
    const auto start = Clock::now();
    const CheckResult result = checker.Check(history, options.budget);
    const double ms = MsSince(start);
    check_ms.push_back(ms);
    verdicts.push_back(std::string(ValidityName(result.valid)));
    if (run == 0) {
      report["cpu_ms"] = CpuMs() - cpu_start;
      // Without a reset, the peak may still be the read's: then growth is a lower bound.
      const int64_t hwm_kb = StatusKb("VmHWM");
      const int64_t base_kb = reset ? rss_before_kb : hwm_before_kb;
      report["check_growth_mb"] = std::max<int64_t>(0, hwm_kb - base_kb) / 1024.0;
      report["summary"] = result.summary;
      const Json& d = result.details;
      if (d.is_object() && d.contains("op") && d["op"].is_object() && d["op"].contains("index") &&
          d["op"]["index"].is_number_integer()) {
        report["failing_op"] = d["op"]["index"];
      }
      if (d.is_object() && d.contains("reason") && d["reason"].is_string()) {
        report["unknown_reason"] = d["reason"];
      }
    }
    if (ms >= options.repeat_below_ms) break;
  }
  report["status"] = "ok";
  report["check_ms"] = check_ms;
  report["verdicts"] = verdicts;
  return report;
}

[[noreturn]] void RunChild(int fd, const std::string& path, const IsolatedCheckOptions& options) {
  if (options.address_space_limit_bytes > 0) {
    const rlimit limit{options.address_space_limit_bytes, options.address_space_limit_bytes};
    setrlimit(RLIMIT_AS, &limit);
  }
  Json report;
  try {
    report = ChildReport(path, options);
  } catch (const std::exception& e) {
    report = {{"status", "crashed"}, {"message", std::string("exception: ") + e.what()}};
  }
  WriteAll(fd, report.dump());
  close(fd);
  _exit(0);  // no atexit handlers, no flushing of the parent's stdio buffers
}

Validity ParseValidity(const std::string& name) {
  if (name == "valid") return Validity::kValid;
  if (name == "invalid") return Validity::kInvalid;
  return Validity::kUnknown;
}

}  // namespace

double IsolatedCheckResult::MedianCheckMs() const {
  if (check_ms.empty()) return 0;
  std::vector<double> sorted = check_ms;
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

IsolatedCheckResult RunIsolatedCheck(const std::string& path, const IsolatedCheckOptions& options) {
  IsolatedCheckResult result;
  int fds[2];
  if (pipe(fds) != 0) {
    result.message = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    result.message = std::string("fork: ") + std::strerror(errno);
    close(fds[0]);
    close(fds[1]);
    return result;
  }
  if (pid == 0) {
    close(fds[0]);
    RunChild(fds[1], path, options);
  }
  close(fds[1]);

  // Collect the report until EOF or the watchdog.
  std::string text;
  const auto deadline = Clock::now() + options.watchdog;
  bool hung = false;
  char buffer[65536];
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      hung = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1'000'000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    const ssize_t n = read(fds[0], buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  close(fds[0]);
  if (hung) kill(pid, SIGKILL);

  int wait_status = 0;
  rusage usage{};
  while (wait4(pid, &wait_status, 0, &usage) < 0 && errno == EINTR) {
  }
  result.peak_rss_mb = usage.ru_maxrss / 1024.0;  // ru_maxrss is in kB on Linux

  if (hung) {
    result.status = RunStatus::kHung;
    result.message = "killed after " + std::to_string(options.watchdog.count()) + " s";
    return result;
  }
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    result.message = "signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
    return result;
  }
  if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) {
    result.message = "exit code " + std::to_string(WEXITSTATUS(wait_status));
    return result;
  }
  const Json report = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!report.is_object() || !report.contains("status")) {
    result.message = "no report from the child";
    return result;
  }
  const std::string status = report["status"].get<std::string>();
  result.message = report.value("message", "");
  if (status == "bad-input") {
    result.status = RunStatus::kBadInput;
    return result;
  }
  if (status != "ok") return result;  // kCrashed with the child's message

  result.status = RunStatus::kOk;
  result.read_ms = report.value("read_ms", 0.0);
  for (const Json& ms : report["check_ms"]) result.check_ms.push_back(ms.get<double>());
  for (const Json& v : report["verdicts"])
    result.verdicts.push_back(ParseValidity(v.get<std::string>()));
  result.cpu_ms = report.value("cpu_ms", 0.0);
  result.check_growth_mb = report.value("check_growth_mb", 0.0);
  result.summary = report.value("summary", "");
  result.failing_op = report.value("failing_op", int64_t{-1});
  result.unknown_reason = report.value("unknown_reason", "");
  return result;
}

}  // namespace coordcheck::bench
