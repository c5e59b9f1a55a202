// The Checker interface's shared parts: verdict names, Jepsen's merge order,
// results as JSON, and ComposeChecker (including a checker that throws).
#include <memory>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include "checkers/checker.h"

namespace coordcheck {
namespace {

// A checker that answers a fixed verdict, or throws.
class FixedChecker final : public Checker {
 public:
  FixedChecker(std::string name, Validity verdict, bool throws = false)
      : name_(std::move(name)), verdict_(verdict), throws_(throws) {}
  std::string name() const override { return name_; }
  CheckResult Check(const History&, const CheckBudget&) const override {
    if (throws_) throw std::runtime_error("boom");
    CheckResult r;
    r.valid = verdict_;
    r.summary = name_ + " says " + std::string(ValidityName(verdict_));
    r.details["seen"] = true;
    if (verdict_ == Validity::kInvalid) r.anomalies.push_back({"bad", name_ + " is bad", {3, 5}});
    return r;
  }

 private:
  std::string name_;
  Validity verdict_;
  bool throws_;
};

Validity Compose(std::vector<std::pair<const char*, Validity>> parts, CheckResult* out = nullptr) {
  std::vector<std::unique_ptr<Checker>> checkers;
  for (const auto& [name, v] : parts) checkers.push_back(std::make_unique<FixedChecker>(name, v));
  CheckResult r = ComposeChecker(std::move(checkers)).Check(History{}, CheckBudget{});
  if (out != nullptr) *out = r;
  return r.valid;
}

TEST_CASE("MergeValidity: invalid beats unknown beats valid") {
  const Validity v = Validity::kValid, i = Validity::kInvalid, u = Validity::kUnknown;
  CHECK(MergeValidity(v, v) == v);
  CHECK(MergeValidity(v, u) == u);
  CHECK(MergeValidity(u, v) == u);
  CHECK(MergeValidity(u, i) == i);
  CHECK(MergeValidity(i, v) == i);
  CHECK(ValidityName(v) == "valid");
  CHECK(ValidityName(i) == "invalid");
  CHECK(ValidityName(u) == "unknown");
}

TEST_CASE("ComposeChecker merges verdicts and keeps each checker's result") {
  CHECK(Compose({}) == Validity::kValid);
  CHECK(Compose({{"a", Validity::kValid}, {"b", Validity::kValid}}) == Validity::kValid);
  CHECK(Compose({{"a", Validity::kValid}, {"b", Validity::kUnknown}}) == Validity::kUnknown);
  CheckResult r;
  CHECK(Compose({{"a", Validity::kUnknown}, {"b", Validity::kInvalid}, {"c", Validity::kValid}},
                &r) == Validity::kInvalid);
  CHECK(r.details["a"]["valid"] == "unknown");
  CHECK(r.details["b"]["valid"] == false);
  CHECK(r.details["b"]["verdict"] == "invalid");
  CHECK(r.details["c"]["valid"] == true);
  CHECK(r.details["c"]["details"]["seen"] == true);
  CHECK(r.summary.find("b: b says invalid") != std::string::npos);
  const Json j = r.ToJson();
  CHECK(j["valid"] == false);
  CHECK(j["verdict"] == "invalid");
  CHECK(j["details"].size() == 3);
  // Each part keeps its typed anomalies; the composed result has none of its own.
  CHECK(r.anomalies.empty());
  CHECK(j["anomalies"] == Json::array());
  CHECK(r.details["b"]["anomalies"] ==
        Json::parse(R"([{"type":"bad","explanation":"b is bad","ops":[3,5]}])"));
  CHECK(r.details["a"]["anomalies"] == Json::array());
}

TEST_CASE("Anomaly: JSON shape, and the interval spans its ops") {
  History h;
  for (int i = 0; i < 4; ++i) {
    Op op;
    op.time_ns = 100 * (i + 1);
    op.process = i < 2 ? i : i - 2;
    op.type = i < 2 ? OpType::kInvoke : OpType::kOk;
    op.f = "read";
    h.Append(op);
  }
  REQUIRE(h.Validate().ok());
  Anomaly a{"t", "words", {1, 0}};
  CHECK_FALSE(a.ToJson().contains("interval_ns"));
  a.SpanOps(h, h.Partners());
  CHECK(a.start_ns == 100);
  CHECK(a.end_ns == 400);
  CHECK(a.ToJson() == Json::parse(R"({"type":"t","explanation":"words","ops":[1,0],
                                      "interval_ns":[100,400]})"));
}

TEST_CASE("ComposeChecker turns a checker's exception into unknown, never a pass") {
  std::vector<std::unique_ptr<Checker>> checkers;
  checkers.push_back(std::make_unique<FixedChecker>("ok", Validity::kValid));
  checkers.push_back(std::make_unique<FixedChecker>("crash", Validity::kValid, true));
  CheckResult r = ComposeChecker(std::move(checkers)).Check(History{}, CheckBudget{});
  CHECK(r.valid == Validity::kUnknown);
  CHECK(r.details["crash"]["summary"] == "checker failed: boom");
}

}  // namespace
}  // namespace coordcheck

// A tiny limit must stay a limit: 0.0004 s once became 0 ms, which means unlimited.
TEST_CASE("coordcheck::CheckBudget::TimeLimitOf: 0 is unlimited, a positive limit is at least 1 ms") {
  using std::chrono::milliseconds;
  CHECK(coordcheck::CheckBudget::TimeLimitOf(0) == milliseconds(0));
  CHECK(coordcheck::CheckBudget::TimeLimitOf(0.0004) == milliseconds(1));
  CHECK(coordcheck::CheckBudget::TimeLimitOf(0.0015) == milliseconds(2));
  CHECK(coordcheck::CheckBudget::TimeLimitOf(1.5) == milliseconds(1500));
  CHECK(coordcheck::CheckBudget::TimeLimitOf(300) == milliseconds(300000));
  CHECK(coordcheck::CheckBudget::TimeLimitOf(1e300) == milliseconds(0));
}
