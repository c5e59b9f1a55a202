// DelayQueue (coordcheck-netdelay's hold queue), driven with made-up times: FIFO without
// jitter, release times within delay ± jitter and never before arrival, a seed that fixes
// the release times, and release in time order.
#include "nemesis/packet/delay_queue.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <vector>

using coordcheck::netdelay::DelayQueue;
using namespace std::chrono_literals;

namespace {

const DelayQueue::Clock::time_point kT0{std::chrono::seconds(1000)};

}  // namespace

TEST_CASE("delay queue: without jitter packets leave in arrival order after the delay",
          "[netdelay]") {
  DelayQueue q(100ms, 0ms, 1);
  for (uint32_t id = 1; id <= 5; ++id) CHECK(q.Push(id, kT0) == kT0 + 100ms);
  q.Push(6, kT0 + 1ms);
  REQUIRE(q.size() == 6);
  CHECK(q.next_release() == kT0 + 100ms);
  std::vector<uint32_t> out;
  q.PopDue(kT0 + 99ms, &out);
  CHECK(out.empty());
  q.PopDue(kT0 + 100ms, &out);
  CHECK(out == std::vector<uint32_t>{1, 2, 3, 4, 5});
  q.PopDue(kT0 + 101ms, &out);
  CHECK(out == std::vector<uint32_t>{1, 2, 3, 4, 5, 6});
  CHECK(q.empty());
}

TEST_CASE("delay queue: jitter spreads release times uniformly within delay +- jitter",
          "[netdelay]") {
  DelayQueue q(100ms, 20ms, 42);
  std::chrono::microseconds lo = 1h, hi = 0us;
  int below = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const auto hold = std::chrono::duration_cast<std::chrono::microseconds>(
        q.Push(static_cast<uint32_t>(i), kT0) - kT0);
    lo = std::min(lo, hold);
    hi = std::max(hi, hold);
    below += hold < 100ms;
  }
  CHECK(lo >= 80ms);
  CHECK(hi <= 120ms);
  CHECK(lo < 81ms);  // the whole range is used
  CHECK(hi > 119ms);
  CHECK(below > n * 0.47);
  CHECK(below < n * 0.53);
}

TEST_CASE("delay queue: releases in time order, never before arrival", "[netdelay]") {
  DelayQueue q(5ms, 50ms, 7);
  std::vector<DelayQueue::Clock::time_point> release(1000);
  for (uint32_t id = 0; id < release.size(); ++id) {
    const auto arrival = kT0 + std::chrono::microseconds(id * 100);
    release[id] = q.Push(id, arrival);
    CHECK(release[id] >= arrival);
  }
  std::vector<uint32_t> out = q.TakeAll();
  REQUIRE(out.size() == release.size());
  for (size_t i = 1; i < out.size(); ++i) {
    INFO("position " << i);
    REQUIRE(release[out[i - 1]] <= release[out[i]]);
    if (release[out[i - 1]] == release[out[i]]) REQUIRE(out[i - 1] < out[i]);
  }
  CHECK(q.empty());
}

TEST_CASE("delay queue: the seed fixes the release times", "[netdelay]") {
  auto times = [](uint64_t seed) {
    DelayQueue q(100ms, 30ms, seed);
    std::vector<DelayQueue::Clock::time_point> t;
    for (uint32_t id = 0; id < 50; ++id) t.push_back(q.Push(id, kT0));
    return t;
  };
  CHECK(times(3) == times(3));
  CHECK(times(3) != times(4));
}
