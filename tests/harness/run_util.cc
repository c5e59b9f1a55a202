#include "tests/harness/run_util.h"

#include "history/jsonl.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

namespace coordcheck::testing {
namespace fs = std::filesystem;

namespace {

std::vector<std::string> CoordcheckArgv(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {COORDCHECK_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

}  // namespace

nlohmann::json ReadJson(const std::string& path) { return nlohmann::json::parse(ReadFile(path)); }

std::string FreshDir(const std::string& name) {
  static std::atomic<int> counter{0};
  fs::path dir =
      fs::temp_directory_path() / ("coordcheck-test-" + name + "-" + std::to_string(::getpid()) +
                                   "-" + std::to_string(counter++));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

RunDirs FreshRunDirs(const std::string& name) {
  return {FreshDir(name + "-store"), FreshDir(name + "-state")};
}

std::vector<std::string> RegisterRunArgs(const RunDirs& dirs,
                                         const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"run",     "--workload", "register",    "--target", "kvd",
                                   "--store", dirs.store,   "--state-dir", dirs.state, "--quiet"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::string LatestRun(const RunDirs& dirs) {
  return fs::canonical(fs::path(dirs.store) / "latest").string();
}

std::string LatestHistory(const RunDirs& dirs) { return dirs.store + "/latest/history.jsonl"; }

bool WaitForHistoryBytes(const RunDirs& dirs, std::uintmax_t bytes,
                         std::chrono::milliseconds timeout) {
  return nodetest::WaitUntil(
      [&] {
        std::error_code ec;
        return fs::exists(LatestHistory(dirs), ec) &&
               fs::file_size(LatestHistory(dirs), ec) > bytes;
      },
      timeout, std::chrono::milliseconds(100));
}

Spawned SpawnCoordcheck(const std::vector<std::string>& args) {
  return SpawnCommand(CoordcheckArgv(args));
}

Spawned SpawnCommand(std::vector<std::string> argv) {
  Spawned s;
  s.out_path = FreshDir("out") + "/output.txt";
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  int fd = ::open(s.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  s.pid = ::fork();
  if (s.pid == 0) {
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  ::close(fd);
  return s;
}

int WaitExit(pid_t pid, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return -WTERMSIG(status);
      return -999;
    }
    if (std::chrono::steady_clock::now() > until) return -1000;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int RunCoordcheck(const std::vector<std::string>& args, std::string* out,
                  std::chrono::milliseconds timeout) {
  return RunCommand(CoordcheckArgv(args), out, timeout);
}

int RunCommand(const std::vector<std::string>& argv, std::string* out,
               std::chrono::milliseconds timeout) {
  Spawned s = SpawnCommand(argv);
  int code = WaitExit(s.pid, timeout);
  if (code == -1000) {
    ::kill(s.pid, SIGKILL);
    WaitExit(s.pid, std::chrono::seconds(5));
  }
  if (out != nullptr) *out = ReadFile(s.out_path);
  return code;
}

bool WaitForText(const std::string& path, const std::string& text,
                 std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (ReadFile(path).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

bool FaultDone(const Op& op) {
  if (!op.is_nemesis() || op.is_invoke() || !op.error.is_null()) return false;
  const Json& v = op.value;
  if (op.f == "kill" || op.f == "start" || op.f == "pause" || op.f == "resume") {
    return v.is_object() && v.contains("nodes") && v["nodes"].is_array() && !v["nodes"].empty();
  }
  if (op.f == "start-partition") {
    return v.is_object() && v.value("rules", int64_t{0}) > 0;
  }
  if (op.f == "bump-clock") {
    if (!v.is_object()) return false;
    for (const auto& [node, moved] : v.items()) {
      if (moved.is_object() &&
          moved.value("before_ms", int64_t{0}) != moved.value("after_ms", int64_t{0})) {
        return true;
      }
    }
    return false;
  }
  if (op.f == "strobe-clock") return v.is_object() && v.value("flips", int64_t{0}) > 0;
  return true;
}

int DoneFaults(const std::vector<Op>& ops, const std::string& f) {
  return static_cast<int>(std::count_if(ops.begin(), ops.end(),
                                        [&](const Op& op) { return op.f == f && FaultDone(op); }));
}

uint64_t DrawSeed(const std::string& what) {
  const uint64_t seed = std::random_device{}() % 1000000;
  std::cout << what << ": seed " << seed << std::endl;
  return seed;
}

int WatchProcesses(const Spawned& s, const std::vector<std::string>& parts,
                   std::chrono::milliseconds timeout, WatchedProcesses* seen) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t r = ::waitpid(s.pid, &status, WNOHANG);
    if (r == s.pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return -WTERMSIG(status);
      return -999;
    }
    if (std::chrono::steady_clock::now() > until) {
      ::kill(s.pid, SIGKILL);
      WaitExit(s.pid, std::chrono::seconds(5));
      return -1000;
    }
    for (pid_t pid : nodetest::PidsWith(parts)) {
      auto& pids = seen->pids;
      if (std::find(pids.begin(), pids.end(), pid) == pids.end()) pids.push_back(pid);
      auto& stopped = seen->stopped;
      if (nodetest::ProcessStateOf(pid) == 'T' &&
          std::find(stopped.begin(), stopped.end(), pid) == stopped.end()) {
        stopped.push_back(pid);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::vector<std::string> Leftovers(const std::string& state_dir, const std::string& run_id) {
  std::vector<std::string> left;
  std::error_code ec;
  if (fs::exists(fs::path(state_dir) / "ledgers")) {
    for (const auto& e : fs::directory_iterator(fs::path(state_dir) / "ledgers", ec)) {
      // The state folder's own lock file outlives runs, like the folder itself.
      if (e.path().filename() != ".lock") left.push_back("ledger " + e.path().string());
    }
  }
  for (const auto& e : fs::directory_iterator(state_dir, ec)) {
    if (e.path().filename() != "ledgers") left.push_back("folder " + e.path().string());
  }
  if (!run_id.empty()) {
    for (const auto& e : fs::directory_iterator("/run/netns", ec)) {
      if (e.path().filename().string().find("cc-" + run_id) == 0) {
        left.push_back("netns " + e.path().filename().string());
      }
    }
  }
  // Mounts (the disk faults' FUSE mounts), by mount point.
  std::istringstream mounts(ReadFile("/proc/self/mountinfo"));
  for (std::string line; std::getline(mounts, line);) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, mount_point;
    if (fields >> id >> parent >> dev >> root >> mount_point &&
        mount_point.rfind(state_dir + "/", 0) == 0) {
      left.push_back("mount " + mount_point);
    }
  }
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = ReadFile(e.path().string() + "/cmdline");
    for (char& c : cmdline)
      if (c == '\0') c = ' ';
    if (cmdline.find(state_dir) != std::string::npos &&
        cmdline.find("coordcheck run") == std::string::npos &&
        cmdline.rfind(COORDCHECK_BINARY, 0) != 0) {
      left.push_back("process " + name + ": " + cmdline);
    }
  }
  return left;
}

std::string RunIdFromLog(const std::string& run_dir) {
  std::string log = ReadFile(run_dir + "/coordcheck.log");
  auto at = log.find("cluster ");
  if (at == std::string::npos) return "";
  auto end = log.find(' ', at + 8);
  return log.substr(at + 8, end - at - 8);
}

void CheckNothingLeft(const RunDirs& dirs) {
  auto left = Leftovers(dirs.state, RunIdFromLog(LatestRun(dirs)));
  INFO("left behind: " << nlohmann::json(left).dump(1));
  CHECK(left.empty());
}

FinishedRun RunAndLoad(const std::string& name, std::vector<std::string> args) {
  FinishedRun r;
  r.dirs = FreshRunDirs(name);
  for (const char* flag : {"--store", "--state-dir"}) args.push_back(flag), args.push_back("");
  args[args.size() - 3] = r.dirs.store;
  args[args.size() - 1] = r.dirs.state;
  args.push_back("--quiet");
  r.code = RunCoordcheck(args, &r.out);
  r.dir = LatestRun(r.dirs);
  r.results = nlohmann::json::parse(ReadFile(r.dir + "/results.json"));
  REQUIRE(ReadHistoryFile(r.dir + "/history.jsonl", &r.history).ok());
  CheckNothingLeft(r.dirs);
  return r;
}

int64_t CountOps(const History& h, const std::string& f, OpType type) {
  int64_t n = 0;
  for (const Op& op : h.ops) n += op.f == f && op.type == type;
  return n;
}

}  // namespace coordcheck::testing
