#include "harness/control/host_remote.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "harness/control/mounts.h"
#include "harness/control/process.h"

namespace coordcheck::control {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kKillWait = std::chrono::seconds(5);

Status MakeParentDirs(const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return Status::Ok();
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) return Status::Error("cannot create directory " + parent.string() + ": " + ec.message());
  return Status::Ok();
}

// Copies a regular file through a temporary file next to `to` and a rename, so that a
// running program at `to` is replaced, not overwritten. `mode` defaults to the source's.
Status CopyFile(const std::string& from, const std::string& to, std::optional<mode_t> mode) {
  static std::atomic<uint64_t> counter{0};
  UniqueFd in(open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) return Status::Error("cannot open " + from + ": " + ErrnoText(errno));
  struct stat st;
  if (fstat(in.get(), &st) < 0 || !S_ISREG(st.st_mode)) {
    return Status::Error(from + " is not a regular file");
  }
  if (Status s = MakeParentDirs(to); !s.ok()) return s;
  const std::string tmp = to + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  UniqueFd out(open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!out.valid()) return Status::Error("cannot create " + tmp + ": " + ErrnoText(errno));
  auto fail = [&](const std::string& what) {
    const int err = errno;
    unlink(tmp.c_str());
    return Status::Error(what + ": " + ErrnoText(err));
  };
  char buf[1 << 16];
  while (true) {
    ssize_t n = read(in.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot read " + from);
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write(out.get(), buf + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return fail("cannot write " + tmp);
      done += w;
    }
  }
  if (fchmod(out.get(), mode.value_or(st.st_mode & 07777)) < 0) {
    return fail("cannot set the mode of " + tmp);
  }
  if (close(out.Release()) < 0) return fail("cannot write " + tmp);
  if (rename(tmp.c_str(), to.c_str()) < 0) return fail("cannot rename " + tmp + " to " + to);
  return Status::Ok();
}

std::string Describe(const std::string& name, pid_t pid) {
  return "daemon " + name + " (pid " + std::to_string(pid) + ")";
}

}  // namespace

HostRemote::HostRemote(std::string node, std::string address, std::string root_dir, UniqueFd netns,
                       Ledger* ledger)
    : node_(std::move(node)),
      address_(std::move(address)),
      root_dir_(std::move(root_dir)),
      netns_(std::move(netns)),
      ledger_(ledger) {}

Status HostRemote::Error(const std::string& what) const {
  return Status::Error("node " + node_ + ": " + what);
}

Result<ExecResult> HostRemote::Exec(const std::vector<std::string>& argv,
                                    const ExecOptions& options) {
  if (closed_) return Error("the cluster was destroyed");
  SpawnSpec spec{argv, options.env, root_dir_, netns_.get()};
  auto result = RunProcess(spec, options.input, options.timeout);
  if (!result.ok()) return Error(result.message());
  return result;
}

Result<Daemon> HostRemote::StartDaemon(const DaemonSpec& spec) {
  if (closed_) return Error("the cluster was destroyed");
  if (spec.name.empty() || spec.name.find('/') != std::string::npos) {
    return Error("a daemon needs a name without '/' (got '" + spec.name + "')");
  }
  const std::string what = "cannot start daemon " + spec.name;
  if (spec.argv.empty()) return Error(what + ": empty argv");
  const std::string log_path =
      spec.log_path.empty() ? root_dir_ + "/" + spec.name + ".log" : spec.log_path;
  if (Status s = MakeParentDirs(log_path); !s.ok()) return Error(what + ": " + s.message());
  {
    std::lock_guard lock(mu_);
    if (starting_.count(spec.name) != 0) return Error(what + ": it is being started already");
    for (auto& [pid, record] : daemons_) {
      if (record.name == spec.name && !ReapIfExited(pid, record, /*kill_group=*/false)) {
        return Error(what + ": " + Describe(spec.name, pid) + " is running");
      }
    }
    starting_.insert(spec.name);
  }
  SpawnSpec spawn{spec.argv, spec.env, spec.cwd.empty() ? root_dir_ : spec.cwd, netns_.get()};
  auto started = SpawnDaemon(spawn, log_path, [&](pid_t pid, uint64_t start_time) {
    return ledger_->Append({{"kind", "process"},
                            {"node", node_},
                            {"name", spec.name},
                            {"pid", pid},
                            {"start_time", start_time}});
  });
  std::lock_guard lock(mu_);
  starting_.erase(spec.name);
  if (!started.ok()) return Error(what + ": " + started.message());
  daemons_[started->pid] = DaemonRecord{spec.name, started->start_time, false};
  return Daemon{node_, spec.name, started->pid};
}

bool HostRemote::ReapIfExited(pid_t pid, DaemonRecord& record, bool kill_group) {
  if (record.reaped) return true;
  siginfo_t info;
  std::memset(&info, 0, sizeof info);
  int r;
  do {
    r = waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
  } while (r < 0 && errno == EINTR);
  if (r == 0 && info.si_pid != pid) return false;
  // Exited (a zombie whose pid is still ours), or no longer our child to wait for.
  if (kill_group && r == 0) kill(-pid, SIGKILL);
  pid_t reaped;
  do {
    reaped = waitpid(pid, nullptr, WNOHANG);
  } while (reaped < 0 && errno == EINTR);
  record.reaped = true;
  return true;
}

Result<HostRemote::DaemonRecord*> HostRemote::Find(const Daemon& daemon) {
  if (daemon.node != node_) {
    return Error(Describe(daemon.name, static_cast<pid_t>(daemon.pid)) + " belongs to node " +
                 daemon.node);
  }
  auto it = daemons_.find(static_cast<pid_t>(daemon.pid));
  if (it == daemons_.end() || it->second.name != daemon.name) {
    return Error(Describe(daemon.name, static_cast<pid_t>(daemon.pid)) +
                 " was not started on this node");
  }
  return &it->second;
}

Status HostRemote::SignalDaemon(const Daemon& daemon, int signal) {
  std::lock_guard lock(mu_);
  auto record = Find(daemon);
  if (!record.ok()) return record.status();
  const pid_t pid = static_cast<pid_t>(daemon.pid);
  if (ReapIfExited(pid, **record, /*kill_group=*/false)) {
    return Error(Describe(daemon.name, pid) + " is not running");
  }
  if (kill(-pid, signal) < 0) {
    return Error("cannot signal " + Describe(daemon.name, pid) + ": " + ErrnoText(errno));
  }
  return Status::Ok();
}

Status HostRemote::StopDaemon(const Daemon& daemon, std::chrono::milliseconds grace) {
  const auto grace_deadline = Clock::now() + grace;
  const pid_t pid = static_cast<pid_t>(daemon.pid);
  {
    std::lock_guard lock(mu_);
    auto record = Find(daemon);
    if (!record.ok()) return record.status();
    if (ReapIfExited(pid, **record, /*kill_group=*/true)) return Status::Ok();
    kill(-pid, SIGTERM);
    kill(-pid, SIGCONT);
  }
  return WaitGone(pid, grace_deadline, daemon.name);
}

Status HostRemote::WaitGone(pid_t pid, Clock::time_point grace_deadline, const std::string& name) {
  WaitForExit(pid, grace_deadline);
  {
    std::lock_guard lock(mu_);
    auto it = daemons_.find(pid);
    if (it == daemons_.end() || ReapIfExited(pid, it->second, /*kill_group=*/true)) {
      return Status::Ok();
    }
    kill(-pid, SIGKILL);
  }
  WaitForExit(pid, Clock::now() + kKillWait);
  std::lock_guard lock(mu_);
  auto it = daemons_.find(pid);
  if (it != daemons_.end() && ReapIfExited(pid, it->second, /*kill_group=*/true)) {
    return Status::Ok();
  }
  return Error(Describe(name, pid) + " did not exit after SIGKILL");
}

bool HostRemote::DaemonAlive(const Daemon& daemon) {
  std::lock_guard lock(mu_);
  auto record = Find(daemon);
  if (!record.ok()) return false;
  return !ReapIfExited(static_cast<pid_t>(daemon.pid), **record, /*kill_group=*/false);
}

Status HostRemote::Upload(const std::string& local_path, const std::string& remote_path, int mode) {
  if (closed_) return Error("the cluster was destroyed");
  Status s = CopyFile(local_path, remote_path, static_cast<mode_t>(mode));
  return s.ok() ? s : Error("upload " + local_path + " to " + remote_path + ": " + s.message());
}

Status HostRemote::Download(const std::string& remote_path, const std::string& local_path) {
  if (closed_) return Error("the cluster was destroyed");
  Status s = CopyFile(remote_path, local_path, std::nullopt);
  return s.ok() ? s : Error("download " + remote_path + " to " + local_path + ": " + s.message());
}

void HostRemote::TerminateDaemons() {
  std::lock_guard lock(mu_);
  for (auto& [pid, record] : daemons_) {
    if (ReapIfExited(pid, record, /*kill_group=*/true)) continue;
    kill(-pid, SIGTERM);
    kill(-pid, SIGCONT);
  }
}

Status HostRemote::StopDaemons(Clock::time_point grace_deadline) {
  std::vector<std::pair<pid_t, std::string>> running;
  {
    std::lock_guard lock(mu_);
    for (const auto& [pid, record] : daemons_) {
      if (!record.reaped) running.emplace_back(pid, record.name);
    }
  }
  Status first;
  for (const auto& [pid, name] : running) {
    Status s = WaitGone(pid, grace_deadline, name);
    if (first.ok()) first = s;
  }
  return first;
}

Status HostRemote::RecordMount(const std::string& path) {
  if (closed_) return Error("the cluster was destroyed");
  if (path.rfind(root_dir_ + "/", 0) != 0) {
    return Error("a mount must be under the node's folder " + root_dir_ + " (got " + path + ")");
  }
  if (Status s = ledger_->Append({{"kind", "mount"}, {"node", node_}, {"path", path}}); !s.ok()) {
    return Error("cannot record the mount " + path + ": " + s.message());
  }
  std::lock_guard lock(mu_);
  mounts_.insert(path);
  return Status::Ok();
}

Status HostRemote::DetachMounts() {
  std::set<std::string> mounts;
  {
    std::lock_guard lock(mu_);
    mounts = mounts_;
  }
  Status first;
  for (const std::string& path : mounts) {
    if (Status s = DetachMount(path); !s.ok() && first.ok()) first = Error(s.message());
  }
  return first;
}

void HostRemote::Close() {
  closed_ = true;
  netns_.Reset();
}

}  // namespace coordcheck::control
