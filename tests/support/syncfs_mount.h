// A real mount of coordcheck-syncfs (nemesis/disk/syncfs.h: the FUSE filesystem that holds
// back what was not synced until a drop forgets it) for the [root] tests that crash writers
// on it: nemesis/disk's own tests and the Raft log's. Also the two small process helpers
// its control command needs, which those tests use to run and crash their writers.
//
// Everything here reports through Catch2 (REQUIRE/FAIL), so it is for test code only.
//
// Thread-safety: none needed (tests are single-threaded).
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/node_env.h"

namespace nodetest {

// Starts argv with stdout (and stderr, with `errors`) to a pipe; its pid and the pipe's
// read end.
pid_t SpawnPiped(const std::vector<std::string>& argv, int* out_fd, bool errors = false);

// Runs argv to its end; its exit code, stdout (and stderr, with `errors`) in `out`.
int RunCaptured(const std::vector<std::string>& argv, std::string* out, bool errors = false);

// One mount of coordcheck-syncfs over a fresh backing folder (needs root: RequireRoot);
// unmounted on destruction. A process writing into `mnt` must close its descriptors before
// a drop, as a killed one would: the kernel may serve stale pages to descriptors kept open
// across it.
class SyncfsMount {
 public:
  SyncfsMount();
  ~SyncfsMount();
  SyncfsMount(const SyncfsMount&) = delete;
  SyncfsMount& operator=(const SyncfsMount&) = delete;

  // The daemon's answer to `coordcheck-syncfs ctl ... args` ("status", "drop",
  // "drop --torn SEED"); null when the command failed.
  nlohmann::json Ctl(const std::vector<std::string>& args);
  pid_t pid() const { return pid_; }
  // The coordcheck-syncfs program.
  static std::string Program();

  TempDir tmp;
  std::string backing = tmp.path() + "/backing";
  std::string mnt = tmp.path() + "/mnt";
  std::string socket = tmp.path() + "/ctl.sock";

 private:
  pid_t pid_ = -1;
};

}  // namespace nodetest
