// Simulate: the event loop, process advancement, stop reasons.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "gen_test_util.h"
#include "generators/basic.h"
#include "generators/sequence.h"
#include "generators/threads.h"

namespace coordcheck::gen {
namespace {

using testing::Fs;
using testing::Invokes;
using testing::kMs;
using testing::Processes;
using testing::Times;
using Kind = Emission::Kind;

// Always offers an op for process 0, free or not (a broken generator).
class AlwaysProcessZero final : public Generator {
 public:
  Emission Next(const Context& ctx) const override {
    Invocation op = MakeOp("a");
    op.process = 0;
    op.time_ns = ctx.time_ns;
    return Emission::Of(op, self());
  }
};

TEST_CASE("Every event is recorded with index, time, process, type, f, key and value") {
  Invocation op = MakeOp("cas", Json::array({1, 2}));
  op.key = "k";
  SimOptions options;
  options.latency_ns = 3 * kMs;
  options.completion = [](const Op&) { return OpType::kFail; };
  SimResult r = Simulate(Once(op), options);
  REQUIRE(r.history.size() == 2);
  CHECK(OpToLine(r.history[0]) ==
        R"({"index":0,"time":0,"process":0,"type":"invoke","f":"cas","key":"k","value":[1,2]})");
  CHECK(
      OpToLine(r.history[1]) ==
      R"({"index":1,"time":3000000,"process":0,"type":"fail","f":"cas","key":"k","value":[1,2]})");
  CHECK(r.end_time_ns == 3 * kMs);
}

TEST_CASE("After an info completion the thread continues as process p + n") {
  SimOptions options;
  options.client_threads = 2;
  options.completion = [](const Op& invoke) {
    return invoke.process % 2 == 0 ? OpType::kInfo : OpType::kOk;
  };
  auto ops = Invokes(Simulate(Limit(8, Repeat(MakeOp("w"))), options).history);
  CHECK(Processes(ops) == std::vector<int64_t>{0, 1, 2, 1, 4, 1, 6, 1});
}

TEST_CASE("Completion values come from the option, else the invoke's value") {
  SimOptions options;
  options.client_threads = 1;
  options.completion_value = [](const Op& invoke) {
    return invoke.f == "read" ? Json(4) : invoke.value;
  };
  SimResult r = Simulate(Seq({Once(MakeOp("read")), Once(MakeOp("write", 2))}), options);
  REQUIRE(r.history.size() == 4);
  CHECK(r.history[1].value == 4);
  CHECK(r.history[3].value == 2);
}

TEST_CASE("A completion due no later than the next op comes first") {
  // b is due at 2 ms on any free thread; a completes at 2 ms, so b finds thread 0 free again.
  SimOptions options;
  options.client_threads = 2;
  options.latency_ns = 2 * kMs;
  Invocation b = MakeOp("b");
  b.time_ns = 2 * kMs;
  SimResult r = Simulate(Seq({Once(MakeOp("a")), Once(b)}), options);
  REQUIRE(r.history.size() == 4);
  CHECK(r.history[1].type == OpType::kOk);
  CHECK(r.history[1].f == "a");
  CHECK(r.history[2].f == "b");
  CHECK(r.history[2].process == 0);
  CHECK(r.history[2].time_ns == 2 * kMs);
}

TEST_CASE("Pending with nothing outstanding is a deadlock") {
  SimOptions options;
  options.client_threads = 2;
  // After a, a generator for threads the context does not have: pending for ever.
  SimResult r = Simulate(Seq({Once(MakeOp("a")), OnThreadRange(5, 9, Once(MakeOp("b")))}), options);
  CHECK(r.stop == SimStop::kDeadlock);
  CHECK(Fs(Invokes(r.history)) == std::vector<std::string>{"a"});
  CHECK(r.history.size() == 2);
  CHECK(r.message.find("pending") != std::string::npos);
}

TEST_CASE("max_ops and max_time_ns stop the run after outstanding ops complete") {
  SimOptions options;
  options.client_threads = 3;
  options.max_ops = 10;
  SimResult by_count = Simulate(Repeat(MakeOp("w")), options);
  CHECK(by_count.stop == SimStop::kMaxOps);
  CHECK(by_count.history.size() == 20);
  CHECK(by_count.history.back().is_completion());

  options.max_ops = 1'000'000;
  options.max_time_ns = 5 * kMs;
  SimResult by_time = Simulate(Repeat(MakeOp("w")), options);
  CHECK(by_time.stop == SimStop::kMaxTime);
  CHECK(Invokes(by_time.history).size() == 18);  // at 0..5 ms, three threads
  CHECK(by_time.history.size() == 36);
  CHECK(by_time.end_time_ns == 6 * kMs);
}

TEST_CASE("An op for a busy thread is reported, not invoked") {
  SimResult r = Simulate(std::make_shared<AlwaysProcessZero>());
  CHECK(r.stop == SimStop::kBadOp);
  CHECK(Invokes(r.history).size() == 1);
  CHECK(r.history.size() == 2);
  CHECK_FALSE(r.message.empty());
}

TEST_CASE("Nemesis ops run on the nemesis process and never advance it") {
  SimOptions options;
  options.client_threads = 1;
  options.with_nemesis = true;
  options.completion = [](const Op&) { return OpType::kInfo; };
  auto ops = Invokes(Simulate(Nemesis(Limit(3, Repeat(MakeOp("kill")))), options).history);
  CHECK(Processes(ops) == std::vector<int64_t>{kNemesisProcess, kNemesisProcess, kNemesisProcess});
}

}  // namespace
}  // namespace coordcheck::gen
