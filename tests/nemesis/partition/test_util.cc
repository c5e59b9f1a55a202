#include "tests/nemesis/partition/test_util.h"

#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "harness/control/process.h"

namespace parttest {
namespace {

using coordcheck::control::Cluster;
using coordcheck::control::ClusterOptions;
using coordcheck::control::ExecOptions;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "(absent)\n";
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs argv in the test's own namespace; stdout, or a line saying why there is none.
std::string RunHere(const std::vector<std::string>& argv) {
  coordcheck::control::SpawnSpec spec;
  spec.argv = argv;
  auto result = coordcheck::control::RunProcess(spec, "", std::chrono::seconds(10));
  if (!result.ok()) return "cannot run " + argv[0] + ": " + result.message() + "\n";
  if (!result->success()) return argv[0] + " failed: " + result->err + "\n";
  return result->out;
}

// "family name" of every nf_tables table in the test's namespace: a netlink dump
// (NFT_MSG_GETTABLE), the read `nft list tables` would do, without the nft program.
std::string NfTables() {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
  if (fd < 0) return "nf_tables: no netlink socket\n";
  struct {
    nlmsghdr header;
    nfgenmsg body;
  } request{};
  request.header.nlmsg_len = sizeof request;
  request.header.nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = 1;
  request.body.nfgen_family = AF_UNSPEC;
  request.body.version = NFNETLINK_V0;
  if (send(fd, &request, sizeof request, 0) < 0) {
    close(fd);
    return "nf_tables: send failed\n";
  }
  std::vector<std::string> tables;
  std::string failure;
  alignas(nlmsghdr) char buf[65536];
  for (bool done = false; !done;) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      failure = "nf_tables: recv failed\n";
      break;
    }
    int left = static_cast<int>(n);
    for (auto* msg = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(msg, left);
         msg = NLMSG_NEXT(msg, left)) {
      if (msg->nlmsg_type == NLMSG_DONE) {
        done = true;
        break;
      }
      if (msg->nlmsg_type == NLMSG_ERROR) {
        failure = "nf_tables: dump failed\n";
        done = true;
        break;
      }
      auto* gen = static_cast<nfgenmsg*>(NLMSG_DATA(msg));
      const size_t offset = NLMSG_LENGTH(NLMSG_ALIGN(sizeof(nfgenmsg)));
      char* attr_start = reinterpret_cast<char*>(msg) + offset;
      int attr_left = static_cast<int>(msg->nlmsg_len) - static_cast<int>(offset);
      while (attr_left >= static_cast<int>(sizeof(nlattr))) {
        auto* attr = reinterpret_cast<nlattr*>(attr_start);
        if (attr->nla_len < sizeof(nlattr) || attr->nla_len > attr_left) break;
        if ((attr->nla_type & NLA_TYPE_MASK) == NFTA_TABLE_NAME) {
          tables.push_back(std::to_string(gen->nfgen_family) + " " +
                           std::string(attr_start + NLA_HDRLEN));
        }
        const int step = NLA_ALIGN(attr->nla_len);
        attr_start += step;
        attr_left -= step;
      }
    }
  }
  close(fd);
  std::sort(tables.begin(), tables.end());
  std::string out = failure;
  for (const std::string& table : tables) out += "nf_tables table " + table + "\n";
  return out;
}

}  // namespace

void RequireRoot() {
  if (geteuid() != 0) {
    FAIL(
        "this test needs root (network namespaces and iptables in them); run the partition "
        "tests as root");
  }
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/cc-partition-test.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) FAIL("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  coordcheck::control::CleanLeftovers(path_);
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

TestCluster::TestCluster(int nodes, const std::string& backend) {
  ClusterOptions options;
  options.backend = backend;
  options.nodes = nodes;
  options.state_dir = dir_.path();
  auto created = Cluster::Create(options);
  if (!created.ok()) FAIL("cannot create the " << backend << " cluster: " << created.message());
  cluster_ = std::move(created).value();
  if (backend != "netns") return;
  for (const std::string& node : names()) {
    auto& remote = cluster_->remote(node);
    coordcheck::control::DaemonSpec spec;
    spec.name = "tcp-listener";
    spec.argv = {kProbe, "listen", remote.address(), std::to_string(kTcpPort)};
    auto daemon = remote.StartDaemon(spec);
    if (!daemon.ok()) FAIL("cannot start the listener: " << daemon.message());
  }
  for (const std::string& node : names()) {
    const std::string log = cluster_->remote(node).root_dir() + "/tcp-listener.log";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (Exec(node, {"cat", log}).find("listening") == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline) FAIL("node " << node << ": no listener");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
}

TestCluster::~TestCluster() {
  if (!cluster_) return;
  const std::string run_id = cluster_->run_id();
  auto destroyed = cluster_->Destroy();
  CHECK(destroyed.message() == "");
  CHECK(NetnsList().find(run_id) == std::string::npos);
}

std::vector<std::string> TestCluster::names() const {
  std::vector<std::string> names;
  for (const auto& node : cluster_->nodes()) names.push_back(node.name);
  return names;
}

const std::string& TestCluster::address(const std::string& node) const {
  for (const auto& info : cluster_->nodes()) {
    if (info.name == node) return info.address;
  }
  FAIL("no node " << node);
  return node;  // not reached
}

std::string TestCluster::Exec(const std::string& node, const std::vector<std::string>& argv) {
  ExecOptions options;
  options.timeout = std::chrono::seconds(10);
  auto result = cluster_->remote(node).Exec(argv, options);
  INFO("node " << node << ": " << argv[0]);
  REQUIRE(result.ok());
  INFO("stderr: " << result->err);
  REQUIRE(result->success());
  return result->out;
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
      auto result = cluster_->remote(nodes[i]).Exec(argv, options);
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
  auto& remote = cluster_->remote(node);
  coordcheck::control::DaemonSpec spec;
  spec.name = "udp-receiver";
  spec.argv = {kProbe, "udp-recv", remote.address(), std::to_string(kUdpPort)};
  auto daemon = remote.StartDaemon(spec);
  REQUIRE(daemon.ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (Exec(node, {"cat", remote.root_dir() + "/udp-receiver.log"}).find("bound") ==
         std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) FAIL("node " << node << ": no receiver");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void TestCluster::SendUdp(const std::string& from, const std::string& to, int count) {
  Exec(from,
       {kProbe, "udp-send", address(to), std::to_string(kUdpPort), from, std::to_string(count)});
}

std::vector<std::string> TestCluster::UdpReceived(const std::string& node) {
  auto& remote = cluster_->remote(node);
  std::istringstream lines(Exec(node, {"cat", remote.root_dir() + "/udp-receiver.log"}));
  std::vector<std::string> received;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("bound ", 0) != 0) received.push_back(line);
  }
  return received;
}

std::string RootNetworkState() {
  std::string state;
  for (const char* name : {"ip_tables_names", "ip6_tables_names", "arp_tables_names"}) {
    state += std::string(name) + ": " + ReadFile(std::string("/proc/net/") + name);
  }
  state += NfTables();
  state += RunHere({"ip", "-o", "link"});
  return state;
}

std::string NetnsList() { return RunHere({"ip", "netns", "list"}); }

}  // namespace parttest
