// CleanLeftovers: what a SIGKILLed controller left is removed; live runs, reused pids and
// anything outside the dead run are left alone. Also the ledger reader.
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>

#include "harness/control/cluster.h"
#include "harness/control/ledger.h"
#include "harness/control/mounts.h"
#include "harness/control/netns.h"
#include "harness/control/process.h"
#include "tests/control/test_util.h"
#include "tests/support/node_env.h"

using Catch::Matchers::Contains;
using cctest::kProbe;
using coordcheck::control::CleanLeftovers;
using coordcheck::control::CleanReport;
using coordcheck::control::Cluster;
using coordcheck::control::ClusterOptions;
using coordcheck::control::ListNetns;
using coordcheck::control::NetnsExists;
using coordcheck::control::ProcessGone;
using namespace std::chrono_literals;

namespace {

const std::string kSyncfs = COORDCHECK_BIN_DIR_PATH "/coordcheck-syncfs";

bool Removed(const CleanReport& report, const std::string& line) {
  return std::find(report.removed.begin(), report.removed.end(), line) != report.removed.end();
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace

TEST_CASE("CleanLeftovers removes what a SIGKILLed netns controller left, sparing a live run",
          "[clean][root]") {
  nodetest::RequireRoot();
  nodetest::TempDir dir;

  ClusterOptions options;
  options.backend = "netns";
  options.nodes = 2;
  options.state_dir = dir.path();
  auto live_created = Cluster::Create(options);
  INFO(live_created.message());
  REQUIRE(live_created.ok());
  auto live = std::move(live_created.value());
  auto& live_n1 = live->remote("n1");
  const std::string live_log = live_n1.root_dir() + "/live.log";
  auto live_daemon = live_n1.StartDaemon(
      {"live", {kProbe, "listen", live_n1.address(), "0", "live"}, live_log, {}, ""});
  REQUIRE(live_daemon.ok());
  const int live_port = nodetest::WaitForListeningPort(live_log);
  REQUIRE(live_port > 0);

  cctest::ControllerChild dead(dir.path(), "netns", 2);
  const std::string id = dead.run_id();
  const std::string ledger = dir.path() + "/ledgers/" + id + ".jsonl";
  REQUIRE(ListNetns("cc-" + id + "-").size() == 3);
  REQUIRE(nodetest::Exists(ledger));
  dead.Kill();
  // The daemons outlive their controller: that is what there is to clean.
  for (pid_t pid : dead.daemons()) CHECK_FALSE(ProcessGone(pid));

  const CleanReport report = CleanLeftovers(dir.path());
  INFO("removed:\n" << Joined(report.removed) << "errors:\n" << Joined(report.errors));
  CHECK(report.errors.empty());
  CHECK(report.runs_skipped_alive == 1);
  CHECK(Removed(report, "netns cc-" + id + "-ctl"));
  CHECK(Removed(report, "netns cc-" + id + "-n1"));
  CHECK(Removed(report, "netns cc-" + id + "-n2"));
  CHECK(Removed(report, "process n1/sleeper pid " + std::to_string(dead.daemons()[0])));
  CHECK(Removed(report, "dir " + dir.path() + "/" + id));
  CHECK(Removed(report, "ledger " + ledger));
  CHECK(ListNetns("cc-" + id + "-").empty());
  for (pid_t pid : dead.daemons()) CHECK(nodetest::WaitUntil([&] { return ProcessGone(pid); }));
  CHECK_FALSE(nodetest::Exists(dir.path() + "/" + id));
  CHECK_FALSE(nodetest::Exists(ledger));

  // The live run is untouched and still works.
  CHECK(nodetest::Exists(dir.path() + "/ledgers/" + live->run_id() + ".jsonl"));
  CHECK(ListNetns("cc-" + live->run_id() + "-").size() == 3);
  CHECK(live_n1.DaemonAlive(*live_daemon));
  auto fd = live->dialer().Connect(live_n1.address(), live_port, 1s);
  REQUIRE(fd.ok());
  CHECK(cctest::ReadLine(*fd) == "live");
  close(*fd);

  const CleanReport again = CleanLeftovers(dir.path());
  CHECK(again.removed.empty());
  CHECK(again.errors.empty());
  CHECK(again.runs_skipped_alive == 1);
  REQUIRE(live->Destroy().ok());
}

// A cluster of another state folder (or one whose folder was deleted) is not this clean's
// to judge: its namespaces are named as unowned and left working.
TEST_CASE("CleanLeftovers names namespaces of ours that no ledger here owns, and leaves them",
          "[clean][root]") {
  nodetest::RequireRoot();
  nodetest::TempDir home;
  nodetest::TempDir other;
  ClusterOptions options;
  options.backend = "netns";
  options.nodes = 1;
  options.state_dir = home.path();
  auto created = Cluster::Create(options);
  INFO(created.message());
  REQUIRE(created.ok());
  auto cluster = std::move(created.value());
  const std::string id = cluster->run_id();
  auto listed = [](const CleanReport& r, const std::string& name) {
    return std::find(r.unowned.begin(), r.unowned.end(), name) != r.unowned.end();
  };

  const CleanReport elsewhere = CleanLeftovers(other.path());
  INFO("unowned:\n" << Joined(elsewhere.unowned));
  CHECK(elsewhere.removed.empty());
  CHECK(listed(elsewhere, "cc-" + id + "-ctl"));
  CHECK(listed(elsewhere, "cc-" + id + "-n1"));
  CHECK(ListNetns("cc-" + id + "-").size() == 2);  // untouched

  const CleanReport here = CleanLeftovers(home.path());
  CHECK_FALSE(listed(here, "cc-" + id + "-n1"));  // its ledger is here
  CHECK(here.runs_skipped_alive == 1);
  REQUIRE(cluster->Destroy().ok());
  CHECK(ListNetns("cc-" + id + "-").empty());
}

TEST_CASE("CleanLeftovers removes what a SIGKILLed local controller left", "[clean]") {
  nodetest::TempDir dir;
  cctest::ControllerChild dead(dir.path(), "local", 2);
  const std::string id = dead.run_id();
  REQUIRE(nodetest::Exists(dir.path() + "/" + id + "/n2"));
  dead.Kill();
  for (pid_t pid : dead.daemons()) CHECK_FALSE(ProcessGone(pid));

  const CleanReport report = CleanLeftovers(dir.path());
  INFO("removed:\n" << Joined(report.removed) << "errors:\n" << Joined(report.errors));
  CHECK(report.errors.empty());
  CHECK(report.runs_skipped_alive == 0);
  for (pid_t pid : dead.daemons()) CHECK(nodetest::WaitUntil([&] { return ProcessGone(pid); }));
  CHECK_FALSE(nodetest::Exists(dir.path() + "/" + id));
  CHECK(coordcheck::control::ListLedgers(dir.path()).empty());
}

TEST_CASE("CleanLeftovers kills only recorded processes with their start time, only in its run",
          "[clean]") {
  nodetest::TempDir dir;
  nodetest::TempDir outside;
  std::filesystem::create_directories(dir.path() + "/ledgers");
  std::filesystem::create_directories(dir.path() + "/abc123/n1/data");
  cctest::Sleeper victim, reused, bystander;

  // A dead controller: this pid, but another start time (the pid was reused).
  auto header = coordcheck::control::MakeLedgerHeader("abc123", "local", dir.path());
  header["controller_start_time"] = header["controller_start_time"].get<uint64_t>() + 1;
  std::string dead = header.dump() + "\n";
  for (const nlohmann::json& entry :
       std::vector<nlohmann::json>{{{"kind", "dir"}, {"path", dir.path() + "/abc123"}},
                                   {{"kind", "dir"}, {"path", dir.path() + "/abc123/n1"}},
                                   {{"kind", "dir"}, {"path", outside.path()}},
                                   {{"kind", "netns"}, {"name", "cc-ffffff-n1"}},
                                   {{"kind", "process"},
                                    {"node", "n1"},
                                    {"name", "victim"},
                                    {"pid", victim.pid()},
                                    {"start_time", victim.start_time()}},
                                   {{"kind", "process"},
                                    {"node", "n1"},
                                    {"name", "reused"},
                                    {"pid", reused.pid()},
                                    {"start_time", reused.start_time() + 1}}}) {
    dead += entry.dump() + "\n";
  }
  cctest::WriteFile(dir.path() + "/ledgers/abc123.jsonl", dead);

  // A live controller (this process) whose ledger lists the bystander.
  auto live = coordcheck::control::MakeLedgerHeader("def456", "local", dir.path());
  nlohmann::json bystander_entry = {{"kind", "process"},
                                    {"node", "n1"},
                                    {"name", "bystander"},
                                    {"pid", bystander.pid()},
                                    {"start_time", bystander.start_time()}};
  cctest::WriteFile(dir.path() + "/ledgers/def456.jsonl",
                    live.dump() + "\n" + bystander_entry.dump() + "\n");

  const CleanReport report = CleanLeftovers(dir.path());
  INFO("removed:\n" << Joined(report.removed) << "errors:\n" << Joined(report.errors));
  CHECK(report.runs_skipped_alive == 1);
  CHECK(nodetest::WaitUntil([&] { return ProcessGone(victim.pid()); }));
  CHECK_FALSE(ProcessGone(reused.pid()));
  CHECK_FALSE(ProcessGone(bystander.pid()));
  CHECK_FALSE(nodetest::Exists(dir.path() + "/abc123"));
  CHECK(nodetest::Exists(outside.path()));
  // What it refused to touch is reported, and the ledger stays for a human to look at.
  REQUIRE(report.errors.size() == 2);
  CHECK_THAT(Joined(report.errors), Contains("cc-ffffff-n1") && Contains(outside.path()));
  CHECK(nodetest::Exists(dir.path() + "/ledgers/abc123.jsonl"));
  CHECK(nodetest::Exists(dir.path() + "/ledgers/def456.jsonl"));
}

TEST_CASE("ReadLedger ignores a torn last line and rejects a broken one", "[clean]") {
  nodetest::TempDir dir;
  const std::string path = dir.path() + "/x.jsonl";
  cctest::WriteFile(path, R"({"kind":"header","run_id":"abc123"})"
                          "\n"
                          R"({"kind":"dir","path":"/tmp/x"})"
                          "\n"
                          R"({"kind":"proc)");
  auto torn = coordcheck::control::ReadLedger(path);
  REQUIRE(torn.ok());
  CHECK(torn->header["run_id"] == "abc123");
  CHECK(torn->entries.size() == 1);

  cctest::WriteFile(path, R"({"kind":"header","run_id":"abc123"})"
                          "\n"
                          "garbage\n"
                          R"({"kind":"dir","path":"/tmp/x"})"
                          "\n");
  auto broken = coordcheck::control::ReadLedger(path);
  REQUIRE_FALSE(broken.ok());
  CHECK_THAT(broken.message(), Contains(path + ":2"));

  cctest::WriteFile(path, R"({"kind":"dir","path":"/tmp/x"})"
                          "\n");
  CHECK_FALSE(coordcheck::control::ReadLedger(path).ok());
}

namespace {

// In a forked child: sleeps until killed, holding no descriptor of its parent's (readers of
// its pipes must see EOF) and with default signal actions (not the test framework's).
[[noreturn]] void SleepForever() {
  close_range(3, ~0U, 0);
  for (int sig : {SIGTERM, SIGINT, SIGSEGV, SIGABRT}) signal(sig, SIG_DFL);
  while (true) pause();
}

// In a sandbox (cctest::InSandbox): binds the network namespace of `ns_of` (a /proc/PID/ns/net
// or /proc/self/ns/net path) as /run/netns/NAME, like `ip netns attach`. "" or an error.
std::string BindNetns(const std::string& ns_of, const std::string& name) {
  const std::string path = coordcheck::control::NetnsPath(name);
  cctest::WriteFile(path, "");
  if (mount(ns_of.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) < 0) {
    return "bind " + ns_of + " on " + path + ": " + strerror(errno) + "\n";
  }
  return "";
}

// In a sandbox: a child that sleeps inside a new namespace bound as NAME; its pid.
pid_t SleeperInNewNetns(const std::string& name) {
  int ready[2];
  if (pipe(ready) < 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) {
    close(ready[0]);
    const bool ok = unshare(CLONE_NEWNET) == 0 && BindNetns("/proc/self/ns/net", name).empty();
    ssize_t ignored = write(ready[1], ok ? "y" : "n", 1);
    (void)ignored;
    if (!ok) _exit(1);
    SleepForever();
  }
  close(ready[1]);
  char c = 0;
  ssize_t n = read(ready[0], &c, 1);
  close(ready[0]);
  return n == 1 && c == 'y' ? pid : -1;
}

// In a sandbox: a child that sleeps in the caller's namespace.
pid_t SleeperHere() {
  const pid_t pid = fork();
  if (pid == 0) SleepForever();
  return pid;
}

// A dead run "abc123" in `state_dir` whose ledger lists the namespaces `names`.
void PlantNetnsLedger(const std::string& state_dir, const std::vector<std::string>& names) {
  std::vector<nlohmann::json> entries;
  for (const auto& name : names) entries.push_back({{"kind", "netns"}, {"name", name}});
  cctest::WriteDeadLedger(state_dir, "abc123", "netns", entries);
}

// "" when every error line names each of `names`' lines, else what is missing.
std::string ExpectErrors(const CleanReport& report, const std::vector<std::string>& says) {
  std::string out;
  const std::string errors = Joined(report.errors);
  for (const auto& s : says) {
    if (errors.find(s) == std::string::npos) out += "no error says '" + s + "'\n";
  }
  if (report.errors.size() != says.size()) {
    out += std::to_string(report.errors.size()) + " errors:\n" + errors;
  }
  return out;
}

std::string Alive(pid_t pid, const std::string& what) {
  std::this_thread::sleep_for(100ms);
  return pid > 0 && !ProcessGone(pid) ? ""
                                      : what + " (pid " + std::to_string(pid) + ") was killed\n";
}

}  // namespace

TEST_CASE("CleanLeftovers refuses a namespace that is the host's or its own", "[clean][root]") {
  nodetest::RequireRoot();
  nodetest::TempDir dir;
  const std::string state = dir.path();
  const std::string failures = cctest::InSandbox([&state]() -> std::string {
    // This process is pid 1: its namespace is the host's, as clean sees it.
    std::string out = BindNetns("/proc/1/ns/net", "cc-abc123-n1");
    const pid_t host_sleeper = SleeperHere();
    int result[2];
    if (pipe(result) < 0) return "pipe\n";
    const pid_t cleaner = fork();
    if (cleaner == 0) {
      close(result[0]);
      // The cleaner runs in a namespace of its own, bound as n2 too.
      std::string r;
      if (unshare(CLONE_NEWNET) < 0) r += "unshare\n";
      r += BindNetns("/proc/self/ns/net", "cc-abc123-n2");
      const pid_t own_sleeper = SleeperHere();
      PlantNetnsLedger(state, {"cc-abc123-ctl", "cc-abc123-n1", "cc-abc123-n2"});
      const CleanReport report = CleanLeftovers(state);
      r += ExpectErrors(report, {"cc-abc123-n1 is the same namespace as /proc/1/ns/net",
                                 "cc-abc123-n2 is the same namespace as /proc/self/ns/net"});
      r += Alive(own_sleeper, "a process in the cleaner's own namespace");
      if (!NetnsExists("cc-abc123-n2")) r += "cc-abc123-n2 was deleted\n";
      std::filesystem::remove_all(state + "/ledgers");  // names only the sandbox knows
      ssize_t ignored = write(result[1], r.data(), r.size());
      (void)ignored;
      _exit(0);
    }
    close(result[1]);
    char buf[4096];
    for (ssize_t n; (n = read(result[0], buf, sizeof buf)) > 0;) out.append(buf, n);
    waitpid(cleaner, nullptr, 0);
    out += Alive(host_sleeper, "a process in the host's namespace");
    if (!NetnsExists("cc-abc123-n1")) out += "cc-abc123-n1 was deleted\n";
    return out;
  });
  INFO(failures);
  CHECK(failures.empty());
}

TEST_CASE("CleanLeftovers touches only namespaces named exactly as its run names them",
          "[clean][root]") {
  nodetest::RequireRoot();
  nodetest::TempDir dir;
  const std::string state = dir.path();
  const std::string failures = cctest::InSandbox([&state]() -> std::string {
    std::string out;
    const std::vector<std::string> odd = {"cc-abc123-n1x",  "cc-abc123-n01", "cc-abc123-nx",
                                          "cc-abc123-ctl0", "cc-abc123-n",   "cc-abc123-n1000"};
    std::vector<pid_t> spared;
    for (const auto& name : odd) spared.push_back(SleeperInNewNetns(name));
    const pid_t ours = SleeperInNewNetns("cc-abc123-n7");
    std::vector<std::string> listed = odd;
    listed.push_back("cc-abc123-n7");
    PlantNetnsLedger(state, listed);
    const CleanReport report = CleanLeftovers(state);
    std::vector<std::string> says;
    for (const auto& name : odd) says.push_back("'" + name + "' is not a name this run");
    out += ExpectErrors(report, says);
    for (size_t i = 0; i < odd.size(); ++i) {
      out += Alive(spared[i], "the process in " + odd[i]);
      if (!NetnsExists(odd[i])) out += odd[i] + " was deleted\n";
    }
    if (!Removed(report, "netns cc-abc123-n7")) out += "cc-abc123-n7 was not removed\n";
    if (!nodetest::WaitUntil([&] { return ProcessGone(ours); })) {
      out += "the process in cc-abc123-n7 survived\n";
    }
    std::filesystem::remove_all(state + "/ledgers");  // names only the sandbox knows
    return out;
  });
  INFO(failures);
  CHECK(failures.empty());
}

TEST_CASE("KillIfSame does not signal a process that took over the pid after the check",
          "[clean][root]") {
  nodetest::RequireRoot();
  const std::string failures = cctest::InSandbox([]() -> std::string {
    const pid_t victim = SleeperHere();
    const auto stat = coordcheck::control::ReadProcStat(victim);
    if (!stat) return "no stat of the victim\n";
    pid_t impostor = -1;
    auto pidfd = coordcheck::control::KillIfSame(victim, stat->start_time, [&] {
      // The recorded process exits and a new one gets its pid (ns_last_pid: nothing else
      // forks in the sandbox).
      kill(victim, SIGKILL);
      waitpid(victim, nullptr, 0);
      cctest::WriteFile("/proc/sys/kernel/ns_last_pid", std::to_string(victim - 1));
      impostor = fork();
      if (impostor == 0) {
        setpgid(0, 0);
        SleepForever();
      }
    });
    if (impostor != victim) {
      return "the pid was not reused (impostor " + std::to_string(impostor) + ")\n";
    }
    std::string out = Alive(impostor, "the process that reused the pid");
    if (pidfd.valid()) out += "KillIfSame says it killed something\n";
    return out;
  });
  INFO(failures);
  CHECK(failures.empty());
}

TEST_CASE("CleanLeftovers detaches the dead FUSE mount a killed run left, before its folders",
          "[clean][root]") {
  nodetest::RequireRoot("FUSE mounts");
  nodetest::TempDir dir;
  const std::string node = dir.path() + "/abc123/n1";
  const std::string mnt = node + "/data", backing = node + "/syncfs/backing";
  std::filesystem::create_directories(mnt);
  std::filesystem::create_directories(backing);
  // A real coordcheck-syncfs, SIGKILLed: its mount stays, and every access to it fails.
  const pid_t daemon = fork();
  REQUIRE(daemon >= 0);
  if (daemon == 0) {
    execl(kSyncfs.c_str(), kSyncfs.c_str(), "mount", "--backing", backing.c_str(),
          "--mountpoint", mnt.c_str(), "--socket", (node + "/ctl.sock").c_str(), nullptr);
    _exit(127);
  }
  REQUIRE(nodetest::WaitUntil([&] { return coordcheck::control::IsMountPoint(mnt); },
                              std::chrono::seconds(5)));
  kill(daemon, SIGKILL);
  waitpid(daemon, nullptr, 0);
  std::error_code ec;
  (void)std::filesystem::status(mnt + "/x", ec);
  REQUIRE(ec.value() == ENOTCONN);

  cctest::WriteDeadLedger(dir.path(), "abc123", "netns",
                          {{{"kind", "dir"}, {"path", dir.path() + "/abc123"}},
                           {{"kind", "dir"}, {"path", node}},
                           {{"kind", "mount"}, {"node", "n1"}, {"path", mnt}},
                           {{"kind", "mount"}, {"node", "n1"}, {"path", "/elsewhere"}}});
  const CleanReport report = CleanLeftovers(dir.path());
  INFO("removed:\n" << Joined(report.removed) << "errors:\n" << Joined(report.errors));
  CHECK_FALSE(coordcheck::control::IsMountPoint(mnt));
  CHECK(Removed(report, "mount " + mnt));
  CHECK(Removed(report, "dir " + dir.path() + "/abc123"));
  CHECK_FALSE(nodetest::Exists(dir.path() + "/abc123"));
  // A mount outside the run's folder is not ours to touch.
  REQUIRE(report.errors.size() == 1);
  CHECK_THAT(report.errors[0], Contains("/elsewhere"));
  coordcheck::control::DetachMount(mnt);  // if the check above failed
}
