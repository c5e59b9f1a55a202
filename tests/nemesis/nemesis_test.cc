// Composition and process faults, with fakes for the parts and the target: routing by f,
// the completion contract, teardown of every part even when one fails, and the process
// nemesis' bookkeeping of what it killed and paused.
#include <map>
#include <set>

#include <catch2/catch.hpp>

#include "nemesis/compose.h"
#include "nemesis/ops.h"
#include "nemesis/process/process_nemesis.h"
#include "tests/nemesis/fake_process_control.h"

namespace coordcheck {
namespace {

using test::FakeTarget;

class FakeNemesis final : public Nemesis {
 public:
  FakeNemesis(std::vector<std::string> fs, std::vector<std::string>* log,
              bool fail_teardown = false)
      : fs_(std::move(fs)), log_(log), fail_teardown_(fail_teardown) {}
  std::vector<std::string> fs() const override { return fs_; }
  Status Setup() override {
    log_->push_back("setup " + fs_[0]);
    return Status::Ok();
  }
  Op Invoke(const Op& invoke) override {
    log_->push_back("invoke " + invoke.f);
    Op done = invoke;
    done.type = OpType::kOk;  // wrong on purpose: the composition makes it info
    done.process = 99;        // wrong on purpose too
    done.value = "done";
    return done;
  }
  Status Teardown() override {
    log_->push_back("teardown " + fs_[0]);
    if (fail_teardown_) return Status::Error(fs_[0] + " rules remain on n2");
    return Status::Ok();
  }

 private:
  std::vector<std::string> fs_;
  std::vector<std::string>* log_;
  bool fail_teardown_;
};

Op FaultOp(const std::string& f, Json value = nullptr) {
  Op op;
  op.process = kNemesisProcess;
  op.f = f;
  op.value = std::move(value);
  return op;
}

}  // namespace

TEST_CASE("compose routes each fault to its nemesis and keeps the completion contract") {
  std::vector<std::string> log;
  std::vector<std::unique_ptr<Nemesis>> parts;
  parts.push_back(
      std::make_unique<FakeNemesis>(std::vector<std::string>{"start-a", "stop-a"}, &log));
  parts.push_back(std::make_unique<FakeNemesis>(std::vector<std::string>{"start-b"}, &log));
  ComposeNemesis compose(std::move(parts));
  REQUIRE(compose.Setup().ok());
  Op done = compose.Invoke(FaultOp("start-b"));
  CHECK(done.type == OpType::kInfo);
  CHECK(done.process == kNemesisProcess);
  CHECK(done.f == "start-b");
  CHECK(done.value == "done");
  Op unknown = compose.Invoke(FaultOp("meteor"));
  CHECK(unknown.type == OpType::kInfo);
  CHECK(unknown.error == "no nemesis handles the fault meteor");
  CHECK(compose.Teardown().ok());
  CHECK(log == std::vector<std::string>{"setup start-a", "setup start-b", "invoke start-b",
                                        "teardown start-b", "teardown start-a"});
}

TEST_CASE("compose tears every part down and names what could not heal") {
  std::vector<std::string> log;
  std::vector<std::unique_ptr<Nemesis>> parts;
  parts.push_back(std::make_unique<FakeNemesis>(std::vector<std::string>{"a"}, &log, true));
  parts.push_back(std::make_unique<FakeNemesis>(std::vector<std::string>{"b"}, &log, true));
  parts.push_back(std::make_unique<FakeNemesis>(std::vector<std::string>{"c"}, &log));
  ComposeNemesis compose(std::move(parts));
  REQUIRE(compose.Setup().ok());
  Status st = compose.Teardown();
  CHECK_FALSE(st.ok());
  CHECK(st.message() == "b rules remain on n2; a rules remain on n2");
  CHECK(log.back() == "teardown a");
}

TEST_CASE("compose refuses two nemeses for one fault") {
  std::vector<std::string> log;
  std::vector<std::unique_ptr<Nemesis>> parts;
  parts.push_back(std::make_unique<FakeNemesis>(std::vector<std::string>{"x"}, &log));
  parts.push_back(std::make_unique<FakeNemesis>(std::vector<std::string>{"x"}, &log));
  ComposeNemesis compose(std::move(parts));
  CHECK(compose.Setup().message() == "two nemeses handle the fault x");
}

TEST_CASE("process nemesis kills, pauses, and undoes exactly what it did") {
  FakeTarget target;
  ProcessNemesis nemesis(&target, {"n1", "n2", "n3"});
  REQUIRE(nemesis.Setup().ok());
  Op killed = nemesis.Invoke(FaultOp(fault::kKill, {{"nodes", {"n1", "n3"}}}));
  CHECK(killed.value == Json{{"nodes", {"n1", "n3"}}});
  CHECK(killed.error.is_null());
  Op paused = nemesis.Invoke(FaultOp(fault::kPause, {{"target", "primary"}}));
  CHECK(paused.value == Json{{"nodes", {"n2"}}});
  Op started = nemesis.Invoke(FaultOp(fault::kStart, {{"nodes", {"n1"}}}));
  CHECK(started.value == Json{{"nodes", {"n1"}}});
  // Teardown resumes n2 and restarts n3, which are still down.
  CHECK(nemesis.Teardown().ok());
  CHECK(target.log == std::vector<std::string>{"kill n1", "kill n3", "pause n2", "start n1",
                                               "resume n2", "start n3"});
  // A null start/resume acts on what is still down: nothing now.
  target.log.clear();
  CHECK(nemesis.Invoke(FaultOp(fault::kStart)).value == Json{{"nodes", Json::array()}});
  CHECK(target.log.empty());
}

TEST_CASE("process nemesis names bad nodes, failures and missing abilities") {
  FakeTarget target;
  target.broken = "n2";
  ProcessNemesis nemesis(&target, {"n1", "n2", "n3"});
  Op bad = nemesis.Invoke(FaultOp(fault::kKill, {{"nodes", {"n9"}}}));
  CHECK(bad.error == "unknown node \"n9\"");
  Op partly = nemesis.Invoke(FaultOp(fault::kKill, {{"nodes", {"n1", "n2"}}}));
  CHECK(partly.value == Json{{"nodes", {"n1"}}});
  CHECK(partly.error == "node n2: cannot kill");
  target.pausable = false;
  CHECK(nemesis.Invoke(FaultOp(fault::kPause, {{"nodes", {"n1"}}})).error ==
        "the target cannot be paused");
  CHECK(
      nemesis.Invoke(FaultOp(fault::kKill, "n1")).error.get<std::string>().find("value must be") ==
      0);
}

TEST_CASE("process nemesis of one family handles only that family's ops") {
  FakeTarget target;
  ProcessNemesis kill(&target, {"n1"}, ProcessFaults{.kill = true, .pause = false});
  CHECK(kill.fs() == std::vector<std::string>{fault::kKill, fault::kStart});
  CHECK(kill.Invoke(FaultOp(fault::kPause, {{"nodes", {"n1"}}})).error ==
        "process nemesis: unknown fault pause");
  ProcessNemesis pause(&target, {"n1"}, ProcessFaults{.kill = false, .pause = true});
  CHECK(pause.fs() == std::vector<std::string>{fault::kPause, fault::kResume});
  // The kill and pause families' nemeses compose: no f is handled twice.
  std::vector<std::unique_ptr<Nemesis>> parts;
  parts.push_back(std::make_unique<ProcessNemesis>(&target, std::vector<std::string>{"n1"},
                                                   ProcessFaults{.kill = true, .pause = false}));
  parts.push_back(std::make_unique<ProcessNemesis>(&target, std::vector<std::string>{"n1"},
                                                   ProcessFaults{.kill = false, .pause = true}));
  ComposeNemesis both(std::move(parts));
  CHECK(both.Setup().ok());
  CHECK(target.log.empty());
}

}  // namespace coordcheck
