// Helpers for the packet-nemesis tests: running the probe on nodes and reading its JSON,
// UDP echoes, iptables listings of a node, and round-trip statistics. The cluster fixture,
// root check and the root namespace's state are in tests/support/node_env.h.
//
// Thread-safety: none needed, except the Exec-based helpers, which may run on two threads
// (Remote is thread-safe).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "history/op.h"
#include "nemesis/nemesis.h"
#include "tests/support/node_env.h"

namespace pkttest {

inline const std::string kProbe = CC_PKT_PROBE;
inline const std::string kBinDir = COORDCHECK_BIN_DIR_PATH;
inline const std::string kNetdelay = COORDCHECK_BIN_DIR_PATH "/coordcheck-netdelay";

// Runs argv on `node`, requires exit 0 and parses its stdout as one JSON value.
nlohmann::json ExecJson(nodetest::TestCluster& cluster, const std::string& node,
                        const std::vector<std::string>& argv);

// Starts a UDP echo on `node`'s address (any port) and returns the port.
int StartEcho(nodetest::TestCluster& cluster, const std::string& node);

// `iptables -w -S` (filter) and `iptables -w -t mangle -S` on `node`.
std::string FilterRules(nodetest::TestCluster& cluster, const std::string& node);
std::string MangleRules(nodetest::TestCluster& cluster, const std::string& node);

// The nemesis op `f` with `value`, invoked and returned as its completion.
coordcheck::Op Invoke(coordcheck::Nemesis& nemesis, const std::string& f,
                      const coordcheck::Json& value);

struct RttStats {
  double min_ms = 0, median_ms = 0, max_ms = 0;
  int lost = 0;
  size_t count = 0;
};
RttStats Stats(const nlohmann::json& probe_result);

// True when no process with this pid exists (a zombie counts as existing).
bool PidGone(int64_t pid);

}  // namespace pkttest
