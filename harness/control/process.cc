#include "harness/control/process.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string_view>
#include <thread>

#include "harness/control/unique_fd.h"

extern char** environ;

namespace coordcheck::control {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kOutputLimit = size_t{16} << 20;
constexpr auto kDrainAfterExit = std::chrono::milliseconds(100);
constexpr char kDefaultPath[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// What a child reports through its close-on-exec pipe when a step before exec fails.
enum ChildStep : int { kStepSession = 1, kStepSetns, kStepStdio, kStepChdir, kStepExec };
struct ChildError {
  int step = 0;
  int err = 0;
};

// Everything the child needs, prepared before fork so that the child only makes system
// calls.
struct ChildPlan {
  std::string path;
  std::vector<std::string> argv_storage;
  std::vector<std::string> env_storage;
  std::vector<char*> argv;
  std::vector<char*> envp;
  std::string cwd;
  int netns_fd = -1;
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  int report_fd = -1;
  int release_fd = -1;  // daemons: read end of the pipe the parent releases them with
  bool daemon = false;
  pid_t parent_pid = 0;
  sigset_t empty_mask;
  struct sigaction default_action;
};

[[noreturn]] void ChildFail(int report_fd, int step) {
  ChildError e{step, errno};
  ssize_t ignored = write(report_fd, &e, sizeof e);
  (void)ignored;
  _exit(127);
}

// Runs in the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void RunChild(const ChildPlan& p) {
  if (p.daemon ? setsid() < 0 : setpgid(0, 0) < 0) ChildFail(p.report_fd, kStepSession);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &p.default_action, nullptr);
  }
  sigprocmask(SIG_SETMASK, &p.empty_mask, nullptr);
  if (!p.daemon) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != p.parent_pid) _exit(127);
  }
  if (p.netns_fd >= 0 && setns(p.netns_fd, CLONE_NEWNET) < 0) ChildFail(p.report_fd, kStepSetns);

  // Move the descriptors we keep above 10 first so that placing them on 0..4 cannot
  // overwrite one another, then close everything else.
  const int sources[] = {p.stdin_fd, p.stdout_fd, p.stderr_fd, p.report_fd, p.release_fd};
  const int count = p.daemon ? 5 : 4;
  int moved[5];
  for (int i = 0; i < count; ++i) {
    moved[i] = fcntl(sources[i], F_DUPFD, 10);
    if (moved[i] < 0) ChildFail(p.report_fd, kStepStdio);
  }
  for (int i = 0; i < count; ++i) {
    if (dup2(moved[i], i) < 0) ChildFail(p.report_fd, kStepStdio);
  }
  close_range(count, ~0U, 0);
  const int report_fd = 3;
  fcntl(report_fd, F_SETFD, FD_CLOEXEC);

  if (p.daemon) {
    char go = 0;
    ssize_t n;
    do {
      n = read(4, &go, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1) _exit(127);  // the controller died or gave up before recording us
    close(4);
  }
  if (!p.cwd.empty() && chdir(p.cwd.c_str()) < 0) ChildFail(report_fd, kStepChdir);
  // ETXTBSY: a sibling forked by another thread may still hold a just-uploaded binary open
  // for writing, until it closes its inherited descriptors a moment later. Retry briefly.
  for (int attempt = 0;; ++attempt) {
    execve(p.path.c_str(), p.argv.data(), p.envp.data());
    if (errno != ETXTBSY || attempt == 200) break;
    struct timespec pause = {0, 5'000'000};
    nanosleep(&pause, nullptr);
  }
  ChildFail(report_fd, kStepExec);
}

std::string DescribeChildError(const ChildPlan& plan, const ChildError& e) {
  const std::string why = ErrnoText(e.err);
  switch (e.step) {
    case kStepSession:
      return "cannot create a process group for " + plan.path + ": " + why;
    case kStepSetns:
      return "cannot enter the network namespace for " + plan.path + ": " + why;
    case kStepStdio:
      return "cannot set up descriptors for " + plan.path + ": " + why;
    case kStepChdir:
      return "cannot change directory to " + plan.cwd + " for " + plan.path + ": " + why;
    default:
      return "cannot execute " + plan.path + ": " + why;
  }
}

std::vector<std::string> MergeEnv(const std::vector<std::string>& extra) {
  std::set<std::string_view> replaced;
  for (const auto& e : extra) replaced.insert(std::string_view(e).substr(0, e.find('=')));
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    if (replaced.count(entry.substr(0, entry.find('='))) == 0) out.emplace_back(entry);
  }
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

Result<ChildPlan> Prepare(const SpawnSpec& spec, bool daemon) {
  ChildPlan plan;
  if (spec.argv.empty() || spec.argv[0].empty()) return Result<ChildPlan>::Error("empty argv");
  for (const auto& e : spec.env) {
    if (e.find('=') == std::string::npos || e[0] == '=') {
      return Result<ChildPlan>::Error("bad environment entry '" + e + "' (want NAME=VALUE)");
    }
  }
  auto path = FindProgram(spec.argv[0]);
  if (!path.ok()) return path.status();
  plan.path = std::move(path.value());
  plan.argv_storage = spec.argv;
  plan.env_storage = MergeEnv(spec.env);
  for (auto& a : plan.argv_storage) plan.argv.push_back(a.data());
  plan.argv.push_back(nullptr);
  for (auto& e : plan.env_storage) plan.envp.push_back(e.data());
  plan.envp.push_back(nullptr);
  plan.cwd = spec.cwd;
  plan.netns_fd = spec.netns_fd;
  plan.daemon = daemon;
  plan.parent_pid = getpid();
  sigemptyset(&plan.empty_mask);
  std::memset(&plan.default_action, 0, sizeof plan.default_action);
  plan.default_action.sa_handler = SIG_DFL;
  return plan;
}

Status MakePipe(UniqueFd& read_end, UniqueFd& write_end) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) return Status::Error("pipe: " + ErrnoText(errno));
  read_end.Reset(fds[0]);
  write_end.Reset(fds[1]);
  return Status::Ok();
}

// write() that turns a closed reader into EPIPE without raising SIGPIPE in the process.
ssize_t WriteNoSigpipe(int fd, const void* data, size_t size) {
  sigset_t pipe_set, old_mask, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
  ssize_t n = write(fd, data, size);
  const int err = errno;
  if (n < 0 && err == EPIPE && !was_pending) {
    struct timespec zero = {0, 0};
    sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  errno = err;
  return n;
}

// Reads the child's report pipe until EOF (exec succeeded) or an error record.
std::optional<ChildError> ReadChildReport(int fd) {
  ChildError e;
  size_t got = 0;
  while (got < sizeof e) {
    ssize_t n = read(fd, reinterpret_cast<char*>(&e) + got, sizeof e - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  if (got == sizeof e) return e;
  return std::nullopt;
}

void Reap(pid_t pid, int* status) {
  while (waitpid(pid, status, 0) < 0 && errno == EINTR) {
  }
}

// Reads what is available; returns false at EOF or on an error other than EAGAIN.
bool ReadAvailable(int fd, std::string& sink) {
  char buf[65536];
  while (true) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      size_t keep =
          std::min(static_cast<size_t>(n), kOutputLimit - std::min(kOutputLimit, sink.size()));
      sink.append(buf, keep);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    return false;
  }
}

void SetNonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

int PollTimeoutMs(Clock::time_point until) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, 60000));
}

void DecodeStatus(int status, ExecResult& r) {
  if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.exit_code = -1;
    r.term_signal = WTERMSIG(status);
  }
}

}  // namespace

std::string ErrnoText(int err) {
  char buf[256];
  return strerror_r(err, buf, sizeof buf);
}

Result<std::string> FindProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* env_path = getenv("PATH");
  std::string dirs = std::string(env_path != nullptr ? env_path : "") + ":" + kDefaultPath;
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    start = end + 1;
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + name;
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return Result<std::string>::Error("cannot execute " + name + ": not found in PATH");
}

Result<ExecResult> RunProcess(const SpawnSpec& spec, const std::string& input,
                              std::chrono::milliseconds timeout) {
  auto prepared = Prepare(spec, /*daemon=*/false);
  if (!prepared.ok()) return prepared.status();
  ChildPlan& plan = prepared.value();

  UniqueFd in_r, in_w, out_r, out_w, err_r, err_w, report_r, report_w;
  for (auto [r, w] : {std::pair{&out_r, &out_w}, {&err_r, &err_w}, {&report_r, &report_w}}) {
    if (Status s = MakePipe(*r, *w); !s.ok()) return s;
  }
  if (input.empty()) {
    in_r.Reset(open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!in_r.valid()) return Result<ExecResult>::Error("open /dev/null: " + ErrnoText(errno));
  } else if (Status s = MakePipe(in_r, in_w); !s.ok()) {
    return s;
  }
  plan.stdin_fd = in_r.get();
  plan.stdout_fd = out_w.get();
  plan.stderr_fd = err_w.get();
  plan.report_fd = report_w.get();

  const pid_t pid = fork();
  if (pid < 0) return Result<ExecResult>::Error("fork: " + ErrnoText(errno));
  if (pid == 0) RunChild(plan);
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  setpgid(pid, pid);
  in_r.Reset();
  out_w.Reset();
  err_w.Reset();
  report_w.Reset();

  if (auto failure = ReadChildReport(report_r.get())) {
    Reap(pid, nullptr);
    return Result<ExecResult>::Error(DescribeChildError(plan, *failure));
  }

  ExecResult result;
  UniqueFd pidfd = OpenPidfd(pid);
  for (const auto* fd : {&in_w, &out_r, &err_r}) {
    if (fd->valid()) SetNonBlocking(fd->get());
  }
  size_t input_sent = 0;
  bool exited = false;
  int status = 0;
  Clock::time_point drain_deadline;

  while (true) {
    if (exited && !out_r.valid() && !err_r.valid()) break;
    const auto until = exited ? std::min(drain_deadline, deadline) : deadline;
    if (Clock::now() >= until) {
      if (exited) break;
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      Reap(pid, &status);
      DecodeStatus(status, result);
      result.exit_code = -1;
      result.timed_out = true;
      if (out_r.valid()) ReadAvailable(out_r.get(), result.out);
      if (err_r.valid()) ReadAvailable(err_r.get(), result.err);
      return result;
    }
    pollfd fds[4];
    int n = 0;
    int in_slot = -1, out_slot = -1, err_slot = -1, pid_slot = -1;
    if (in_w.valid()) fds[in_slot = n++] = {in_w.get(), POLLOUT, 0};
    if (out_r.valid()) fds[out_slot = n++] = {out_r.get(), POLLIN, 0};
    if (err_r.valid()) fds[err_slot = n++] = {err_r.get(), POLLIN, 0};
    if (!exited && pidfd.valid()) fds[pid_slot = n++] = {pidfd.get(), POLLIN, 0};
    int wait_ms = PollTimeoutMs(until);
    if (!exited && !pidfd.valid()) wait_ms = std::min(wait_ms, 10);
    int ready = poll(fds, static_cast<nfds_t>(n), wait_ms);
    if (ready < 0 && errno != EINTR && errno != EAGAIN) {
      const int err = errno;
      kill(-pid, SIGKILL);
      Reap(pid, nullptr);
      return Result<ExecResult>::Error("poll: " + ErrnoText(err));
    }
    if (ready < 0 || (ready == 0 && pidfd.valid())) continue;
    if (in_slot >= 0 && fds[in_slot].revents != 0) {
      ssize_t w = WriteNoSigpipe(in_w.get(), input.data() + input_sent, input.size() - input_sent);
      if (w > 0) input_sent += static_cast<size_t>(w);
      if ((w < 0 && errno != EAGAIN && errno != EINTR) || input_sent == input.size()) {
        in_w.Reset();
      }
    }
    if (out_slot >= 0 && fds[out_slot].revents != 0 && !ReadAvailable(out_r.get(), result.out)) {
      out_r.Reset();
    }
    if (err_slot >= 0 && fds[err_slot].revents != 0 && !ReadAvailable(err_r.get(), result.err)) {
      err_r.Reset();
    }
    if (!exited && (pid_slot < 0 || fds[pid_slot].revents != 0)) {
      pid_t r;
      do {
        r = waitpid(pid, &status, WNOHANG);
      } while (r < 0 && errno == EINTR);
      if (r == pid || r < 0) {
        exited = true;
        in_w.Reset();
        drain_deadline = Clock::now() + kDrainAfterExit;
      }
    }
  }
  DecodeStatus(status, result);
  return result;
}

Result<DaemonProcess> SpawnDaemon(const SpawnSpec& spec, const std::string& log_path,
                                  const std::function<Status(pid_t, uint64_t)>& on_spawned) {
  auto prepared = Prepare(spec, /*daemon=*/true);
  if (!prepared.ok()) return prepared.status();
  ChildPlan& plan = prepared.value();

  UniqueFd log(open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!log.valid()) {
    return Result<DaemonProcess>::Error("cannot open log file " + log_path + ": " +
                                        ErrnoText(errno));
  }
  UniqueFd null_in(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!null_in.valid()) return Result<DaemonProcess>::Error("open /dev/null: " + ErrnoText(errno));
  UniqueFd report_r, report_w, release_r, release_w;
  if (Status s = MakePipe(report_r, report_w); !s.ok()) return s;
  if (Status s = MakePipe(release_r, release_w); !s.ok()) return s;
  plan.stdin_fd = null_in.get();
  plan.stdout_fd = log.get();
  plan.stderr_fd = log.get();
  plan.report_fd = report_w.get();
  plan.release_fd = release_r.get();

  const pid_t pid = fork();
  if (pid < 0) return Result<DaemonProcess>::Error("fork: " + ErrnoText(errno));
  if (pid == 0) RunChild(plan);
  log.Reset();
  null_in.Reset();
  report_w.Reset();
  release_r.Reset();

  auto abort_child = [&](Status why) -> Result<DaemonProcess> {
    kill(pid, SIGKILL);
    Reap(pid, nullptr);
    return why;
  };
  auto stat = ReadProcStat(pid);
  if (!stat)
    return abort_child(Status::Error("cannot read /proc/" + std::to_string(pid) + "/stat"));
  if (Status s = on_spawned(pid, stat->start_time); !s.ok()) return abort_child(s);
  const char go = 1;
  WriteNoSigpipe(release_w.get(), &go, 1);
  release_w.Reset();
  if (auto failure = ReadChildReport(report_r.get())) {
    Reap(pid, nullptr);
    return Result<DaemonProcess>::Error(DescribeChildError(plan, *failure));
  }
  return DaemonProcess{pid, stat->start_time};
}

std::optional<ProcStat> ReadProcStat(pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  UniqueFd fd(open(path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return std::nullopt;
  char buf[1024];
  ssize_t n = read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return std::nullopt;
  buf[n] = '\0';
  // The command name may contain spaces and parentheses: fields start after the last ')'.
  const char* p = strrchr(buf, ')');
  if (p == nullptr) return std::nullopt;
  ProcStat st;
  // After ')': field 3 (state) ... field 22 (starttime).
  int field = 2;
  const char* tok = p + 1;
  while (*tok != '\0') {
    while (*tok == ' ') ++tok;
    if (*tok == '\0') break;
    ++field;
    if (field == 3) st.state = *tok;
    if (field == 22) {
      st.start_time = strtoull(tok, nullptr, 10);
      return st;
    }
    while (*tok != ' ' && *tok != '\0') ++tok;
  }
  return std::nullopt;
}

bool ProcessGone(pid_t pid) {
  auto st = ReadProcStat(pid);
  return !st || st->state == 'Z' || st->state == 'X' || st->state == 'x';
}

bool ProcessMatches(pid_t pid, uint64_t start_time) {
  auto st = ReadProcStat(pid);
  return st && st->start_time == start_time && st->state != 'Z' && st->state != 'X' &&
         st->state != 'x';
}

UniqueFd OpenPidfd(pid_t pid) {
  return UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
}

bool SignalPidfd(int pidfd, int sig) {
  return syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) == 0;
}

bool WaitPidfdExit(int pidfd, Clock::time_point deadline) {
  while (true) {
    pollfd p = {pidfd, POLLIN, 0};
    int r = poll(&p, 1, PollTimeoutMs(deadline));
    if (r > 0) return true;
    if (r < 0 && errno == EINTR) continue;
    if (Clock::now() >= deadline) return false;
  }
}

UniqueFd KillIfSame(pid_t pid, uint64_t start_time,
                    const std::function<void()>& between_check_and_kill) {
  if (pid <= 1) return UniqueFd();
  UniqueFd pidfd = OpenPidfd(pid);
  if (!pidfd.valid() || !ProcessMatches(pid, start_time)) return UniqueFd();
  if (between_check_and_kill) between_check_and_kill();
  if (!SignalPidfd(pidfd.get(), SIGSTOP)) return UniqueFd();  // exited meanwhile
  kill(-pid, SIGKILL);
  SignalPidfd(pidfd.get(), SIGKILL);
  return pidfd;
}

bool WaitForExit(pid_t pid, Clock::time_point deadline) {
  UniqueFd pidfd = OpenPidfd(pid);
  if (!pidfd.valid()) {
    if (errno == ESRCH) return true;
    while (true) {
      siginfo_t info;
      std::memset(&info, 0, sizeof info);
      int r = waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
      if (r < 0 && errno == EINTR) continue;
      if (r == 0 && info.si_pid == pid) return true;
      if (r < 0 && ProcessGone(pid)) return true;
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  return WaitPidfdExit(pidfd.get(), deadline);
}

}  // namespace coordcheck::control
