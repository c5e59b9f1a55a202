// Waiting for a signal to a target's daemon to take effect, shared by the targets' Db
// implementations (Killable, Pausable): SIGKILL returns before the process is gone and
// SIGSTOP before its threads have stopped, so a fault is only done once this says so.
//
// `where` names the daemon in messages ("node n1: kvd (pid 42)").
//
// Thread-safety: plain functions; as safe as the Remote they use.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "harness/control/remote.h"
#include "base/status.h"

namespace coordcheck {

// Polls until the daemon no longer exists, at most `wait`.
Status WaitDaemonGone(control::Remote& node, const control::Daemon& daemon,
                               const std::string& where,
                               std::chrono::seconds wait = std::chrono::seconds(5));

// Polls /proc/PID/task/*/stat on the node until every thread is stopped, at most `wait`.
Status WaitDaemonStopped(control::Remote& node, const control::Daemon& daemon,
                                  const std::string& where,
                                  std::chrono::milliseconds wait = std::chrono::seconds(2));

// True when every line of /proc/PID/task/*/stat shows state T (stopped) or t (traced).
bool AllThreadsStopped(std::string_view stat_lines);

}  // namespace coordcheck
