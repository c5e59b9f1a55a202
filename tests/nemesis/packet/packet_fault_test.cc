// Parsing start-packet values, the rules they become, per-node seeds; PacketNemesis without
// a network (local backend, not set up); coordcheck-netdelay's argument checks. No root.
#include "nemesis/packet/packet_fault.h"

#include <catch2/catch.hpp>

#include "harness/control/process.h"
#include "nemesis/ops.h"
#include "nemesis/packet/packet_nemesis.h"
#include "tests/nemesis/packet/pkt_test_util.h"
#include "tests/support/node_env.h"

using Catch::Matchers::Contains;
using coordcheck::Json;
using coordcheck::PacketFault;
using coordcheck::PacketRules;
using coordcheck::ParsePacketFault;

namespace {

const std::vector<std::string> kNodes = {"n1", "n2", "n3"};

std::string ParseError(const Json& value) {
  auto parsed = ParsePacketFault(value, kNodes);
  return parsed.ok() ? "(parsed)" : parsed.message();
}

}  // namespace

TEST_CASE("packet fault: valid values parse", "[packet]") {
  auto loss = ParsePacketFault({{"nodes", {"n1", "n3"}}, {"loss", 0.25}}, kNodes);
  REQUIRE(loss.ok());
  CHECK(loss->nodes == std::vector<std::string>{"n1", "n3"});
  CHECK(loss->loss == 0.25);
  CHECK(loss->has_loss());
  CHECK_FALSE(loss->has_delay());

  auto delay = ParsePacketFault(
      {{"nodes", {"n2"}}, {"delay_ms", 100}, {"jitter_ms", 20}, {"seed", 9}}, kNodes);
  REQUIRE(delay.ok());
  CHECK(delay->delay_ms == 100);
  CHECK(delay->jitter_ms == 20);
  CHECK(delay->seed == 9);
  CHECK(delay->has_delay());
  CHECK_FALSE(delay->has_loss());

  auto jitter_only = ParsePacketFault({{"nodes", {"n2"}}, {"jitter_ms", 5}}, kNodes);
  REQUIRE(jitter_only.ok());
  CHECK(jitter_only->has_delay());
}

TEST_CASE("packet fault: invalid values are rejected with a reason", "[packet]") {
  CHECK_THAT(ParseError(nullptr), Contains("must be an object"));
  CHECK_THAT(ParseError({{"loss", 0.1}}), Contains("needs \"nodes\""));
  CHECK_THAT(ParseError({{"nodes", Json::array()}, {"loss", 0.1}}), Contains("non-empty"));
  CHECK_THAT(ParseError({{"nodes", {"n9"}}, {"loss", 0.1}}), Contains("unknown node \"n9\""));
  CHECK_THAT(ParseError({{"nodes", {"n1", "n1"}}, {"loss", 0.1}}), Contains("listed twice"));
  CHECK_THAT(ParseError({{"nodes", {"n1"}}, {"loss", 1.5}}), Contains("loss must be"));
  CHECK_THAT(ParseError({{"nodes", {"n1"}}, {"loss", "0.5"}}), Contains("loss must be"));
  CHECK_THAT(ParseError({{"nodes", {"n1"}}, {"delay_ms", -1}}), Contains("delay_ms must be"));
  CHECK_THAT(ParseError({{"nodes", {"n1"}}, {"delay_ms", 2.5}}), Contains("delay_ms must be"));
  CHECK_THAT(ParseError({{"nodes", {"n1"}}, {"delay_ms", 60001}}), Contains("0 to 60000"));
  CHECK_THAT(ParseError({{"nodes", {"n1"}}, {"jitter_ms", -3}}), Contains("jitter_ms must be"));
  CHECK_THAT(ParseError({{"nodes", {"n1"}}, {"seed", -3}, {"loss", 0.1}}),
             Contains("seed must be"));
  CHECK_THAT(ParseError({{"nodes", {"n1"}}, {"delay", 100}}), Contains("unknown field \"delay\""));
  CHECK_THAT(ParseError({{"nodes", {"n1"}}}), Contains("needs loss > 0"));
  CHECK_THAT(ParseError({{"nodes", {"n1"}}, {"loss", 0}, {"delay_ms", 0}}),
             Contains("needs loss > 0"));
}

TEST_CASE("packet fault: rules, loss before delay", "[packet]") {
  PacketFault fault;
  fault.nodes = {"n1"};
  fault.loss = 0.3;
  CHECK(PacketRules(fault, "coordcheck-pkt", 7700) ==
        std::vector<std::string>{
            "-A coordcheck-pkt -m statistic --mode random --probability 0.3 -j DROP"});
  fault.delay_ms = 50;
  CHECK(PacketRules(fault, "coordcheck-pkt", 7700) ==
        std::vector<std::string>{
            "-A coordcheck-pkt -m statistic --mode random --probability 0.3 -j DROP",
            "-A coordcheck-pkt -j NFQUEUE --queue-num 7700 --queue-bypass"});
  fault.loss = 0;
  CHECK(PacketRules(fault, "c", 12) ==
        std::vector<std::string>{"-A c -j NFQUEUE --queue-num 12 --queue-bypass"});
}

TEST_CASE("packet fault: node seeds differ by node and repeat for the same op", "[packet]") {
  CHECK(coordcheck::NodeSeed(1, "n1") == coordcheck::NodeSeed(1, "n1"));
  CHECK(coordcheck::NodeSeed(1, "n1") != coordcheck::NodeSeed(1, "n2"));
  CHECK(coordcheck::NodeSeed(1, "n1") != coordcheck::NodeSeed(2, "n1"));
  CHECK(coordcheck::NodeSeed(~0ull, "n7") < (1ull << 53));
}

TEST_CASE("packet nemesis: the local backend gives a clear Setup error", "[packet]") {
  nodetest::TestCluster cluster("local", 2);
  coordcheck::PacketNemesis nemesis(cluster.cluster(), pkttest::kBinDir);
  CHECK(nemesis.fs() ==
        std::vector<std::string>{coordcheck::fault::kStartPacket, coordcheck::fault::kStopPacket});
  auto st = nemesis.Setup();
  REQUIRE_FALSE(st.ok());
  CHECK_THAT(st.message(), Contains("packet faults need the netns backend (or real machines)"));
  auto done =
      pkttest::Invoke(nemesis, coordcheck::fault::kStartPacket, {{"nodes", {"n1"}}, {"loss", 0.5}});
  CHECK(done.type == coordcheck::OpType::kInfo);
  CHECK(done.f == coordcheck::fault::kStartPacket);
  CHECK_THAT(done.error.get<std::string>(), Contains("not set up"));
  CHECK(nemesis.Teardown().ok());
}

TEST_CASE("netdelay: bad arguments exit 2 with usage", "[netdelay]") {
  for (const auto& args :
       std::vector<std::vector<std::string>>{{},
                                             {"--queue", "70000"},
                                             {"--queue", "1", "--delay-ms", "-5"},
                                             {"--queue", "1", "--bogus", "1"},
                                             {"--queue"}}) {
    coordcheck::control::SpawnSpec spec;
    spec.argv = {pkttest::kNetdelay};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    auto result = coordcheck::control::RunProcess(spec, "", std::chrono::seconds(5));
    REQUIRE(result.ok());
    INFO(result->err);
    CHECK(result->exit_code == 2);
    CHECK_THAT(result->err, Contains("usage: coordcheck-netdelay"));
  }
}
