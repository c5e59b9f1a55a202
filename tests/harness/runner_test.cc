// The runner against in-process fake clients: every op recorded as it happens, timeouts and
// exceptions as info with a fresh process, open failures as fail, pauses, the stop flag,
// nemesis routing, and phases sharing processes and time.
#include "harness/runner.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "generators/combinators.h"
#include "history/jsonl.h"
#include "tests/support/node_env.h"
#include "tests/support/slack.h"

namespace coordcheck {
namespace {

using namespace std::chrono_literals;

// A client whose behaviour is chosen by the op's value.
//   value 100: sleeps past the deadline and returns info "timeout"
//   value 200: throws
//   value 300: returns fail
//   anything else: ok with the invoke's value
class FakeClient final : public Client {
 public:
  explicit FakeClient(std::atomic<int>* opens, bool fail_open = false)
      : opens_(opens), fail_open_(fail_open) {}
  Status Open(const ClientEnv&, const std::string& node) override {
    opens_->fetch_add(1);
    node_ = node;
    if (fail_open_) return Status::Error("node " + node + ": connection refused");
    return Status::Ok();
  }
  Op Invoke(const Op& invoke, Deadline deadline) override {
    if (invoke.value == 100) {
      std::this_thread::sleep_until(deadline);
      return CompleteInfo(invoke, "timeout");
    }
    if (invoke.value == 200) throw std::runtime_error("boom");
    if (invoke.value == 300) return CompleteFail(invoke, "refused");
    return CompleteOk(invoke, invoke.value);
  }
  void Close() override {}

 private:
  std::atomic<int>* opens_;
  bool fail_open_;
  std::string node_;
};

class FakeNemesis final : public Nemesis {
 public:
  std::vector<std::string> fs() const override { return {"start", "stop"}; }
  Status Setup() override { return Status::Ok(); }
  Op Invoke(const Op& invoke) override {
    ++invoked;
    Op done = invoke;
    done.type = OpType::kInfo;
    done.value = "did " + invoke.f;
    return done;
  }
  Status Teardown() override { return Status::Ok(); }
  std::atomic<int> invoked{0};
};

std::string TempPath(const std::string& name) {
  // One folder per process: ctest runs this binary's cases side by side.
  return nodetest::ProcessTempDir() + "/" + name;
}

// Ops with the given values, in order, on any free client thread.
gen::GenPtr Values(std::vector<int> values) {
  std::vector<gen::GenPtr> ops;
  for (int v : values) ops.push_back(gen::Once(gen::MakeOp("write", v)));
  return gen::Clients(gen::Seq(ops));
}

struct Fixture {
  explicit Fixture(int concurrency, const std::string& name, bool fail_open = false,
                   uint64_t thread_pick_seed = 0) {
    path = TempPath(name);
    REQUIRE(writer.Open(path).ok());
    options.concurrency = concurrency;
    options.thread_pick_seed = thread_pick_seed;
    options.nodes = {"n1", "n2", "n3"};
    options.op_timeout = 200ms;
    runner = std::make_unique<Runner>(
        options, [this, fail_open] { return std::make_unique<FakeClient>(&opens, fail_open); },
        &nemesis, &writer);
  }
  History Read() {
    runner.reset();
    writer.Close();
    History h;
    const Status err = ReadHistoryFile(path, &h);
    INFO(err.message());
    REQUIRE(err.ok());
    return h;
  }
  std::string path;
  HistoryWriter writer;
  RunnerOptions options;
  std::atomic<int> opens{0};
  FakeNemesis nemesis;
  std::unique_ptr<Runner> runner;
};

}  // namespace

TEST_CASE("runner records every invocation and completion as a valid history") {
  // Ops go to free threads drawn from a pick seed (as in a run), so the spread below does not
  // depend on which threads happen to be busy.
  Fixture fx(10, "all.jsonl", false, 7);
  auto stats = fx.runner->RunPhase(
      gen::Clients(gen::Limit(5000, gen::Repeat(gen::MakeOp("write", 1)))));
  REQUIRE(stats.ok());
  CHECK(stats->invoked == 5000);
  CHECK(stats->ok == 5000);
  History h = fx.Read();
  REQUIRE(h.size() == 10000);
  std::map<int64_t, int> per_process;
  for (const Op& op : h.ops) {
    CHECK(op.process >= 0);
    CHECK(op.process < 10);
    if (op.is_invoke()) ++per_process[op.process];
    // Thread t talks to node t mod 3.
    CHECK(op.node == "n" + std::to_string(op.process % 10 % 3 + 1));
  }
  // Work spread over the threads: a fair share each (500 expected).
  CHECK(per_process.size() == 10);
  for (const auto& [process, invokes] : per_process) {
    INFO("process " << process);
    CHECK(invokes > 200);
  }
}

TEST_CASE("runner: a timeout is info and the thread continues under a fresh process") {
  Fixture fx(3, "timeout.jsonl");
  // Three threads, three ops at once: each thread gets one; the second one times out.
  auto gen = gen::Clients(gen::Seq({gen::Once(gen::MakeOp("write", 1)),
                                    gen::Once(gen::MakeOp("write", 100)),
                                    gen::Once(gen::MakeOp("write", 2)),
                                    gen::Synchronize(gen::EachThread(gen::Once(gen::MakeOp("write", 3))))}));
  auto stats = fx.runner->RunPhase(gen);
  REQUIRE(stats.ok());
  CHECK(stats->info == 1);
  CHECK(stats->ok == 5);
  History h = fx.Read();
  int64_t info_process = -1;
  for (const Op& op : h.ops) {
    if (op.type == OpType::kInfo) {
      info_process = op.process;
      CHECK(op.error == "timeout");
      CHECK(op.time_ns >= 200'000'000);  // returned at its deadline
    }
  }
  REQUIRE(info_process >= 0);
  // The process id never comes back; its thread's last op runs as process + concurrency.
  bool after_info = false;
  std::set<int64_t> last_round;
  for (const Op& op : h.ops) {
    if (op.type == OpType::kInfo) after_info = true;
    if (after_info && op.is_invoke()) {
      CHECK(op.process != info_process);
      last_round.insert(op.process);
    }
  }
  CHECK(last_round.count(info_process + 3) == 1);
  CHECK(fx.opens.load() == 4);  // three first clients, then a fresh one after the info
}

TEST_CASE("runner: a client exception is info, an open failure is fail") {
  {
    Fixture fx(1, "throw.jsonl");
    REQUIRE(fx.runner->RunPhase(Values({200, 1})).ok());
    History h = fx.Read();
    REQUIRE(h.size() == 4);
    CHECK(h.ops[1].type == OpType::kInfo);
    CHECK(h.ops[1].error.get<std::string>().find("boom") != std::string::npos);
    CHECK(h.ops[2].process == 1);  // a fresh process
    CHECK(h.ops[3].type == OpType::kOk);
  }
  {
    Fixture fx(1, "open.jsonl", /*fail_open=*/true);
    REQUIRE(fx.runner->RunPhase(Values({1, 300})).ok());
    History h = fx.Read();
    REQUIRE(h.size() == 4);
    CHECK(h.ops[1].type == OpType::kFail);
    CHECK(h.ops[1].error.get<std::string>().find("connection refused") != std::string::npos);
    CHECK(h.ops[2].process == 0);  // fail keeps the process
  }
}

TEST_CASE("runner: pauses occupy a thread and are not recorded") {
  Fixture fx(1, "sleep.jsonl");
  auto gen = gen::Clients(gen::Seq({gen::Once(gen::MakeOp("write", 1)), gen::Sleep(50'000'000),
                                    gen::Once(gen::MakeOp("write", 2))}));
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(fx.runner->RunPhase(gen).ok());
  CHECK(std::chrono::steady_clock::now() - t0 >= 50ms);
  History h = fx.Read();
  REQUIRE(h.size() == 4);
  CHECK(h.ops[2].time_ns - h.ops[1].time_ns >= 50'000'000);
}

TEST_CASE("runner: fault ops go to the nemesis thread and complete as info") {
  Fixture fx(2, "nemesis.jsonl");
  auto gen = gen::Clients(gen::Limit(20, gen::Repeat(gen::MakeOp("write", 1))),
                          gen::Seq({gen::Once(gen::MakeOp("start")), gen::Once(gen::MakeOp("stop"))}));
  REQUIRE(fx.runner->RunPhase(gen).ok());
  History h = fx.Read();
  CHECK(fx.nemesis.invoked.load() == 2);
  int nemesis_events = 0;
  for (const Op& op : h.ops) {
    if (!op.is_nemesis()) continue;
    ++nemesis_events;
    if (op.is_completion()) {
      CHECK(op.type == OpType::kInfo);
      CHECK(op.value.get<std::string>().rfind("did ", 0) == 0);
    }
  }
  CHECK(nemesis_events == 4);
}

TEST_CASE("runner: the stop flag ends a phase early") {
  Fixture fx(2, "stop.jsonl");
  std::atomic<bool> stop{false};
  fx.options.stop = &stop;
  fx.runner = std::make_unique<Runner>(
      fx.options, [&] { return std::make_unique<FakeClient>(&fx.opens); }, nullptr, &fx.writer);
  std::atomic<int64_t> stopped_at_ns{0};
  std::thread stopper([&] {
    // Once the phase has recorded some ops (20 lines of history), raise the flag.
    nodetest::WaitUntil(
        [&] {
          const std::string text = nodetest::ReadFile(fx.path);
          return std::count(text.begin(), text.end(), '\n') >= 20;
        },
        30s, 5ms);
    stopped_at_ns = std::chrono::steady_clock::now().time_since_epoch().count();
    stop = true;
  });
  // Unbounded, paced: without the flag this would never end.
  auto stats = fx.runner->RunPhase(
      gen::Clients(gen::Delay(1'000'000, gen::Repeat(gen::MakeOp("write", 1)))));
  stopper.join();
  REQUIRE(stats.ok());
  CHECK(stats->stopped);
  // It ended soon after the flag: within an op's timeout (200 ms), give or take the machine.
  const auto after_flag = std::chrono::steady_clock::now().time_since_epoch() -
                          std::chrono::steady_clock::duration(stopped_at_ns.load());
  CHECK(after_flag < 200ms + testtime::kSlack);
  CHECK(stats->invoked >= 10);
  History h = fx.Read();  // still a valid history
  CHECK(h.size() >= 20);
}

TEST_CASE("runner: phases share the time base, processes and indices") {
  Fixture fx(2, "phases.jsonl");
  REQUIRE(fx.runner->RunPhase(Values({1, 100, 2})).ok());
  auto keys_gen = gen::Clients(gen::Map(
      [](gen::Invocation op) {
        op.key = 7;
        return op;
      },
      gen::Limit(3, gen::Repeat(gen::MakeOp("write", 5)))));
  REQUIRE(fx.runner->RunPhase(keys_gen).ok());
  CHECK(fx.runner->KeysSeen() == std::vector<Json>{7});
  History h = fx.Read();  // the reader checks dense indices, time order and pairing
  REQUIRE(h.size() == 12);
  int64_t info_process = -1;
  for (size_t i = 0; i < 6; ++i)
    if (h.ops[i].type == OpType::kInfo) info_process = h.ops[i].process;
  REQUIRE(info_process >= 0);
  for (size_t i = 6; i < h.size(); ++i) CHECK(h.ops[i].process != info_process);
}

}  // namespace coordcheck
