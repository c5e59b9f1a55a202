// CleanLeftovers: what a SIGKILLed controller left is removed; live runs, reused pids and
// anything outside the dead run are left alone. Also the ledger reader.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <memory>

#include "harness/control/cluster.h"
#include "harness/control/ledger.h"
#include "harness/control/netns.h"
#include "harness/control/process.h"
#include "tests/control/test_util.h"
#include "tests/support/node_env.h"

extern char** environ;

using Catch::Matchers::Contains;
using cctest::kProbe;
using coordcheck::control::CleanLeftovers;
using coordcheck::control::CleanReport;
using coordcheck::control::Cluster;
using coordcheck::control::ClusterOptions;
using coordcheck::control::ListNetns;
using coordcheck::control::ProcessGone;
using namespace std::chrono_literals;

namespace {

bool Removed(const CleanReport& report, const std::string& line) {
  return std::find(report.removed.begin(), report.removed.end(), line) != report.removed.end();
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// A `cc_probe sleep` child of the test, killed and reaped on destruction.
class Sleeper {
 public:
  Sleeper() {
    std::vector<std::string> args = {kProbe, "sleep"};
    char* argv[] = {args[0].data(), args[1].data(), nullptr};
    REQUIRE(posix_spawn(&pid_, kProbe.c_str(), nullptr, nullptr, argv, environ) == 0);
  }
  ~Sleeper() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  pid_t pid() const { return pid_; }
  uint64_t start_time() const {
    auto st = coordcheck::control::ReadProcStat(pid_);
    return st ? st->start_time : 0;
  }

 private:
  pid_t pid_ = 0;
};

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
  Sleeper victim, reused, bystander;

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
