// Basic generators: Void, Once, Repeat, FromFunction, Limit, Map, Filter; and the value
// semantics every generator shares (asking twice is harmless).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "gen_test_util.h"
#include "generators/basic.h"
#include "workloads/register/generator.h"
#include "generators/threads.h"
#include "generators/timing.h"

namespace coordcheck::gen {
namespace {

using testing::Fs;
using testing::Invokes;
using testing::kMs;
using testing::Processes;
using testing::SimInvokes;
using testing::Times;
using Kind = Emission::Kind;

// Counts up from 0 in the value; f alternates a/b.
GenPtr Counter() {
  return FromFunction(
      [](Rng& rng, const Context&) {
        const uint64_t n = rng.state();
        rng = Rng(n + 1);
        return MakeOp(n % 2 == 0 ? "a" : "b", static_cast<int64_t>(n));
      },
      Rng(0));
}

TEST_CASE("Void is done at once") {
  CHECK(Void()->Next(Context(1, false)).kind == Kind::kDone);
  CHECK(SimInvokes(Void()).empty());
}

TEST_CASE("Once emits one filled-in op, then is done") {
  Context ctx(2, false);
  ctx.time_ns = 1234;
  Emission e = Once(MakeOp("write", 3))->Next(ctx);
  REQUIRE(e.kind == Kind::kOp);
  CHECK(e.op.f == "write");
  CHECK(e.op.value == 3);
  CHECK(e.op.process == 0);
  CHECK(e.op.time_ns == 1234);
  CHECK(e.next->Next(ctx).kind == Kind::kDone);

  ctx.MarkBusy(0);
  ctx.MarkBusy(1);
  CHECK(Once(MakeOp("write", 3))->Next(ctx).kind == Kind::kPending);
}

TEST_CASE("Once in a simulation: invoke at 0, ok 1 ms later") {
  SimResult r = Simulate(Once(MakeOp("write", 3)));
  CHECK(r.stop == SimStop::kDone);
  REQUIRE(r.history.size() == 2);
  CHECK(r.history[0].type == OpType::kInvoke);
  CHECK(r.history[0].time_ns == 0);
  CHECK(r.history[0].index == 0);
  CHECK(r.history[1].type == OpType::kOk);
  CHECK(r.history[1].time_ns == kMs);
  CHECK(r.history[1].index == 1);
  CHECK(r.history[1].value == 3);
}

TEST_CASE("Repeat of an op is infinite and Repeat(n, gen) emits exactly n") {
  SimOptions options;
  options.max_ops = 25;
  SimResult r = Simulate(Repeat(MakeOp("read")), options);
  CHECK(r.stop == SimStop::kMaxOps);
  CHECK(Invokes(r.history).size() == 25);
  CHECK(r.history.size() == 50);

  auto ops = SimInvokes(Repeat(3, Once(MakeOp("x"))), 2);
  CHECK(Fs(ops) == std::vector<std::string>{"x", "x", "x"});
  CHECK(SimInvokes(Repeat(0, Once(MakeOp("x")))).empty());
}

TEST_CASE("Repeat re-asks the same generator, so a function's op repeats unchanged") {
  auto ops = SimInvokes(Repeat(4, Counter()));
  REQUIRE(ops.size() == 4);
  for (const Op& op : ops) CHECK(op.value == 0);
}

TEST_CASE("FromFunction carries its Rng from op to op") {
  auto ops = SimInvokes(Limit(6, Counter()));
  CHECK(Fs(ops) == std::vector<std::string>{"a", "b", "a", "b", "a", "b"});
  for (size_t i = 0; i < ops.size(); ++i) CHECK(ops[i].value == static_cast<int64_t>(i));
}

TEST_CASE("FromFunction does not call its function without a free thread") {
  int calls = 0;
  GenPtr gen = FromFunction(
      [&calls](Rng&, const Context&) {
        ++calls;
        return MakeOp("read");
      },
      Rng(1));
  Context ctx(1, false);
  ctx.MarkBusy(0);
  CHECK(gen->Next(ctx).kind == Kind::kPending);
  CHECK(calls == 0);
}

TEST_CASE("Limit emits exactly n ops, one at a time per thread") {
  for (int n : {0, 1, 7, 100}) {
    SimResult r = Simulate(Limit(n, Repeat(MakeOp("read"))));
    CHECK(r.stop == SimStop::kDone);
    CHECK(Invokes(r.history).size() == static_cast<size_t>(n));
    CHECK(r.history.size() == static_cast<size_t>(2 * n));
  }
  // One thread: each op starts when the previous completes.
  SimOptions one;
  one.client_threads = 1;
  auto ops = Invokes(Simulate(Limit(3, Repeat(MakeOp("read"))), one).history);
  CHECK(Times(ops) == std::vector<int64_t>{0, kMs, 2 * kMs});
  // Five threads: five ops at once, then the next as the first completes.
  auto five = SimInvokes(Limit(6, Repeat(MakeOp("read"))), 5);
  CHECK(Times(five) == std::vector<int64_t>{0, 0, 0, 0, 0, kMs});
  CHECK(Processes(five) == std::vector<int64_t>{0, 1, 2, 3, 4, 0});
}

TEST_CASE("Once(gen) takes one op of gen") {
  auto ops = SimInvokes(Once(Counter()), 3);
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].value == 0);
}

TEST_CASE("Map transforms and Filter drops ops") {
  auto mapped = SimInvokes(Map(
      [](Invocation op) {
        op.f = "w" + op.f;
        return op;
      },
      Limit(2, Counter())));
  CHECK(Fs(mapped) == std::vector<std::string>{"wa", "wb"});

  auto kept = SimInvokes(Limit(
      3, Filter([](const Invocation& op) { return op.value.get<int64_t>() % 3 == 0; }, Counter())));
  REQUIRE(kept.size() == 3);
  CHECK(kept[0].value == 0);
  CHECK(kept[1].value == 3);
  CHECK(kept[2].value == 6);
}

TEST_CASE("Asking Next twice without committing gives the same op and successor") {
  RegisterOptions options;
  options.threads_per_key = 2;
  GenPtr gen =
      TimeLimit(10'000 * kMs, Clients(Stagger(kMs, RegisterWorkload(options, Rng(99)), Rng(5)),
                                      Repeat(MakeOp("start-partition"))));
  Context ctx(4, true);
  ctx.MarkBusy(kNemesisThread);
  ctx.MarkBusy(0);
  ctx.time_ns = 17;
  for (int step = 0; step < 50; ++step) {
    Emission first = gen->Next(ctx);
    Emission second = gen->Next(ctx);
    REQUIRE(first.kind == Kind::kOp);
    REQUIRE(second.kind == Kind::kOp);
    CHECK(first.op == second.op);
    // The two successors behave the same too.
    Emission after_first = first.next->Next(ctx);
    Emission after_second = second.next->Next(ctx);
    CHECK(after_first.op == after_second.op);
    gen = first.next;
    ctx.time_ns = first.op.time_ns;
  }
}

}  // namespace
}  // namespace coordcheck::gen
