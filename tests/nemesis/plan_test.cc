// The fault plan: unknown names and unmet config needs are errors; families that cannot
// apply to the target are left out with a note saying why; the rest keep the order asked.
#include "nemesis/plan.h"

#include <catch2/catch.hpp>

#include "nemesis/registry.h"

namespace coordcheck {
namespace {

RunFacts Facts() {
  RunFacts f;
  f.backend = "netns";
  f.capabilities.separate_network = true;
  f.workload = "register";
  f.target = "kvd";
  f.nodes = 5;
  f.can_kill = true;
  f.can_pause = true;
  return f;
}

}  // namespace

TEST_CASE("fault plan: config needs are errors naming the family") {
  RunFacts f = Facts();
  CHECK(CheckFaultFamilies({"partition", "packet", "clock", "pause", "kill"}, f).ok());
  Status err = CheckFaultFamilies({"clock", "earthquake"}, f);
  REQUIRE_FALSE(err.ok());
  CHECK(err.message() == "nemesis 'earthquake' is unknown (nemeses: " + FaultFamilyNames() + ")");
  err = CheckFaultFamilies({"client-pause"}, f);
  REQUIRE_FALSE(err.ok());
  CHECK(err.message() ==
        "nemesis 'client-pause' needs a workload whose clients can pause (lock), not register");
  f.client_pauses = true;
  CHECK(CheckFaultFamilies({"client-pause"}, f).ok());

  f = Facts();
  f.backend = "local";
  f.capabilities = {};
  err = CheckFaultFamilies({"clock", "packet"}, f);
  REQUIRE_FALSE(err.ok());
  CHECK(err.message() == "nemesis 'packet' needs the netns backend: local nodes share one network");
  f.backend.clear();  // not chosen yet: the nemesis' set-up says so if it must
  CHECK(CheckFaultFamilies({"partition"}, f).ok());
}

TEST_CASE("fault plan: a family that cannot apply to the target is left out, with a note") {
  RunFacts f = Facts();
  FaultPlan plan = PlanFaults({"kill", "partition", "clock", "kill"}, f);
  CHECK(plan.scheduled == std::vector<std::string>{"kill", "partition", "clock"});
  CHECK(plan.notes.empty());

  f.target = "redis-lock";
  f.nodes = 1;
  f.can_kill = false;
  plan = PlanFaults({"partition", "clock", "kill", "pause"}, f);
  CHECK(plan.scheduled == std::vector<std::string>{"clock", "pause"});
  CHECK(plan.notes ==
        std::vector<std::string>{
            "partition: not scheduled: redis-lock runs on 1 node; partition needs at least 2",
            "kill: not scheduled: redis-lock cannot be killed and restarted"});
  f.can_pause = false;
  plan = PlanFaults({"pause"}, f);
  CHECK(plan.scheduled.empty());
  CHECK(plan.notes ==
        std::vector<std::string>{"pause: not scheduled: redis-lock cannot be paused"});
}

TEST_CASE("fault plan: needs in words for `list`") {
  CHECK(NeedsText(FaultNeeds{}).empty());
  CHECK(NeedsText(FaultNeeds{.separate_network = true, .min_nodes = 2}) ==
        "nodes with their own network (netns), 2+ nodes");
  CHECK(NeedsText(FaultNeeds{.kill = true}) == "a killable target");
}

}  // namespace coordcheck
