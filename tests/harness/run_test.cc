// `coordcheck run` end to end, as root, on real network namespaces: the correct kvd is
// valid, each deliberately broken variant is caught, nothing of a run is left behind after
// a valid run, a failing run, a SIGINT or (with `coordcheck clean`) a SIGKILL, and a killed
// run's history is still readable.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/harness/run_util.h"
#include "tests/support/node_env.h"

namespace coordcheck::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Json = nlohmann::json;
using nodetest::RequireRoot;

// `coordcheck check` of a stored run's history with the cas-register model; the exit code.
int CheckOffline(const std::string& run_dir, std::string* out) {
  return RunCoordcheck({"check", run_dir + "/history.jsonl", "--model", "cas-register"}, out);
}

// Starts a 60 s run in `d` and waits until its history holds more than `bytes` (the main
// phase is under way then: nodes, daemons and the history exist).
Spawned StartLongRun(const RunDirs& d, std::uintmax_t bytes) {
  Spawned s = SpawnCoordcheck(RegisterRunArgs(d, {"--time-limit", "60"}));
  REQUIRE(WaitForHistoryBytes(d, bytes, 10s));
  return s;
}

// Runs kvd with `bug` for 5 s on seeds 1 to 3: every run is invalid (exit 1; `says`, when
// given, in the output) and leaves nothing behind.
void CheckCaughtOnSeeds(const std::string& bug, const char* says) {
  RequireRoot();
  for (const char* seed : {"1", "2", "3"}) {
    RunDirs d = FreshRunDirs(bug);
    std::string out;
    int code = RunCoordcheck(
        RegisterRunArgs(d, {"--bug", bug, "--time-limit", "5", "--seed", seed}), &out);
    INFO("seed " << seed << "\n" << out);
    CHECK(code == 1);
    if (says != nullptr) CHECK(out.find(says) != std::string::npos);
    CHECK(ReadJson(LatestRun(d) + "/results.json")["valid"] == false);
    CheckNothingLeft(d);
  }
}

}  // namespace

TEST_CASE("run: kvd primary on 5 netns nodes for 20 s is valid and leaves nothing") {
  RequireRoot();
  RunDirs d = FreshRunDirs("valid");
  std::string out;
  int code = RunCoordcheck(
      RegisterRunArgs(d, {"--nodes", "5", "--time-limit", "20", "--seed", "42"}), &out);
  INFO(out);
  CHECK(code == 0);
  CHECK(out.rfind("seed 42\n", 0) == 0);  // the seed comes first
  const std::string run = LatestRun(d);
  // The store holds everything the run used and recorded.
  for (const char* f : {"test.json", "history.jsonl", "results.json", "coordcheck.log"}) {
    CHECK(fs::exists(fs::path(run) / f));
  }
  for (int n = 1; n <= 5; ++n) {
    CHECK(fs::file_size(fs::path(run) / "nodes" / ("n" + std::to_string(n)) / "kvd.log") > 0);
  }
  Json results = ReadJson(run + "/results.json");
  CHECK(results["valid"] == true);
  CHECK(results["seed"] == 42);
  CHECK(results["phases"]["main"]["ok"].get<int64_t>() > 1000);
  Json test = ReadJson(run + "/test.json");
  CHECK(test["seed"] == 42);
  CHECK(test["backend"] == "netns");
  CHECK(fs::canonical(fs::path(d.store) / "register-kvd" / "latest") == fs::path(run));
  // The recorded history passes the offline checker too.
  std::string check_out;
  CHECK(CheckOffline(run, &check_out) == 0);
  CheckNothingLeft(d);
}

TEST_CASE("run: --bug follower-reads is caught on every seed tried") {
  CheckCaughtOnSeeds("follower-reads", "invalid: not linearizable");
}

TEST_CASE("run: --bug lost-cas is caught on every seed tried") {
  CheckCaughtOnSeeds("lost-cas", nullptr);
}

TEST_CASE("run: the local backend runs on loopback addresses without namespaces") {
  RunDirs d = FreshRunDirs("local");
  std::string out;
  int code = RunCoordcheck(
      RegisterRunArgs(d, {"--backend", "local", "--time-limit", "3", "--nodes", "3"}), &out);
  INFO(out);
  CHECK(code == 0);
  Json test = ReadJson(LatestRun(d) + "/test.json");
  CHECK(test["backend"] == "local");
  CHECK(ReadFile(LatestRun(d) + "/history.jsonl").find("\"node\":\"n3\"") != std::string::npos);
  CheckNothingLeft(d);
}

TEST_CASE("run: -f test.json repeats a stored run with its seed") {
  RequireRoot();
  RunDirs d = FreshRunDirs("repeat");
  std::string out;
  REQUIRE(RunCoordcheck(RegisterRunArgs(d, {"--time-limit", "2", "--seed", "777"}), &out) == 0);
  const std::string first = LatestRun(d);
  std::string again;
  int code =
      RunCoordcheck({"run", "-f", first + "/test.json", "--quiet", "--time-limit", "1"}, &again);
  INFO(again);
  CHECK(code == 0);
  CHECK(again.rfind("seed 777\n", 0) == 0);
  CHECK(LatestRun(d) != first);
  Json test = ReadJson(LatestRun(d) + "/test.json");
  CHECK(test["time_limit_s"] == 1.0);  // the flag wins over the file
  CHECK(test["state_dir"] == d.state);
  CheckNothingLeft(d);
}

TEST_CASE("run: SIGINT stops the run, tears everything down and exits 3") {
  RequireRoot();
  RunDirs d = FreshRunDirs("sigint");
  Spawned s = StartLongRun(d, 1000);
  const std::string run = LatestRun(d);
  CHECK_FALSE(Leftovers(d.state, RunIdFromLog(run)).empty());  // the run is really up
  ::kill(s.pid, SIGINT);
  int code = WaitExit(s.pid, 20s);
  INFO(ReadFile(s.out_path));
  CHECK(code == 3);
  CHECK(ReadFile(s.out_path).find("interrupted") != std::string::npos);
  CheckNothingLeft(d);
  std::string check_out;
  CHECK(CheckOffline(run, &check_out) == 0);
}

TEST_CASE("run: after SIGKILL the history is readable and `coordcheck clean` removes the rest") {
  RequireRoot();
  RunDirs d = FreshRunDirs("sigkill");
  Spawned s = StartLongRun(d, 5000);
  const std::string run = LatestRun(d);
  const std::string run_id = RunIdFromLog(run);
  ::kill(s.pid, SIGKILL);
  REQUIRE(WaitExit(s.pid, 10s) == -SIGKILL);
  // Killed: everything is still there...
  auto left = Leftovers(d.state, run_id);
  CHECK(left.size() >= 5);
  // ...the history holds every op recorded before the kill, and checks (the last ops are
  // open invokes: info)...
  std::string check_out;
  int check_code = CheckOffline(run, &check_out);
  INFO(check_out);
  CHECK(check_code == 0);
  // ...and clean removes it all, naming what it removed.
  std::string clean_out;
  CHECK(RunCoordcheck({"clean", "--state-dir", d.state}, &clean_out) == 0);
  INFO(clean_out);
  CHECK(clean_out.find("cc-" + run_id) != std::string::npos);
  CheckNothingLeft(d);
}

TEST_CASE("run: bad configs get one clear error and exit 3") {
  RunDirs d = FreshRunDirs("bad");
  std::string out;
  CHECK(RunCoordcheck({"run", "--target", "nope", "--store", d.store}, &out) == 3);
  CHECK(out.find("target 'nope' is unknown (targets: kvd, raft, etcd, redis-lock, redlock, "
                 "etcd-lock, raft-lock, "
                 "payments, payments-pg)") != std::string::npos);
  CHECK(RunCoordcheck(RegisterRunArgs(d, {"--bug", "nope"}), &out) == 3);
  CHECK(out.find("bug 'nope' is not a bug of kvd") != std::string::npos);
  CHECK(RunCoordcheck(RegisterRunArgs(d, {"--concurrency", "7"}), &out) == 3);
  CHECK(out.find("concurrency 7 is not a multiple of 5 threads per key") != std::string::npos);
  CHECK(RunCoordcheck(RegisterRunArgs(d, {"--nemesis", "meteor"}), &out) == 3);
  CHECK(out.find("nemesis 'meteor' is unknown") != std::string::npos);
  const std::string file = d.store + "/bad.json";
  std::ofstream(file) << "{\n  \"target\": \"kvd\",\n  \"concurency\": 5\n}\n";
  CHECK(RunCoordcheck({"run", "-f", file}, &out) == 3);
  CHECK(out.find(file + ": unknown key \"concurency\" (a test knows: name, workload, target") !=
        std::string::npos);
  std::ofstream(file) << "{\n  \"target\": \"kvd\",\n  \"nodes\": \"five\"\n}\n";
  CHECK(RunCoordcheck({"run", "-f", file}, &out) == 3);
  CHECK(out.find(file + ": key \"nodes\" must be an integer in 0..200, got \"five\"") !=
        std::string::npos);
  std::ofstream(file) << "{\n  \"target\": \"kvd\",\n  \"nodes\": 5,,\n}\n";
  CHECK(RunCoordcheck({"run", "-f", file}, &out) == 3);
  CHECK(out.find(file + ":3: not valid JSON") != std::string::npos);
  // The lock workload's options and node counts.
  const std::vector<std::string> lock = {"run",        "-w",      "lock", "-t",
                                         "redis-lock", "--store", d.store};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = lock;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  CHECK(RunCoordcheck(with({"--resource", "maybe"}), &out) == 3);
  CHECK(out.find("--resource: expected fenced or unfenced, got 'maybe'") != std::string::npos);
  CHECK(RunCoordcheck(with({"--workload-options", R"({"ttl": 5})"}), &out) == 3);
  CHECK(out.find("unknown workload option \"ttl\"") != std::string::npos);
  CHECK(RunCoordcheck(with({"--workload-options", R"({"ttl_ms": 5})"}), &out) == 3);
  CHECK(out.find("workload option \"ttl_ms\" must be an integer in 1000..") != std::string::npos);
  CHECK(RunCoordcheck(with({"--nodes", "3"}), &out) == 3);
  CHECK(out.find("nodes: redis-lock runs on exactly 1 node (plus the resource's), not 3") !=
        std::string::npos);
  CHECK(RunCoordcheck(RegisterRunArgs(d, {"--nemesis", "client-pause"}), &out) == 3);
  CHECK(out.find("nemesis 'client-pause' needs a workload whose clients can pause") !=
        std::string::npos);
  CHECK(RunCoordcheck({"run", "-w", "lock", "-t", "kvd", "--store", d.store}, &out) == 3);
  CHECK(out.find("target kvd does not support workload 'lock'") != std::string::npos);
  CHECK(RunCoordcheck({"compare", "--targets", "redis-lock,nope", "-w", "lock", "--store", d.store},
                      &out) == 3);
  CHECK(out.find("target nope: target 'nope' is unknown") != std::string::npos);
  // The payments workload's options, bugs and node counts.
  const std::vector<std::string> pay = {"run",      "-w",      "payments", "-t",
                                        "payments", "--store", d.store};
  auto paying = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = pay;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  CHECK(RunCoordcheck(paying({"--workload-options", R"({"retries": 3})"}), &out) == 3);
  CHECK(out.find("unknown workload option \"retries\" (the payments workload knows: ") !=
        std::string::npos);
  CHECK(RunCoordcheck(paying({"--workload-options", R"({"max_attempts": 0})"}), &out) == 3);
  CHECK(out.find("workload option \"max_attempts\" must be an integer in 1..100, got 0") !=
        std::string::npos);
  CHECK(RunCoordcheck(paying({"--nodes", "3"}), &out) == 3);
  CHECK(out.find("payments runs on exactly 2 nodes") != std::string::npos);
  CHECK(RunCoordcheck(
            {"run", "-w", "payments", "-t", "payments-pg", "--nodes", "2", "--store", d.store},
            &out) == 3);
  CHECK(out.find("payments-pg runs on 3 to 9 nodes") != std::string::npos);
  CHECK(RunCoordcheck(paying({"--bug", "double-spend"}), &out) == 3);
  CHECK(out.find("double-spend") != std::string::npos);
  CHECK(RunCoordcheck({"run", "-w", "payments", "-t", "kvd", "--store", d.store}, &out) == 3);
  CHECK(out.find("target kvd does not support workload 'payments'") != std::string::npos);
  // Nothing was created for any of them.
  CHECK(!fs::exists(fs::path(d.store) / "latest"));
}

TEST_CASE("run: a status line on a terminal, none when the output is not one") {
  RunDirs d = FreshRunDirs("progress");
  // Not a terminal (a CI log): plain lines only.
  std::string out;
  std::vector<std::string> args = {
      "run",         "-w",    "register",     "-t", "kvd",       "--store", d.store,
      "--state-dir", d.state, "--time-limit", "2",  "--nemesis", "pause",   "--nemesis-interval",
      "0.5"};
  CHECK(RunCoordcheck(args, &out) == 0);
  CHECK(out.find("\033[K") == std::string::npos);
  CHECK(out.find("ops/s") == std::string::npos);
  // A terminal (script(1) gives the run a pseudo-terminal): the status line is drawn.
  std::string command = "script -qfec '" + std::string(COORDCHECK_BINARY);
  for (const std::string& a : args) command += " " + a;
  command += "' /dev/null";
  std::FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string tty;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) tty.append(buf, n);
  CHECK(pclose(pipe) == 0);
  INFO(tty);
  CHECK(tty.find("\r\033[Kmain phase") != std::string::npos);
  CHECK(tty.find("s left)") != std::string::npos);
  CHECK(tty.find("ops/s, ok ") != std::string::npos);
  CHECK(tty.find("faults: paused") != std::string::npos);
  CHECK(tty.find("of 300 s budget") != std::string::npos);
  // --quiet: nothing drawn even on a terminal.
  command = "script -qfec '" + std::string(COORDCHECK_BINARY);
  for (const std::string& a : args) command += " " + a;
  command += " --quiet' /dev/null";
  pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string quiet;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) quiet.append(buf, n);
  CHECK(pclose(pipe) == 0);
  CHECK(quiet.find("\033[K") == std::string::npos);
}

TEST_CASE("serve: an index of the store and its files, on 127.0.0.1 only, nothing outside") {
  RunDirs d = FreshRunDirs("serve");
  std::string out;
  REQUIRE(RunCoordcheck(RegisterRunArgs(d, {"--time-limit", "1"}), &out) == 0);
  const std::string run = LatestRun(d);
  const std::string rel =
      fs::path(run).parent_path().filename().string() + "/" + fs::path(run).filename().string();
  Spawned server = SpawnCoordcheck({"serve", d.store, "--port", "0"});
  REQUIRE(WaitForText(server.out_path, "serving ", std::chrono::seconds(10)));
  const std::string banner = ReadFile(server.out_path);
  const size_t at = banner.find("http://127.0.0.1:");
  REQUIRE(at != std::string::npos);
  const int port = std::stoi(banner.substr(at + 17));
  auto get = [&](const std::string& address, const std::string& path) {
    // curl-free: one HTTP/1.0 request over a plain socket.
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, address.c_str(), &a.sin_addr);
    std::string response;
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
      const std::string req = "GET " + path + " HTTP/1.0\r\n\r\n";
      CHECK(send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size()));
      char buf[8192];
      ssize_t n;
      while ((n = recv(fd, buf, sizeof buf, 0)) > 0) response.append(buf, static_cast<size_t>(n));
    }
    close(fd);
    return response;
  };
  const std::string index = get("127.0.0.1", "/");
  INFO(index);
  CHECK(index.rfind("HTTP/1.1 200 OK", 0) == 0);
  CHECK(index.find("<tr class=\"valid\">") != std::string::npos);
  CHECK(index.find("href=\"/" + rel + "/junit.xml\"") != std::string::npos);
  const std::string results = get("127.0.0.1", "/" + rel + "/results.json");
  CHECK(results.rfind("HTTP/1.1 200 OK", 0) == 0);
  CHECK(results.find("Content-Type: application/json") != std::string::npos);
  CHECK(results.find("\"verdict\": \"valid\"") != std::string::npos);
  // Nothing outside the store, however spelled (a link out of the store included).
  fs::create_directory_symlink("/etc", fs::path(d.store) / "escape");
  for (const char* path :
       {"/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/nope/x.json", "/escape/passwd"}) {
    INFO(path);
    CHECK(get("127.0.0.1", path).rfind("HTTP/1.1 404", 0) == 0);
  }
  // Bound to 127.0.0.1 only: another loopback address is refused.
  CHECK(get("127.0.0.2", "/").empty());
  kill(server.pid, SIGINT);
  CHECK(WaitExit(server.pid, std::chrono::seconds(5)) == 0);
}

TEST_CASE("list names the targets, their bugs, workloads, checkers and nemeses") {
  std::string out;
  REQUIRE(RunCoordcheck({"list"}, &out) == 0);
  for (const char* s :
       {"kvd", "follower-reads", "lost-cas", "register", "linearizable", "netns", "local",
        "redis-lock", "redlock", "etcd-lock", "lock", "mutual-exclusion", "fencing", "client-pause",
        "raft", "no-persist-vote", "commit-prior-term"}) {
    CHECK(out.find(s) != std::string::npos);
  }
}

}  // namespace coordcheck::testing
