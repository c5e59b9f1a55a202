// Helpers for the partition tests: a real netns cluster with a TCP listener on every node,
// connectivity probes between nodes and node rule listings. The cluster fixture underneath,
// the root check and the root namespace's state are in tests/support/node_env.h.
//
// Thread-safety: none needed (tests are single-threaded; ConnectMatrix joins its own
// threads before it checks anything).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/node_env.h"

namespace parttest {

inline const std::string kProbe = CC_PARTITION_PROBE;
inline constexpr int kTcpPort = 7101;
inline constexpr int kUdpPort = 7102;

// An ordered pair of nodes (from, to).
using Pair = std::pair<std::string, std::string>;

// A nodetest::TestCluster of `nodes` nodes of `backend`; for netns, every node runs a TCP
// listener on kTcpPort.
class TestCluster : public nodetest::TestCluster {
 public:
  explicit TestCluster(int nodes = 5, const std::string& backend = "netns");

  const std::string& address(const std::string& node);

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
};

}  // namespace parttest
