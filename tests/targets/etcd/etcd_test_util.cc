#include "tests/targets/etcd/etcd_test_util.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "targets/etcd/gateway.h"
#include "targets/etcd/http.h"

namespace etcdtest {

using Clock = std::chrono::steady_clock;

void Figure(const std::string& name, double value, const std::string& unit) {
  std::printf("figure: %s = %.1f %s\n", name.c_str(), value, unit.c_str());
  std::fflush(stdout);
}

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

EtcdCluster::EtcdCluster(const std::string& backend, int nodes)
    : cluster_(backend, nodes), db_(std::make_unique<coordcheck::etcd::EtcdDb>()) {
  env_.nodes = cluster().nodes();
  env_.dialer = &cluster().dialer();
  env_.seed = 42;
}

EtcdCluster::~EtcdCluster() {
  for (const std::string& node : names()) {
    auto daemon = db_->DaemonOf(node);
    const auto torn = db_->Teardown(remote(node));
    INFO("Teardown " << node << ": " << torn.message());
    CHECK(torn.ok());
    if (daemon.ok()) CHECK_FALSE(remote(node).DaemonAlive(*daemon));
  }
  CHECK(EtcdPids().empty());
}

double EtcdCluster::Start(std::chrono::milliseconds ready_timeout) {
  const auto start = Clock::now();
  const std::vector<std::string> nodes = names();
  std::vector<Status> setups(nodes.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < nodes.size(); ++i) {
    threads.emplace_back([&, i] { setups[i] = db_->Setup(remote(nodes[i]), env_); });
  }
  for (std::thread& t : threads) t.join();
  for (const Status& s : setups) {
    INFO(s.message());
    REQUIRE(s.ok());
  }
  const auto ready = db_->Ready(env_, ready_timeout);
  INFO(ready.message() << "\n" << Logs());
  REQUIRE(ready.ok());
  return MsSince(start);
}

const control::NodeInfo& EtcdCluster::info(const std::string& node) const {
  for (const control::NodeInfo& n : env_.nodes) {
    if (n.name == node) return n;
  }
  FAIL("no node " << node);
  return env_.nodes.front();
}

Result<Json> EtcdCluster::TryCall(const std::string& node, const std::string& method,
                                           const Json& request) {
  coordcheck::etcd::HttpClient http(*env_.dialer, info(node).address, 2379);
  coordcheck::etcd::CallOutcome outcome;
  return coordcheck::etcd::Call(http, method, request, Clock::now() + std::chrono::seconds(5),
                                &outcome);
}

Json EtcdCluster::Call(const std::string& node, const std::string& method, const Json& request) {
  auto reply = TryCall(node, method, request);
  INFO(method << " on " << node << ": " << reply.message());
  REQUIRE(reply.ok());
  return *reply;
}

coordcheck::LockEnv EtcdCluster::LockEnvFor(const std::string& node, int64_t ttl_ms,
                                            const std::string& lock_name) {
  coordcheck::LockEnv env;
  env.dialer = env_.dialer;
  for (const control::NodeInfo& n : env_.nodes) {
    env.nodes.push_back(n.name);
    env.addresses.push_back(n.address);
  }
  env.node = node;
  env.lock_name = lock_name;
  env.ttl_ms = ttl_ms;
  return env;
}

std::string EtcdCluster::Logs() {
  std::string out;
  for (const std::string& node : names()) {
    for (const std::string& path : db_->LogFiles(remote(node))) {
      std::string text = nodetest::ReadFile(path);
      if (text.size() > 4000) text = "..." + text.substr(text.size() - 4000);
      out += "--- " + node + " " + path + "\n" + text;
    }
  }
  return out;
}

std::vector<int> EtcdCluster::EtcdPids() const {
  std::vector<int> pids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = nodetest::ReadFile(entry.path().string() + "/cmdline");
    for (char& c : cmdline) {
      if (c == '\0') c = ' ';
    }
    if (cmdline.find(db_->token()) != std::string::npos) pids.push_back(std::stoi(name));
  }
  return pids;
}

}  // namespace etcdtest
