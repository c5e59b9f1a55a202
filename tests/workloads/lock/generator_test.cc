// The lock workload's op streams, simulated: each client thread loops acquire → increment →
// release in order.
#include "workloads/lock/generator.h"

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

}  // namespace coordcheck::gen
