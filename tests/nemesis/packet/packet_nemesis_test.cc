// PacketNemesis on a real netns cluster (needs root): loss and delay measured with UDP
// probes between nodes, heals that restore the links and stop netdelay, iptables listings
// that show only our chain and jump and nothing of ours after Teardown, foreign rules and
// the root namespace left alone, failures undone, and netdelay releasing what it holds on
// SIGTERM.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness/control/netns.h"
#include "nemesis/ops.h"
#include "nemesis/packet/packet_nemesis.h"
#include "tests/nemesis/packet/pkt_test_util.h"
#include "tests/support/node_env.h"

using Catch::Matchers::Contains;
using coordcheck::Json;
using coordcheck::Op;
using coordcheck::PacketNemesis;
using nodetest::TestCluster;
using pkttest::ExecJson;
using pkttest::Invoke;
using pkttest::kNetdelay;
using pkttest::kProbe;
using pkttest::Stats;
namespace fault = coordcheck::fault;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string Error(const Op& op) { return op.error.is_null() ? "" : op.error.dump(); }

// Invokes `f` with `value` and requires it to succeed.
Op Apply(PacketNemesis& nemesis, const std::string& f, const Json& value) {
  Op done = Invoke(nemesis, f, value);
  INFO(f << " error: " << Error(done));
  REQUIRE(done.error.is_null());
  return done;
}

// A netns cluster of `nodes` nodes with a PacketNemesis set up on it. Needs root: the
// cluster fails the test saying so otherwise.
struct NemesisCluster {
  explicit NemesisCluster(int nodes)
      : cluster("netns", nodes), nemesis(cluster.cluster(), pkttest::kBinDir) {
    REQUIRE(nemesis.Setup().ok());
  }
  TestCluster cluster;
  PacketNemesis nemesis;
};

Json LossRun(TestCluster& cluster, const std::string& from, const std::string& to, int port) {
  return ExecJson(
      cluster, from,
      {kProbe, "udp-loss", cluster.remote(to).address(), std::to_string(port), "2000", "200"});
}

Json RttRun(TestCluster& cluster, const std::string& from, const std::string& to, int port, int n,
            int gap_ms) {
  return ExecJson(cluster, from,
                  {kProbe, "udp-rtt", cluster.remote(to).address(), std::to_string(port),
                   std::to_string(n), std::to_string(gap_ms)});
}

// The lines of an `iptables -S` listing that are not default policies.
std::vector<std::string> NonPolicyLines(const std::string& listing) {
  std::vector<std::string> out;
  std::istringstream in(listing);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("-P ", 0) != 0) out.push_back(line);
  }
  return out;
}

// What `iptables -t mangle -S` lists once set up, without default policies: what was there
// before (`mangle_before`) with our chain and its jump, then `chain_rules`.
std::vector<std::string> WithOurChain(const std::string& mangle_before,
                                      const std::vector<std::string>& chain_rules = {}) {
  std::vector<std::string> expected = NonPolicyLines(mangle_before);
  expected.insert(expected.begin(), "-N coordcheck-pkt");
  expected.push_back("-A POSTROUTING -o eth0 -j coordcheck-pkt");
  expected.insert(expected.end(), chain_rules.begin(), chain_rules.end());
  return expected;
}

// What netdelay logged on `node`.
std::string NetdelayLog(TestCluster& cluster, const std::string& node) {
  return cluster.Exec(node, {"cat", cluster.remote(node).root_dir() + "/netdelay.log"});
}

}  // namespace

TEST_CASE("packet nemesis: measured loss within tolerance, other links untouched, heal",
          "[packet][root]") {
  NemesisCluster c(3);
  const int echo2 = pkttest::StartEcho(c.cluster, "n2");
  const int echo3 = pkttest::StartEcho(c.cluster, "n3");

  Op done = Apply(c.nemesis, fault::kStartPacket, {{"nodes", {"n1"}}, {"loss", 0.3}});
  CHECK(done.type == coordcheck::OpType::kInfo);
  CHECK(done.value["loss"] == 0.3);
  CHECK(done.value["applied"]["n1"]["rules"] ==
        Json{"-A coordcheck-pkt -m statistic --mode random --probability 0.3 -j DROP"});
  CHECK_FALSE(done.value["applied"]["n1"].contains("pid"));

  const Json lossy = LossRun(c.cluster, "n1", "n2", echo2);
  const double fraction = lossy["received"].get<double>() / 2000.0;
  WARN("loss 0.3 on n1: n1 -> n2 received fraction " << fraction << " (" << lossy.dump() << ")");
  CHECK(fraction == Approx(0.7).margin(0.05));
  // netfilter DROP is visible to a local UDP sender as EPERM (netem's loss is silent).
  CHECK(lossy["send_errors"].get<int>() + lossy["received"].get<int>() == 2000);

  const Json other = LossRun(c.cluster, "n2", "n3", echo3);
  CHECK(other["received"] == 2000);
  CHECK(other["send_errors"] == 0);

  done = Apply(c.nemesis, fault::kStopPacket, nullptr);
  CHECK(done.value == Json{{"healed", {"n1", "n2", "n3"}}});
  const Json healed = LossRun(c.cluster, "n1", "n2", echo2);
  CHECK(healed["received"] == 2000);
  CHECK(healed["send_errors"] == 0);
  CHECK(c.nemesis.Teardown().ok());
}

TEST_CASE("packet nemesis: measured delay and jitter within tolerance, heal stops netdelay",
          "[packet][root]") {
  NemesisCluster c(3);
  const int echo1 = pkttest::StartEcho(c.cluster, "n1");
  const int echo3 = pkttest::StartEcho(c.cluster, "n3");

  const auto base = Stats(RttRun(c.cluster, "n2", "n1", echo1, 20, 10));
  REQUIRE(base.lost == 0);

  auto t0 = Clock::now();
  Op done = Apply(c.nemesis, fault::kStartPacket, {{"nodes", {"n1"}}, {"delay_ms", 100}});
  const double apply_ms = Ms(Clock::now() - t0);
  const Json applied = done.value["applied"]["n1"];
  CHECK(applied["queue"] == 7700);
  CHECK(applied["rules"] == Json{"-A coordcheck-pkt -j NFQUEUE --queue-num 7700 --queue-bypass"});
  const int64_t pid = applied["pid"].get<int64_t>();
  CHECK_FALSE(pkttest::PidGone(pid));

  // n2 -> n1 -> n2: only n1's replies are delayed.
  const auto delayed = Stats(RttRun(c.cluster, "n2", "n1", echo1, 20, 10));
  WARN("delay 100 ms on n1 (applied in "
       << apply_ms << " ms): RTT n2->n1->n2 median " << delayed.median_ms << " ms (min "
       << delayed.min_ms << ", max " << delayed.max_ms << "; before: median " << base.median_ms
       << " ms)");
  CHECK(delayed.lost == 0);
  CHECK(delayed.median_ms - base.median_ms == Approx(100).margin(30));
  CHECK(delayed.min_ms >= 95);
  const auto untouched = Stats(RttRun(c.cluster, "n2", "n3", echo3, 20, 10));
  CHECK(untouched.lost == 0);
  CHECK(untouched.median_ms < 10);

  done = Apply(c.nemesis, fault::kStartPacket,
               {{"nodes", {"n1"}}, {"delay_ms", 100}, {"jitter_ms", 40}, {"seed", 3}});
  CHECK(pkttest::PidGone(pid));  // the previous fault was healed first
  const int64_t jitter_pid = done.value["applied"]["n1"]["pid"].get<int64_t>();
  const auto jittered = Stats(RttRun(c.cluster, "n2", "n1", echo1, 40, 5));
  WARN("delay 100 ms jitter 40 ms on n1: RTT median "
       << jittered.median_ms << " ms, min " << jittered.min_ms << ", max " << jittered.max_ms);
  CHECK(jittered.lost == 0);
  CHECK(jittered.median_ms == Approx(100).margin(30));
  CHECK(jittered.max_ms - jittered.min_ms > 30);
  CHECK(jittered.min_ms >= 58);
  CHECK(jittered.max_ms <= 170);  // 100 + 40, plus the 30 ms tolerance

  t0 = Clock::now();
  done = Apply(c.nemesis, fault::kStopPacket, nullptr);
  const double stop_ms = Ms(Clock::now() - t0);
  CHECK(pkttest::PidGone(jitter_pid));
  const auto after = Stats(RttRun(c.cluster, "n2", "n1", echo1, 20, 10));
  WARN("stop-packet took " << stop_ms << " ms; RTT after: median " << after.median_ms << " ms");
  CHECK(after.lost == 0);
  CHECK(after.median_ms < 10);
  const std::string log = NetdelayLog(c.cluster, "n1");
  CHECK_THAT(log, Contains("bound; delay 100 ms, jitter 40 ms"));
  CHECK_THAT(log, Contains("Terminated: released"));
  CHECK(c.nemesis.Teardown().ok());
}

TEST_CASE(
    "packet nemesis: only our chain and jump while active and nothing of ours after "
    "teardown, foreign rules and the root namespace untouched (5 nodes, timed)",
    "[packet][root]") {
  nodetest::RequireRoot();
  const std::string root_before = nodetest::RootNetworkState();
  {
    TestCluster cluster("netns", 5);
    const std::vector<std::string> nodes = {"n1", "n2", "n3", "n4", "n5"};
    // Foreign rules the nemesis must leave alone, in both tables.
    cluster.Exec("n1",
                 {"iptables", "-w", "-A", "OUTPUT", "-p", "udp", "--dport", "9", "-j", "ACCEPT"});
    cluster.Exec("n1", {"iptables", "-w", "-t", "mangle", "-A", "POSTROUTING", "-p", "tcp",
                        "--dport", "9", "-j", "ACCEPT"});
    std::map<std::string, std::string> filter_before, mangle_before;
    for (const auto& n : nodes) {
      filter_before[n] = pkttest::FilterRules(cluster, n);
      mangle_before[n] = pkttest::MangleRules(cluster, n);
    }
    PacketNemesis nemesis(cluster.cluster(), pkttest::kBinDir);
    auto t0 = Clock::now();
    REQUIRE(nemesis.Setup().ok());
    const double setup_ms = Ms(Clock::now() - t0);
    for (const auto& n : nodes) {
      INFO(n);
      CHECK(pkttest::FilterRules(cluster, n) == filter_before[n]);
      CHECK(NonPolicyLines(pkttest::MangleRules(cluster, n)) == WithOurChain(mangle_before[n]));
    }

    t0 = Clock::now();
    Op done = Apply(nemesis, fault::kStartPacket,
                    {{"nodes", nodes}, {"loss", 0.1}, {"delay_ms", 20}, {"jitter_ms", 5}});
    const double start_ms = Ms(Clock::now() - t0);
    for (const auto& n : nodes) {
      INFO(n);
      CHECK(pkttest::FilterRules(cluster, n) == filter_before[n]);
      CHECK(NonPolicyLines(pkttest::MangleRules(cluster, n)) ==
            WithOurChain(mangle_before[n],
                         {"-A coordcheck-pkt -m statistic --mode random --probability "
                          "0.10000000009 -j DROP",
                          "-A coordcheck-pkt -j NFQUEUE --queue-num 7700 --queue-bypass"}));
      CHECK(done.value["applied"][n]["rules"].size() == 2);
    }
    t0 = Clock::now();
    done = Apply(nemesis, fault::kStopPacket, nullptr);
    const double stop_ms = Ms(Clock::now() - t0);
    for (const auto& n : nodes) {
      INFO(n);
      CHECK(NonPolicyLines(pkttest::MangleRules(cluster, n)) == WithOurChain(mangle_before[n]));
    }
    // Active again, then Teardown straight away: it heals too.
    done = Apply(nemesis, fault::kStartPacket, {{"nodes", {"n2"}}, {"delay_ms", 10}});
    const int64_t pid = done.value["applied"]["n2"]["pid"].get<int64_t>();
    t0 = Clock::now();
    REQUIRE(nemesis.Teardown().ok());
    const double teardown_ms = Ms(Clock::now() - t0);
    CHECK(pkttest::PidGone(pid));
    for (const auto& n : nodes) {
      INFO(n);
      CHECK(pkttest::FilterRules(cluster, n) == filter_before[n]);
      CHECK(pkttest::MangleRules(cluster, n) == mangle_before[n]);
    }
    CHECK_THAT(mangle_before["n1"], Contains("-A POSTROUTING -p tcp -m tcp --dport 9 -j ACCEPT"));
    CHECK_THAT(filter_before["n1"], Contains("-A OUTPUT -p udp -m udp --dport 9 -j ACCEPT"));
    // A second Teardown has nothing left to do.
    CHECK(nemesis.Teardown().ok());
    WARN("5 nodes: setup " << setup_ms << " ms, start-packet (loss+delay on 5) " << start_ms
                           << " ms, stop-packet " << stop_ms << " ms, teardown (1 active) "
                           << teardown_ms << " ms");
    CHECK(nodetest::RootNetworkState() == root_before);
  }
  CHECK(nodetest::RootNetworkState() == root_before);
}

TEST_CASE("packet nemesis: a node that fails is named and everything applied is undone",
          "[packet][root]") {
  NemesisCluster c(3);
  // Something else holds n2's queue 7700, so netdelay cannot bind there.
  auto& n2 = c.cluster.remote("n2");
  const std::string squatter_ready = n2.root_dir() + "/squatter.ready";
  auto squatter = n2.StartDaemon({"squatter",
                                  {kNetdelay, "--queue", "7700", "--ready-file", squatter_ready},
                                  n2.root_dir() + "/squatter.log",
                                  {},
                                  ""});
  REQUIRE(squatter.ok());
  c.cluster.Exec("n2", {kNetdelay, "--wait-ready", squatter_ready});

  Op done = Invoke(c.nemesis, fault::kStartPacket,
                   {{"nodes", {"n1", "n2", "n3"}}, {"loss", 0.2}, {"delay_ms", 50}});
  REQUIRE(done.error.is_string());
  const std::string error = done.error.get<std::string>();
  INFO(error);
  CHECK_THAT(error, Contains("node n2: coordcheck-netdelay did not bind queue 7700"));
  CHECK_THAT(error, Contains("cannot bind queue 7700"));
  CHECK_THAT(error, Contains("every node healed again"));
  CHECK_FALSE(done.value.contains("applied"));
  for (const std::string n : {"n1", "n2", "n3"}) {
    INFO(n);
    const std::string mangle = pkttest::MangleRules(c.cluster, n);
    CHECK_THAT(mangle, Contains("-A POSTROUTING -o eth0 -j coordcheck-pkt"));
    CHECK_FALSE(mangle.find("-A coordcheck-pkt") != std::string::npos);
  }
  // n1's netdelay (started before n2 failed) is gone; only the squatter runs.
  const std::string n1_log = NetdelayLog(c.cluster, "n1");
  CHECK_THAT(n1_log, Contains("bound; delay 50 ms"));
  CHECK_THAT(n1_log, Contains("Terminated: released"));
  CHECK(n2.DaemonAlive(*squatter));
  CHECK(n2.StopDaemon(*squatter).ok());

  // Bad values are errors that change nothing.
  done = Invoke(c.nemesis, fault::kStartPacket, {{"nodes", {"n1"}}, {"delay", 5}});
  CHECK_THAT(done.error.get<std::string>(), Contains("unknown field \"delay\""));
  done = Invoke(c.nemesis, "start-partition", nullptr);
  CHECK_THAT(done.error.get<std::string>(), Contains("unknown fault start-partition"));

  // With the queue free again the same op works.
  done = Invoke(c.nemesis, fault::kStartPacket,
                {{"nodes", {"n1", "n2", "n3"}}, {"loss", 0.2}, {"delay_ms", 50}});
  INFO(Error(done));
  CHECK(done.error.is_null());
  CHECK(c.nemesis.Teardown().ok());
}

TEST_CASE("packet nemesis: a missing helper is a Setup error naming it", "[packet][root]") {
  nodetest::RequireRoot();
  TestCluster cluster("netns", 1);
  PacketNemesis nemesis(cluster.cluster(), "/nonexistent/bin");
  auto st = nemesis.Setup();
  REQUIRE_FALSE(st.ok());
  CHECK_THAT(st.message(), Contains("/nonexistent/bin/coordcheck-netdelay not found"));
}

TEST_CASE("netdelay: SIGTERM while holding packets releases them and exits 0", "[netdelay][root]") {
  nodetest::RequireRoot();
  TestCluster cluster("netns", 2);
  const int echo2 = pkttest::StartEcho(cluster, "n2");
  // The test's own rule and queue; netdelay holds n1's UDP packets for 10 s.
  cluster.Exec("n1", {"iptables", "-w", "-t", "mangle", "-A", "POSTROUTING", "-o", "eth0", "-p",
                      "udp", "-j", "NFQUEUE", "--queue-num", "7701", "--queue-bypass"});
  const std::string ready = cluster.remote("n1").root_dir() + "/test.ready";
  auto not_ready =
      cluster.remote("n1").Exec({kNetdelay, "--wait-ready", ready, "--timeout-ms", "50"}, {});
  REQUIRE(not_ready.ok());
  CHECK(not_ready->exit_code == 1);
  CHECK_THAT(not_ready->err, Contains("not ready after 50 ms"));

  coordcheck::Result<coordcheck::control::ExecResult> run =
      coordcheck::Result<coordcheck::control::ExecResult>::Error("not run");
  std::thread holder([&] {
    coordcheck::control::ExecOptions options;
    options.timeout = 10s;
    run = cluster.remote("n1").Exec({kProbe, "term-after", "1500", kNetdelay, "--queue", "7701",
                                     "--delay-ms", "10000", "--ready-file", ready},
                                    options);
  });
  const auto t0 = Clock::now();
  cluster.Exec("n1", {kNetdelay, "--wait-ready", ready});
  const auto rtt = Stats(RttRun(cluster, "n1", "n2", echo2, 20, 10));
  const double elapsed_ms = Ms(Clock::now() - t0);
  holder.join();
  REQUIRE(run.ok());
  INFO("stdout: " << run->out << "stderr: " << run->err);
  CHECK(run->out == "{\"exit\":0}\n");
  CHECK_THAT(run->err, Contains("Terminated: released 20 held packets; 20 received, 20 released"));
  CHECK(rtt.lost == 0);
  CHECK(rtt.min_ms > 800);   // held, then let go at the SIGTERM (1.5 s after start)
  CHECK(rtt.max_ms < 3000);  // long before the 10 s delay
  CHECK(elapsed_ms < 8000);  // long before the 10 s delay too
  CHECK_FALSE(nodetest::Exists(ready));  // removed at exit
}

TEST_CASE("packet nemesis: traffic flows when netdelay dies (queue bypass) and the heal says so",
          "[packet][root]") {
  NemesisCluster c(2);
  const int echo1 = pkttest::StartEcho(c.cluster, "n1");
  Op done = Apply(c.nemesis, fault::kStartPacket, {{"nodes", {"n1"}}, {"delay_ms", 200}});
  CHECK(Stats(RttRun(c.cluster, "n2", "n1", echo1, 3, 10)).min_ms >= 195);
  const int64_t pid = done.value["applied"]["n1"]["pid"].get<int64_t>();
  REQUIRE(kill(static_cast<pid_t>(pid), SIGKILL) == 0);
  // kill() returns before the process is gone; until its queue socket closes, a packet can
  // still be queued to it and dropped with it. Measure once it is dead (a zombie or reaped).
  auto dead = [pid] {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return true;
    const auto paren = line.rfind(')');
    return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z';
  };
  REQUIRE(nodetest::WaitUntil(dead, 10s, 5ms));
  // ...and the kernel has unbound its queue: n1's namespace lists no bound queue.
  REQUIRE(nodetest::WaitUntil(
      [&] {
        return c.cluster.Exec("n1", {"cat", "/proc/net/netfilter/nfnetlink_queue"}).empty();
      },
      10s, 5ms));
  const auto bypassed = Stats(RttRun(c.cluster, "n2", "n1", echo1, 10, 10));
  CHECK(bypassed.lost == 0);
  CHECK(bypassed.max_ms < 10);

  done = Invoke(c.nemesis, fault::kStopPacket, nullptr);
  INFO(Error(done));
  CHECK(done.error.is_null());
  CHECK(done.value == Json{{"healed", {"n1", "n2"}}, {"netdelay_ended_early", {"n1"}}});
  CHECK(c.nemesis.Teardown().ok());
}
