// Helpers for the control tests: files, ledgers and process state, probe sockets, and
// starting the stand-in controller. The state directory, root check, polling and the root
// namespace's state are in tests/support/node_env.h.
//
// Thread-safety: none needed (tests are single-threaded).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cctest {

inline const std::string kProbe = CC_PROBE;
inline const std::string kController = CC_CONTROLLER;

void WriteFile(const std::string& path, const std::string& data);

// The process's state letter from /proc/PID/stat, or '-' when it does not exist.
char ProcState(pid_t pid);

// The lines of a ledger file, parsed.
std::vector<nlohmann::json> LedgerLines(const std::string& path);

// Writes `line` to a connected socket and reads one line back (1 s limit); "" on error.
std::string EchoLine(int fd, const std::string& line);
// Reads one line (without '\n') within `timeout`; "" on error or timeout.
std::string ReadLine(int fd, std::chrono::milliseconds timeout = std::chrono::seconds(1));

// True when the socket has TCP_NODELAY set and is in blocking mode.
bool NoDelayAndBlocking(int fd);

// readlink of a /proc link ("" when it cannot be read).
std::string Link(const std::string& path);

// Runs `body` in a forked process that is pid 1 of fresh pid, mount and network
// namespaces, with its own /proc and an empty /run/netns (needs root). A body that goes
// wrong — or code under test that kills "every process" of the host's namespace — can
// only reach processes inside the sandbox. Returns what `body` returned ("" = passed), or
// a line saying how the sandbox failed.
std::string InSandbox(const std::function<std::string()>& body);

// A `cc_probe sleep` child of the test, killed and reaped on destruction.
class Sleeper {
 public:
  Sleeper();
  ~Sleeper();
  Sleeper(const Sleeper&) = delete;
  Sleeper& operator=(const Sleeper&) = delete;
  pid_t pid() const { return pid_; }
  uint64_t start_time() const;

 private:
  pid_t pid_ = 0;
};

// Writes <state_dir>/ledgers/<run_id>.jsonl (creating the folders): a ledger whose
// controller is dead (this process's pid, another start time) listing `entries`.
void WriteDeadLedger(const std::string& state_dir, const std::string& run_id,
                     const std::string& backend, const std::vector<nlohmann::json>& entries);

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
