// Sequencing: Seq, Cycle, Synchronize, Phases, Then, UntilOk.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "gen_test_util.h"
#include "generators/basic.h"
#include "generators/sequence.h"

namespace coordcheck::gen {
namespace {

using testing::Fs;
using testing::Invokes;
using testing::kMs;
using testing::SimInvokes;
using testing::Times;
using Kind = Emission::Kind;

GenPtr Ops(const std::string& f, int n) { return Limit(n, Repeat(MakeOp(f))); }

TEST_CASE("Seq runs each generator to its end, in order") {
  auto ops = SimInvokes(Seq({Ops("a", 2), Void(), Ops("b", 1), Ops("c", 2)}));
  CHECK(Fs(ops) == std::vector<std::string>{"a", "a", "b", "c", "c"});
  CHECK(SimInvokes(Seq({})).empty());
}

TEST_CASE("Seq has no barrier: the next generator starts while ops are outstanding") {
  auto ops = SimInvokes(Seq({Ops("a", 1), Ops("b", 1)}), 2);
  CHECK(Fs(ops) == std::vector<std::string>{"a", "b"});
  CHECK(Times(ops) == std::vector<int64_t>{0, 0});
}

TEST_CASE("Cycle restarts a finite generator n times or forever") {
  auto three = SimInvokes(Cycle(3, Seq({Ops("a", 1), Ops("b", 1)})));
  CHECK(Fs(three) == std::vector<std::string>{"a", "b", "a", "b", "a", "b"});

  SimOptions options;
  options.max_ops = 7;
  SimResult forever = Simulate(Cycle(Seq({Ops("a", 2), Ops("b", 1)})), options);
  CHECK(forever.stop == SimStop::kMaxOps);
  CHECK(Fs(Invokes(forever.history)) ==
        std::vector<std::string>{"a", "a", "b", "a", "a", "b", "a"});

  CHECK(Simulate(Cycle(Void())).stop == SimStop::kDone);
  CHECK(SimInvokes(Cycle(0, Ops("a", 1))).empty());
}

TEST_CASE("Synchronize is pending until every thread is free") {
  GenPtr gen = Synchronize(Ops("a", 1));
  Context ctx(2, false);
  ctx.MarkBusy(1);
  CHECK(gen->Next(ctx).kind == Kind::kPending);
  ctx.MarkFree(1);
  Emission e = gen->Next(ctx);
  REQUIRE(e.kind == Kind::kOp);
  CHECK(e.op.process == 0);
}

TEST_CASE("Phases: no op of a phase is invoked before every op of the one before completed") {
  SimOptions options;
  options.client_threads = 4;
  // Latencies 1..7 ms, so phase 1's ops end at scattered times.
  options.latency = [](const Op& invoke) { return (1 + invoke.index % 7) * kMs; };
  SimResult r =
      Simulate(Phases({Ops("w", 10), Ops("r", 6), Seq({Ops("x", 1), Ops("y", 1)})}), options);
  REQUIRE(r.stop == SimStop::kDone);
  auto invokes = Invokes(r.history);
  CHECK(Fs(invokes) == std::vector<std::string>{"w", "w", "w", "w", "w", "w", "w", "w", "w", "w",
                                                "r", "r", "r", "r", "r", "r", "x", "y"});
  auto last_event_of = [&](const std::string& f) {
    int64_t last = -1;
    for (const Op& op : r.history)
      if (op.f == f) last = op.index;
    return last;
  };
  auto first_event_of = [&](const std::string& f) {
    for (const Op& op : r.history)
      if (op.f == f) return op.index;
    return int64_t{-1};
  };
  CHECK(first_event_of("r") > last_event_of("w"));
  CHECK(first_event_of("x") > last_event_of("r"));
  // Within the last phase, x and y run concurrently (Seq has no barrier).
  CHECK(first_event_of("y") < last_event_of("x"));
  // The barrier also holds in time.
  int64_t last_w_end = 0;
  for (const Op& op : r.history)
    if (op.f == "w") last_w_end = std::max(last_w_end, op.time_ns);
  for (const Op& op : invokes)
    if (op.f == "r") CHECK(op.time_ns >= last_w_end);
}

TEST_CASE("Then waits for the first generator's ops to complete") {
  SimOptions options;
  options.client_threads = 3;
  SimResult r = Simulate(Then(Ops("a", 2), Ops("b", 2)), options);
  auto invokes = Invokes(r.history);
  CHECK(Fs(invokes) == std::vector<std::string>{"a", "a", "b", "b"});
  CHECK(Times(invokes) == std::vector<int64_t>{0, 0, kMs, kMs});
}

TEST_CASE("UntilOk stops after the first ok completion") {
  SimOptions options;
  options.client_threads = 1;
  // The first three ops fail, then everything is ok.
  options.completion = [](const Op& invoke) {
    return invoke.index < 6 ? OpType::kFail : OpType::kOk;
  };
  SimResult r = Simulate(UntilOk(Repeat(MakeOp("acquire"))), options);
  CHECK(r.stop == SimStop::kDone);
  CHECK(Invokes(r.history).size() == 4);
  CHECK(r.history.back().type == OpType::kOk);
}

TEST_CASE("UntilOk with several threads emits nothing after the ok") {
  SimOptions options;
  options.client_threads = 3;
  options.latency = [](const Op& invoke) { return (1 + invoke.process) * kMs; };
  options.completion = [](const Op& invoke) {
    return invoke.process == 1 ? OpType::kOk : OpType::kInfo;
  };
  SimResult r = Simulate(UntilOk(Repeat(MakeOp("acquire"))), options);
  CHECK(r.stop == SimStop::kDone);
  int64_t ok_index = -1;
  for (const Op& op : r.history)
    if (op.type == OpType::kOk) {
      ok_index = op.index;
      break;
    }
  REQUIRE(ok_index >= 0);
  for (const Op& op : r.history)
    if (op.is_invoke()) CHECK(op.index < ok_index);
  // Process 0 completed info at 1 ms and continued as process 3 before the ok at 2 ms.
  CHECK(testing::Processes(Invokes(r.history)) == std::vector<int64_t>{0, 1, 2, 3});
}

TEST_CASE("UntilOk ignores ok completions of other generators' processes") {
  GenPtr gen = UntilOk(Repeat(MakeOp("acquire")));
  Context ctx(2, false);
  Op ok;
  ok.process = 1;
  ok.type = OpType::kOk;
  ok.f = "read";
  gen = gen->Update(ctx, ok);
  CHECK(gen->Next(ctx).kind == Kind::kOp);
}

}  // namespace
}  // namespace coordcheck::gen
