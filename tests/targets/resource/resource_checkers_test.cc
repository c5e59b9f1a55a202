// End to end on a real resource: concurrent clients doing read-hold-write, their history
// judged by the lock checkers. Without a lock the critical sections overlap (invalid); with
// a mutex around them they do not (valid); a stalled holder is stopped by a fenced resource
// and caught on an unfenced one.
#include <catch2/catch.hpp>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

#include "workloads/lock/fencing.h"
#include "workloads/lock/mutual_exclusion.h"
#include "tests/targets/resource/resource_fixture.h"

namespace coordcheck::test {
namespace {

using resource::Mode;
using resource::ResourceOptions;
using std::chrono::milliseconds;

constexpr int kThreads = 4;

ResourceOptions WithMode(Mode mode) {
  ResourceOptions options;
  options.mode = mode;
  return options;
}

CheckResult Judge(const Checker& checker, const History& history) {
  REQUIRE(history.Validate().ok());
  CheckResult r = checker.Check(history, {});
  INFO(checker.name() << ": " << r.ToJson().dump(2));
  return r;
}

TEST_CASE("resource: concurrent critical sections without a lock overlap", "[resource][checkers]") {
  ResourceNode node(WithMode(Mode::kUnfenced));
  Recorder recorder;
  std::latch all_read(kThreads);  // the first round: everyone reads before anyone writes
  std::vector<std::thread> threads;
  for (int p = 0; p < kThreads; ++p) {
    threads.emplace_back([&, p] {
      auto client = node.Client();
      for (int i = 0; i < 3; ++i) {
        const std::string cs = std::to_string(p) + "-" + std::to_string(i);
        CriticalSection(*client, recorder, p, cs, std::nullopt, milliseconds(5),
                        i == 0 ? std::function<void()>([&] { all_read.arrive_and_wait(); })
                               : std::function<void()>());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  auto client = node.Client();
  FinalPhase(*client, recorder);
  const History history = recorder.Take();

  CheckResult r = Judge(MutualExclusionChecker(), history);
  INFO(r.ToJson().dump(2));
  REQUIRE(r.valid == Validity::kInvalid);
  CHECK(r.details["accepted_writes"] == 3 * kThreads);
  // The first round alone: every pair of the four overlaps, and three of four updates lost.
  CHECK(r.details["overlap_count"].get<int64_t>() >= kThreads * (kThreads - 1) / 2);
  CHECK(r.details["lost_updates"].get<int64_t>() >= kThreads - 1);
  CHECK(r.details["anomalies"][0]["explanation"].get<std::string>().find(
            "both writes were accepted") != std::string::npos);
  // No fences: the fencing checker has nothing to say.
  CheckResult f = Judge(FencingChecker(), history);
  CHECK(f.valid == Validity::kValid);
  CHECK(f.details["note"] == "no fencing tokens: nothing to check");
}

TEST_CASE("resource: critical sections under a mutex pass both checkers", "[resource][checkers]") {
  ResourceNode node(WithMode(Mode::kFenced));
  Recorder recorder;
  std::mutex lock;
  int64_t next_fence = 0;
  std::vector<std::thread> threads;
  for (int p = 0; p < kThreads; ++p) {
    threads.emplace_back([&, p] {
      auto client = node.Client();
      for (int i = 0; i < 5; ++i) {
        std::lock_guard<std::mutex> held(lock);
        const std::string cs = std::to_string(p) + "-" + std::to_string(i);
        CriticalSection(*client, recorder, p, cs, ++next_fence, milliseconds(2));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  auto client = node.Client();
  FinalPhase(*client, recorder);
  const History history = recorder.Take();

  CheckResult r = Judge(MutualExclusionChecker(), history);
  INFO(r.ToJson().dump(2));
  CHECK(r.valid == Validity::kValid);
  CHECK(r.details["accepted_writes"] == 5 * kThreads);
  CHECK(r.details["final_counter"] == 5 * kThreads);
  CheckResult f = Judge(FencingChecker(), history);
  INFO(f.ToJson().dump(2));
  CHECK(f.valid == Validity::kValid);
  CHECK(f.details["highest_fence"] == 5 * kThreads);
  CHECK(f.details["rejected_stale_writes"] == 0);
}

// A holder with fence 1 stalls between its read and its write (a GC pause) while the lock
// passes to a holder with fence 2, which completes its critical section.
History StalledHolder(ResourceNode& node) {
  Recorder recorder;
  auto stalled = node.Client();
  auto next = node.Client();
  CriticalSection(*stalled, recorder, 1, "1-0", 1, milliseconds(0),
                  [&] { CriticalSection(*next, recorder, 2, "2-0", 2, milliseconds(0)); });
  FinalPhase(*next, recorder);
  return recorder.Take();
}

TEST_CASE("resource: a fenced resource rejects the stalled holder", "[resource][checkers]") {
  ResourceNode node(WithMode(Mode::kFenced));
  const History history = StalledHolder(node);
  CheckResult r = Judge(MutualExclusionChecker(), history);
  INFO(r.ToJson().dump(2));
  CHECK(r.valid == Validity::kValid);
  CHECK(r.details["rejected_writes"] == 1);
  CheckResult f = Judge(FencingChecker(), history);
  INFO(f.ToJson().dump(2));
  CHECK(f.valid == Validity::kValid);
  CHECK(f.details["rejected_stale_writes"] == 1);
  REQUIRE(f.details["rejected"].size() == 1);
  CHECK(f.details["rejected"][0]["cs"] == "1-0");
  // The history records the rejection as a failed increment.
  bool failed = false;
  for (const Op& op : history.ops) {
    failed =
        failed || (op.f == "increment" && op.type == OpType::kFail && op.error == "stale fence");
  }
  CHECK(failed);
}

TEST_CASE("resource: an unfenced resource lets the stalled holder through",
          "[resource][checkers]") {
  ResourceNode node(WithMode(Mode::kUnfenced));
  const History history = StalledHolder(node);
  CheckResult r = Judge(MutualExclusionChecker(), history);
  INFO(r.ToJson().dump(2));
  CHECK(r.valid == Validity::kInvalid);
  CHECK(r.details["overlap_count"] == 1);
  CHECK(r.details["lost_updates"] == 1);
  CheckResult f = Judge(FencingChecker(), history);
  INFO(f.ToJson().dump(2));
  CHECK(f.valid == Validity::kInvalid);
  CHECK(f.details["decrease_count"] == 1);
}

}  // namespace
}  // namespace coordcheck::test
