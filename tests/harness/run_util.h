// Running the coordcheck binary from tests as a CI pipeline would: in the background with
// its output in a file, with signals, and looking for anything a run left behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace coordcheck::testing {

struct Spawned {
  pid_t pid = -1;
  std::string out_path;  // stdout and stderr
};

// Starts COORDCHECK_BINARY with `args` (argv, no shell), output to a fresh file.
Spawned SpawnCoordcheck(const std::vector<std::string>& args);
// Waits for exit; returns the exit code, -SIGNAL when killed, or -1000 on timeout.
int WaitExit(pid_t pid, std::chrono::milliseconds timeout);
// Runs to completion; returns the exit code and fills `out`.
int RunCoordcheck(const std::vector<std::string>& args, std::string* out,
                  std::chrono::milliseconds timeout = std::chrono::minutes(3));
std::string ReadFile(const std::string& path);
// Polls until `path` contains `text` or the timeout passes.
bool WaitForText(const std::string& path, const std::string& text,
                 std::chrono::milliseconds timeout);
// A fresh, empty directory under the temp dir.
std::string FreshDir(const std::string& name);

// What is left of runs that used `state_dir`: ledgers, node folders, namespaces named with
// `run_id` ("cc-<id>-..."), and processes whose command line mentions `state_dir`.
std::vector<std::string> Leftovers(const std::string& state_dir, const std::string& run_id);
// The cluster id a run logged in its coordcheck.log ("" if none).
std::string RunIdFromLog(const std::string& run_dir);

}  // namespace coordcheck::testing
