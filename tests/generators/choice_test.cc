// Choosing between generators: Any, Mix, FlipFlop.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "gen_test_util.h"
#include "generators/basic.h"
#include "generators/choice.h"
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

Invocation At(const std::string& f, int64_t time_ns) {
  Invocation op = MakeOp(f);
  op.time_ns = time_ns;
  return op;
}

TEST_CASE("Any picks the op with the soonest time, ties to the first listed") {
  Context ctx(2, false);
  Emission e =
      Any({Once(At("late", 50)), Once(At("soon", 30)), Once(At("also-soon", 30))})->Next(ctx);
  REQUIRE(e.kind == Kind::kOp);
  CHECK(e.op.f == "soon");
  CHECK(e.op.time_ns == 30);

  auto ops = SimInvokes(Any({Once(At("late", 50)), Once(At("soon", 30)), Once(At("tie", 30))}), 3);
  CHECK(Fs(ops) == std::vector<std::string>{"soon", "tie", "late"});
  CHECK(Times(ops) == std::vector<int64_t>{30, 30, 50});
}

TEST_CASE("Any interleaves timed streams by time") {
  auto ops = SimInvokes(Any({Limit(3, Delay(3 * kMs, Repeat(MakeOp("slow")))),
                             Limit(4, Delay(2 * kMs, Repeat(MakeOp("fast"))))}),
                        2);
  CHECK(Fs(ops) ==
        std::vector<std::string>{"slow", "fast", "fast", "slow", "fast", "slow", "fast"});
  CHECK(Times(ops) == std::vector<int64_t>{0, 0, 2 * kMs, 3 * kMs, 4 * kMs, 6 * kMs, 6 * kMs});
}

TEST_CASE("Any is pending while a sub-generator is pending, done when all are done") {
  Context ctx(1, false);
  ctx.MarkBusy(0);
  CHECK(Any({Void(), Once(MakeOp("a"))})->Next(ctx).kind == Kind::kPending);
  CHECK(Any({Void(), Void()})->Next(ctx).kind == Kind::kDone);
  CHECK(Any({})->Next(ctx).kind == Kind::kDone);
}

TEST_CASE("Any passes every event to every sub-generator") {
  auto log_a = std::make_shared<std::vector<Op>>();
  auto log_b = std::make_shared<std::vector<Op>>();
  auto ops = SimInvokes(Any({testing::Spied(Limit(2, Repeat(MakeOp("a"))), log_a),
                             testing::Spied(Limit(1, Repeat(MakeOp("b"))), log_b)}),
                        2);
  CHECK(ops.size() == 3);
  CHECK(log_a->size() == 6);
  CHECK(log_b->size() == 6);
}

TEST_CASE("Mix chooses sub-generators uniformly") {
  SimOptions options;
  options.max_ops = 30'000;
  SimResult r = Simulate(
      Mix({Repeat(MakeOp("a")), Repeat(MakeOp("b")), Repeat(MakeOp("c"))}, Rng(3)), options);
  std::map<std::string, int> counts;
  for (const Op& op : Invokes(r.history)) ++counts[op.f];
  REQUIRE(counts.size() == 3);
  for (const auto& [f, count] : counts) CHECK(std::abs(count - 10'000) < 400);
}

TEST_CASE("Mix drops exhausted generators and is done when all are") {
  SimResult r = Simulate(
      Mix({Limit(5, Repeat(MakeOp("a"))), Limit(100, Repeat(MakeOp("b"))), Void()}, Rng(11)));
  CHECK(r.stop == SimStop::kDone);
  std::map<std::string, int> counts;
  for (const Op& op : Invokes(r.history)) ++counts[op.f];
  CHECK(counts["a"] == 5);
  CHECK(counts["b"] == 100);
  CHECK(Mix({}, Rng(1))->Next(Context(1, false)).kind == Kind::kDone);
}

TEST_CASE("Mix is deterministic for a seed") {
  auto gen = [](uint64_t seed) {
    return Limit(200, Mix({Repeat(MakeOp("a")), Repeat(MakeOp("b"))}, Rng(seed)));
  };
  CHECK(Fs(SimInvokes(gen(1))) == Fs(SimInvokes(gen(1))));
  CHECK(Fs(SimInvokes(gen(1))) != Fs(SimInvokes(gen(2))));
}

TEST_CASE("FlipFlop alternates and stops when the one whose turn it is is done") {
  auto ops = SimInvokes(FlipFlop(Limit(2, Repeat(MakeOp("a"))), Repeat(MakeOp("b"))));
  CHECK(Fs(ops) == std::vector<std::string>{"a", "b", "a", "b"});
  auto b_short = SimInvokes(FlipFlop(Repeat(MakeOp("a")), Once(MakeOp("b"))));
  CHECK(Fs(b_short) == std::vector<std::string>{"a", "b", "a"});
}

}  // namespace
}  // namespace coordcheck::gen
