#include "tests/nemesis/packet/pkt_test_util.h"

#include <signal.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>

namespace pkttest {

nlohmann::json ExecJson(nodetest::TestCluster& cluster, const std::string& node,
                        const std::vector<std::string>& argv) {
  const std::string out = cluster.Exec(node, argv);
  INFO("probe said: " << out);
  auto parsed = nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
  REQUIRE(!parsed.is_discarded());
  return parsed;
}

int StartEcho(nodetest::TestCluster& cluster, const std::string& node) {
  auto& remote = cluster.remote(node);
  static int counter = 0;
  const std::string name = "echo" + std::to_string(++counter);
  const std::string log = remote.root_dir() + "/" + name + ".log";
  return nodetest::StartListeningDaemon(
      remote, {name, {kProbe, "udp-echo", remote.address(), "0"}, log, {}, ""});
}

std::string FilterRules(nodetest::TestCluster& cluster, const std::string& node) {
  return cluster.Exec(node, {"iptables", "-w", "-S"});
}

std::string MangleRules(nodetest::TestCluster& cluster, const std::string& node) {
  return cluster.Exec(node, {"iptables", "-w", "-t", "mangle", "-S"});
}

coordcheck::Op Invoke(coordcheck::Nemesis& nemesis, const std::string& f,
                      const coordcheck::Json& value) {
  return nemesis.Invoke(nodetest::NemesisOp(f, value));
}

RttStats Stats(const nlohmann::json& probe_result) {
  std::vector<double> rtts = probe_result.at("rtt_ms").get<std::vector<double>>();
  RttStats s;
  s.lost = probe_result.at("lost").get<int>();
  s.count = rtts.size();
  if (rtts.empty()) return s;
  std::sort(rtts.begin(), rtts.end());
  s.min_ms = rtts.front();
  s.max_ms = rtts.back();
  s.median_ms = rtts[rtts.size() / 2];
  return s;
}

bool PidGone(int64_t pid) { return kill(static_cast<pid_t>(pid), 0) < 0 && errno == ESRCH; }

}  // namespace pkttest
