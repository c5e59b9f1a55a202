// Remote on a node of the local backend: Exec, daemons, file copies. No root needed.
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <thread>

#include "harness/control/cluster.h"
#include "harness/control/process.h"
#include "tests/control/test_util.h"
#include "tests/support/node_env.h"
#include "tests/support/slack.h"

using Catch::Matchers::Contains;
using cctest::kProbe;
using coordcheck::control::Cluster;
using coordcheck::control::ClusterOptions;
using coordcheck::control::Daemon;
using coordcheck::control::ExecOptions;
using coordcheck::control::Remote;
using namespace std::chrono_literals;

namespace {

// One local node in a private state directory.
struct LocalNode {
  nodetest::TempDir dir;
  std::unique_ptr<Cluster> cluster;

  LocalNode() {
    ClusterOptions options;
    options.backend = "local";
    options.nodes = 1;
    options.state_dir = dir.path();
    auto created = Cluster::Create(options);
    INFO(created.message());
    REQUIRE(created.ok());
    cluster = std::move(created.value());
  }
  Remote& remote() { return cluster->remote("n1"); }
  std::string ledger() const { return dir.path() + "/ledgers/" + cluster->run_id() + ".jsonl"; }
};

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// Fields 5 (process group) and 6 (session) of /proc/PID/stat.
std::pair<long, long> GroupAndSession(pid_t pid) {
  std::string stat = nodetest::ReadFile("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string state;
  long ppid = 0, pgrp = 0, session = 0;
  rest >> state >> ppid >> pgrp >> session;
  return {pgrp, session};
}

}  // namespace

TEST_CASE("Exec returns exit code, stdout and stderr, and runs in the node directory", "[exec]") {
  LocalNode node;
  Remote& r = node.remote();

  auto cwd = r.Exec({kProbe, "cwd"});
  REQUIRE(cwd.ok());
  CHECK(cwd->exit_code == 0);
  CHECK(cwd->success());
  CHECK(cwd->out == r.root_dir() + "\n");
  CHECK(cwd->err.empty());

  auto code = r.Exec({kProbe, "exit", "7"});
  REQUIRE(code.ok());
  CHECK(code->exit_code == 7);
  CHECK_FALSE(code->success());

  auto err = r.Exec({kProbe, "stderr", "something went wrong"});
  REQUIRE(err.ok());
  CHECK(err->err == "something went wrong\n");
  CHECK(err->out.empty());

  auto sig = r.Exec({kProbe, "kill-self", "15"});
  REQUIRE(sig.ok());
  CHECK(sig->exit_code == -1);
  CHECK(sig->term_signal == SIGTERM);
  CHECK_FALSE(sig->timed_out);

  auto from_path = r.Exec({"false"});
  REQUIRE(from_path.ok());
  CHECK(from_path->exit_code == 1);
}

TEST_CASE("Exec feeds stdin and adds or replaces environment variables", "[exec]") {
  LocalNode node;
  Remote& r = node.remote();

  ExecOptions with_input;
  with_input.input = "line one\nline two\n";
  auto echoed = r.Exec({kProbe, "cat"}, with_input);
  REQUIRE(echoed.ok());
  CHECK(echoed->out == "line one\nline two\n");

  auto empty_stdin = r.Exec({kProbe, "cat"});
  REQUIRE(empty_stdin.ok());
  CHECK(empty_stdin->out.empty());

  // Both directions at once, more than any pipe buffer holds.
  ExecOptions big;
  big.input = std::string(3 << 20, 'y');
  auto big_echo = r.Exec({kProbe, "cat"}, big);
  REQUIRE(big_echo.ok());
  CHECK(big_echo->out.size() == big.input.size());
  CHECK(big_echo->out == big.input);

  setenv("CC_CONTROL_TEST_INHERITED", "from-parent", 1);
  auto inherited = r.Exec({kProbe, "env", "CC_CONTROL_TEST_INHERITED"});
  REQUIRE(inherited.ok());
  CHECK(inherited->out == "from-parent\n");

  ExecOptions with_env;
  with_env.env = {"CC_CONTROL_TEST_INHERITED=replaced", "CC_CONTROL_TEST_ADDED=a=b"};
  auto replaced = r.Exec({kProbe, "env", "CC_CONTROL_TEST_INHERITED"}, with_env);
  auto added = r.Exec({kProbe, "env", "CC_CONTROL_TEST_ADDED"}, with_env);
  REQUIRE(replaced.ok());
  REQUIRE(added.ok());
  CHECK(replaced->out == "replaced\n");
  CHECK(added->out == "a=b\n");
  unsetenv("CC_CONTROL_TEST_INHERITED");

  ExecOptions bad_env;
  bad_env.env = {"NO_EQUALS_SIGN"};
  auto rejected = r.Exec({kProbe, "cwd"}, bad_env);
  REQUIRE_FALSE(rejected.ok());
  CHECK_THAT(rejected.message(), Contains("node n1") && Contains("NO_EQUALS_SIGN"));
}

TEST_CASE("Exec keeps at most 16 MiB of output and still reaps the command", "[exec]") {
  LocalNode node;
  auto spew = node.remote().Exec({kProbe, "spew", std::to_string((16 << 20) + 12345)});
  REQUIRE(spew.ok());
  CHECK(spew->exit_code == 0);
  CHECK(spew->out.size() == size_t{16} << 20);
}

TEST_CASE("Exec timeout kills the command and its children", "[exec]") {
  LocalNode node;
  ExecOptions options;
  options.timeout = 300ms;
  const auto start = std::chrono::steady_clock::now();
  auto result = node.remote().Exec({kProbe, "grandchild"}, options);
  const double elapsed = Seconds(std::chrono::steady_clock::now() - start);
  REQUIRE(result.ok());
  CHECK(result->timed_out);
  CHECK_FALSE(result->success());
  CHECK(result->exit_code == -1);
  CHECK(result->term_signal == SIGKILL);
  CHECK(elapsed >= 0.3);
  CHECK(elapsed < 0.3 + Seconds(testtime::kSlack));  // the grandchild sleeps for ever
  const pid_t grandchild = std::atoi(result->out.c_str());
  REQUIRE(grandchild > 1);
  // Gone, or a zombie waiting for init: in neither case running.
  CHECK(nodetest::WaitUntil([&] { return coordcheck::control::ProcessGone(grandchild); }));
}

TEST_CASE("Exec of a program that cannot run is an error naming the node and program", "[exec]") {
  LocalNode node;
  auto missing = node.remote().Exec({"/nonexistent/cc-probe"});
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.message(),
             Contains("node n1") && Contains("/nonexistent/cc-probe") && Contains("No such file"));

  auto not_in_path = node.remote().Exec({"cc-no-such-program-anywhere"});
  REQUIRE_FALSE(not_in_path.ok());
  CHECK_THAT(not_in_path.message(), Contains("node n1") && Contains("cc-no-such-program-anywhere"));

  auto empty = node.remote().Exec({});
  CHECK_FALSE(empty.ok());
}

TEST_CASE("StartDaemon runs the program itself in its own session, logging to its file",
          "[daemon]") {
  LocalNode node;
  Remote& r = node.remote();
  const std::string log = r.root_dir() + "/logs/echo.log";
  auto started =
      r.StartDaemon({"echo", {kProbe, "listen", r.address(), "0"}, log, {"CC_DAEMON_VAR=set"}, ""});
  INFO(started.message());
  REQUIRE(started.ok());
  const Daemon d = *started;
  const pid_t pid = static_cast<pid_t>(d.pid);
  CHECK(d.node == "n1");
  CHECK(d.name == "echo");

  // The ledger lists the pid with its start time.
  auto stat = coordcheck::control::ReadProcStat(pid);
  REQUIRE(stat);
  bool listed = false;
  for (const auto& line : cctest::LedgerLines(node.ledger())) {
    listed |= line.value("kind", "") == "process" && line.value("pid", 0) == pid &&
              line.value("start_time", uint64_t{0}) == stat->start_time &&
              line.value("node", "") == "n1" && line.value("name", "") == "echo";
  }
  CHECK(listed);

  // Output (stdout and stderr) goes to the log.
  const int port = nodetest::WaitForListeningPort(log);
  REQUIRE(port > 0);
  CHECK(nodetest::WaitUntil(
      [&] { return nodetest::ReadFile(log).find("probe ready on stderr") != std::string::npos; }));

  // The pid is the probe's own, in a session and process group of its own.
  const std::string proc = "/proc/" + std::to_string(pid);
  const std::string cmdline = kProbe + '\0' + "listen" + '\0' + r.address() + '\0' + "0" + '\0';
  CHECK(nodetest::ReadFile(proc + "/cmdline") == cmdline);
  CHECK(GroupAndSession(pid) == std::make_pair(long{pid}, long{pid}));
  CHECK(cctest::Link(proc + "/cwd") == r.root_dir());
  CHECK(nodetest::ReadFile(proc + "/environ").find(std::string("CC_DAEMON_VAR=set") + '\0') !=
        std::string::npos);

  // stdin is /dev/null, stdout and stderr the log, and nothing else of ours is inherited.
  CHECK(cctest::Link(proc + "/fd/0") == "/dev/null");
  CHECK(cctest::Link(proc + "/fd/1") == log);
  CHECK(cctest::Link(proc + "/fd/2") == log);
  CHECK(cctest::Link(proc + "/fd/3").rfind("socket:", 0) == 0);  // its listener
  CHECK(cctest::Link(proc + "/fd/4").empty());

  CHECK(r.DaemonAlive(d));
  auto fd = node.cluster->dialer().Connect(r.address(), port, 1s);
  REQUIRE(fd.ok());
  CHECK(cctest::EchoLine(*fd, "hello") == "hello");
  close(*fd);
  CHECK(r.StopDaemon(d, 2s).ok());
}

TEST_CASE("SIGSTOP pauses a daemon and SIGCONT resumes it", "[daemon]") {
  LocalNode node;
  Remote& r = node.remote();
  const std::string log = r.root_dir() + "/echo.log";
  auto d = r.StartDaemon({"echo", {kProbe, "listen", r.address(), "0"}, log, {}, ""});
  REQUIRE(d.ok());
  const pid_t pid = static_cast<pid_t>(d->pid);
  const int port = nodetest::WaitForListeningPort(log);
  REQUIRE(port > 0);
  auto fd = node.cluster->dialer().Connect(r.address(), port, 1s);
  REQUIRE(fd.ok());
  CHECK(cctest::EchoLine(*fd, "before") == "before");

  REQUIRE(r.SignalDaemon(*d, SIGSTOP).ok());
  CHECK(nodetest::WaitUntil([&] { return cctest::ProcState(pid) == 'T'; }));
  CHECK(r.DaemonAlive(*d));
  const std::string during = "during\n";
  REQUIRE(send(*fd, during.data(), during.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(during.size()));
  CHECK(cctest::ReadLine(*fd, 300ms).empty());  // paused: no answer

  REQUIRE(r.SignalDaemon(*d, SIGCONT).ok());
  CHECK(nodetest::WaitUntil([&] { return cctest::ProcState(pid) != 'T'; }));
  CHECK(cctest::ReadLine(*fd) == "during");  // the request sent during the pause completes
  CHECK(cctest::EchoLine(*fd, "after") == "after");
  close(*fd);
}

TEST_CASE("StopDaemon ends a daemon, escalating to SIGKILL after the grace period", "[daemon]") {
  LocalNode node;
  Remote& r = node.remote();

  SECTION("a daemon that honours SIGTERM stops at once and is reaped") {
    auto d = r.StartDaemon({"sleeper", {kProbe, "sleep"}, "", {}, ""});
    REQUIRE(d.ok());
    CHECK(r.DaemonAlive(*d));
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(r.StopDaemon(*d, 10s).ok());
    CHECK(Seconds(std::chrono::steady_clock::now() - start) <
          Seconds(testtime::kSlack));  // not the grace
    CHECK_FALSE(r.DaemonAlive(*d));
    CHECK(cctest::ProcState(static_cast<pid_t>(d->pid)) == '-');  // reaped, not a zombie
    CHECK(r.StopDaemon(*d, 1s).ok());                             // again: already gone
  }

  SECTION("a daemon that ignores SIGTERM is killed after its grace") {
    const std::string log = r.root_dir() + "/stubborn.log";
    auto d = r.StartDaemon({"stubborn", {kProbe, "sleep-ignore-term"}, log, {}, ""});
    REQUIRE(d.ok());
    REQUIRE(nodetest::WaitUntil(
        [&] { return nodetest::ReadFile(log).find("ignoring SIGTERM") != std::string::npos; }));
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(r.StopDaemon(*d, 300ms).ok());
    const double elapsed = Seconds(std::chrono::steady_clock::now() - start);
    CHECK(elapsed >= 0.3);
    CHECK(elapsed < 0.3 + Seconds(testtime::kSlack));
    CHECK(cctest::ProcState(static_cast<pid_t>(d->pid)) == '-');
  }

  SECTION("a paused daemon is resumed so that SIGTERM can end it") {
    auto d = r.StartDaemon({"sleeper", {kProbe, "sleep"}, "", {}, ""});
    REQUIRE(d.ok());
    REQUIRE(r.SignalDaemon(*d, SIGSTOP).ok());
    REQUIRE(
        nodetest::WaitUntil([&] { return cctest::ProcState(static_cast<pid_t>(d->pid)) == 'T'; }));
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(r.StopDaemon(*d, 10s).ok());
    CHECK(Seconds(std::chrono::steady_clock::now() - start) <
          Seconds(testtime::kSlack));  // not the grace
  }

  SECTION("the daemon's children go with it") {
    const std::string log = r.root_dir() + "/parent.log";
    auto d = r.StartDaemon({"parent", {kProbe, "grandchild"}, log, {}, ""});
    REQUIRE(d.ok());
    pid_t child = 0;
    REQUIRE(nodetest::WaitUntil(
        [&] { return (child = std::atoi(nodetest::ReadFile(log).c_str())) > 0; }));
    CHECK_FALSE(coordcheck::control::ProcessGone(child));
    REQUIRE(r.StopDaemon(*d, 2s).ok());
    CHECK(nodetest::WaitUntil([&] { return coordcheck::control::ProcessGone(child); }));
  }

  SECTION("a daemon that exited is a zombie until reaped, and never counts as alive") {
    auto d = r.StartDaemon({"quitter", {kProbe, "exit", "3"}, "", {}, ""});
    REQUIRE(d.ok());
    const pid_t pid = static_cast<pid_t>(d->pid);
    REQUIRE(nodetest::WaitUntil([&] { return cctest::ProcState(pid) == 'Z'; }));
    CHECK_FALSE(r.DaemonAlive(*d));
    CHECK(cctest::ProcState(pid) == '-');
    auto signalled = r.SignalDaemon(*d, SIGTERM);
    REQUIRE_FALSE(signalled.ok());
    CHECK_THAT(signalled.message(), Contains("node n1") && Contains("not running"));
    CHECK(r.StopDaemon(*d, 1s).ok());
  }
}

TEST_CASE("StartDaemon errors name the node and the daemon", "[daemon]") {
  LocalNode node;
  Remote& r = node.remote();
  auto missing = r.StartDaemon({"ghost", {"/nonexistent/daemon"}, "", {}, ""});
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.message(),
             Contains("node n1") && Contains("ghost") && Contains("/nonexistent/daemon"));

  auto first = r.StartDaemon({"single", {kProbe, "sleep"}, "", {}, ""});
  REQUIRE(first.ok());
  auto second = r.StartDaemon({"single", {kProbe, "sleep"}, "", {}, ""});
  REQUIRE_FALSE(second.ok());
  CHECK_THAT(second.message(), Contains("node n1") && Contains("single") && Contains("running"));
  REQUIRE(r.StopDaemon(*first, 1s).ok());
  auto again = r.StartDaemon({"single", {kProbe, "sleep"}, "", {}, ""});
  CHECK(again.ok());

  auto bad_cwd = r.StartDaemon({"lost", {kProbe, "sleep"}, "", {}, "/nonexistent/dir"});
  REQUIRE_FALSE(bad_cwd.ok());
  CHECK_THAT(bad_cwd.message(), Contains("node n1") && Contains("/nonexistent/dir"));
}

TEST_CASE("Upload and Download copy files with their mode, creating directories", "[files]") {
  LocalNode node;
  Remote& r = node.remote();
  nodetest::TempDir local;
  const std::string payload = std::string("binary\0payload\n", 15) + std::string(100000, 'z');
  cctest::WriteFile(local.path() + "/tool", payload);

  const std::string remote_path = r.root_dir() + "/bin/sub/tool";
  REQUIRE(r.Upload(local.path() + "/tool", remote_path, 0750).ok());
  struct stat st;
  REQUIRE(stat(remote_path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0750);
  CHECK(nodetest::ReadFile(remote_path) == payload);

  REQUIRE(r.Upload(local.path() + "/tool", remote_path, 0604).ok());  // replaces it
  REQUIRE(stat(remote_path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0604);

  const std::string back = local.path() + "/back/again/tool";
  REQUIRE(r.Download(remote_path, back).ok());
  CHECK(nodetest::ReadFile(back) == payload);
  REQUIRE(stat(back.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0604);

  auto up_missing = r.Upload(local.path() + "/nothing", remote_path, 0644);
  REQUIRE_FALSE(up_missing.ok());
  CHECK_THAT(up_missing.message(), Contains("node n1") && Contains(local.path() + "/nothing"));
  auto down_missing = r.Download(r.root_dir() + "/nothing", back);
  REQUIRE_FALSE(down_missing.ok());
  CHECK_THAT(down_missing.message(), Contains("node n1") && Contains(r.root_dir() + "/nothing"));
}

TEST_CASE("Exec and daemons work from several threads at once", "[exec][daemon]") {
  LocalNode node;
  Remote& r = node.remote();
  constexpr int kThreads = 6;
  constexpr int kRounds = 15;
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  std::atomic<int> daemons_ok{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string name = "d" + std::to_string(t);
      auto d = r.StartDaemon({name, {kProbe, "sleep"}, "", {}, ""});
      for (int i = 0; i < kRounds; ++i) {
        ExecOptions options;
        options.input = "thread " + std::to_string(t) + " round " + std::to_string(i) + "\n";
        auto result = r.Exec({kProbe, "cat"}, options);
        if (result.ok() && result->out == options.input) ++good;
      }
      if (d.ok() && r.DaemonAlive(*d) && r.StopDaemon(*d, 1s).ok() && !r.DaemonAlive(*d)) {
        ++daemons_ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(good == kThreads * kRounds);
  CHECK(daemons_ok == kThreads);
}
