// Time: Stagger, Delay, Sleep, TimeLimit.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "gen_test_util.h"
#include "generators/basic.h"
#include "generators/sequence.h"
#include "generators/timing.h"

namespace coordcheck::gen {
namespace {

using testing::Fs;
using testing::Invokes;
using testing::kMs;
using testing::SimInvokes;
using testing::Times;
using Kind = Emission::Kind;

TEST_CASE("Stagger spaces ops by uniform intervals below 2dt with mean dt") {
  const int64_t dt = 10 * kMs;
  SimOptions options;
  options.client_threads = 2;
  options.latency_ns = 1000;
  SimResult r = Simulate(Limit(10'001, Stagger(dt, Repeat(MakeOp("read")), Rng(8))), options);
  auto times = Times(Invokes(r.history));
  REQUIRE(times.size() == 10'001);
  CHECK(times.front() == 0);
  int64_t min_gap = dt, max_gap = 0;
  for (size_t i = 1; i < times.size(); ++i) {
    const int64_t gap = times[i] - times[i - 1];
    REQUIRE(gap >= 0);
    REQUIRE(gap < 2 * dt);
    min_gap = std::min(min_gap, gap);
    max_gap = std::max(max_gap, gap);
  }
  const double mean = static_cast<double>(times.back()) / 10'000;
  CHECK(mean == Approx(static_cast<double>(dt)).epsilon(0.03));
  CHECK(min_gap < dt / 100);
  CHECK(max_gap > 2 * dt - dt / 100);
}

TEST_CASE("Stagger keeps to its schedule when ops run late, and depends on its seed") {
  // One thread and 50 ms latency: ops are due every ~10 ms but can only start every 50 ms.
  SimOptions options;
  options.client_threads = 1;
  options.latency_ns = 50 * kMs;
  auto times = Times(Invokes(
      Simulate(Limit(5, Stagger(10 * kMs, Repeat(MakeOp("read")), Rng(1))), options).history));
  CHECK(times == std::vector<int64_t>{0, 50 * kMs, 100 * kMs, 150 * kMs, 200 * kMs});

  auto staggered = [](uint64_t seed) {
    return Times(SimInvokes(Limit(20, Stagger(kMs, Repeat(MakeOp("r")), Rng(seed))), 4));
  };
  CHECK(staggered(5) == staggered(5));
  CHECK(staggered(5) != staggered(6));
}

TEST_CASE("Delay spaces ops exactly dt apart") {
  auto ops = SimInvokes(Limit(4, Delay(5 * kMs, Repeat(MakeOp("read")))), 2);
  CHECK(Times(ops) == std::vector<int64_t>{0, 5 * kMs, 10 * kMs, 15 * kMs});
  // When ops take longer than dt, the next op comes dt after the late one.
  SimOptions slow;
  slow.client_threads = 1;
  slow.latency_ns = 7 * kMs;
  auto late = Invokes(Simulate(Limit(3, Delay(5 * kMs, Repeat(MakeOp("read")))), slow).history);
  CHECK(Times(late) == std::vector<int64_t>{0, 7 * kMs, 14 * kMs});
}

TEST_CASE("Delay counts dt from the previous op's actual time") {
  GenPtr gen = Delay(5 * kMs, Repeat(MakeOp("read")));
  Context ctx(1, false);
  Emission e = gen->Next(ctx);
  REQUIRE(e.kind == Kind::kOp);
  CHECK(e.op.time_ns == 0);
  ctx.time_ns = 7 * kMs;  // asked late: the op runs late
  e = e.next->Next(ctx);
  CHECK(e.op.time_ns == 7 * kMs);
  e = e.next->Next(ctx);
  CHECK(e.op.time_ns == 12 * kMs);
}

TEST_CASE("Sleep occupies a thread for dt and leaves no trace in the history") {
  SimResult r = Simulate(Phases({Once(MakeOp("a")), Sleep(10 * kMs), Once(MakeOp("b"))}));
  REQUIRE(r.stop == SimStop::kDone);
  auto ops = Invokes(r.history);
  CHECK(Fs(ops) == std::vector<std::string>{"a", "b"});
  CHECK(Times(ops) == std::vector<int64_t>{0, 11 * kMs});
  CHECK(r.history.size() == 4);
  CHECK(r.history[3].index == 3);

  SimOptions record;
  record.record_sleeps = true;
  auto with_sleep = Invokes(Simulate(Sleep(3 * kMs), record).history);
  REQUIRE(with_sleep.size() == 1);
  CHECK(with_sleep[0].f == kSleepF);
  CHECK(with_sleep[0].value == 3 * kMs);

  Emission e = Sleep(3 * kMs)->Next(Context(1, false));
  REQUIRE(e.kind == Kind::kOp);
  CHECK(e.op.f == kSleepF);
  CHECK(e.op.process == 0);
}

TEST_CASE("TimeLimit emits ops before first-op time + dt only") {
  auto ops = SimInvokes(TimeLimit(10 * kMs, Delay(kMs, Repeat(MakeOp("read")))), 2);
  REQUIRE(ops.size() == 10);
  CHECK(ops.front().time_ns == 0);
  CHECK(ops.back().time_ns == 9 * kMs);

  // The cutoff counts from the first op, here after a 5 ms pause.
  auto later =
      SimInvokes(Then(Sleep(5 * kMs), TimeLimit(10 * kMs, Delay(kMs, Repeat(MakeOp("read"))))), 2);
  REQUIRE(later.size() == 10);
  CHECK(later.front().time_ns == 5 * kMs);
  CHECK(later.back().time_ns == 14 * kMs);
}

TEST_CASE("TimeLimit drops an op due exactly at the cutoff") {
  Context ctx(2, false);
  for (int64_t extra : {0, 1}) {
    GenPtr gen = TimeLimit(10 * kMs + extra, Delay(10 * kMs, Repeat(MakeOp("read"))));
    Emission first = gen->Next(ctx);
    REQUIRE(first.kind == Kind::kOp);
    Emission second = first.next->Next(ctx);
    if (extra == 0) {
      CHECK(second.kind == Kind::kDone);
    } else {
      REQUIRE(second.kind == Kind::kOp);
      CHECK(second.op.time_ns == 10 * kMs);
    }
  }
}

TEST_CASE("TimeLimit cuts at the cutoff even when ops are slow") {
  SimOptions options;
  options.client_threads = 1;
  options.latency_ns = 3 * kMs;
  SimResult r = Simulate(TimeLimit(5 * kMs, Repeat(MakeOp("read"))), options);
  CHECK(r.stop == SimStop::kDone);
  CHECK(Times(Invokes(r.history)) == std::vector<int64_t>{0, 3 * kMs});

  GenPtr started = TimeLimit(5 * kMs, Repeat(MakeOp("read")))->Next(Context(1, false)).next;
  Context ctx(1, false);
  ctx.MarkBusy(0);
  ctx.time_ns = 5 * kMs;
  CHECK(started->Next(ctx).kind == Kind::kDone);  // though its generator would be pending
  ctx.time_ns = 5 * kMs - 1;
  CHECK(started->Next(ctx).kind == Kind::kPending);
}

}  // namespace
}  // namespace coordcheck::gen
