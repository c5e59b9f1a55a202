#include "tests/control/test_util.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

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
