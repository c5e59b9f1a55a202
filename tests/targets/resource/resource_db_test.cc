// ResourceDb and ResourceOptions: parsing, the node the resource runs on, its argv and log
// files, a restart that continues the log, and (as root) a deployment into a network
// namespace.
#include <catch2/catch.hpp>

#include "targets/resource/db.h"
#include "targets/resource/options.h"
#include "tests/targets/resource/resource_fixture.h"

namespace coordcheck::test {
namespace {

using resource::Mode;
using resource::ParseResourceOptions;
using resource::Reply;
using resource::ResourceOptions;

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("resource options: defaults, values and errors naming the key", "[resource][db]") {
  auto defaults = ParseResourceOptions(nullptr);
  REQUIRE(defaults.ok());
  CHECK(defaults->port == 7400);
  CHECK(defaults->mode == Mode::kFenced);
  CHECK(defaults->node.empty());
  CHECK(defaults->persist);

  auto set = ParseResourceOptions({{"port", 7500},
                                   {"mode", "unfenced"},
                                   {"node", "n6"},
                                   {"persist", false},
                                   {"connect_timeout_ms", 50}});
  REQUIRE(set.ok());
  CHECK(set->port == 7500);
  CHECK(set->mode == Mode::kUnfenced);
  CHECK(set->node == "n6");
  CHECK_FALSE(set->persist);
  CHECK(set->connect_timeout_ms == 50);

  CHECK(Has(ParseResourceOptions({{"fencing", true}}).message(),
            "unknown resource option \"fencing\""));
  CHECK(Has(ParseResourceOptions({{"mode", "maybe"}}).message(), "\"mode\" must be"));
  CHECK(Has(ParseResourceOptions({{"port", 0}}).message(), "\"port\" must be an integer"));
  CHECK(Has(ParseResourceOptions({{"persist", 1}}).message(), "\"persist\""));
  CHECK(Has(ParseResourceOptions({{"node", 3}}).message(), "\"node\""));
  CHECK_FALSE(ParseResourceOptions(Json::array()).ok());
}

TEST_CASE("resource db: runs only on the node its options name", "[resource][db]") {
  ResourceOptions options;
  options.node = "n2";
  ResourceNode node(options, "local", 2);
  CHECK_FALSE(node.db().DaemonOf("n1").ok());
  CHECK(node.db().DaemonOf("n2").ok());
  CHECK(node.db().LogFiles(node.remote("n1")).empty());
  CHECK(node.db().LogFiles(node.remote("n2")) ==
        std::vector<std::string>{node.remote("n2").root_dir() + "/resource.log"});
  auto where = node.db().Node(node.env());
  REQUIRE(where.ok());
  CHECK(where->name == "n2");
  CHECK(where->address == node.remote("n2").address());
  CHECK(Has(node.ServerLog(), "resource n2: listening on " + where->address + ":7400"));

  const std::vector<std::string> argv = node.db().ServerArgv(node.remote("n2"));
  const std::vector<std::string> expected = {
      node.remote("n2").root_dir() + "/bin/coordcheck-resource",
      "--node",
      "n2",
      "--listen",
      where->address + ":7400",
      "--mode",
      "fenced",
      "--data-dir",
      node.remote("n2").root_dir() + "/resource-data"};
  CHECK(argv == expected);

  Status again = node.db().Setup(node.remote("n2"), node.env());
  CHECK_FALSE(again.ok());
  CHECK(Has(again.message(), "n2: resource is already running"));

  ResourceOptions stranger;
  stranger.node = "n9";
  resource::ResourceDb elsewhere(stranger);
  Status s = elsewhere.Setup(node.remote("n1"), node.env());
  CHECK_FALSE(s.ok());
  CHECK(Has(s.message(), "node n1: resource: its node \"n9\" is not one of the run's nodes"));
  CHECK_FALSE(elsewhere.Node(node.env()).ok());
  Status not_set_up = elsewhere.Ready(node.env(), std::chrono::milliseconds(100));
  CHECK(Has(not_set_up.message(), "Setup has not started it on any node"));
}

TEST_CASE("resource db: a restarted resource continues its log", "[resource][db]") {
  ResourceNode node({});
  {
    auto client = node.Client();
    REQUIRE(client->Read("1-0", 1, 4, In(2000)).ok());
    REQUIRE(client->Write("1-0", 1, 4, 1, In(2000)).ok());
    REQUIRE(client->Read("3-0", 3, 6, In(2000)).ok());  // a read's fence counts too
  }
  control::Remote& n1 = node.remote("n1");
  REQUIRE(node.db().Teardown(n1).ok());
  CHECK_FALSE(node.db().DaemonOf("n1").ok());
  CHECK(node.db().Teardown(n1).ok());  // idempotent
  REQUIRE(node.db().Setup(n1, node.env()).ok());
  REQUIRE(node.db().Ready(node.env(), std::chrono::seconds(5)).ok());
  CHECK(Has(node.ServerLog(), "3 entries replayed, counter 1"));

  auto client = node.Client();
  // The highest fence survived too, the read's 6 included.
  Reply stale = client->Write("2-0", 2, 5, 2, In(2000));
  CHECK(stale.failed());
  CHECK(stale.value["highest_fence"] == 6);
  REQUIRE(client->Read("2-1", 2, 7, In(2000)).ok());
  Reply log = client->Log(In(2000));
  REQUIRE(log.ok());
  REQUIRE(log.value.size() == 5);
  int64_t last_t = -1;
  for (size_t i = 0; i < 5; ++i) {
    CHECK(log.value[i]["seq"] == static_cast<int64_t>(i));
    CHECK(log.value[i]["t_ns"].get<int64_t>() >= last_t);
    last_t = log.value[i]["t_ns"];
  }
  CHECK(log.value[4]["value"] == 1);  // the counter survived
}

TEST_CASE("resource db: without persistence a restart starts afresh", "[resource][db]") {
  ResourceOptions options;
  options.persist = false;
  options.mode = Mode::kUnfenced;
  ResourceNode node(options);
  REQUIRE(node.Client()->Write("1-0", 1, std::nullopt, 5, In(2000)).ok());
  control::Remote& n1 = node.remote("n1");
  REQUIRE(node.db().Teardown(n1).ok());
  REQUIRE(node.db().Setup(n1, node.env()).ok());
  REQUIRE(node.db().Ready(node.env(), std::chrono::seconds(5)).ok());
  Reply read = node.Client()->Read("", 1, std::nullopt, In(2000));
  REQUIRE(read.ok());
  CHECK(read.value == 0);
  CHECK(Has(node.ServerLog(), "log in memory only"));
}

TEST_CASE("resource db: deployed into a network namespace", "[resource][db][root]") {
  nodetest::RequireRoot();
  ResourceNode node({}, "netns", 1);
  auto client = node.Client();
  REQUIRE(client->Read("1-0", 1, 1, In(2000)).ok());
  Reply w = client->Write("1-0", 1, 1, 1, In(2000));
  INFO(w.error);
  REQUIRE(w.ok());
  Reply log = client->Log(In(2000));
  REQUIRE(log.ok());
  CHECK(log.value.size() == 2);
  CHECK(Has(node.ServerLog(), "resource n1: listening on 10.77."));
}

}  // namespace
}  // namespace coordcheck::test
