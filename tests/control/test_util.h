// Helpers for the control tests: a private state directory, root checks, waiting for a
// condition, reading files and process state, and starting the stand-in controller.
//
// Thread-safety: none needed (tests are single-threaded).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cctest {

inline const std::string kProbe = CC_PROBE;
inline const std::string kController = CC_CONTROLLER;

// A fresh directory under /tmp. Used as a state directory, so on destruction it first runs
// CleanLeftovers on it (a test that failed half-way leaves nothing behind), then removes it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Fails the current test with a clear message naming `why` unless running as root.
void RequireRoot(const char* why = "network namespaces");

// Polls `done` every few milliseconds until it is true or `timeout` passes.
bool WaitUntil(const std::function<bool()>& done,
               std::chrono::milliseconds timeout = std::chrono::seconds(3));

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& data);
bool Exists(const std::string& path);

// The process's state letter from /proc/PID/stat, or '-' when it does not exist.
char ProcState(pid_t pid);

// Runs argv in the test's own namespace and returns its stdout (fails the test on error).
std::string Run(const std::vector<std::string>& argv);

// `ip -o link` and `ip -o addr` of the test's namespace, lifetimes stripped.
std::string RootNetworkState();

// The lines of a ledger file, parsed.
std::vector<nlohmann::json> LedgerLines(const std::string& path);

// Reads "listening PORT" from a probe's log; 0 when it does not appear in time.
int WaitForListeningPort(const std::string& log_path);

// Writes `line` to a connected socket and reads one line back (1 s limit); "" on error.
std::string EchoLine(int fd, const std::string& line);
// Reads one line (without '\n') within `timeout`; "" on error or timeout.
std::string ReadLine(int fd, std::chrono::milliseconds timeout = std::chrono::seconds(1));

// True when the socket has TCP_NODELAY set and is in blocking mode.
bool NoDelayAndBlocking(int fd);

// readlink of a /proc link ("" when it cannot be read).
std::string Link(const std::string& path);

// cc_controller, started as a child of the test: its pid and what its "ready ..." line
// said. SIGKILLed and reaped on destruction at the latest.
class ControllerChild {
 public:
  ControllerChild(const std::string& state_dir, const std::string& backend, int nodes);
  ~ControllerChild() { Kill(); }
  ControllerChild(const ControllerChild&) = delete;
  ControllerChild& operator=(const ControllerChild&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& run_id() const { return run_id_; }
  const std::vector<pid_t>& daemons() const { return daemons_; }
  // SIGKILL, then reap. Idempotent.
  void Kill();

 private:
  pid_t pid_ = 0;
  std::string run_id_;
  std::vector<pid_t> daemons_;
};

}  // namespace cctest
