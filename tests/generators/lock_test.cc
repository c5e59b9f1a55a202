// The lock workload's op streams, simulated: each client thread loops acquire → increment →
// release in order; client pauses name real client threads at about the mean interval.
#include "generators/lock.h"

#include <map>

#include <catch2/catch.hpp>

#include "generators/basic.h"
#include "generators/simulate.h"
#include "generators/threads.h"
#include "generators/timing.h"

namespace coordcheck::gen {

TEST_CASE("lock cycles: every thread loops acquire, increment, release") {
  SimOptions sim;
  sim.client_threads = 3;
  sim.with_nemesis = true;
  SimResult r = Simulate(Limit(300, Clients(LockCycles())), sim);
  REQUIRE(r.stop == SimStop::kDone);
  std::map<int64_t, std::vector<std::string>> by_thread;
  for (const Op& op : r.history)
    if (op.is_invoke()) by_thread[op.process % 3].push_back(op.f);
  REQUIRE(by_thread.size() == 3);
  const std::vector<std::string> cycle = {"acquire", "increment", "release"};
  for (const auto& [thread, fs] : by_thread) {
    INFO("thread " << thread);
    CHECK(fs.size() >= 90);
    for (size_t i = 0; i < fs.size(); ++i) CHECK(fs[i] == cycle[i % 3]);
  }
}

TEST_CASE("client pauses: random client threads, the asked duration, about the mean interval") {
  ClientPauseOptions o;
  o.client_threads = 4;
  o.interval_ns = 1'000'000'000;
  o.pause_ns = 3'000'000'000;
  SimOptions sim;
  sim.with_nemesis = true;
  SimResult r = Simulate(TimeLimit(200'000'000'000, Nemesis(ClientPauses(o, Rng(9)))), sim);
  REQUIRE(r.stop == SimStop::kDone);
  std::map<int64_t, int> threads;
  int64_t count = 0;
  for (const Op& op : r.history) {
    if (!op.is_invoke()) continue;
    CHECK(op.f == "pause-client");
    CHECK(op.value["ms"] == 3000);
    ++threads[op.value["thread"].get<int64_t>()];
    ++count;
  }
  CHECK(threads.size() == 4);
  CHECK(threads.begin()->first == 0);
  CHECK(threads.rbegin()->first == 3);
  CHECK(count > 150);  // about 200 in 200 s
  CHECK(count < 250);
  // The same seed gives the same pauses.
  SimResult again = Simulate(TimeLimit(200'000'000'000, Nemesis(ClientPauses(o, Rng(9)))), sim);
  CHECK(again.history == r.history);
}

}  // namespace coordcheck::gen
