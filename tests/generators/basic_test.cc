// Basic generators: Void, Once, Repeat, FromFunction, Limit, Map, Filter; and the value
// semantics every generator shares (asking twice is harmless).
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "gen_test_util.h"
#include "generators/basic.h"
#include "generators/simulate.h"
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

// Ops per process among the client invokes of a simulated, lightly loaded register run (ops
// 10 ms apart, each taking 1 ms, so one thread at a time is ever busy).
std::map<int64_t, int64_t> ProcessesOfSequentialRun(int threads, int threads_per_key,
                                                    uint64_t pick_seed) {
  RegisterOptions options;
  options.threads_per_key = threads_per_key;
  SimOptions sim;
  sim.client_threads = threads;
  sim.thread_pick_seed = pick_seed;
  sim.max_ops = 1000;
  SimResult r = Simulate(Stagger(10 * kMs, RegisterWorkload(options, Rng(3)), Rng(4)), sim);
  std::map<int64_t, int64_t> per_process;
  for (const Op& op : r.history) {
    if (op.type == OpType::kInvoke) ++per_process[op.process];
  }
  return per_process;
}

TEST_CASE("An op for any thread goes to a free thread drawn from the pick seed") {
  // Without a pick seed, the lowest free thread: one process does everything.
  // (Process 0 issues almost all: another only when an op comes within 1 ms of the last.)
  const auto lowest = ProcessesOfSequentialRun(5, 5, 0);
  CHECK(lowest.at(0) > 900);
  // With one, every thread takes a fair share (expected 200 each of 1000).
  const auto spread = ProcessesOfSequentialRun(5, 5, 42);
  for (const auto& [process, ops] : spread) UNSCOPED_INFO("process " << process << ": " << ops);
  REQUIRE(spread.size() == 5);
  for (const auto& [process, ops] : spread) {
    INFO("process " << process);
    CHECK(ops > 120);
  }
  // The same seed picks the same threads; another seed other ones.
  CHECK(ProcessesOfSequentialRun(5, 5, 42) == spread);
  CHECK(ProcessesOfSequentialRun(5, 5, 43) != spread);
}

TEST_CASE("With several key groups, no group is favoured when ops are due") {
  // 10 threads in two groups of 5 (two keys at a time): each group takes about half.
  const auto spread = ProcessesOfSequentialRun(10, 5, 42);
  int64_t first_group = 0;
  for (const auto& [process, ops] : spread) {
    if (process < 5) first_group += ops;
  }
  CHECK(first_group > 350);
  CHECK(first_group < 650);
}

}  // namespace
}  // namespace coordcheck::gen
