// The restart family: its nemesis kills and starts each node at once, names what failed, and
// starts at teardown a node it left down; its package needs a killable target.
#include "nemesis/restart/restart_nemesis.h"

#include <catch2/catch.hpp>

#include "nemesis/plan.h"
#include "nemesis/registry.h"
#include "tests/nemesis/fake_process_control.h"

namespace coordcheck {
namespace {

Op Restart(Json value) {
  Op op;
  op.process = kNemesisProcess;
  op.f = "restart";
  op.value = std::move(value);
  return op;
}

}  // namespace

TEST_CASE("restart nemesis kills and starts each node at once") {
  test::FakeTarget target;
  RestartNemesis nemesis(&target, {"n1", "n2", "n3"});
  REQUIRE(nemesis.Setup().ok());
  Op done = nemesis.Invoke(Restart({{"nodes", {"n1", "n3"}}}));
  CHECK(done.type == OpType::kInfo);
  CHECK(done.value == Json{{"nodes", {"n1", "n3"}}});
  CHECK(done.error.is_null());
  CHECK(nemesis.Invoke(Restart({{"target", "primary"}})).value == Json{{"nodes", {"n2"}}});
  CHECK(target.log == std::vector<std::string>{"kill n1", "start n1", "kill n3", "start n3",
                                               "kill n2", "start n2"});
  target.log.clear();
  CHECK(nemesis.Teardown().ok());  // nothing left down
  CHECK(target.log.empty());
}

TEST_CASE("restart nemesis names failures and starts at teardown what it left down") {
  test::FakeTarget target;
  target.broken = "n2";
  target.broken_what = "start";
  RestartNemesis nemesis(&target, {"n1", "n2"});
  Op done = nemesis.Invoke(Restart({{"nodes", {"n1", "n2"}}}));
  CHECK(done.value == Json{{"nodes", {"n1"}}});
  CHECK(done.error == "node n2: cannot start");
  CHECK(nemesis.Invoke(Restart({{"nodes", {"n9"}}})).error == "unknown node \"n9\"");
  target.broken.clear();
  target.log.clear();
  CHECK(nemesis.Teardown().ok());
  CHECK(target.log == std::vector<std::string>{"start n2"});
}

TEST_CASE("restart package: scheduled only on a target that can be killed") {
  const FaultPackage* restart = FindFaultPackage("restart");
  REQUIRE(restart != nullptr);
  CHECK(restart->needs.kill);
  RunFacts facts;
  facts.target = "redis-lock";
  facts.nodes = 1;
  facts.can_kill = false;
  FaultPlan plan = PlanFaults({"restart"}, facts);
  CHECK(plan.scheduled.empty());
  CHECK(plan.notes == std::vector<std::string>{
                          "restart: not scheduled: redis-lock cannot be killed and restarted"});
}

}  // namespace coordcheck
