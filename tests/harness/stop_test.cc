// `coordcheck run` stopped by a signal or failed, end to end on the local backend: SIGTERM,
// SIGHUP and SIGQUIT stop it as SIGINT does (teardown, results.json, exit 3); a stop during the
// target's ready wait ends the run within seconds; results.json is written after teardown,
// so what teardown could not undo is in it (teardown_error, nemesis.unhealed); a set-up
// error names the node (exit 3); a check out of its budget ends the run unknown (exit 2, a
// junit error); and a state folder that is not ours alone is refused (run as another user
// with setpriv). `serve` stops on the same signals.
#include <netinet/in.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "tests/harness/run_util.h"
#include "tests/support/node_env.h"

namespace coordcheck::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr uid_t kNobody = 65534;

Json ReadResults(const std::string& run_dir) {
  return Json::parse(ReadFile(run_dir + "/results.json"));
}

// A TCP port that a socket of the test listens on, on every address, and never answers:
// a kvd told to use it cannot bind it, so the run waits in the ready wait (for 30 s).
class BusyPort {
 public:
  BusyPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 64) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
  }
  ~BusyPort() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A local run of kvd on `port` whose set-up is under way (the cluster exists) when this
// returns.
Spawned StartRunStuckInReadyWait(const RunDirs& d, const BusyPort& busy) {
  Spawned s = SpawnCoordcheck(
      RegisterRunArgs(d, {"--backend", "local", "--nodes", "3", "--time-limit", "5",
                          "--target-options", "{\"port\":" + std::to_string(busy.port()) + "}"}));
  REQUIRE(nodetest::WaitUntil([&] { return fs::exists(d.store + "/latest/coordcheck.log"); }, 10s,
                              20ms));
  REQUIRE(WaitForText(d.store + "/latest/coordcheck.log", "cluster ", 10s));
  // Into the ready wait: set-up has started kvd on every node, and each has logged that it
  // cannot listen on the busy port.
  const std::string nodes = d.state + "/" + RunIdFromLog(LatestRun(d)) + "/";
  REQUIRE(nodetest::WaitUntil(
      [&] {
        for (const char* node : {"n1", "n2", "n3"}) {
          if (ReadFile(nodes + node + "/kvd.log").empty()) return false;
        }
        return true;
      },
      20s, 20ms));
  return s;
}

}  // namespace

TEST_CASE(
    "run: SIGTERM, SIGHUP and SIGQUIT stop the run as SIGINT does: teardown and results.json") {
  for (int sig : {SIGTERM, SIGHUP, SIGQUIT}) {
    INFO("signal " << sig);
    RunDirs d = FreshRunDirs("stop-signal");
    Spawned s = SpawnCoordcheck(
        RegisterRunArgs(d, {"--backend", "local", "--nodes", "3", "--time-limit", "60"}));
    REQUIRE(WaitForHistoryBytes(d, 1000, 20s));
    const std::string run = LatestRun(d);
    CHECK_FALSE(Leftovers(d.state, RunIdFromLog(run)).empty());  // the run is really up
    ::kill(s.pid, sig);
    const int code = WaitExit(s.pid, 20s);
    INFO(ReadFile(s.out_path));
    CHECK(code == 3);
    const Json results = ReadResults(run);
    CHECK(results["verdict"] == "error");
    CHECK(results["error"].get<std::string>().find("interrupted") != std::string::npos);
    CheckNothingLeft(d);
  }
}

TEST_CASE("run: SIGINT during set-up (the ready wait) ends the run within seconds and tears down") {
  BusyPort busy;
  RunDirs d = FreshRunDirs("stop-setup");
  Spawned s = StartRunStuckInReadyWait(d, busy);
  const std::string run = LatestRun(d);
  const auto sent = Clock::now();
  ::kill(s.pid, SIGINT);
  const int code = WaitExit(s.pid, 40s);
  const auto took = Clock::now() - sent;
  INFO(ReadFile(s.out_path));
  CHECK(code == 3);
  CHECK(took < 20s);  // the ready wait alone is 30 s
  const Json results = ReadResults(run);
  CHECK(results["verdict"] == "error");
  const std::string error = results["error"];
  CHECK(error.find("interrupted") != std::string::npos);  // in the ready wait, not before
  CHECK(error.find("ready") != std::string::npos);
  CheckNothingLeft(d);
}

TEST_CASE("run: a failed run's results.json is written after teardown with what it could not undo",
          "[root]") {
  nodetest::RequireRoot("mount");
  BusyPort busy;
  RunDirs d = FreshRunDirs("stop-teardown");
  Spawned s = StartRunStuckInReadyWait(d, busy);
  const std::string run = LatestRun(d);
  const std::string run_id = RunIdFromLog(run);
  REQUIRE(run_id.size() == 6);
  // A mount on a node's folder: teardown cannot remove it (EBUSY) and must say so.
  const std::string node_dir = d.state + "/" + run_id + "/n1";
  REQUIRE(::mount("tmpfs", node_dir.c_str(), "tmpfs", 0, nullptr) == 0);
  ::kill(s.pid, SIGINT);
  const int code = WaitExit(s.pid, 40s);
  ::umount2(node_dir.c_str(), MNT_DETACH);
  INFO(ReadFile(s.out_path));
  CHECK(code == 3);
  const Json results = ReadResults(run);
  CHECK(results["verdict"] == "error");
  REQUIRE(results.contains("teardown_error"));
  CHECK(results["teardown_error"].get<std::string>().find("cannot remove " + d.state + "/" +
                                                          run_id) != std::string::npos);
  CHECK(results["nemesis"]["unhealed"] == "");
  // The failed teardown left its ledger; clean finishes the job.
  std::string clean_out;
  CHECK(RunCoordcheck({"clean", "--state-dir", d.state}, &clean_out) == 0);
  INFO(clean_out);
  CheckNothingLeft(d);
}

TEST_CASE("run: a set-up error names the node and exits 3, with results.json and a junit error") {
  BusyPort busy;  // kvd cannot listen anywhere: n1, the first node waited for, is not ready
  RunDirs d = FreshRunDirs("setup-error");
  std::string out;
  const int code = RunCoordcheck(
      RegisterRunArgs(d, {"--backend", "local", "--nodes", "3", "--time-limit", "5",
                          "--target-options", "{\"port\":" + std::to_string(busy.port()) + "}"}),
      &out);
  INFO(out);
  CHECK(code == 3);
  CHECK(out.find("node n1: kvd at ") != std::string::npos);
  const std::string run = LatestRun(d);
  const Json results = ReadResults(run);
  CHECK(results["verdict"] == "error");
  CHECK(results["error"].get<std::string>().find("node n1") != std::string::npos);
  const std::string junit = ReadFile(run + "/junit.xml");
  CHECK(junit.find("<error") != std::string::npos);
  CHECK(junit.find("node n1") != std::string::npos);
  CheckNothingLeft(d);
}

TEST_CASE("run: a check out of its budget ends the run unknown: exit 2 and a junit error") {
  RunDirs d = FreshRunDirs("unknown");
  std::string out;
  // Fifty clients as fast as they go on one key (some 15,000 ops): far more than a
  // millisecond's search.
  const int code = RunCoordcheck(
      RegisterRunArgs(d, {"--backend", "local", "--nodes", "3", "--time-limit", "3", "--rate", "0",
                          "--concurrency", "50", "--threads-per-key", "50", "--ops-per-key",
                          "1000000", "--check-time-limit", "0.001"}),
      &out);
  INFO(out);
  CHECK(code == 2);
  const std::string run = LatestRun(d);
  const Json results = ReadResults(run);
  CHECK(results["valid"] == "unknown");
  CHECK(results["verdict"] == "unknown");
  CHECK(std::system(("xmllint --noout " + run + "/junit.xml").c_str()) == 0);
  const std::string junit = ReadFile(run + "/junit.xml");
  INFO(junit);
  CHECK(junit.find("<error") != std::string::npos);  // never a pass
  CHECK(junit.find("<failure") == std::string::npos);
  CHECK(junit.find("errors=\"0\"") == std::string::npos);
  CheckNothingLeft(d);
}

TEST_CASE("run: a pause that cannot be undone is named in results.json's nemesis.unhealed") {
  RunDirs d = FreshRunDirs("unhealed");
  Spawned s = SpawnCoordcheck(
      RegisterRunArgs(d, {"--backend", "local", "--nodes", "3", "--time-limit", "6", "--nemesis",
                          "pause", "--nemesis-interval", "1", "--seed", "3"}));
  // Once a pause is done (its completion names the node, with no error), that node's kvd,
  // stopped, is killed from outside: nothing can resume it.
  std::string node;
  REQUIRE(nodetest::WaitUntil(
      [&] {
        std::istringstream lines(ReadFile(LatestHistory(d)));
        for (std::string line; std::getline(lines, line);) {
          if (line.find("\"process\":\"nemesis\"") == std::string::npos) continue;
          const Json op = Json::parse(line, nullptr, /*allow_exceptions=*/false);
          if (op.is_discarded()) continue;
          if (op["f"] == "resume") node.clear();  // no longer paused
          if (op["f"] != "pause" || op["type"] != "info" || op.contains("error")) continue;
          if (!op["value"]["nodes"].empty()) node = op["value"]["nodes"][0];
        }
        return !node.empty();
      },
      60s, 5ms));
  const std::vector<pid_t> pids =
      nodetest::PidsWith({d.state + "/", "coordcheck-kvd", "--node " + node + " "});
  REQUIRE(pids.size() == 1);
  const pid_t victim = pids[0];
  CHECK(nodetest::ProcessStateOf(victim) == 'T');
  REQUIRE(::kill(victim, SIGKILL) == 0);
  // (The run's own verdict and exit code stand: the clients' history is still judged.)
  CHECK(WaitExit(s.pid, 120s) >= 0);
  INFO(ReadFile(s.out_path));
  const Json results = ReadResults(LatestRun(d));
  INFO(results.dump(1).substr(0, 3000));
  REQUIRE(results["nemesis"]["unhealed"].is_string());
  const std::string unhealed = results["nemesis"]["unhealed"];
  CHECK_FALSE(unhealed.empty());
  CHECK(unhealed.find(node) != std::string::npos);
  CHECK(ReadFile(LatestRun(d) + "/coordcheck.log").find("could not heal") != std::string::npos);
  // The verdict comes with notes saying so: the node stayed down, kvd never came back.
  std::string notes;
  for (const Json& note : results["notes"]) notes += note.get<std::string>() + "\n";
  INFO(notes);
  CHECK(notes.find("could not be undone") != std::string::npos);
  CHECK(notes.find("was not ready") != std::string::npos);
  CHECK(ReadFile(s.out_path).find("note: after healing, kvd was not ready") != std::string::npos);
  CheckNothingLeft(d);
}

TEST_CASE("run: as another user a state folder that is not ours alone is refused", "[root]") {
  nodetest::RequireRoot("setpriv");
  const std::vector<std::string> as_nobody = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                              "--clear-groups", "--"};
  auto run_as_nobody = [&](std::vector<std::string> args, std::string* out) {
    args.insert(args.begin(), COORDCHECK_BINARY);
    args.insert(args.begin(), as_nobody.begin(), as_nobody.end());
    return RunCommand(args, out);
  };
  RunDirs d = FreshRunDirs("state-owner");
  REQUIRE(::chown(d.store.c_str(), kNobody, kNobody) == 0);
  std::string out;
  // Root's folder (0755): not ours.
  CHECK(run_as_nobody(RegisterRunArgs(d, {"--backend", "local", "--time-limit", "1"}), &out) == 3);
  CHECK(out.find("coordcheck: error: state directory " + d.state +
                 ": is owned by uid 0, not by "
                 "us (uid 65534)") != std::string::npos);
  CHECK(run_as_nobody({"clean", "--state-dir", d.state}, &out) == 3);
  CHECK(out.find("is owned by uid 0") != std::string::npos);
  // A symlink to a folder of ours: refused too.
  const std::string ours = d.store + "/ours";
  const std::string link = d.store + "/link";
  REQUIRE(::mkdir(ours.c_str(), 0700) == 0);
  REQUIRE(::chown(ours.c_str(), kNobody, kNobody) == 0);
  REQUIRE(::symlink(ours.c_str(), link.c_str()) == 0);
  CHECK(run_as_nobody({"clean", "--state-dir", link}, &out) == 3);
  CHECK(out.find(link + ": is a symbolic link") != std::string::npos);
  // A missing one is made ours, 0700, and a run works in it.
  const std::string fresh = d.store + "/fresh";
  RunDirs mine{d.store, fresh};
  CHECK(run_as_nobody(
            RegisterRunArgs(mine, {"--backend", "local", "--time-limit", "1", "--nodes", "3"}),
            &out) == 0);
  INFO(out);
  struct stat st {};
  REQUIRE(::lstat(fresh.c_str(), &st) == 0);
  CHECK(st.st_uid == kNobody);
  CHECK((st.st_mode & 07777) == 0700);
  CheckNothingLeft(mine);
}

TEST_CASE("serve: SIGHUP and SIGQUIT stop it as SIGINT does") {
  for (int sig : {SIGHUP, SIGQUIT}) {
    INFO("signal " << sig);
    const std::string store = FreshDir("serve-store");
    Spawned s = SpawnCoordcheck({"serve", store, "--port", "0"});
    REQUIRE(WaitForText(s.out_path, "serving ", 10s));
    ::kill(s.pid, sig);
    CHECK(WaitExit(s.pid, 10s) == 0);
  }
}

}  // namespace coordcheck::testing
