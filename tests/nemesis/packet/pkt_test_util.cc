#include "tests/nemesis/packet/pkt_test_util.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "harness/control/process.h"

namespace pkttest {

using coordcheck::control::Cluster;

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

void RequireRoot() {
  if (geteuid() != 0) {
    FAIL(
        "this test needs root (network namespaces and iptables inside them); run the "
        "nemesis/packet tests labelled root as root");
  }
}

TestCluster::TestCluster(const std::string& backend, int nodes) {
  char tmpl[] = "/tmp/cc-packet-test.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) FAIL("mkdtemp failed");
  dir_ = tmpl;
  coordcheck::control::ClusterOptions options;
  options.backend = backend;
  options.nodes = nodes;
  options.state_dir = dir_;
  auto created = Cluster::Create(options);
  INFO(created.message());
  REQUIRE(created.ok());
  cluster_ = std::move(created.value());
}

TestCluster::~TestCluster() {
  if (cluster_ != nullptr) cluster_->Destroy();
  cluster_.reset();
  coordcheck::control::CleanLeftovers(dir_);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string Exec(Cluster& cluster, const std::string& node, const std::vector<std::string>& argv,
                 std::chrono::milliseconds timeout) {
  coordcheck::control::ExecOptions options;
  options.timeout = timeout;
  auto result = cluster.remote(node).Exec(argv, options);
  INFO("on " << node << ": " << argv[0] << (argv.size() > 1 ? " " + argv[1] : ""));
  INFO(result.message());
  REQUIRE(result.ok());
  INFO("exit " << result->exit_code << ", stderr: " << result->err);
  REQUIRE(result->success());
  return result->out;
}

nlohmann::json ExecJson(Cluster& cluster, const std::string& node,
                        const std::vector<std::string>& argv) {
  const std::string out = Exec(cluster, node, argv);
  INFO("probe said: " << out);
  auto parsed = nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
  REQUIRE(!parsed.is_discarded());
  return parsed;
}

int StartEcho(Cluster& cluster, const std::string& node) {
  auto& remote = cluster.remote(node);
  static int counter = 0;
  const std::string name = "echo" + std::to_string(++counter);
  const std::string log = remote.root_dir() + "/" + name + ".log";
  auto daemon =
      remote.StartDaemon({name, {kProbe, "udp-echo", remote.address(), "0"}, log, {}, ""});
  INFO(daemon.message());
  REQUIRE(daemon.ok());
  int port = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  std::smatch m;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = ReadFile(log);
    if (std::regex_search(text, m, std::regex("listening (\\d+)"))) {
      port = std::stoi(m[1]);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  INFO(ReadFile(log));
  REQUIRE(port > 0);
  return port;
}

std::string FilterRules(Cluster& cluster, const std::string& node) {
  return Exec(cluster, node, {"iptables", "-w", "-S"});
}

std::string MangleRules(Cluster& cluster, const std::string& node) {
  return Exec(cluster, node, {"iptables", "-w", "-t", "mangle", "-S"});
}

coordcheck::Op Invoke(coordcheck::Nemesis& nemesis, const std::string& f,
                      const coordcheck::Json& value) {
  coordcheck::Op op;
  op.process = coordcheck::kNemesisProcess;
  op.type = coordcheck::OpType::kInvoke;
  op.f = f;
  op.value = value;
  return nemesis.Invoke(op);
}

std::string RootNamespaceState() {
  coordcheck::control::SpawnSpec spec;
  spec.argv = {"ip", "-o", "link"};
  auto links = coordcheck::control::RunProcess(spec, "", std::chrono::seconds(10));
  REQUIRE(links.ok());
  REQUIRE(links->success());
  return "ip_tables_names: " + ReadFile("/proc/net/ip_tables_names") + "\nlinks:\n" + links->out;
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

bool Exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

bool PidGone(int64_t pid) { return kill(static_cast<pid_t>(pid), 0) < 0 && errno == ESRCH; }

}  // namespace pkttest
