// ClockNemesis on real clusters: probes started with DaemonEnv see their node's offset
// change live, other nodes don't, strobes alternate and restore, offsets are observed.
#include "nemesis/clock/clock_nemesis.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>

#include "nemesis/clock/offset_file.h"
#include "nemesis/ops.h"
#include "tests/nemesis/clock/clock_test_util.h"
#include "tests/support/node_env.h"

namespace {

using clocktest::ClockCluster;
using clocktest::FreshReading;
using coordcheck::ClockNemesisOptions;
using coordcheck::Json;
using coordcheck::Op;
namespace fault = coordcheck::fault;

// One fresh reading of the probe whose log is `log`, checked against `offset_ms`: every
// wall clock shifted by it (against the test's own clock), the monotonic clock not.
void ExpectOffset(const std::string& log, double offset_ms) {
  const clocktest::Reading r = FreshReading(log);
  INFO("probe " << log << " expected offset " << offset_ms << " ms");
  CHECK(clocktest::RealtimeOffsetMs(r) == Approx(offset_ms).margin(50));
  CHECK(clocktest::AppliedOffsetMs(r) == Approx(offset_ms).margin(2));
  CHECK(clocktest::GettimeofdayOffsetMs(r) == Approx(offset_ms).margin(50));
  CHECK(clocktest::CoarseOffsetMs(r) == Approx(offset_ms).margin(60));
  const double time_offset_s =
      static_cast<double>(r.time_s) - static_cast<double>(r.raw) / 1e9;  // time() vs real
  CHECK(time_offset_s == Approx(offset_ms / 1000).margin(1.01));
  const int64_t mono_now = clocktest::Nanos(CLOCK_MONOTONIC);
  CHECK(r.mono <= mono_now);
  CHECK(mono_now - r.mono < 1'000'000'000);
}

void BumpScenario(const std::string& backend) {
  ClockCluster c(backend, 3);
  const std::string n1 = c.StartProbe("n1", 10);
  const std::string n2 = c.StartProbe("n2", 10);
  ExpectOffset(n1, 0);
  ExpectOffset(n2, 0);

  Op done = c.Invoke(fault::kBumpClock, Json{{"n1", 10000}});
  INFO(coordcheck::OpToLine(done));
  CHECK(done.error.is_null());
  CHECK(done.value == Json{{"n1", {{"before_ms", 0}, {"after_ms", 10000}}}});
  ExpectOffset(n1, 10000);  // the same process, no restart
  ExpectOffset(n2, 0);

  done = c.Invoke(fault::kBumpClock, Json{{"n1", -15000}, {"n2", 250}});
  CHECK(done.value == Json{{"n1", {{"before_ms", 10000}, {"after_ms", -5000}}},
                           {"n2", {{"before_ms", 0}, {"after_ms", 250}}}});
  ExpectOffset(n1, -5000);
  ExpectOffset(n2, 250);

  done = c.Invoke(fault::kResetClock, Json{{"nodes", {"n2"}}});
  CHECK(done.value == Json{{"n2", {{"before_ms", 250}, {"after_ms", 0}}}});
  ExpectOffset(n1, -5000);
  ExpectOffset(n2, 0);

  done = c.Invoke(fault::kResetClock, nullptr);
  CHECK(done.value == Json{{"n1", {{"before_ms", -5000}, {"after_ms", 0}}},
                           {"n2", {{"before_ms", 0}, {"after_ms", 0}}},
                           {"n3", {{"before_ms", 0}, {"after_ms", 0}}}});
  ExpectOffset(n1, 0);
  ExpectOffset(n2, 0);
}

TEST_CASE("bumps shift a running process's wall clock on its node only (local)",
          "[nemesis][clock]") {
  BumpScenario("local");
}

TEST_CASE("bumps shift a running process's wall clock on its node only (netns)",
          "[nemesis][clock][root]") {
  nodetest::RequireRoot();
  BumpScenario("netns");
}

TEST_CASE("strobe alternates between the previous offset and previous plus delta",
          "[nemesis][clock]") {
  ClockCluster c("local", 2);
  const std::string n1 = c.StartProbe("n1", 3);
  const std::string n2 = c.StartProbe("n2", 3);
  REQUIRE(c.Invoke(fault::kBumpClock, Json{{"n1", 1000}}).error.is_null());
  ExpectOffset(n1, 1000);

  const int64_t start = clocktest::Nanos(CLOCK_MONOTONIC);
  Op done = c.Invoke(
      fault::kStrobeClock,
      Json{{"nodes", {"n1"}}, {"delta_ms", 5000}, {"period_ms", 50}, {"duration_ms", 600}});
  const int64_t end = clocktest::Nanos(CLOCK_MONOTONIC);
  INFO(coordcheck::OpToLine(done));
  CHECK(done.error.is_null());
  CHECK((end - start) / 1e6 == Approx(600).margin(100));
  CHECK(done.value["nodes"] ==
        Json{{"n1", {{"before_ms", 1000}, {"strobe_ms", 6000}, {"after_ms", 1000}}}});
  CHECK(done.value["period_ms"] == 50);
  CHECK(done.value["flips"].get<int>() >= 11);  // 12 writes in 600 ms, the 12th is a restore

  // What the probe saw during the strobe: only the two offsets, alternating.
  int switches = 0, highs = 0, lows = 0;
  bool last_high = false;
  bool first = true;
  for (const auto& r : clocktest::Readings(n1)) {
    if (r.mono < start || r.mono > end) continue;
    const double applied = clocktest::AppliedOffsetMs(r);
    INFO("applied offset " << applied);
    const bool high = std::abs(applied - 6000) < 2;
    CHECK((high || std::abs(applied - 1000) < 2));
    (high ? highs : lows)++;
    if (!first && high != last_high) ++switches;
    last_high = high;
    first = false;
  }
  INFO("highs " << highs << " lows " << lows);
  CHECK(switches >= 8);
  ExpectOffset(n1, 1000);
  ExpectOffset(n2, 0);
  for (const auto& r : clocktest::Readings(n2)) CHECK(std::abs(clocktest::AppliedOffsetMs(r)) < 2);
}

void CheckOffsetsScenario(ClockNemesisOptions::Access access) {
  ClockNemesisOptions options;
  options.access = access;
  ClockCluster c("local", 3, options);
  REQUIRE(c.Invoke(fault::kBumpClock, Json{{"n1", 2500}, {"n2", -700}}).error.is_null());
  Op done = c.Invoke(fault::kCheckClockOffsets, nullptr);
  INFO(coordcheck::OpToLine(done));
  CHECK(done.error.is_null());
  CHECK(done.value == Json{{"n1", 2500}, {"n2", -700}, {"n3", 0}});
  for (const auto& [node, expected] : {std::pair{"n1", 2500.0}, {"n2", -700.0}, {"n3", 0.0}}) {
    const Json& detail = done.extra["clock"][node];
    CHECK(detail["method"] == "same-host");
    CHECK(detail["file_ms"].get<double>() == expected);
    const double observed = detail["observed_ms"].get<double>();
    const double error = detail["error_ms"].get<double>();
    std::printf("check-clock-offsets %s: observed %.3f ms for %.0f ms (error bound %.3f ms)\n",
                node, observed, expected, error);
    CHECK(error < 1);
    CHECK(observed == Approx(expected).margin(error + 0.01));
  }
}

TEST_CASE("check-clock-offsets reports the bumped offsets, observed on the nodes",
          "[nemesis][clock]") {
  CheckOffsetsScenario(ClockNemesisOptions::Access::kDirect);
}

TEST_CASE("the offset files can be written through Remote::Exec as over SSH", "[nemesis][clock]") {
  CheckOffsetsScenario(ClockNemesisOptions::Access::kExec);
}

TEST_CASE("invalid clock fault ops change nothing and say why", "[nemesis][clock]") {
  ClockCluster c("local", 2);
  struct Case {
    std::string f;
    Json value;
    std::string error;
  };
  const std::vector<Case> cases = {
      {fault::kBumpClock, nullptr, "expected"},
      {fault::kBumpClock, Json{{"n9", 100}}, "no node n9"},
      {fault::kBumpClock, Json{{"n1", 100}, {"n2", "soon"}}, "node n2"},
      {fault::kBumpClock, Json{{"n1", 1e300}}, "node n1"},
      {fault::kStrobeClock, Json{{"nodes", {"n1"}}, {"delta_ms", 100}, {"duration_ms", 100}},
       "period_ms"},
      {fault::kStrobeClock,
       Json{{"nodes", {"n1"}}, {"delta_ms", 100}, {"period_ms", 10}, {"duration_ms", 1e9}},
       "duration_ms"},
      {fault::kStrobeClock, Json{{"nodes", Json::array()}}, "expected"},
      {fault::kResetClock, Json{{"nodes", {"n1", 3}}}, "no node 3"},
      {fault::kResetClock, Json::array(), "expected"},
      {"start-partition", nullptr, "not a clock fault"},
  };
  for (const auto& k : cases) {
    Op done = c.Invoke(k.f, k.value);
    INFO(coordcheck::OpToLine(done));
    REQUIRE(done.error.is_string());
    CHECK_THAT(done.error.get<std::string>(), Catch::Contains(k.error));
    CHECK(done.value.is_null());
  }
  Op check = c.Invoke(fault::kCheckClockOffsets, nullptr);
  CHECK(check.value == Json{{"n1", 0}, {"n2", 0}});

  // A bump that would take one node out of range is refused for that node only.
  REQUIRE(c.Invoke(fault::kBumpClock, Json{{"n1", 9e11}}).error.is_null());
  Op done = c.Invoke(fault::kBumpClock, Json{{"n1", 9e11}, {"n2", 5}});
  CHECK_THAT(done.error.get<std::string>(),
             Catch::Contains("node n1") && Catch::Contains("out of range"));
  CHECK(done.value == Json{{"n2", {{"before_ms", 0}, {"after_ms", 5}}}});
}

TEST_CASE("DaemonEnv names the node's files, Teardown zeroes every offset", "[nemesis][clock]") {
  ClockCluster c("local", 2);
  for (const std::string node : {"n1", "n2"}) {
    const std::string root = c.remote(node).root_dir();
    CHECK(c.nemesis().DaemonEnv(node) ==
          std::vector<std::string>{"LD_PRELOAD=" + root + "/lib/libcoordcheck-clock.so",
                                   "COORDCHECK_CLOCK_FILE=" + root + "/clock/offset"});
    CHECK(std::filesystem::is_regular_file(root + "/lib/libcoordcheck-clock.so"));
    CHECK(std::filesystem::is_regular_file(root + "/bin/coordcheck-clock"));
  }
  CHECK(c.nemesis().DaemonEnv("n7").empty());
  CHECK(c.nemesis().fs() == std::vector<std::string>{fault::kBumpClock, fault::kStrobeClock,
                                                     fault::kResetClock,
                                                     fault::kCheckClockOffsets});

  REQUIRE(c.Invoke(fault::kBumpClock, Json{{"n1", 4000}, {"n2", -4000}}).error.is_null());
  auto n1 = coordcheck::clock::OffsetMapping::Map(c.remote("n1").root_dir() + "/clock/offset");
  auto n2 = coordcheck::clock::OffsetMapping::Map(c.remote("n2").root_dir() + "/clock/offset");
  REQUIRE((n1.ok() && n2.ok()));
  CHECK(n1->Read() == 4'000'000'000);
  CHECK(n2->Read() == -4'000'000'000);
  REQUIRE(c.nemesis().Teardown().ok());
  CHECK(n1->Read() == 0);
  CHECK(n2->Read() == 0);
}

TEST_CASE("Setup names what is missing and Invoke refuses before it", "[nemesis][clock]") {
  nodetest::TestCluster cluster("local", 1);  // checks that Destroy succeeds
  const std::string empty_bin = cluster.state_dir() + "/empty-bin";
  coordcheck::ClockNemesis nemesis(cluster.cluster(), empty_bin);
  Op done = nemesis.Invoke(nodetest::NemesisOp(fault::kBumpClock, {{"n1", 1}}));
  CHECK(done.type == coordcheck::OpType::kInfo);
  CHECK_THAT(done.error.get<std::string>(), Catch::Contains("not set up"));
  const auto setup = nemesis.Setup();
  REQUIRE(!setup.ok());
  CHECK_THAT(setup.message(), Catch::Contains(empty_bin + "/libcoordcheck-clock.so"));
  CHECK(nemesis.Teardown().ok());
}

}  // namespace
