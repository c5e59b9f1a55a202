// RedisDb::ObserveClock: Redis's own wall clock, read with TIME, follows the clock preload —
// a +10 s bump of a node shows in that node's reading at once, not in the others'. Through
// the ClockNemesis (target_clock) the readings land in check-clock-offsets' "clock"
// objects, and ClockEffect judges such a history "reached". A node whose server is down
// gives a target_error and fails nothing.
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "checkers/clock_effect.h"
#include "history/history.h"
#include "nemesis/clock/clock_nemesis.h"
#include "nemesis/ops.h"
#include "tests/support/slack.h"
#include "tests/targets/redis/redis_test_util.h"

namespace {

using coordcheck::Result;
using coordcheck::Status;

namespace control = coordcheck::control;
namespace fault = coordcheck::fault;
using coordcheck::ClockReading;
using coordcheck::Json;
using coordcheck::Op;
using coordcheck::TargetClockSample;

// Redis on every node under the clock preload, with a ClockNemesis whose target_clock is
// RedisDb::ObserveClock; every fault op is recorded in history().
class ObservedRedis {
 public:
  ObservedRedis(const std::string& backend, int nodes)
      : clocked_(backend, nodes, TargetClockOptions()) {}

  redistest::RedisCluster& redis() { return clocked_.redis(); }
  const coordcheck::History& history() const { return history_; }

  const control::NodeInfo& Info(const std::string& node) {
    for (const control::NodeInfo& info : redis().env().nodes) {
      if (info.name == node) return info;
    }
    FAIL("no node " << node);
    return redis().env().nodes.front();
  }

  ClockReading Observe(const std::string& node) {
    auto reading = redis().db().ObserveClock(Info(node), redis().env());
    INFO(reading.message());
    REQUIRE(reading.ok());
    std::printf("redis TIME on %s: offset %lld ms, error %lld ms\n", node.c_str(),
                static_cast<long long>(reading->offset_ms),
                static_cast<long long>(reading->error_ms));
    return *reading;
  }

  Op Invoke(const std::string& f, Json value) {
    Op invoke = nodetest::NemesisOp(f, std::move(value));
    invoke.time_ns = ++tick_;
    history_.Append(invoke);
    Op done = clocked_.nemesis().Invoke(invoke);
    done.time_ns = ++tick_;
    history_.Append(done);
    return done;
  }

 private:
  // target_clock: RedisDb::ObserveClock of the node (called only once constructed).
  coordcheck::ClockNemesisOptions TargetClockOptions() {
    coordcheck::ClockNemesisOptions options;
    options.target_clock = [this](const std::string& node) -> Result<TargetClockSample> {
      auto reading = redis().db().ObserveClock(Info(node), redis().env());
      if (!reading.ok()) return reading.status();
      return TargetClockSample{reading->offset_ms, reading->error_ms, reading->method};
    };
    return options;
  }

  redistest::ClockedRedis clocked_;
  coordcheck::History history_;
  int64_t tick_ = 0;
};

void ObserveScenario(const std::string& backend) {
  ObservedRedis s(backend, 2);

  ClockReading n1 = s.Observe("n1");
  CHECK(n1.method == "redis TIME");
  CHECK(n1.error_ms >= 1);
  CHECK(n1.error_ms <= 50 + testtime::kSlack.count() / 2);  // half a round trip
  CHECK(std::abs(n1.offset_ms) <= n1.error_ms);

  Op bumped = s.Invoke(fault::kBumpClock, Json{{"n1", 10000}});
  INFO(coordcheck::OpToLine(bumped));
  REQUIRE(bumped.error.is_null());
  n1 = s.Observe("n1");  // the same server, no restart
  CHECK(std::abs(n1.offset_ms - 10000) <= n1.error_ms);
  const ClockReading n2 = s.Observe("n2");
  CHECK(std::abs(n2.offset_ms) <= n2.error_ms);

  const Op checked = s.Invoke(fault::kCheckClockOffsets, nullptr);
  INFO(coordcheck::OpToLine(checked));
  CHECK(checked.error.is_null());
  CHECK(checked.value == Json{{"n1", 10000}, {"n2", 0}});
  const Json& clock = checked.extra["clock"];
  REQUIRE(clock["n1"]["target"].is_object());
  REQUIRE(clock["n2"]["target"].is_object());
  CHECK(clock["n1"]["target"]["method"] == "redis TIME");
  CHECK(std::abs(clock["n1"]["target"]["offset_ms"].get<int64_t>() - 10000) <=
        clock["n1"]["target"]["error_ms"].get<int64_t>());
  CHECK(std::abs(clock["n2"]["target"]["offset_ms"].get<int64_t>()) <=
        clock["n2"]["target"]["error_ms"].get<int64_t>());

  Json effect = coordcheck::ClockEffect(s.history());
  INFO(effect.dump());
  CHECK(effect["verdict"] == "reached");
  CHECK(effect["reached"] == Json::array({"n1"}));
  CHECK(effect["not_reached"] == Json::array());
  CHECK(effect["samples"] == 1);

  // n2's server is down: its target read fails, named, and fails nothing else.
  REQUIRE(s.redis().db().Kill(s.redis().remote("n2")).ok());
  const Op down = s.Invoke(fault::kCheckClockOffsets, nullptr);
  INFO(coordcheck::OpToLine(down));
  CHECK(down.error.is_null());
  CHECK(down.value == Json{{"n1", 10000}, {"n2", 0}});
  CHECK(down.extra["clock"]["n1"]["target"].is_object());
  CHECK_FALSE(down.extra["clock"]["n2"].contains("target"));
  CHECK_THAT(down.extra["clock"]["n2"]["target_error"].get<std::string>(),
             Catch::StartsWith("node n2: redis: clock: "));
  effect = coordcheck::ClockEffect(s.history());
  CHECK(effect["verdict"] == "reached");
  CHECK(effect["target_errors"] == 1);
}

TEST_CASE("redis db: ObserveClock reads the server's TIME, which follows a +10 s bump (local)",
          "[redis][db][clock]") {
  ObserveScenario("local");
}

TEST_CASE("redis db: ObserveClock reads the server's TIME, which follows a +10 s bump (netns)",
          "[redis][db][clock][root]") {
  nodetest::RequireRoot();
  ObserveScenario("netns");
}

TEST_CASE("redis db: ObserveClock names the node when it cannot read the clock",
          "[redis][db][clock]") {
  redistest::RedisCluster r("local", 1);
  coordcheck::DbEnv env = r.env();
  const control::NodeInfo node = env.nodes.front();
  // Nothing listens there yet.
  auto refused = r.db().ObserveClock(node, env);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.message(), Catch::StartsWith("node n1: redis: clock: "));
  env.dialer = nullptr;
  CHECK_THAT(r.db().ObserveClock(node, env).message(), Catch::Contains("no dialer"));
  env = r.env();
  env.options = Json{{"prot", 1}};
  CHECK_THAT(r.db().ObserveClock(node, env).message(),
             Catch::StartsWith("node n1: redis: ") && Catch::Contains("prot"));

  // A server that answers TIME with something else.
  redistest::FakeServer fake([](int fd) {
    redistest::ReadSome(fd, 14);  // PING
    const std::string pong = "+PONG\r\n";
    (void)!write(fd, pong.data(), pong.size());
    redistest::ReadSome(fd, 14);  // TIME
    const std::string odd = "*2\r\n$2\r\n-1\r\n$1\r\n0\r\n";
    (void)!write(fd, odd.data(), odd.size());
    redistest::ReadSome(fd, 1);
  });
  env = r.env();
  env.options = Json{{"port", fake.port()}};
  const control::NodeInfo local{"n1", "127.0.0.1"};
  auto odd = r.db().ObserveClock(local, env);
  REQUIRE_FALSE(odd.ok());
  CHECK_THAT(odd.message(), Catch::Contains("node n1: redis: clock: TIME answered"));
}

}  // namespace
