// ClockEffect on hand-written histories: the target's clock followed the preload offset
// (reached), stayed with real time (not reached), both (mixed), was never read or failed to
// be read (not observed), no clock fault at all, and offsets too small to tell from the
// measurement error, which are left out. The histories go through JSONL and back, as a
// stored run would.
#include "checkers/clock_effect.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "history/jsonl.h"
#include "nemesis/ops.h"

namespace {

using coordcheck::History;
using coordcheck::Json;
using coordcheck::Op;
using coordcheck::OpType;
namespace fault = coordcheck::fault;

// A nemesis-only history written one fault op (invoke + completion) at a time.
class FaultHistory {
 public:
  FaultHistory& Fault(const std::string& f, Json invoke_value, Json completion_value,
                      Json extra = nullptr) {
    Op invoke;
    invoke.time_ns = ++tick_ * 1000;
    invoke.process = coordcheck::kNemesisProcess;
    invoke.type = OpType::kInvoke;
    invoke.f = f;
    invoke.value = std::move(invoke_value);
    history_.Append(invoke);
    Op done = invoke;
    done.time_ns = ++tick_ * 1000;
    done.type = OpType::kInfo;
    done.value = std::move(completion_value);
    done.extra = std::move(extra);
    history_.Append(done);
    return *this;
  }
  // bump-clock of `delta_ms` on each of `nodes` (from 0).
  FaultHistory& Bump(const std::vector<std::string>& nodes, int64_t delta_ms) {
    Json in = Json::object();
    Json out = Json::object();
    for (const auto& n : nodes) {
      in[n] = delta_ms;
      out[n] = {{"before_ms", 0}, {"after_ms", delta_ms}};
    }
    return Fault(fault::kBumpClock, in, out);
  }
  // check-clock-offsets whose "clock" extra is `clock` (node -> detail).
  FaultHistory& Check(const Json& clock) {
    Json value = Json::object();
    for (const auto& [node, detail] : clock.items()) {
      value[node] = detail.value("observed_ms", 0.0);
    }
    return Fault(fault::kCheckClockOffsets, nullptr, value, Json{{"clock", clock}});
  }

  // The history as a stored run has it: written as JSONL and read back (validated).
  History Stored() const {
    std::string text;
    for (const Op& op : history_.ops) text += coordcheck::OpToLine(op) + "\n";
    History read;
    const coordcheck::Status error = coordcheck::ReadHistoryString(text, &read);
    INFO(error.message());
    REQUIRE(error.ok());
    return read;
  }

 private:
  History history_;
  int64_t tick_ = 0;
};

// One node's "clock" detail: the probe saw `file_ms` (as applied), the target `target`.
Json Detail(double file_ms, Json target = nullptr) {
  Json d = {
      {"observed_ms", file_ms}, {"error_ms", 0.02}, {"method", "same-host"}, {"file_ms", file_ms}};
  if (!target.is_null()) d["target"] = std::move(target);
  return d;
}

Json Target(int64_t offset_ms, int64_t error_ms, const std::string& method) {
  return {{"offset_ms", offset_ms}, {"error_ms", error_ms}, {"method", method}};
}

Json Nodes(std::vector<std::string> nodes) {
  Json out = Json::array();
  for (const auto& n : nodes) out.push_back(n);
  return out;
}

TEST_CASE("clock effect: a target whose clock follows the preload is reached",
          "[harness][clock-effect]") {
  FaultHistory h;
  h.Bump({"n1", "n2"}, 10000)
      .Check({{"n1", Detail(10000, Target(10001, 2, "redis TIME"))},
              {"n2", Detail(10000, Target(9998, 2, "redis TIME"))},
              {"n3", Detail(0, Target(0, 2, "redis TIME"))}});
  const Json effect = coordcheck::ClockEffect(h.Stored());
  INFO(effect.dump(2));
  CHECK(effect["verdict"] == "reached");
  CHECK(effect["observed"] == true);
  CHECK(effect["samples"] == 2);  // n3's offset of 0 says nothing
  CHECK(effect["unclear"] == 0);
  CHECK(effect["reached"] == Nodes({"n1", "n2"}));
  CHECK(effect["not_reached"] == Nodes({}));
  CHECK(effect["max_abs_file_ms"] == 10000);
  CHECK(effect["max_abs_target_ms"] == 10001);
  CHECK(effect["note"] ==
        "the clock faults reached the target: its own clock (redis TIME) followed the preload "
        "offset, up to 10.0 s, within ±4 ms on n1, n2, so whatever it times by the wall clock "
        "(TTLs, leases) ran on the skewed clock");
}

TEST_CASE("clock effect: a target whose clock stays put is not reached, and the note says so",
          "[harness][clock-effect]") {
  FaultHistory h;
  h.Bump({"n1", "n2", "n3"}, 12300)
      .Check({{"n1", Detail(12300, Target(120, 503, "etcd HTTP Date header"))},
              {"n2", Detail(12300, Target(-380, 501, "etcd HTTP Date header"))},
              {"n3", Detail(12300, Target(40, 500, "etcd HTTP Date header"))}})
      .Fault(fault::kResetClock, nullptr,
             Json{{"n1", {{"before_ms", 12300}, {"after_ms", 0}}},
                  {"n2", {{"before_ms", 12300}, {"after_ms", 0}}},
                  {"n3", {{"before_ms", 12300}, {"after_ms", 0}}}})
      .Check({{"n1", Detail(0, Target(310, 502, "etcd HTTP Date header"))}});
  const Json effect = coordcheck::ClockEffect(h.Stored());
  INFO(effect.dump(2));
  CHECK(effect["verdict"] == "not-reached");
  CHECK(effect["observed"] == true);
  CHECK(effect["samples"] == 3);
  CHECK(effect["reached"] == Nodes({}));
  CHECK(effect["not_reached"] == Nodes({"n1", "n2", "n3"}));
  CHECK(effect["max_abs_file_ms"] == 12300);
  CHECK(effect["max_abs_target_ms"] == 380);
  // ±(380 + 501) ms: the farthest the target's clock can have been from the controller's.
  CHECK(effect["note"] ==
        "the clock faults did not reach the target: its own clock (etcd HTTP Date header) "
        "stayed within ±0.9 s of the controller's on n1, n2, n3 while the preload offset was "
        "up to 12.3 s — the preload does not reach a clock read without libc (as Go programs "
        "read it), so its leases and TTLs were not affected by them");
}

TEST_CASE("clock effect: reached on some nodes and not on others is mixed, in node order",
          "[harness][clock-effect]") {
  FaultHistory h;
  h.Bump({"n2", "n10", "n3"}, -5000)
      .Check({{"n10", Detail(-5000, Target(-5003, 3, "redis TIME"))},
              {"n2", Detail(-5000, Target(-4999, 1, "redis TIME"))},
              {"n3", Detail(-5000, Target(1, 1, "redis TIME"))}});
  const Json effect = coordcheck::ClockEffect(h.Stored());
  INFO(effect.dump(2));
  CHECK(effect["verdict"] == "mixed");
  CHECK(effect["samples"] == 3);
  CHECK(effect["reached"] == Nodes({"n2", "n10"}));
  CHECK(effect["not_reached"] == Nodes({"n3"}));
  CHECK(effect["max_abs_file_ms"] == 5000);
  CHECK_THAT(effect["note"].get<std::string>(),
             Catch::StartsWith("the clock faults reached the target only in part: ") &&
                 Catch::Contains("on n2, n10") && Catch::Contains("controller's on n3"));

  // One node reached at one check and not at a later one (a restart without the preload,
  // say) is in both lists: mixed too.
  FaultHistory again;
  again.Bump({"n1"}, 8000)
      .Check({{"n1", Detail(8000, Target(8000, 1, "redis TIME"))}})
      .Check({{"n1", Detail(8000, Target(0, 1, "redis TIME"))}});
  const Json both = coordcheck::ClockEffect(again.Stored());
  CHECK(both["verdict"] == "mixed");
  CHECK(both["reached"] == Nodes({"n1"}));
  CHECK(both["not_reached"] == Nodes({"n1"}));
}

TEST_CASE("clock effect: faults with no reading of the target's own clock are not observed",
          "[harness][clock-effect]") {
  FaultHistory h;
  h.Bump({"n1"}, 10000).Check({{"n1", Detail(10000)}, {"n2", Detail(0)}});
  Json effect = coordcheck::ClockEffect(h.Stored());
  INFO(effect.dump(2));
  CHECK(effect["verdict"] == "not-observed");
  CHECK(effect["observed"] == false);
  CHECK(effect["samples"] == 0);
  CHECK(effect["reached"] == Nodes({}));
  CHECK(effect["not_reached"] == Nodes({}));
  CHECK(effect["max_abs_file_ms"] == 10000);
  CHECK(effect["note"] ==
        "the target's own clock was not observed, so whether the clock faults reached it is "
        "unknown");

  // Failed reads are counted and named in the note.
  Json failed = Detail(10000);
  failed["target_error"] = "node n1: redis: clock: n1 (10.77.0.11:6379): connection refused";
  h.Check({{"n1", failed}});
  effect = coordcheck::ClockEffect(h.Stored());
  CHECK(effect["verdict"] == "not-observed");
  CHECK(effect["target_errors"] == 1);
  CHECK_THAT(effect["note"].get<std::string>(), Catch::EndsWith("(1 attempt to read it failed)"));

  // A strobe is a clock fault as well.
  FaultHistory strobe;
  strobe.Fault(fault::kStrobeClock,
               Json{{"nodes", {"n1"}}, {"delta_ms", 200}, {"period_ms", 10}, {"duration_ms", 50}},
               Json{{"nodes", {{"n1", {{"before_ms", 0}, {"strobe_ms", 200}, {"after_ms", 0}}}}},
                    {"delta_ms", 200},
                    {"period_ms", 10},
                    {"duration_ms", 50},
                    {"flips", 6}});
  CHECK(coordcheck::ClockEffect(strobe.Stored())["verdict"] == "not-observed");
}

TEST_CASE("clock effect: no clock faults, whatever the clocks read", "[harness][clock-effect]") {
  FaultHistory h;
  h.Fault(fault::kStartPartition, Json{{"kind", "halves"}, {"seed", 1}},
          Json{{"kind", "halves"}, {"grudge", {{"n1", {"n2"}}}}})
      .Check({{"n1", Detail(0, Target(0, 1, "redis TIME"))},
              {"n2", Detail(0, Target(3, 1, "redis TIME"))}})
      // A bump that failed did nothing: still no clock fault.
      .Fault(fault::kBumpClock, Json{{"n1", 5000}}, Json::object());
  const Json effect = coordcheck::ClockEffect(h.Stored());
  INFO(effect.dump(2));
  CHECK(effect["verdict"] == "no-clock-faults");
  CHECK(effect["observed"] == true);
  CHECK(effect["samples"] == 0);
  CHECK(effect["max_abs_target_ms"] == 3);
  CHECK(effect["note"] == "no clock faults were applied in this run");
  CHECK(coordcheck::ClockEffect(History())["verdict"] == "no-clock-faults");
}

TEST_CASE("clock effect: offsets within the measurement error plus 1 s are left out",
          "[harness][clock-effect]") {
  FaultHistory h;
  // 800 ms against a 2 ms error, and 1.4 s against a 500 ms error: too small to tell.
  h.Bump({"n1", "n2"}, 800)
      .Check({{"n1", Detail(800, Target(800, 2, "redis TIME"))},
              {"n2", Detail(1400, Target(0, 500, "etcd HTTP Date header"))}});
  Json effect = coordcheck::ClockEffect(h.Stored());
  INFO(effect.dump(2));
  CHECK(effect["verdict"] == "not-observed");
  CHECK(effect["observed"] == true);
  CHECK(effect["samples"] == 0);
  CHECK(effect["reached"] == Nodes({}));
  CHECK(effect["not_reached"] == Nodes({}));
  CHECK(effect["max_abs_file_ms"] == 1400);
  CHECK_THAT(effect["note"].get<std::string>(),
             Catch::StartsWith("the target's own clock was read 2 times, never while"));

  // Big enough, but the target's clock fits neither (halfway), or both (an error bound
  // wider than the offset allows to tell apart): unclear, not reached or not.
  h.Check({{"n1", Detail(5000, Target(2500, 2, "redis TIME"))},
           {"n2", Detail(1700, Target(850, 600, "etcd HTTP Date header"))}});
  effect = coordcheck::ClockEffect(h.Stored());
  CHECK(effect["verdict"] == "not-observed");
  CHECK(effect["samples"] == 2);
  CHECK(effect["unclear"] == 2);
  CHECK(effect["reached"] == Nodes({}));
  CHECK(effect["not_reached"] == Nodes({}));

  // An unclear reading beside clear ones keeps the verdict and is mentioned.
  h.Check({{"n1", Detail(5000, Target(5001, 2, "redis TIME"))}});
  effect = coordcheck::ClockEffect(h.Stored());
  CHECK(effect["verdict"] == "reached");
  CHECK(effect["reached"] == Nodes({"n1"}));
  CHECK_THAT(effect["note"].get<std::string>(),
             Catch::EndsWith("(2 readings fit neither the preload offset nor real time)"));
}

}  // namespace

TEST_CASE("clock effect: the clock-effect checker reproduces the analysis from a saved history",
          "[harness][clock-effect]") {
  FaultHistory h;
  h.Bump({"n1"}, 10000).Check({{"n1", Detail(10000, Target(10001, 2, "redis TIME"))}});
  const coordcheck::CheckResult r =
      coordcheck::ClockEffectChecker().Check(h.Stored(), coordcheck::CheckBudget{});
  CHECK(r.valid == coordcheck::Validity::kValid);  // it measures, never judges
  CHECK(r.details == coordcheck::ClockEffect(h.Stored()));
  CHECK(r.summary.rfind("clock faults: reached (", 0) == 0);
  // The catalogue offers it to `check --checker`.
  bool listed = false;
  for (const coordcheck::CheckerInfo& c : coordcheck::GenericCheckers()) {
    listed = listed || c.name == "clock-effect";
  }
  CHECK(listed);
}
