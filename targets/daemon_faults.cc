#include "targets/daemon_faults.h"

#include <algorithm>
#include <string_view>
#include <thread>

namespace coordcheck {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

bool AllThreadsStopped(std::string_view stat_lines) {
  int threads = 0;
  while (!stat_lines.empty()) {
    const size_t end = std::min(stat_lines.find('\n'), stat_lines.size());
    const std::string_view line = stat_lines.substr(0, end);
    stat_lines.remove_prefix(std::min(end + 1, stat_lines.size()));
    if (line.empty()) continue;
    // The state follows the command name, which is in parentheses and may contain ") ".
    const size_t paren = line.rfind(')');
    if (paren == std::string_view::npos || paren + 2 >= line.size()) return false;
    const char state = line[paren + 2];
    if (state != 'T' && state != 't') return false;
    ++threads;
  }
  return threads > 0;
}

Status WaitDaemonGone(control::Remote& node, const control::Daemon& daemon,
                               const std::string& where, std::chrono::seconds wait) {
  const auto deadline = Clock::now() + wait;
  while (node.DaemonAlive(daemon)) {
    if (Clock::now() >= deadline) {
      return Status::Error(where + " still alive " + std::to_string(wait.count()) +
                                    " s after SIGKILL");
    }
    std::this_thread::sleep_for(milliseconds(2));
  }
  return Status::Ok();
}

Status WaitDaemonStopped(control::Remote& node, const control::Daemon& daemon,
                                  const std::string& where, std::chrono::milliseconds wait) {
  const std::string prefix = where + ": pause: ";
  const auto deadline = Clock::now() + wait;
  control::ExecOptions options;
  options.timeout = wait;
  while (true) {
    auto stat = node.Exec(
        {"sh", "-c", "cat /proc/\"$1\"/task/*/stat", "sh", std::to_string(daemon.pid)}, options);
    if (!stat.ok()) return stat.status().Wrap(prefix + "cannot read its state");
    if (stat->out.empty() && !stat->success())
      return Status::Error(prefix + "not running");
    if (stat->success() && AllThreadsStopped(stat->out)) return Status::Ok();
    if (Clock::now() >= deadline) {
      return Status::Error(prefix + "threads not stopped " + std::to_string(wait.count()) +
                                    " ms after SIGSTOP");
    }
    std::this_thread::sleep_for(milliseconds(2));
  }
}

}  // namespace coordcheck
