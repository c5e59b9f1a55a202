#include "tests/nemesis/partition/test_util.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <sstream>
#include <thread>

#include "harness/control/remote.h"

namespace parttest {
namespace {

using coordcheck::control::ExecOptions;

// Waits up to 3 s for `text` to appear in `node`'s file `log`; fails the test saying that
// `node` has no `what` otherwise.
void AwaitText(TestCluster& cluster, const std::string& node, const std::string& log,
               const std::string& text, const std::string& what) {
  const bool found = nodetest::WaitUntil(
      [&] {
        return cluster.Exec(node, {"cat", log}).find(text) != std::string::npos;
      },
      std::chrono::seconds(3), std::chrono::milliseconds(5));
  if (!found) FAIL("node " << node << ": no " << what);
}

}  // namespace

TestCluster::TestCluster(int nodes, const std::string& backend)
    : nodetest::TestCluster(backend, nodes) {
  if (backend != "netns") return;
  for (const std::string& node : names()) {
    auto& node_remote = remote(node);
    coordcheck::control::DaemonSpec spec;
    spec.name = "tcp-listener";
    spec.argv = {kProbe, "listen", node_remote.address(), std::to_string(kTcpPort)};
    auto daemon = node_remote.StartDaemon(spec);
    if (!daemon.ok()) FAIL("cannot start the listener: " << daemon.message());
  }
  for (const std::string& node : names()) {
    AwaitText(*this, node, remote(node).root_dir() + "/tcp-listener.log", "listening", "listener");
  }
}

const std::string& TestCluster::address(const std::string& node) {
  for (const auto& info : cluster().nodes()) {
    if (info.name == node) return info.address;
  }
  FAIL("no node " << node);
  return node;  // not reached
}

std::string TestCluster::Rules(const std::string& node) {
  return Exec(node, {"iptables", "-w", "-S"});
}

std::pair<std::string, long> TestCluster::Connect(const std::string& from, const std::string& to,
                                                  int timeout_ms) {
  const std::string out = Exec(from, {kProbe, "connect", std::to_string(timeout_ms),
                                      address(to) + ":" + std::to_string(kTcpPort)});
  std::istringstream words(out);
  std::string target, outcome;
  long ms = -1;
  words >> target >> outcome >> ms;
  return {outcome, ms};
}

std::map<Pair, std::string> TestCluster::ConnectMatrix(int timeout_ms) {
  const std::vector<std::string> nodes = names();
  std::vector<std::string> outputs(nodes.size());
  std::vector<std::string> errors(nodes.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < nodes.size(); ++i) {
    threads.emplace_back([&, i] {
      std::vector<std::string> argv = {kProbe, "connect", std::to_string(timeout_ms)};
      for (const std::string& to : nodes) {
        if (to != nodes[i]) argv.push_back(address(to) + ":" + std::to_string(kTcpPort));
      }
      ExecOptions options;
      options.timeout = std::chrono::seconds(10);
      auto result = remote(nodes[i]).Exec(argv, options);
      if (!result.ok()) {
        errors[i] = result.message();
      } else if (!result->success()) {
        errors[i] = "probe failed: " + result->err;
      } else {
        outputs[i] = result->out;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::map<std::string, std::string> by_address;
  for (const std::string& node : nodes) by_address[address(node)] = node;
  std::map<Pair, std::string> matrix;
  for (size_t i = 0; i < nodes.size(); ++i) {
    INFO("node " << nodes[i]);
    REQUIRE(errors[i] == "");
    std::istringstream lines(outputs[i]);
    std::string target, outcome;
    long ms;
    while (lines >> target >> outcome >> ms) {
      matrix[{nodes[i], by_address.at(target.substr(0, target.rfind(':')))}] = outcome;
    }
  }
  REQUIRE(matrix.size() == nodes.size() * (nodes.size() - 1));
  return matrix;
}

void TestCluster::StartUdpReceiver(const std::string& node) {
  auto& node_remote = remote(node);
  coordcheck::control::DaemonSpec spec;
  spec.name = "udp-receiver";
  spec.argv = {kProbe, "udp-recv", node_remote.address(), std::to_string(kUdpPort)};
  auto daemon = node_remote.StartDaemon(spec);
  REQUIRE(daemon.ok());
  AwaitText(*this, node, node_remote.root_dir() + "/udp-receiver.log", "bound", "receiver");
}

void TestCluster::SendUdp(const std::string& from, const std::string& to, int count) {
  Exec(from,
       {kProbe, "udp-send", address(to), std::to_string(kUdpPort), from, std::to_string(count)});
}

std::vector<std::string> TestCluster::UdpReceived(const std::string& node) {
  std::istringstream lines(Exec(node, {"cat", remote(node).root_dir() + "/udp-receiver.log"}));
  std::vector<std::string> received;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("bound ", 0) != 0) received.push_back(line);
  }
  return received;
}

}  // namespace parttest
