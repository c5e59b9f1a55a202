// Fault schedules, simulated: deterministic per seed, every enabled family used, each fault
// stopped after it started, intervals around the mean, only known nodes named, and the heal
// phase undoing every family.
#include "nemesis/schedule.h"

#include <algorithm>
#include <map>
#include <set>

#include <catch2/catch.hpp>

#include "generators/simulate.h"
#include "generators/threads.h"
#include "generators/timing.h"
#include "nemesis/package.h"

namespace coordcheck {
namespace {

using gen::Rng;
using gen::SimOptions;
using gen::SimResult;
using gen::SimStop;
using gen::Simulate;

FaultScheduleOptions Options() {
  FaultScheduleOptions o;
  o.families = {"partition", "packet", "clock", "pause", "kill"};
  o.nodes = {"n1", "n2", "n3", "n4", "n5"};
  o.interval_ns = 1'000'000'000;
  o.has_primary = true;
  return o;
}

std::vector<Op> Run(const FaultScheduleOptions& o, uint64_t seed, int64_t seconds = 600) {
  SimOptions sim;
  sim.client_threads = 2;
  sim.with_nemesis = true;
  sim.latency_ns = 10'000'000;
  sim.completion = [](const Op&) { return OpType::kInfo; };
  SimResult r = Simulate(
      gen::TimeLimit(seconds * 1'000'000'000, gen::Nemesis(FaultSchedule(o, Rng(seed)))), sim);
  REQUIRE(r.stop == SimStop::kDone);
  std::vector<Op> invokes;
  for (const Op& op : r.history)
    if (op.is_invoke()) invokes.push_back(op);
  return invokes;
}

// The op that stops the fault each start op starts (Options()' families).
const std::map<std::string, std::string>& StopOf() {
  static const std::map<std::string, std::string> kStopOf = {{"start-partition", "stop-partition"},
                                                             {"start-packet", "stop-packet"},
                                                             {"bump-clock", "reset-clock"},
                                                             {"strobe-clock", "reset-clock"},
                                                             {"kill", "start"},
                                                             {"pause", "resume"}};
  return kStopOf;
}

}  // namespace

TEST_CASE("fault schedule: the same seed gives the same faults") {
  CHECK(Run(Options(), 1) == Run(Options(), 1));
  CHECK(Run(Options(), 1) != Run(Options(), 2));
}

TEST_CASE("fault schedule: every family, each fault stopped after it starts") {
  std::vector<Op> ops = Run(Options(), 3);
  REQUIRE(ops.size() > 300);
  std::map<std::string, int> count;
  for (const Op& op : ops) {
    CHECK(op.process == kNemesisProcess);
    ++count[op.f];
  }
  for (const char* f : {"start-partition", "stop-partition", "start-packet", "stop-packet",
                        "reset-clock", "check-clock-offsets", "kill", "start", "pause", "resume"}) {
    INFO(f);
    CHECK(count[f] > 5);
  }
  // Every clock change is reset, except perhaps the last, cut by the time limit.
  const int clock_changes = count["bump-clock"] + count["strobe-clock"];
  CHECK(clock_changes - count["reset-clock"] >= 0);
  CHECK(clock_changes - count["reset-clock"] <= 1);
  // Start/stop alternate: whatever started is stopped before the next fault starts.
  std::string open;
  const std::map<std::string, std::string>& stop_of = StopOf();
  for (const Op& op : ops) {
    if (op.f == "check-clock-offsets") continue;
    if (stop_of.count(op.f)) {
      CHECK(open.empty());
      open = stop_of.at(op.f);
    } else {
      CHECK(op.f == open);
      open.clear();
    }
  }
}

TEST_CASE("fault schedule: with overlap, two faults of different families run at a time") {
  FaultScheduleOptions o = Options();
  o.overlap = true;
  const std::map<std::string, std::string>& stop_of = StopOf();
  std::vector<Op> ops = Run(o, 11);
  REQUIRE(ops.size() > 300);
  std::multiset<std::string> open;  // the stop op each running fault waits for
  int overlapped = 0;
  std::set<std::pair<std::string, std::string>> pairs;
  for (const Op& op : ops) {
    if (op.f == "check-clock-offsets") continue;
    if (stop_of.count(op.f)) {
      const std::string& stop = stop_of.at(op.f);
      CHECK(open.count(stop) == 0);  // never two faults of one family at once
      CHECK(open.size() <= 1);
      if (!open.empty()) {
        ++overlapped;
        pairs.insert({*open.begin(), stop});
      }
      open.insert(stop);
    } else {
      INFO(op.f);
      REQUIRE(open.count(op.f) == 1);
      open.erase(open.find(op.f));
    }
  }
  CHECK(overlapped > 100);
  CHECK(pairs.count({"reset-clock", "stop-partition"}) +
            pairs.count({"stop-partition", "reset-clock"}) >
        0);
  // One family alone still runs one fault at a time.
  o.families = {"partition"};
  int running = 0;
  for (const Op& op : Run(o, 12, 60)) {
    running += op.f == "start-partition" ? 1 : -1;
    CHECK((running == 0 || running == 1));
  }
  // Without overlap the same seed gives the schedule it always gave (see the test above).
  CHECK(Run(Options(), 11) != ops);
}

TEST_CASE("fault schedule: every family once in each round, in a random order") {
  FaultScheduleOptions o = Options();
  o.families = {"partition", "packet", "kill"};
  std::vector<std::string> starts;
  for (const Op& op : Run(o, 7, 300)) {
    if (op.f == "start-partition" || op.f == "start-packet" || op.f == "kill")
      starts.push_back(op.f);
  }
  REQUIRE(starts.size() >= 30);
  std::set<std::vector<std::string>> orders;
  for (size_t round = 0; round + 3 <= starts.size(); round += 3) {
    std::vector<std::string> r(starts.begin() + round, starts.begin() + round + 3);
    orders.insert(r);
    std::sort(r.begin(), r.end());
    CHECK(r == std::vector<std::string>{"kill", "start-packet", "start-partition"});
  }
  CHECK(orders.size() > 2);  // not one fixed order
}

TEST_CASE("fault schedule: intervals around the mean, nodes from the cluster") {
  std::vector<Op> ops = Run(Options(), 4);
  std::vector<int64_t> gaps;
  for (size_t i = 1; i < ops.size(); ++i) {
    if (ops[i].f == "check-clock-offsets") continue;
    gaps.push_back(ops[i].time_ns - ops[i - 1].time_ns);
  }
  double mean = 0;
  for (int64_t g : gaps) mean += static_cast<double>(g);
  mean /= static_cast<double>(gaps.size());
  // Strobes hold the nemesis thread up to 3 s, so the mean sits a little above 1 s.
  CHECK(mean > 0.9e9);
  CHECK(mean < 1.5e9);
  const std::set<std::string> nodes = {"n1", "n2", "n3", "n4", "n5"};
  std::set<std::string> kinds;
  for (const Op& op : ops) {
    if (op.f == "start-partition") {
      kinds.insert(op.value["kind"].get<std::string>());
      CHECK((op.value["mode"] == "drop" || op.value["mode"] == "reject"));
    }
    if (op.value.is_object() && op.value.contains("nodes")) {
      CHECK_FALSE(op.value["nodes"].empty());
      for (const Json& n : op.value["nodes"]) CHECK(nodes.count(n.get<std::string>()) == 1);
    }
    if (op.f == "bump-clock") {
      for (auto it = op.value.begin(); it != op.value.end(); ++it) {
        CHECK(nodes.count(it.key()) == 1);
        CHECK(it.value().get<int64_t>() != 0);
      }
    }
  }
  CHECK(kinds.size() == 8);  // every partition kind, isolate-primary included
}

TEST_CASE("fault schedule: only the families asked for, none without nodes") {
  FaultScheduleOptions o = Options();
  o.families = {"pause"};
  for (const Op& op : Run(o, 5, 60)) CHECK((op.f == "pause" || op.f == "resume"));
  // (A target that cannot be paused gets no pause faults: PlanFaults leaves them out.)
  o.nodes.clear();
  CHECK(Run(o, 5, 60).empty());
  o = Options();
  o.families.clear();
  CHECK(Run(o, 5, 60).empty());
}

TEST_CASE("fault schedule: client pauses last the asked time and need no heal") {
  FaultScheduleOptions o = Options();
  o.families = {"client-pause"};
  o.client_pause_ms = 3000;
  std::vector<Op> ops = Run(o, 9, 200);
  for (const Op& op : ops) {
    CHECK(op.f == "pause-client");
    CHECK(op.value == Json{{"ms", 3000}});  // for the next client in a critical section
  }
  CHECK(ops.size() > 150);  // one per mean interval (1 s): about 200 in 200 s
  CHECK(ops.size() < 250);
  // (A workload whose clients do not pause cannot ask for them: CheckFaultFamilies.)
  SimOptions sim;
  sim.with_nemesis = true;
  CHECK(Simulate(gen::Nemesis(FaultHeal(o)), sim).history.empty());
}

TEST_CASE("fault schedule: clock bumps sometimes move every node the same way") {
  FaultScheduleOptions o = Options();
  o.families = {"clock"};
  int all_forward = 0, mixed = 0;
  for (const Op& op : Run(o, 11, 600)) {
    if (op.f != "bump-clock" || op.value.size() < 3) continue;
    int ahead = 0;
    for (auto it = op.value.begin(); it != op.value.end(); ++it) ahead += it.value() > 0;
    if (ahead == static_cast<int>(op.value.size()))
      ++all_forward;
    else if (ahead > 0)
      ++mixed;
  }
  CHECK(all_forward > 5);
  CHECK(mixed > 5);
}

TEST_CASE("fault heal undoes every enabled family in order") {
  FaultScheduleOptions o = Options();
  SimOptions sim;
  sim.with_nemesis = true;
  SimResult r = Simulate(gen::Nemesis(FaultHeal(o)), sim);
  std::vector<std::string> fs;
  for (const Op& op : r.history)
    if (op.is_invoke()) fs.push_back(op.f);
  CHECK(fs == std::vector<std::string>{"stop-partition", "stop-packet", "reset-clock",
                                       "check-clock-offsets", "resume", "start"});
  o.families = {"kill"};
  r = Simulate(gen::Nemesis(FaultHeal(o)), sim);
  REQUIRE(r.history.size() == 2);
  CHECK(r.history[0].f == "start");
}

}  // namespace coordcheck

namespace coordcheck {

TEST_CASE("fault schedule: two nodes get only the partitions two nodes can have") {
  FaultScheduleOptions o = Options();
  o.families = {"partition"};
  o.nodes = {"n1", "n2"};
  o.has_primary = false;
  std::set<std::string> kinds;
  for (const Op& op : Run(o, 3))
    if (op.f == "start-partition") kinds.insert(op.value["kind"].get<std::string>());
  CHECK(kinds.size() >= 3);
  for (const char* three_sided : {"majority-minority", "majorities-ring", "bridge"}) {
    CHECK(kinds.count(three_sided) == 0);
  }
  // Three nodes get them all.
  o.nodes = {"n1", "n2", "n3"};
  kinds.clear();
  for (const Op& op : Run(o, 3))
    if (op.f == "start-partition") kinds.insert(op.value["kind"].get<std::string>());
  CHECK(kinds.count("majorities-ring") == 1);
}

TEST_CASE("fault targets: one node, a minority, a majority or all, each size as documented") {
  // Sizes for each cluster size: one, a minority (fewer than half, at least one), a
  // majority (more than half), all. A minority of 3 is 1, of 4 is 1; a majority of 4 is 3.
  const std::map<size_t, std::set<size_t>> sizes = {
      {1, {1}}, {2, {1, 2}}, {3, {1, 2, 3}}, {4, {1, 3, 4}}, {5, {1, 2, 3, 5}}, {7, {1, 3, 4, 7}}};
  const std::map<size_t, std::set<size_t>> without_all = {
      {1, {1}}, {2, {1, 2}}, {3, {1, 2}}, {4, {1, 3}}, {5, {1, 2, 3}}, {7, {1, 3, 4}}};
  for (const auto& [n, expected] : sizes) {
    INFO(n << " nodes");
    std::vector<std::string> nodes;
    for (size_t i = 1; i <= n; ++i) nodes.push_back("n" + std::to_string(i));
    Rng rng(n);
    std::set<size_t> seen, seen_without_all;
    for (int i = 0; i < 400; ++i) {
      const Json picked = PickNodes(rng, nodes);
      seen.insert(picked.size());
      // Distinct nodes of the cluster, sorted.
      std::vector<std::string> names = picked.get<std::vector<std::string>>();
      CHECK(std::is_sorted(names.begin(), names.end()));
      CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
      for (const std::string& name : names) {
        CHECK(std::find(nodes.begin(), nodes.end(), name) != nodes.end());
      }
      seen_without_all.insert(PickNodes(rng, nodes, /*allow_all=*/false).size());
    }
    CHECK(seen == expected);
    CHECK(seen_without_all == without_all.at(n));
  }
}

}  // namespace coordcheck
