#include "checkers/checker.h"

#include <algorithm>
#include <cmath>
#include <exception>

#include "checkers/clock_effect.h"
#include "checkers/concurrency.h"
#include "checkers/linearizable.h"

namespace coordcheck {

std::string_view ValidityName(Validity v) {
  switch (v) {
    case Validity::kValid:
      return "valid";
    case Validity::kInvalid:
      return "invalid";
    case Validity::kUnknown:
      return "unknown";
  }
  return "unknown";
}

Validity MergeValidity(Validity a, Validity b) {
  if (a == Validity::kInvalid || b == Validity::kInvalid) return Validity::kInvalid;
  if (a == Validity::kUnknown || b == Validity::kUnknown) return Validity::kUnknown;
  return Validity::kValid;
}

Json ValidityToJson(Validity v) {
  switch (v) {
    case Validity::kValid:
      return true;
    case Validity::kInvalid:
      return false;
    case Validity::kUnknown:
      return "unknown";
  }
  return "unknown";
}

Json Anomaly::ToJson() const {
  Json j = {{"type", type}, {"explanation", explanation}, {"ops", ops}};
  if (start_ns && end_ns) j["interval_ns"] = Json::array({*start_ns, *end_ns});
  return j;
}

void Anomaly::SpanOps(const History& history, const std::vector<int64_t>& partners) {
  const auto n = static_cast<int64_t>(history.size());
  for (int64_t op : ops) {
    if (op < 0 || op >= n) continue;
    const int64_t done =
        op < static_cast<int64_t>(partners.size()) && partners[op] > op ? partners[op] : op;
    const int64_t from = history.ops[op].time_ns, to = history.ops[done].time_ns;
    start_ns = start_ns ? std::min(*start_ns, from) : from;
    end_ns = end_ns ? std::max(*end_ns, to) : to;
  }
}

Json CheckResult::ToJson() const {
  Json typed = Json::array();
  for (const Anomaly& a : anomalies) typed.push_back(a.ToJson());
  return Json{{"valid", ValidityToJson(valid)},
              {"verdict", ValidityName(valid)},
              {"summary", summary},
              {"details", details},
              {"anomalies", std::move(typed)}};
}

CheckResult& CheckResult::SetUnknown(const std::string& reason, const std::string& message) {
  valid = Validity::kUnknown;
  details["reason"] = reason;
  details["message"] = message;
  summary = "unknown: " + message;
  return *this;
}

std::chrono::steady_clock::time_point CheckBudget::DeadlineFromNow() const {
  using Clock = std::chrono::steady_clock;
  return time_limit.count() > 0 ? Clock::now() + time_limit : Clock::time_point::max();
}

std::chrono::milliseconds CheckBudget::TimeLimitOf(double seconds) {
  if (!(seconds > 0)) return std::chrono::milliseconds(0);
  const double ms = std::ceil(seconds * 1000);
  // Beyond what a run could wait for (about 292 million years): unlimited.
  if (ms >= 9.2e18) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(static_cast<int64_t>(ms));
}

ComposeChecker::ComposeChecker(std::vector<std::unique_ptr<Checker>> checkers)
    : checkers_(std::move(checkers)) {}

CheckResult ComposeChecker::Check(const History& history, const CheckBudget& budget) const {
  CheckResult out;
  out.valid = Validity::kValid;
  for (const auto& checker : checkers_) {
    CheckResult r;
    try {
      r = checker->Check(history, budget);
    } catch (const std::exception& e) {  // a checker's crash is never a pass
      r.valid = Validity::kUnknown;
      r.summary = std::string("checker failed: ") + e.what();
    }
    out.valid = MergeValidity(out.valid, r.valid);
    if (!out.summary.empty()) out.summary += "\n";
    out.summary += checker->name() + ": " + r.summary;
    out.details[checker->name()] = r.ToJson();
  }
  return out;
}

const std::vector<CheckerInfo>& GenericCheckers() {
  static const std::vector<CheckerInfo> kGeneric = {
      {"linearizable",
       "Wing & Gong linearizability against a model, per independent key (`coordcheck check "
       "--help` lists the models)",
       [] { return std::make_unique<LinearizableChecker>(LinearizableOptions{}); }},
      {"clock-effect",
       "did the clock faults reach the target? Measured from the check-clock-offsets ops (its "
       "own clock against the preload's offset); informational, always valid",
       [] { return std::make_unique<ClockEffectChecker>(); }},
      {"concurrency",
       "how much concurrency the history holds: the share of client ops that overlapped another "
       "on their key, ops open at once, ops per process; informational, always valid",
       [] { return std::make_unique<ConcurrencyChecker>(); }},
  };
  return kGeneric;
}

}  // namespace coordcheck
