// Workloads as a run composes them, simulated without threads or clocks: the same seed gives
// the same op sequence, a different seed a different one; the register workload's ops follow
// the cas-register conventions and respect threads_per_key and ops_per_key.
#include "workloads/workload.h"

#include <map>
#include <set>

#include <catch2/catch.hpp>

#include "generators/basic.h"
#include "generators/simulate.h"
#include "harness/run.h"

namespace coordcheck {
namespace {

std::vector<Op> Simulated(const TestConfig& config, uint64_t seed) {
  const Workload* w = FindWorkload(config.workload);
  REQUIRE(w != nullptr);
  WorkloadParts parts = w->Make(WorkloadConfigOf(config), ChildSeed(seed, "workload"));
  gen::SimOptions sim;
  sim.client_threads = config.concurrency;
  sim.with_nemesis = true;
  sim.latency = [](const Op& invoke) { return 100'000 + 1000 * (invoke.process % 7); };
  gen::SimResult r =
      gen::Simulate(ComposeMainPhase(config, parts, ChildSeed(seed, "stagger"), gen::Void()), sim);
  INFO(r.message);
  REQUIRE(r.stop == gen::SimStop::kDone);
  return r.history;
}

TestConfig Config() {
  TestConfig c;
  c.concurrency = 10;
  c.threads_per_key = 5;
  c.ops_per_key = 50;
  c.rate = 1000;
  c.time_limit_s = 2;
  return c;
}

}  // namespace

TEST_CASE("workload register: the same seed gives the same op sequence") {
  const TestConfig c = Config();
  std::vector<Op> a = Simulated(c, 42);
  std::vector<Op> b = Simulated(c, 42);
  std::vector<Op> other = Simulated(c, 43);
  REQUIRE(a.size() > 2000);  // ~1000 ops/s for 2 s, two events each
  CHECK(a == b);
  CHECK(a != other);
  // Not just the times: the ops themselves differ with the seed.
  auto ops = [](const std::vector<Op>& h) {
    std::vector<std::pair<std::string, Json>> out;
    for (const Op& op : h)
      if (op.is_invoke()) out.emplace_back(op.f, op.value);
    return out;
  };
  CHECK(ops(a) != ops(other));
}

TEST_CASE("workload register: cas-register ops, threads per key, ops per key") {
  const TestConfig c = Config();
  std::vector<Op> h = Simulated(c, 7);
  std::map<std::string, std::set<int64_t>> threads_of_key;
  std::map<std::string, int> ops_of_key;
  std::set<std::string> fs;
  for (const Op& op : h) {
    if (!op.is_invoke()) continue;
    REQUIRE(op.process >= 0);  // never the nemesis thread
    fs.insert(op.f);
    if (op.f == "read") CHECK(op.value.is_null());
    if (op.f == "write") CHECK((op.value.is_number_integer() && op.value.get<int>() < 5));
    if (op.f == "cas") CHECK((op.value.is_array() && op.value.size() == 2));
    threads_of_key[op.key.dump()].insert(op.process % c.concurrency);
    ++ops_of_key[op.key.dump()];
  }
  CHECK(fs == std::set<std::string>{"read", "write", "cas"});
  CHECK(ops_of_key.size() >= 10);
  for (const auto& [key, threads] : threads_of_key) {
    INFO("key " << key);
    CHECK(threads.size() <= 5);
    CHECK(ops_of_key[key] <= 50);
    // A key's threads are one group: all in 0..4 or all in 5..9.
    CHECK((*threads.begin() / 5) == (*threads.rbegin() / 5));
  }
  // The time limit cuts the phase.
  CHECK(h.back().time_ns < 2'100'000'000);
}

TEST_CASE("ChildSeed gives distinct, stable seeds per part") {
  CHECK(ChildSeed(1, "workload") == ChildSeed(1, "workload"));
  CHECK(ChildSeed(1, "workload") != ChildSeed(1, "stagger"));
  CHECK(ChildSeed(1, "workload") != ChildSeed(2, "workload"));
}

}  // namespace coordcheck
