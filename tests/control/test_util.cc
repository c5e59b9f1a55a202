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
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "harness/control/cluster.h"
#include "harness/control/process.h"

extern char** environ;

namespace cctest {

TempDir::TempDir() {
  char tmpl[] = "/tmp/cc-control-test.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) FAIL("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  coordcheck::control::CleanLeftovers(path_);
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void RequireRoot(const char* why) {
  if (geteuid() != 0) FAIL("this test needs root (" << why << "); run the control tests as root");
}

bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

bool Exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

char ProcState(pid_t pid) {
  auto st = coordcheck::control::ReadProcStat(pid);
  return st ? st->state : '-';
}

std::string Run(const std::vector<std::string>& argv) {
  coordcheck::control::SpawnSpec spec;
  spec.argv = argv;
  auto result = coordcheck::control::RunProcess(spec, "", std::chrono::seconds(10));
  REQUIRE(result.ok());
  INFO(argv[0] << " stderr: " << result->err);
  REQUIRE(result->success());
  return result->out;
}

std::string RootNetworkState() {
  std::string state = Run({"ip", "-o", "link"}) + Run({"ip", "-o", "addr"});
  return std::regex_replace(state, std::regex("(valid|preferred)_lft \\S+"), "");
}

std::vector<nlohmann::json> LedgerLines(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(ReadFile(path));
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

int WaitForListeningPort(const std::string& log_path) {
  int port = 0;
  WaitUntil([&] {
    std::smatch m;
    std::string log = ReadFile(log_path);
    if (!std::regex_search(log, m, std::regex("listening (\\d+)"))) return false;
    port = std::stoi(m[1]);
    return true;
  });
  return port;
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
