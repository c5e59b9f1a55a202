// Helpers for the packet-nemesis tests: a netns cluster that removes itself (and anything a
// failed test left) on destruction, root checks, running the probe on nodes and reading
// its JSON, and iptables listings of a node.
//
// Thread-safety: none needed, except Exec-based helpers, which may run on two threads
// (Remote is thread-safe).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/control/cluster.h"
#include "history/op.h"
#include "nemesis/nemesis.h"

namespace pkttest {

inline const std::string kProbe = CC_PKT_PROBE;
inline const std::string kBinDir = COORDCHECK_BIN_DIR_PATH;
inline const std::string kNetdelay = COORDCHECK_BIN_DIR_PATH "/coordcheck-netdelay";

// Fails the current test with a clear message unless running as root.
void RequireRoot();

// A cluster of `nodes` nodes ("netns" or "local") in a private state directory. The
// destructor destroys it, runs CleanLeftovers on the directory and removes it.
class TestCluster {
 public:
  TestCluster(const std::string& backend, int nodes);
  ~TestCluster();
  TestCluster(const TestCluster&) = delete;
  TestCluster& operator=(const TestCluster&) = delete;

  coordcheck::control::Cluster& operator*() { return *cluster_; }
  coordcheck::control::Cluster* operator->() { return cluster_.get(); }
  const std::string& state_dir() const { return dir_; }

 private:
  std::string dir_;
  std::unique_ptr<coordcheck::control::Cluster> cluster_;
};

// Runs argv on `node` (bounded by `timeout`), requires exit 0, returns its stdout.
std::string Exec(coordcheck::control::Cluster& cluster, const std::string& node,
                 const std::vector<std::string>& argv,
                 std::chrono::milliseconds timeout = std::chrono::seconds(10));
// The same, parsing stdout as one JSON value.
nlohmann::json ExecJson(coordcheck::control::Cluster& cluster, const std::string& node,
                        const std::vector<std::string>& argv);

// Starts a UDP echo on `node`'s address (any port) and returns the port.
int StartEcho(coordcheck::control::Cluster& cluster, const std::string& node);

// `iptables -w -S` (filter) and `iptables -w -t mangle -S` on `node`.
std::string FilterRules(coordcheck::control::Cluster& cluster, const std::string& node);
std::string MangleRules(coordcheck::control::Cluster& cluster, const std::string& node);

// The nemesis op `f` with `value`, invoked and returned as its completion.
coordcheck::Op Invoke(coordcheck::Nemesis& nemesis, const std::string& f,
                      const coordcheck::Json& value);

// What the root namespace looks like to netfilter and `ip`: /proc/net/ip_tables_names,
// then `ip -o link` with counters that change by themselves left out.
std::string RootNamespaceState();

struct RttStats {
  double min_ms = 0, median_ms = 0, max_ms = 0;
  int lost = 0;
  size_t count = 0;
};
RttStats Stats(const nlohmann::json& probe_result);

bool Exists(const std::string& path);

// True when no process with this pid exists (a zombie counts as existing).
bool PidGone(int64_t pid);

}  // namespace pkttest
