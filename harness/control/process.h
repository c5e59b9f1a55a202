// Process spawning for the backends that run nodes on this machine: run a command and
// capture its output, start a daemon, wait for and identify processes.
//
// Every child is forked and executes an argv vector directly (never a shell). Between
// fork and exec the child makes only async-signal-safe system calls; everything it needs
// (argv, envp, descriptors, the resolved program path) is prepared before the fork. The
// child closes every descriptor except its stdio, resets signal dispositions and mask,
// and may first enter a network namespace (setns on a descriptor the parent opened).
//
// Why daemons wait on a pipe: the child stops right after fork, before it executes any
// code of its own, until the parent has recorded its pid and start time (on_spawned,
// which writes the ledger) and released it. If the controller dies before that, the
// pipe reaches EOF and the child exits, so no process ever runs unrecorded.
//
// Children are reaped only by pid (waitpid(pid, ...)); nothing here calls waitpid(-1).
//
// Thread-safety: all functions may be called from several threads at once.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/control/remote.h"
#include "base/status.h"
#include "harness/control/unique_fd.h"

namespace coordcheck::control {

struct SpawnSpec {
  // argv[0] is a path, or a bare name looked up in $PATH before the fork.
  std::vector<std::string> argv;
  // "NAME=VALUE" entries added to (or replacing in) the inherited environment.
  std::vector<std::string> env;
  // Working directory of the child; empty = the controller's.
  std::string cwd;
  // When >= 0, the child enters this network namespace (setns) before exec. Borrowed.
  int netns_fd = -1;
};

// Runs spec and waits for it. Output is read until the child has exited and its pipes
// reached EOF (at most 100 ms after the exit, for grandchildren that keep them open).
// On timeout the child's process group is SIGKILLed and reaped. The child gets
// PR_SET_PDEATHSIG(SIGKILL), so it dies with the calling thread's process. An error only
// when the command could not be started (the message names the program).
Result<ExecResult> RunProcess(const SpawnSpec& spec, const std::string& input,
                              std::chrono::milliseconds timeout);

struct DaemonProcess {
  pid_t pid = 0;
  uint64_t start_time = 0;  // field 22 of /proc/PID/stat
};

// Starts spec as a daemon in its own session (setsid), stdin /dev/null, stdout and stderr
// appended to log_path (created 0644). on_spawned(pid, start_time) runs while the child
// is held before exec; when it fails the child is killed and its error returned. Returns
// once the program has been executed (an exec failure is an error).
Result<DaemonProcess> SpawnDaemon(const SpawnSpec& spec, const std::string& log_path,
                                  const std::function<Status(pid_t, uint64_t)>& on_spawned);

// The state letter and start time of a process, from /proc/PID/stat.
struct ProcStat {
  char state = '?';  // 'R', 'S', 'T', 'Z', ...
  uint64_t start_time = 0;
};
std::optional<ProcStat> ReadProcStat(pid_t pid);

// True when pid does not exist or has terminated (a zombie or dead entry).
bool ProcessGone(pid_t pid);

// True when pid is alive (not a zombie) and started at start_time.
bool ProcessMatches(pid_t pid, uint64_t start_time);

// A pidfd (pidfd_open) for `pid`; invalid when there is no such process. A signal sent
// through it reaches that process or nobody, never a later one that reuses the pid.
UniqueFd OpenPidfd(pid_t pid);
// pidfd_send_signal; false (errno set) when the process has exited or on error.
bool SignalPidfd(int pidfd, int sig);
// Waits until the process of `pidfd` has exited or `deadline` passes; true when it has.
bool WaitPidfdExit(int pidfd, std::chrono::steady_clock::time_point deadline);

// SIGKILLs the recorded process `pid` and its process group, but only while it is the
// process that started at `start_time`. Returns its pidfd (to wait on with WaitPidfdExit),
// or an invalid one when `pid` is gone or is another process now.
//
// Why this closes the check-then-kill gap: the pidfd is opened first and the start time
// read after, so a match proves the fd names the recorded process (it held the pid all
// along); signals then go through the fd. The process is stopped (SIGSTOP) before its group
// is killed by number, so it cannot exit and free its pid — and the group id — meanwhile.
// `between_check_and_kill`, when given, runs after the check (tests reuse the pid there).
UniqueFd KillIfSame(pid_t pid, uint64_t start_time,
                    const std::function<void()>& between_check_and_kill = {});

// Waits until the child `pid` has exited (without reaping it) or `deadline` passes.
// Returns true when it has exited or cannot be waited for (not our child).
bool WaitForExit(pid_t pid, std::chrono::steady_clock::time_point deadline);

// Resolves a program name against $PATH (names with a '/' are returned as they are).
Result<std::string> FindProgram(const std::string& name);

// strerror as a string, thread-safe.
std::string ErrnoText(int err);

}  // namespace coordcheck::control
