#include "tests/control/test_util.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/control/ledger.h"
#include "harness/control/process.h"
#include "tests/support/node_env.h"

extern char** environ;

namespace cctest {

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

char ProcState(pid_t pid) {
  auto st = coordcheck::control::ReadProcStat(pid);
  return st ? st->state : '-';
}

std::vector<nlohmann::json> LedgerLines(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(nodetest::ReadFile(path));
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

bool NoDelayAndBlocking(int fd) {
  int nodelay = 0;
  socklen_t len = sizeof nodelay;
  getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len);
  return nodelay != 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK) == 0;
}

std::string Link(const std::string& path) {
  char buf[4096];
  ssize_t n = readlink(path.c_str(), buf, sizeof buf);
  return n < 0 ? "" : std::string(buf, static_cast<size_t>(n));
}

std::string ReadLine(int fd, std::chrono::milliseconds timeout) {
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 10) <= 0) continue;
    char c;
    if (read(fd, &c, 1) != 1) return "";
    if (c == '\n') return line;
    line += c;
  }
  return "";
}

std::string InSandbox(const std::function<std::string()>& body) {
  int report[2];
  REQUIRE(pipe2(report, O_CLOEXEC) == 0);
  const pid_t outer = fork();
  REQUIRE(outer >= 0);
  if (outer == 0) {
    close(report[0]);
    auto say = [&](const std::string& what) {
      ssize_t ignored = write(report[1], what.data(), what.size());
      (void)ignored;
    };
    if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET) < 0) {
      say("unshare: " + std::string(strerror(errno)));
      _exit(0);
    }
    const pid_t init = fork();  // pid 1 of the new pid namespace
    if (init == 0) {
      mkdir("/run/netns", 0755);
      if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0 ||
          mount("proc", "/proc", "proc", 0, nullptr) < 0 ||
          mount("tmpfs", "/run/netns", "tmpfs", 0, "mode=0755") < 0) {
        say("mount: " + std::string(strerror(errno)));
        _exit(0);
      }
      say(body());
      _exit(0);
    }
    int status = 0;
    waitpid(init, &status, 0);
    if (!WIFEXITED(status))
      say("the sandbox's pid 1 died of signal " + std::to_string(WTERMSIG(status)));
    _exit(0);
  }
  close(report[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(report[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(report[0]);
  waitpid(outer, nullptr, 0);
  return out;
}

Sleeper::Sleeper() {
  std::vector<std::string> args = {kProbe, "sleep"};
  char* argv[] = {args[0].data(), args[1].data(), nullptr};
  REQUIRE(posix_spawn(&pid_, kProbe.c_str(), nullptr, nullptr, argv, environ) == 0);
}

Sleeper::~Sleeper() {
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

uint64_t Sleeper::start_time() const {
  auto st = coordcheck::control::ReadProcStat(pid_);
  return st ? st->start_time : 0;
}

void WriteDeadLedger(const std::string& state_dir, const std::string& run_id,
                     const std::string& backend, const std::vector<nlohmann::json>& entries) {
  std::filesystem::create_directories(state_dir + "/ledgers");
  auto header = coordcheck::control::MakeLedgerHeader(run_id, backend, state_dir);
  header["controller_start_time"] = header["controller_start_time"].get<uint64_t>() + 1;
  std::string text = header.dump() + "\n";
  for (const auto& e : entries) text += e.dump() + "\n";
  WriteFile(state_dir + "/ledgers/" + run_id + ".jsonl", text);
}

std::string EchoLine(int fd, const std::string& line) {
  const std::string data = line + "\n";
  if (send(fd, data.data(), data.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(data.size())) {
    return "";
  }
  return ReadLine(fd);
}

ControllerChild::ControllerChild(const std::string& state_dir, const std::string& backend,
                                 int nodes) {
  int out[2];
  REQUIRE(pipe2(out, O_CLOEXEC) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  std::vector<std::string> args = {kController, state_dir, backend, std::to_string(nodes), kProbe};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int spawned =
      posix_spawn(&pid_, kController.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (spawned != 0) {
    close(out[0]);
    pid_ = 0;
    FAIL("cannot start " << kController);
  }
  std::string line;
  pollfd p = {out[0], POLLIN, 0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[256];
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  std::istringstream words(line);
  std::string ready;
  words >> ready >> run_id_;
  for (int pid; words >> pid;) daemons_.push_back(pid);
  if (ready != "ready" || daemons_.size() != static_cast<size_t>(nodes)) {
    Kill();
    FAIL("cc_controller did not get ready; it said: " << line);
  }
}

void ControllerChild::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = 0;
}

}  // namespace cctest
