// Helpers for the partition tests: a real netns cluster with a TCP listener on every node,
// connectivity probes between nodes, node rule listings, and snapshots of the test's own
// (root) network namespace that read without creating anything.
//
// Thread-safety: none needed (tests are single-threaded; ConnectMatrix joins its own
// threads before it checks anything).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "harness/control/cluster.h"

namespace parttest {

inline const std::string kProbe = CC_PARTITION_PROBE;
inline constexpr int kTcpPort = 7101;
inline constexpr int kUdpPort = 7102;

// Fails the current test with a clear message unless running as root.
void RequireRoot();

// A fresh directory under /tmp used as a cluster's state directory; on destruction runs
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

// An ordered pair of nodes (from, to).
using Pair = std::pair<std::string, std::string>;

// A cluster of `nodes` nodes of `backend`; for netns, every node runs a TCP listener on
// kTcpPort. Destroyed (and checked) at the end.
class TestCluster {
 public:
  explicit TestCluster(int nodes = 5, const std::string& backend = "netns");
  ~TestCluster();
  TestCluster(const TestCluster&) = delete;
  TestCluster& operator=(const TestCluster&) = delete;

  coordcheck::control::Cluster& cluster() { return *cluster_; }
  std::vector<std::string> names() const;
  const std::string& address(const std::string& node) const;

  // Runs argv on `node`, requires success and returns stdout.
  std::string Exec(const std::string& node, const std::vector<std::string>& argv);
  // `iptables -w -S` on `node`.
  std::string Rules(const std::string& node);

  // One TCP connect from `from` to `to`'s listener: "ok", "refused" or "timeout", and the
  // milliseconds it took.
  std::pair<std::string, long> Connect(const std::string& from, const std::string& to,
                                       int timeout_ms);
  // The outcome of a TCP connect for every ordered pair of distinct nodes, all at once.
  std::map<Pair, std::string> ConnectMatrix(int timeout_ms);

  // Starts a UDP receiver on kUdpPort of `node` and waits until it is bound.
  void StartUdpReceiver(const std::string& node);
  // Sends `count` datagrams "FROM" from `from` to `to`'s receiver.
  void SendUdp(const std::string& from, const std::string& to, int count);
  // The datagrams `node`'s receiver got so far, one per line.
  std::vector<std::string> UdpReceived(const std::string& node);

 private:
  TempDir dir_;
  std::unique_ptr<coordcheck::control::Cluster> cluster_;
};

// The test's own network namespace as seen by reads that create nothing: the legacy
// iptables table lists (/proc/net/*_tables_names), every nf_tables table (a netlink dump)
// and `ip -o link`.
std::string RootNetworkState();

// `ip netns list`.
std::string NetnsList();

}  // namespace parttest
