// check-clock-offsets with ClockNemesisOptions::target_clock: the target's own reading goes
// into each node's "clock" object beside the probe's; a failed read is recorded as
// "target_error" and fails neither the op nor the probe's reading. (The real readers,
// Redis's TIME and etcd's Date header, are tested with their targets.)
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "nemesis/clock/clock_nemesis.h"
#include "nemesis/ops.h"
#include "tests/nemesis/clock/clock_test_util.h"

namespace {

using clocktest::ClockCluster;
using coordcheck::ClockNemesisOptions;
using coordcheck::Json;
using coordcheck::Op;
using coordcheck::Result;
using coordcheck::Status;
using coordcheck::TargetClockSample;
namespace control = coordcheck::control;
namespace fault = coordcheck::fault;

TEST_CASE("check-clock-offsets records the target's own clock beside the probe's",
          "[nemesis][clock]") {
  std::vector<std::string> asked;
  ClockNemesisOptions options;
  options.target_clock = [&asked](const std::string& node) {
    using R = Result<TargetClockSample>;
    asked.push_back(node);
    if (node == "n2") return R::Error("node n2: fake: connection refused");
    TargetClockSample sample;
    sample.offset_ms = node == "n1" ? 2498 : 7;
    sample.error_ms = 3;
    sample.method = "fake clock";
    return R(sample);
  };
  ClockCluster c("local", 3, options);
  REQUIRE(c.Invoke(fault::kBumpClock, Json{{"n1", 2500}, {"n2", -700}}).error.is_null());
  asked.clear();

  const Op done = c.Invoke(fault::kCheckClockOffsets, nullptr);
  INFO(coordcheck::OpToLine(done));
  CHECK(asked == std::vector<std::string>{"n1", "n2", "n3"});
  CHECK(done.error.is_null());  // n2's failed target read fails nothing
  CHECK(done.value == Json{{"n1", 2500}, {"n2", -700}, {"n3", 0}});
  const Json& clock = done.extra["clock"];
  CHECK(clock["n1"]["target"] ==
        Json{{"offset_ms", 2498}, {"error_ms", 3}, {"method", "fake clock"}});
  CHECK_FALSE(clock["n1"].contains("target_error"));
  CHECK(clock["n3"]["target"] == Json{{"offset_ms", 7}, {"error_ms", 3}, {"method", "fake clock"}});
  // n2: the probe's reading is all there, the target's error beside it.
  CHECK_FALSE(clock["n2"].contains("target"));
  CHECK(clock["n2"]["target_error"] == "node n2: fake: connection refused");
  CHECK(clock["n2"]["file_ms"] == -700);
  CHECK(clock["n2"]["method"] == "same-host");
  CHECK(clock["n2"]["observed_ms"].get<double>() == Approx(-700).margin(1));

  // Without a reader, no target fields at all.
  ClockCluster plain("local", 1);
  const Op bare = plain.Invoke(fault::kCheckClockOffsets, nullptr);
  CHECK_FALSE(bare.extra["clock"]["n1"].contains("target"));
  CHECK_FALSE(bare.extra["clock"]["n1"].contains("target_error"));
}

}  // namespace
