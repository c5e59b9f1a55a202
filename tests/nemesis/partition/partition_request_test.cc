// What PartitionNemesis accepts and refuses before touching any node: op value parsing,
// ops it does not handle, isolate-primary without a primary, and the local backend (which
// needs no root: a local cluster is processes on loopback).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "nemesis/ops.h"
#include "nemesis/partition/partition_nemesis.h"
#include "tests/nemesis/partition/test_util.h"
#include "tests/support/node_env.h"

namespace coordcheck::nemesis {
namespace {

using nodetest::NemesisOp;

const std::vector<std::string> kNodes = {"n1", "n2", "n3", "n4", "n5"};

std::string ParseError(const char* value) {
  auto parsed = ParsePartitionRequest(Json::parse(value), kNodes);
  REQUIRE_FALSE(parsed.ok());
  return parsed.message();
}

TEST_CASE("partition request: kinds, seeds, modes and explicit grudges parse", "[request]") {
  auto kind = ParsePartitionRequest(
      Json::parse(R"({"kind": "majorities-ring", "seed": 7, "mode": "reject"})"), kNodes);
  REQUIRE(kind.ok());
  CHECK(kind->kind == "majorities-ring");
  CHECK(kind->seed == 7);
  CHECK(kind->mode == CutMode::kReject);
  CHECK(kind->grudge == *MakeGrudge(kNodes, "majorities-ring", 7));

  auto halves = ParsePartitionRequest(Json::parse(R"({"kind": "halves"})"), kNodes);
  REQUIRE(halves.ok());
  CHECK(halves->mode == CutMode::kDrop);
  CHECK(halves->grudge == *MakeGrudge(kNodes, "halves", 0));

  auto negative = ParsePartitionRequest(Json::parse(R"({"kind": "isolate", "seed": -1})"), kNodes);
  REQUIRE(negative.ok());
  CHECK(negative->seed == ~0ULL);

  auto big = ParsePartitionRequest(
      Json::parse(R"({"kind": "isolate", "seed": 18446744073709551615})"), kNodes);
  REQUIRE(big.ok());
  CHECK(big->seed == ~0ULL);

  auto primary = ParsePartitionRequest(Json::parse(R"({"kind": "isolate-primary"})"), kNodes);
  REQUIRE(primary.ok());
  CHECK(primary->grudge.empty());

  auto explicit_grudge = ParsePartitionRequest(
      Json::parse(R"({"grudge": {"n2": ["n1"], "n1": ["n2"]}, "mode": "drop"})"), kNodes);
  REQUIRE(explicit_grudge.ok());
  CHECK(explicit_grudge->kind.empty());
  CHECK(explicit_grudge->grudge == Grudge{{"n1", {"n2"}}, {"n2", {"n1"}}});
}

TEST_CASE("partition request: bad values say what is wrong", "[request]") {
  CHECK_THAT(ParseError("null"), Catch::Contains("object"));
  CHECK_THAT(ParseError(R"({"mode": "drop"})"), Catch::Contains("kind or an explicit grudge"));
  CHECK_THAT(ParseError(R"({"kind": "halves", "grudge": {}})"),
             Catch::Contains("kind or an explicit grudge"));
  CHECK_THAT(ParseError(R"({"kind": "random-halves"})"), Catch::Contains("needs an integer seed"));
  CHECK_THAT(ParseError(R"({"kind": "isolate", "seed": "7"})"), Catch::Contains("seed"));
  CHECK_THAT(ParseError(R"({"kind": "isolate", "seed": 1.5})"), Catch::Contains("seed"));
  CHECK_THAT(ParseError(R"({"kind": "thirds", "seed": 1})"), Catch::Contains("thirds"));
  CHECK_THAT(ParseError(R"({"kind": 3})"), Catch::Contains("kind must be a string"));
  CHECK_THAT(ParseError(R"({"kind": "halves", "mode": "delay"})"), Catch::Contains("mode"));
  CHECK_THAT(ParseError(R"({"grudge": {"n1": ["n6"]}})"), Catch::Contains("unknown node n6"));
  CHECK_THAT(ParseError(R"({"grudge": {"n9": ["n1"]}})"), Catch::Contains("unknown node n9"));
}

TEST_CASE("partition nemesis: the local backend fails Setup with a clear error", "[local]") {
  parttest::TestCluster local(3, "local");
  PartitionNemesis nemesis(local.cluster(), nullptr);
  CHECK(nemesis.fs() == std::vector<std::string>{"start-partition", "stop-partition"});
  auto setup = nemesis.Setup();
  REQUIRE_FALSE(setup.ok());
  CHECK(setup.message() ==
        "partitions need the netns backend (or real machines): nodes of the local backend "
        "share one network namespace");
  // Nothing was set up, so ops fail without running anything and teardown has nothing to do.
  Op done = nemesis.Invoke(NemesisOp("start-partition", {{"kind", "halves"}}));
  CHECK(done.type == OpType::kInfo);
  CHECK_THAT(done.error.get<std::string>(), Catch::Contains("not set up"));
  CHECK(nemesis.Teardown().ok());
}

TEST_CASE("partition nemesis: bad ops complete as info with an error", "[local]") {
  parttest::TestCluster local(3, "local");
  PartitionNemesis nemesis(local.cluster(), nullptr);

  Op unknown = nemesis.Invoke(NemesisOp("kill", nullptr));
  CHECK(unknown.type == OpType::kInfo);
  CHECK(unknown.process == kNemesisProcess);
  CHECK(unknown.f == "kill");
  CHECK_THAT(unknown.error.get<std::string>(), Catch::Contains("does not perform f 'kill'"));

  Op bad = nemesis.Invoke(NemesisOp("start-partition", {{"grudge", {{"n1", {"n7"}}}}}));
  CHECK(bad.type == OpType::kInfo);
  CHECK(bad.f == "start-partition");
  CHECK(bad.value == Json{{"grudge", {{"n1", {"n7"}}}}});
  CHECK_THAT(bad.error.get<std::string>(), Catch::Contains("unknown node n7"));
}

TEST_CASE("partition nemesis: PrimaryOf follows the target's abilities", "[local]") {
  struct Target : ProcessControl {
    bool primary = false;
    bool can_kill() const override { return false; }
    bool can_pause() const override { return false; }
    bool has_primary() const override { return primary; }
    Status Kill(const std::string&) override { return {}; }
    Status Start(const std::string&) override { return {}; }
    Status Pause(const std::string&) override { return {}; }
    Status Resume(const std::string&) override { return {}; }
    Result<std::string> Primary() override { return std::string("n2"); }
  } target;
  CHECK_FALSE(PartitionNemesis::PrimaryOf(nullptr));
  CHECK_FALSE(PartitionNemesis::PrimaryOf(&target));
  target.primary = true;
  auto primary = PartitionNemesis::PrimaryOf(&target);
  REQUIRE(primary);
  CHECK(*primary() == "n2");
}

}  // namespace
}  // namespace coordcheck::nemesis
