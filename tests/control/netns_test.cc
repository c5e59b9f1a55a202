// Cluster with the netns backend (needs root): each node its own namespace and address,
// reachable from other nodes and through the Dialer, the root namespace never touched,
// nothing left after Destroy, and runs side by side not interfering.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <set>

#include "harness/control/cluster.h"
#include "harness/control/netns.h"
#include "harness/control/process.h"
#include "tests/control/test_util.h"
#include "tests/support/node_env.h"
#include "tests/support/slack.h"

using Catch::Matchers::Contains;
using cctest::kProbe;
using coordcheck::control::Cluster;
using coordcheck::control::ClusterOptions;
using coordcheck::control::ListNetns;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::unique_ptr<Cluster> MakeNetns(const std::string& state_dir, int nodes) {
  ClusterOptions options;
  options.backend = "netns";
  options.nodes = nodes;
  options.state_dir = state_dir;
  auto created = Cluster::Create(options);
  INFO(created.message());
  REQUIRE(created.ok());
  return std::move(created.value());
}

// Starts a probe listening on `node`'s address and returns its port.
int StartListener(Cluster& cluster, const std::string& node, const std::string& port,
                  const std::string& banner) {
  auto& remote = cluster.remote(node);
  const std::string log = remote.root_dir() + "/listener.log";
  return nodetest::StartListeningDaemon(
      remote, {"listener", {kProbe, "listen", remote.address(), port, banner}, log, {}, ""});
}

}  // namespace

TEST_CASE("netns cluster: five nodes, own addresses, reachable, root namespace untouched",
          "[netns][root]") {
  nodetest::RequireRoot();
  nodetest::TempDir dir;
  const std::string root_before = nodetest::RootNetworkState();
  const std::string own_netns = cctest::Link("/proc/self/ns/net");
  const std::string thread_netns = cctest::Link("/proc/thread-self/ns/net");

  const auto t0 = Clock::now();
  auto cluster = MakeNetns(dir.path(), 5);
  const double create_s = Seconds(Clock::now() - t0);
  CHECK(create_s < 10.0);  // a fraction of a second alone; the bound catches a hang
  const std::string id = cluster->run_id();
  CHECK(cluster->backend() == "netns");
  const std::set<std::string> expected = {"cc-" + id + "-ctl", "cc-" + id + "-n1",
                                          "cc-" + id + "-n2",  "cc-" + id + "-n3",
                                          "cc-" + id + "-n4",  "cc-" + id + "-n5"};
  const auto listed = ListNetns("cc-" + id + "-");
  CHECK(std::set<std::string>(listed.begin(), listed.end()) == expected);
  const std::string ledger = dir.path() + "/ledgers/" + id + ".jsonl";
  std::set<std::string> ledger_netns;
  for (const auto& line : cctest::LedgerLines(ledger)) {
    if (line.value("kind", "") == "netns") ledger_netns.insert(line.value("name", ""));
  }
  CHECK(ledger_netns == expected);

  // Each node sees only its own address, from a namespace of its own.
  std::set<std::string> namespaces;
  for (int k = 1; k <= 5; ++k) {
    const auto& info = cluster->nodes()[k - 1];
    CHECK(info.address == "10.77.0." + std::to_string(10 + k));
    auto addr = cluster->remote(info.name).Exec({"ip", "-o", "addr"});
    REQUIRE(addr.ok());
    INFO(info.name << ": " << addr->out);
    CHECK_THAT(addr->out, Contains("inet " + info.address + "/24"));
    CHECK_THAT(addr->out, Contains("inet 127.0.0.1/8"));
    for (int j = 1; j <= 5; ++j) {
      if (j != k) CHECK_THAT(addr->out, !Contains("10.77.0." + std::to_string(10 + j) + "/"));
    }
    CHECK_THAT(addr->out, !Contains("10.77.0.1/"));
    auto ns = cluster->remote(info.name).Exec({kProbe, "print-netns"});
    REQUIRE(ns.ok());
    CHECK(ns->out != own_netns + "\n");
    namespaces.insert(ns->out);
  }
  CHECK(namespaces.size() == 5);

  // A probe on n2 answers n1 and the controller (through the bridge namespace) but not the
  // root namespace, which has no route to the nodes.
  const int port = StartListener(*cluster, "n2", "0", "n2");
  const std::string target = cluster->remote("n2").address();
  auto from_n1 = cluster->remote("n1").Exec({kProbe, "connect", target, std::to_string(port)});
  REQUIRE(from_n1.ok());
  CHECK(from_n1->exit_code == 0);
  auto fd = cluster->dialer().Connect(target, port, 1s);
  INFO(fd.message());
  REQUIRE(fd.ok());
  CHECK(cctest::NoDelayAndBlocking(*fd));
  CHECK(cctest::ReadLine(*fd) == "n2");
  CHECK(cctest::EchoLine(*fd, "through the bridge") == "through the bridge");
  close(*fd);
  coordcheck::control::SpawnSpec from_root;
  from_root.argv = {kProbe, "connect", target, std::to_string(port)};
  auto root_try = coordcheck::control::RunProcess(from_root, "", 5s);
  REQUIRE(root_try.ok());
  CHECK(root_try->exit_code == 1);
  auto refused = cluster->dialer().Connect(target, port + 1 == 65536 ? 1 : port + 1, 1s);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.message(), Contains(target));
  // Nobody answers at 10.77.0.99: the connect gives up at its timeout.
  const auto t2 = Clock::now();
  auto silent = cluster->dialer().Connect("10.77.0.99", port, 200ms);
  const double silent_s = Seconds(Clock::now() - t2);
  REQUIRE_FALSE(silent.ok());
  CHECK_THAT(silent.message(), Contains("10.77.0.99") && Contains("timed out"));
  CHECK(silent_s >= 0.2);
  CHECK(silent_s < 0.2 + Seconds(testtime::kSlack));  // its timeout, not the kernel's minutes
  CHECK(cctest::Link("/proc/self/ns/net") == own_netns);
  CHECK(cctest::Link("/proc/thread-self/ns/net") == thread_netns);

  // Destroy leaves nothing: namespaces, daemons, directories, ledger.
  std::vector<pid_t> daemons;
  for (const auto& line : cctest::LedgerLines(ledger)) {
    if (line.value("kind", "") == "process") daemons.push_back(line.value("pid", 0));
  }
  REQUIRE(daemons.size() == 1);
  const auto t1 = Clock::now();
  REQUIRE(cluster->Destroy().ok());
  const double destroy_s = Seconds(Clock::now() - t1);
  CHECK(destroy_s < 20.0);
  CHECK(ListNetns("cc-" + id + "-").empty());
  CHECK_FALSE(nodetest::Exists(dir.path() + "/" + id));
  CHECK_FALSE(nodetest::Exists(ledger));
  CHECK(cctest::ProcState(daemons[0]) == '-');
  CHECK(nodetest::RootNetworkState() == root_before);
  CHECK(cctest::Link("/proc/self/ns/net") == own_netns);
  auto after = cluster->dialer().Connect(target, port, 1s);
  CHECK_FALSE(after.ok());
}

TEST_CASE("two netns clusters at once do not interfere", "[netns][root]") {
  nodetest::RequireRoot();
  nodetest::TempDir dir;
  auto a = MakeNetns(dir.path(), 2);
  auto b = MakeNetns(dir.path(), 2);
  REQUIRE(a->run_id() != b->run_id());
  // The same address and port in both runs, each answering with its own banner.
  CHECK(a->nodes()[1].address == b->nodes()[1].address);
  const std::string target = a->nodes()[1].address;
  REQUIRE(StartListener(*a, "n2", "7411", "A") == 7411);
  REQUIRE(StartListener(*b, "n2", "7411", "B") == 7411);
  for (auto [cluster, banner] : {std::pair{a.get(), "A"}, {b.get(), "B"}}) {
    auto fd = cluster->dialer().Connect(target, 7411, 1s);
    INFO(fd.message());
    REQUIRE(fd.ok());
    CHECK(cctest::ReadLine(*fd) == banner);
    close(*fd);
  }
  auto a_ns = a->remote("n1").Exec({kProbe, "print-netns"});
  auto b_ns = b->remote("n1").Exec({kProbe, "print-netns"});
  REQUIRE(a_ns.ok());
  REQUIRE(b_ns.ok());
  CHECK(a_ns->out != b_ns->out);

  const std::string a_id = a->run_id();
  REQUIRE(a->Destroy().ok());
  CHECK(ListNetns("cc-" + a_id + "-").empty());
  CHECK(ListNetns("cc-" + b->run_id() + "-").size() == 3);
  auto fd = b->dialer().Connect(target, 7411, 1s);
  REQUIRE(fd.ok());
  CHECK(cctest::ReadLine(*fd) == "B");
  close(*fd);
  auto n1_to_n2 = b->remote("n1").Exec({kProbe, "connect", target, "7411"});
  REQUIRE(n1_to_n2.ok());
  CHECK(n1_to_n2->exit_code == 0);
  REQUIRE(b->Destroy().ok());
}

TEST_CASE("netns cluster of 20 nodes: the last node is reachable from the first", "[netns][root]") {
  nodetest::RequireRoot();
  nodetest::TempDir dir;
  const auto t0 = Clock::now();
  auto cluster = MakeNetns(dir.path(), 20);
  CHECK(Seconds(Clock::now() - t0) < 20.0);  // about 1 s alone; the bound catches a hang
  const std::string id = cluster->run_id();
  CHECK(ListNetns("cc-" + id + "-").size() == 21);
  const int port = StartListener(*cluster, "n20", "0", "n20");
  auto from_n1 = cluster->remote("n1").Exec(
      {kProbe, "connect", cluster->remote("n20").address(), std::to_string(port)});
  REQUIRE(from_n1.ok());
  CHECK(from_n1->exit_code == 0);
  const auto t1 = Clock::now();
  REQUIRE(cluster->Destroy().ok());
  CHECK(Seconds(Clock::now() - t1) < 20.0);
  CHECK(ListNetns("cc-" + id + "-").empty());
}
