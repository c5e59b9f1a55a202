// Routing by thread: OnThreads, Clients, Nemesis, EachThread, Reserve.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "gen_test_util.h"
#include "generators/basic.h"
#include "generators/choice.h"
#include "generators/sequence.h"
#include "generators/threads.h"

namespace coordcheck::gen {
namespace {

using testing::Fs;
using testing::Invokes;
using testing::kMs;
using testing::Processes;
using testing::SimInvokes;
using testing::Times;
using Kind = Emission::Kind;

int ThreadOf(int64_t process, int threads) {
  return process == kNemesisProcess ? kNemesisThread : static_cast<int>(process % threads);
}

TEST_CASE("OnThreads never emits for other threads, also after processes crash") {
  SimOptions options;
  options.client_threads = 5;
  options.with_nemesis = true;
  options.max_ops = 200;
  options.completion = [](const Op& invoke) {
    return invoke.index % 3 == 0 ? OpType::kInfo : OpType::kOk;
  };
  for (GenPtr gen : {OnThreads(std::vector<int>{1, 3}, Repeat(MakeOp("a"))),
                     OnThreads([](int t) { return t == 1 || t == 3; }, Repeat(MakeOp("a")))}) {
    SimResult r = Simulate(gen, options);
    auto ops = Invokes(r.history);
    REQUIRE(ops.size() == 200);
    std::set<int> threads;
    int64_t max_process = 0;
    for (const Op& op : ops) {
      threads.insert(ThreadOf(op.process, 5));
      max_process = std::max(max_process, op.process);
    }
    CHECK(threads == std::set<int>{1, 3});
    CHECK(max_process > 5);  // processes did advance
  }
}

TEST_CASE("OnThreads passes on only the events of its own threads") {
  auto log = std::make_shared<std::vector<Op>>();
  auto ops =
      SimInvokes(Any({OnThreadRange(0, 0, testing::Spied(Limit(2, Repeat(MakeOp("a"))), log)),
                      OnThreadRange(1, 2, Limit(6, Repeat(MakeOp("b"))))}),
                 3);
  CHECK(ops.size() == 8);
  REQUIRE(log->size() == 4);
  for (const Op& event : *log) {
    CHECK(event.f == "a");
    CHECK(event.process == 0);
  }
}

TEST_CASE("OnThreads with no thread of the context is pending forever") {
  SimResult r = Simulate(OnThreads(std::vector<int>{}, Repeat(MakeOp("a"))));
  CHECK(r.stop == SimStop::kDeadlock);
  CHECK(r.history.empty());
}

TEST_CASE("An unrouted base generator takes the nemesis thread first but Clients avoids it") {
  Context ctx(2, true);
  CHECK(Once(MakeOp("a"))->Next(ctx).op.process == kNemesisProcess);
  CHECK(Clients(Once(MakeOp("a")))->Next(ctx).op.process == 0);
  CHECK(Nemesis(Once(MakeOp("a")))->Next(ctx).op.process == kNemesisProcess);
}

TEST_CASE("Clients(c, n) runs client ops on clients and nemesis ops on the nemesis") {
  SimOptions options;
  options.client_threads = 3;
  options.with_nemesis = true;
  SimResult r = Simulate(
      Clients(Limit(30, Repeat(MakeOp("read"))), Limit(4, Repeat(MakeOp("start-partition")))),
      options);
  CHECK(r.stop == SimStop::kDone);
  std::map<std::string, int> counts;
  for (const Op& op : Invokes(r.history)) {
    ++counts[op.f];
    CHECK(op.is_nemesis() == (op.f == "start-partition"));
  }
  CHECK(counts["read"] == 30);
  CHECK(counts["start-partition"] == 4);
}

TEST_CASE("EachThread gives every thread its own copy of the generator") {
  SimOptions options;
  options.client_threads = 3;
  SimResult r = Simulate(EachThread(Seq({Once(MakeOp("a")), Once(MakeOp("b"))})), options);
  CHECK(r.stop == SimStop::kDone);
  auto ops = Invokes(r.history);
  CHECK(Fs(ops) == std::vector<std::string>{"a", "a", "a", "b", "b", "b"});
  CHECK(Processes(ops) == std::vector<int64_t>{0, 1, 2, 0, 1, 2});
  CHECK(Times(ops) == std::vector<int64_t>{0, 0, 0, kMs, kMs, kMs});
}

TEST_CASE("EachThread copies are independent: same function stream per thread") {
  GenPtr numbers = Limit(3, FromFunction(
                                [](Rng& rng, const Context&) {
                                  return MakeOp("n", static_cast<int64_t>(rng.Uniform(1000)));
                                },
                                Rng(4)));
  SimOptions options;
  options.client_threads = 4;
  options.latency = [](const Op& invoke) { return (1 + invoke.process) * kMs; };
  auto ops = Invokes(Simulate(EachThread(numbers), options).history);
  REQUIRE(ops.size() == 12);
  std::map<int64_t, std::vector<Json>> per_thread;
  for (const Op& op : ops) per_thread[op.process].push_back(op.value);
  REQUIRE(per_thread.size() == 4);
  for (const auto& [thread, values] : per_thread) CHECK(values == per_thread[0]);
}

TEST_CASE("EachThread is pending while copies may still have work, done when all are done") {
  GenPtr gen = EachThread(Void());
  Context ctx(2, false);
  CHECK(gen->Next(ctx).kind == Kind::kDone);
  ctx.MarkBusy(1);
  CHECK(gen->Next(ctx).kind == Kind::kPending);
}

TEST_CASE("Reserve assigns thread ranges, the rest to the default generator") {
  SimOptions options;
  options.client_threads = 6;
  options.with_nemesis = true;
  options.max_ops = 600;
  options.latency = [](const Op& invoke) { return (1 + invoke.index % 5) * kMs; };
  SimResult r = Simulate(
      Reserve({{2, Repeat(MakeOp("a"))}, {1, Repeat(MakeOp("b"))}}, Repeat(MakeOp("c"))), options);
  std::map<std::string, std::set<int>> threads;
  for (const Op& op : Invokes(r.history)) threads[op.f].insert(ThreadOf(op.process, 6));
  CHECK(threads["a"] == std::set<int>{0, 1});
  CHECK(threads["b"] == std::set<int>{2});
  CHECK(threads["c"] == std::set<int>{kNemesisThread, 3, 4, 5});
}

}  // namespace
}  // namespace coordcheck::gen
