// Running the coordcheck binary from tests as a CI pipeline would: in the background with
// its output in a file, with signals, and looking for anything a run left behind.
//
// Thread-safety: none needed (tests are single-threaded).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "history/history.h"
#include "history/op.h"
#include "tests/support/node_env.h"

namespace coordcheck::testing {

using nodetest::ReadFile;

struct Spawned {
  pid_t pid = -1;
  std::string out_path;  // stdout and stderr
};

// Starts COORDCHECK_BINARY with `args` (argv, no shell), output to a fresh file.
Spawned SpawnCoordcheck(const std::vector<std::string>& args);
// Starts `argv` (argv[0] a path, no shell), output to a fresh file.
Spawned SpawnCommand(std::vector<std::string> argv);
// Waits for exit; returns the exit code, -SIGNAL when killed, or -1000 on timeout.
int WaitExit(pid_t pid, std::chrono::milliseconds timeout);
// Runs to completion; returns the exit code and fills `out`.
int RunCoordcheck(const std::vector<std::string>& args, std::string* out,
                  std::chrono::milliseconds timeout = std::chrono::minutes(3));
// The same for any program: `argv` as SpawnCommand takes it.
int RunCommand(const std::vector<std::string>& argv, std::string* out,
               std::chrono::milliseconds timeout = std::chrono::minutes(3));
// Polls until `path` contains `text` or the timeout passes.
bool WaitForText(const std::string& path, const std::string& text,
                 std::chrono::milliseconds timeout);
// The JSON document in the file at `path` (throws when it is not one: a test failure).
nlohmann::json ReadJson(const std::string& path);
// A fresh, empty directory under the temp dir.
std::string FreshDir(const std::string& name);

// The store and the state directory of a test's runs: FreshDir(NAME-store), FreshDir(NAME-state).
struct RunDirs {
  std::string store;
  std::string state;
};
RunDirs FreshRunDirs(const std::string& name);
// `run --workload register --target kvd` with the store and state directory of `dirs`,
// `--quiet`, then `extra`.
std::vector<std::string> RegisterRunArgs(const RunDirs& dirs,
                                         const std::vector<std::string>& extra);
// The folder of the latest run in the store (its `latest` link resolved).
std::string LatestRun(const RunDirs& dirs);
// The latest run's history file, through the `latest` link (it may not exist yet).
std::string LatestHistory(const RunDirs& dirs);

// A finished run as a test reads it: exit code, output, folder, results.json and history.
struct FinishedRun {
  RunDirs dirs;
  int code = -1;
  std::string out;
  std::string dir;
  nlohmann::json results;
  History history;
};
// Runs `coordcheck ARGS --store S --state-dir D --quiet` with fresh dirs named `name`, reads
// what it left (REQUIREs a results.json and a history) and checks nothing was left behind.
FinishedRun RunAndLoad(const std::string& name, std::vector<std::string> args);
// How many ops of `h` have `f` and `type`.
int64_t CountOps(const History& h, const std::string& f, OpType type);
// Polls until the latest run's history is larger than `bytes` or the timeout passes.
bool WaitForHistoryBytes(const RunDirs& dirs, std::uintmax_t bytes,
                         std::chrono::milliseconds timeout);

// True when `op` is a nemesis completion that really did something: no `error` (a fault
// that could not be done, or only partly, names what in `error`: nemesis/ops.h) and, where
// the completion says what was acted on, something was: kill/start/pause/resume name at
// least one node, start-partition installed rules, bump-clock moved a node, strobe-clock
// flipped a clock.
bool FaultDone(const Op& op);
// The completions of `f` in `ops` for which FaultDone holds.
int DoneFaults(const std::vector<Op>& ops, const std::string& f);

// A random seed for a run, printed (with `what`) so that a failure can be repeated.
uint64_t DrawSeed(const std::string& what);

// What a watcher saw of the processes whose command line contains every one of `parts`
// while a spawned run went on (WatchProcesses).
struct WatchedProcesses {
  std::vector<pid_t> pids;     // every such process seen, in the order first seen
  std::vector<pid_t> stopped;  // those seen in state T (stopped) at least once
};
// Waits for `s` to exit (at most `timeout`; killed after it) while sampling every 50 ms
// the processes matching `parts` and their state; returns the exit code (as WaitExit).
int WatchProcesses(const Spawned& s, const std::vector<std::string>& parts,
                   std::chrono::milliseconds timeout, WatchedProcesses* seen);

// What is left of runs that used `state_dir`: ledgers, node folders, namespaces named with
// `run_id` ("cc-<id>-..."), mounts inside it, and processes whose command line mentions
// `state_dir`.
std::vector<std::string> Leftovers(const std::string& state_dir, const std::string& run_id);
// The cluster id a run logged in its coordcheck.log ("" if none).
std::string RunIdFromLog(const std::string& run_dir);
// CHECKs that nothing is left of the latest run in `dirs` (Leftovers), listing what is.
void CheckNothingLeft(const RunDirs& dirs);

}  // namespace coordcheck::testing
