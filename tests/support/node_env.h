// Helpers shared by the tests that run nodes (control, nemesis, end-to-end runs): a private
// state directory that cleans up after a failed test, the root check, polling, files, the
// test's own network namespace as seen by reads that change nothing, nemesis invokes, and
// a cluster fixture that checks its own teardown.
//
// Everything here reports through Catch2 (REQUIRE/FAIL/CHECK), so it is for test code
// only. Folder-specific helpers (probes, iptables listings, clock readings) stay in their
// folders.
//
// Thread-safety: none needed (tests are single-threaded), except TestCluster::Exec, which
// may run on several threads at once (Remote is thread-safe).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/control/cluster.h"
#include "history/op.h"

namespace nodetest {

// A fresh directory under /tmp. Used as a state directory, so on destruction it first runs
// CleanLeftovers on it (a test that failed half-way leaves nothing behind), then removes it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// This test process's own folder for scratch files: a fresh /tmp/cc-test-files.XXXXXX
// (mkdtemp, made on first use), removed with everything in it when the process exits.
// Unique per process, so test processes that ctest runs side by side never share files.
const std::string& ProcessTempDir();

// Fails the current test with a message naming `why` unless running as root.
void RequireRoot(const char* why = "network namespaces");

// Polls `done` every `poll` until it is true (true) or `timeout` passes (false).
bool WaitUntil(const std::function<bool()>& done,
               std::chrono::milliseconds timeout = std::chrono::seconds(3),
               std::chrono::milliseconds poll = std::chrono::milliseconds(2));

// The whole file; "" when it cannot be read.
std::string ReadFile(const std::string& path);
bool Exists(const std::string& path);

// The processes whose command line (arguments joined by spaces) contains every one of
// `parts`, in pid order; the test process itself and zombies are left out.
std::vector<pid_t> PidsWith(const std::vector<std::string>& parts);
// The state letter of `pid` from /proc/PID/stat ('R', 'S', 'T' = stopped, ...), '-' when it
// does not exist.
char ProcessStateOf(pid_t pid);

// Reads "listening PORT" from a probe's log (the test probes print it once bound); 0 when
// it does not appear within 3 s.
int WaitForListeningPort(const std::string& log_path);

// Starts `spec` on `remote`, a probe that prints "listening PORT" once bound, and returns
// the port; fails the test when it does not start or bind within 3 s.
int StartListeningDaemon(coordcheck::control::Remote& remote,
                         const coordcheck::control::DaemonSpec& spec);

// Runs argv in the test's own namespace (10 s limit), requires exit 0, returns stdout.
std::string RunHere(const std::vector<std::string>& argv);

// The test's own (root) network namespace as seen by reads that create nothing: the legacy
// iptables table lists (/proc/net/*_tables_names, absent or not), every nf_tables table (a
// netlink dump, what `nft list tables` reads) and `ip -o link` and `ip -o addr` with
// address lifetimes left out. Tests that must not change it compare it before and after.
std::string RootNetworkState();

// The named namespaces of the run `run_id` that exist ("cc-RUN_ID-...").
std::vector<std::string> NamespacesOf(const std::string& run_id);

// An invoke of the nemesis op `f` with `value`, by the nemesis process.
coordcheck::Op NemesisOp(const std::string& f, coordcheck::Json value = nullptr);

// A cluster of `nodes` nodes of `backend` ("netns" or "local") in a private TempDir; a
// netns cluster needs root (RequireRoot). On destruction it is destroyed, CHECKing that
// Destroy succeeds and that none of its namespaces is left; then the TempDir cleans and
// removes the state directory.
class TestCluster {
 public:
  TestCluster(const std::string& backend, int nodes);
  ~TestCluster();
  TestCluster(const TestCluster&) = delete;
  TestCluster& operator=(const TestCluster&) = delete;

  coordcheck::control::Cluster& cluster() { return *cluster_; }
  coordcheck::control::Remote& remote(const std::string& node) { return cluster_->remote(node); }
  const std::string& state_dir() const { return dir_.path(); }
  // The node names, in order.
  std::vector<std::string> names() const;

  // Runs argv on `node` (bounded by `timeout`), requires exit 0 and returns its stdout.
  std::string Exec(const std::string& node, const std::vector<std::string>& argv,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  TempDir dir_;  // declared first: cleaned and removed after the cluster is destroyed
  std::unique_ptr<coordcheck::control::Cluster> cluster_;
};

}  // namespace nodetest
