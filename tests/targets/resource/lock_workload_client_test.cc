// The lock workload's client against the real protected resource (local backend), with a
// scripted lock service: what it sends and what it records for acquire, increment and
// release — nothing sent without a grant, the critical section's read and write carrying
// the fence, a client pause stalling it (and the lock client's background threads) inside
// the critical section, a fenced resource refusing the stalled holder, uncertain outcomes
// as info.
#include "targets/lock/workload_client.h"

#include <deque>
#include <thread>

#include <catch2/catch.hpp>

#include "targets/client_faults.h"
#include "tests/support/node_env.h"
#include "tests/support/slack.h"
#include "tests/targets/resource/resource_fixture.h"

namespace coordcheck::test {
namespace {

using namespace std::chrono_literals;
using lock::LockWorkloadClient;
using resource::Mode;
using resource::ResourceOptions;

// What the scripted lock service answers, shared by every client it makes.
struct Script {
  struct Answer {
    std::optional<int64_t> fence;  // a grant with this fence, unless error is set
    std::string error;             // a refusal ("" = granted)
    bool uncertain = false;
  };
  std::mutex mu;
  std::deque<Answer> acquires;
  std::vector<int64_t> background_pauses_ms;
  int releases = 0;
};

class ScriptedLock final : public LockClient {
 public:
  explicit ScriptedLock(Script* script) : script_(script) {}
  Status Open(const LockEnv& env) override {
    CHECK(env.nodes == std::vector<std::string>{"l1"});
    CHECK(env.ttl_ms == 2000);
    return Status::Ok();
  }
  Result<Grant> Acquire(std::chrono::steady_clock::time_point, bool* uncertain) override {
    std::lock_guard<std::mutex> lock(script_->mu);
    REQUIRE_FALSE(script_->acquires.empty());
    Script::Answer a = script_->acquires.front();
    script_->acquires.pop_front();
    *uncertain = a.uncertain;
    if (!a.error.empty()) return Status::Error(a.error);
    Grant g;
    g.token = "t" + std::to_string(a.fence.value_or(0));
    g.fence = a.fence;
    g.validity_ms = 2000;
    return g;
  }
  Status Release(const Grant&, std::chrono::steady_clock::time_point, bool*) override {
    std::lock_guard<std::mutex> lock(script_->mu);
    ++script_->releases;
    return Status::Ok();
  }
  void Close() override {}
  void PauseBackground(std::chrono::milliseconds d) override {
    std::lock_guard<std::mutex> lock(script_->mu);
    script_->background_pauses_ms.push_back(d.count());
  }

 private:
  Script* script_;
};

struct Setup {
  explicit Setup(Mode mode) : node(WithMode(mode)) {
    env.dialer = node.env().dialer;
    env.nodes = {"l1", "res"};
    env.extra_nodes = 1;
    env.addresses = {{"l1", "127.0.0.1"}, {"res", node.address()}};
    env.workload_options = {{"hold_ms", 0}, {"resource_port", node.port()}};
    env.concurrency = 2;
    env.client_faults = &board;
  }
  static ResourceOptions WithMode(Mode mode) {
    ResourceOptions o;
    o.mode = mode;
    o.port = 7401;
    return o;
  }
  std::unique_ptr<LockWorkloadClient> Client() {
    auto c = std::make_unique<LockWorkloadClient>([this] { return std::make_unique<ScriptedLock>(&script); });
    REQUIRE(c->Open(env, "l1").ok());
    return c;
  }
  Json Log() {
    auto c = node.Client();
    resource::Reply log = c->Log(In(2000));
    REQUIRE(log.ok());
    return log.value;
  }

  ResourceNode node;
  Script script;
  ClientFaultBoard board;
  ClientEnv env;
};

Op Inv(int64_t process, const std::string& f) {
  Op op;
  op.process = process;
  op.type = OpType::kInvoke;
  op.f = f;
  return op;
}

}  // namespace

TEST_CASE("lock client: nothing is sent to the resource without a grant", "[lock]") {
  Setup s(Mode::kUnfenced);
  auto c = s.Client();
  Op inc = c->Invoke(Inv(0, "increment"), In(2000));
  CHECK(inc.type == OpType::kFail);
  CHECK(inc.error == "lock not held");
  CHECK(c->Invoke(Inv(0, "release"), In(2000)).type == OpType::kFail);
  s.script.acquires.push_back({std::nullopt, "lock held by another client", false});
  Op refused = c->Invoke(Inv(0, "acquire"), In(2000));
  CHECK(refused.type == OpType::kFail);
  CHECK(refused.error == "lock held by another client");
  CHECK(c->Invoke(Inv(0, "increment"), In(2000)).type == OpType::kFail);
  CHECK(s.Log().empty());
  CHECK(s.script.releases == 0);
  s.script.acquires.push_back({std::nullopt, "timed out", true});
  CHECK(c->Invoke(Inv(0, "acquire"), In(2000)).type == OpType::kInfo);
}

TEST_CASE("lock client: a critical section reads and writes with its fence", "[lock]") {
  Setup s(Mode::kFenced);
  auto c = s.Client();
  s.script.acquires.push_back({5, "", false});
  Op acquired = c->Invoke(Inv(3, "acquire"), In(2000));
  REQUIRE(acquired.type == OpType::kOk);
  CHECK(acquired.value["fence"] == 5);
  CHECK(acquired.value["token"] == "t5");
  Op inc = c->Invoke(Inv(3, "increment"), In(2000));
  REQUIRE(inc.type == OpType::kOk);
  CHECK(inc.value == Json{{"cs", "3-1"}, {"fence", 5}, {"read", 0}, {"wrote", 1}, {"accepted", true}});
  CHECK(c->Invoke(Inv(3, "release"), In(2000)).type == OpType::kOk);
  CHECK(s.script.releases == 1);
  CHECK(c->Invoke(Inv(3, "increment"), In(2000)).error == "lock not held");  // released
  const Json log = s.Log();
  REQUIRE(log.size() == 2);
  CHECK(log[0]["kind"] == "read");
  CHECK(log[1]["kind"] == "write");
  for (const Json& e : log) {
    CHECK(e["cs"] == "3-1");
    CHECK(e["process"] == 3);
    CHECK(e["fence"] == 5);
  }
  // The final phase's ops.
  Op read = c->Invoke(Inv(3, "resource-read"), In(2000));
  CHECK(read.type == OpType::kOk);
  CHECK(read.value == 1);
  Op all = c->Invoke(Inv(3, "resource-log"), In(2000));
  CHECK(all.type == OpType::kOk);
  CHECK(all.value.size() == 3);
}

TEST_CASE("lock client: a paused holder's late write is refused by the fenced resource", "[lock]") {
  Setup s(Mode::kFenced);
  auto paused = s.Client();
  auto next = s.Client();
  s.script.acquires.push_back({3, "", false});
  s.script.acquires.push_back({5, "", false});
  REQUIRE(paused->Invoke(Inv(0, "acquire"), In(2000)).type == OpType::kOk);
  // A pause long enough that the next client's acquire and increment, on a loaded machine,
  // still come before the paused one's write.
  s.board.PostPause(ClientFaultBoard::kAnyThread, 3000);
  Op late;
  std::thread holder([&] { late = paused->Invoke(Inv(0, "increment"), In(10000)); });
  // Once the paused one has read and stalls (it has paused its background), the next one
  // takes the lock.
  CHECK(nodetest::WaitUntil(
      [&] {
        std::lock_guard<std::mutex> lock(s.script.mu);
        return !s.script.background_pauses_ms.empty();
      },
      std::chrono::seconds(30)));
  REQUIRE(next->Invoke(Inv(1, "acquire"), In(2000)).type == OpType::kOk);
  Op fresh = next->Invoke(Inv(1, "increment"), In(2000));
  holder.join();
  CHECK(fresh.type == OpType::kOk);
  CHECK(fresh.value["paused_ms"].is_null());  // the pause was taken once
  REQUIRE(late.type == OpType::kFail);
  CHECK(late.error == "stale fence");
  CHECK(late.value["accepted"] == false);
  CHECK(late.value["paused_ms"] == 3000);
  CHECK(s.script.background_pauses_ms == std::vector<int64_t>{3000});
  const Json log = s.Log();
  REQUIRE(log.size() == 4);
  CHECK(log[3]["cs"] == "0-1");
  CHECK(log[3]["accepted"] == false);
}

TEST_CASE("lock client: a pause never pushes the write past the op's deadline", "[lock]") {
  Setup s(Mode::kUnfenced);
  auto c = s.Client();
  s.script.acquires.push_back({std::nullopt, "", false});
  REQUIRE(c->Invoke(Inv(1, "acquire"), In(2000)).type == OpType::kOk);
  s.board.PostPause(1, 60000);  // for thread 1 (process 1 of 2 threads)
  const auto start = std::chrono::steady_clock::now();
  Op inc = c->Invoke(Inv(1, "increment"), In(1500));
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(inc.type == OpType::kOk);
  CHECK(took < 1500ms + testtime::kSlack);  // by the deadline, not after the 60 s pause
  CHECK(inc.value["paused_ms"].get<int64_t>() >= 1000);
  CHECK(inc.value["paused_ms"].get<int64_t>() <= 1200);
}

}  // namespace coordcheck::test
