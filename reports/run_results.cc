#include "reports/run_results.h"

#include "reports/html.h"

#include <cstdio>

namespace coordcheck::reports {

namespace {

std::string String(const Json& object, const char* key) {
  const Json& v = Member(object, key);
  return v.is_string() ? v.get<std::string>() : "";
}

int64_t Count(const Json& object, const char* key) {
  const Json& v = Member(object, key);
  if (v.is_number_integer()) return v.get<int64_t>();
  return 0;
}

std::optional<double> Number(const Json& object, const char* key) {
  const Json& v = Member(object, key);
  if (v.is_number()) return v.get<double>();
  return std::nullopt;
}

std::vector<std::string> Strings(const Json& array) {
  std::vector<std::string> out;
  if (!array.is_array()) return out;
  for (const Json& v : array) out.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}

constexpr const char* kPhaseNames[] = {"main", "heal", "final"};

}  // namespace

const PhaseFigures* RunResults::Phase(const std::string& name) const {
  for (const auto& [phase, counts] : phases) {
    if (phase == name) return &counts;
  }
  return nullptr;
}

Json RunResults::ToJson() const {
  Json j = Json::object();
  j["test"] = test;
  j["target"] = target;
  j["workload"] = workload;
  j["bug"] = bug;
  if (seed) j["seed"] = *seed;
  j["run_dir"] = run_dir;
  for (const auto& [role, node] : extra_nodes) j["extra_nodes"][role] = node;
  for (const auto& [name, p] : phases) {
    j["phases"][name] = Json{{"invoked", p.invoked}, {"ok", p.ok},
                             {"fail", p.fail},       {"info", p.info},
                             {"abandoned", p.abandoned}, {"seconds", p.seconds}};
  }
  if (has_nemesis) j["nemesis"] = Json{{"families", nemesis_families}, {"unhealed", unhealed}};
  if (!recovery_error.empty()) j["recovery_error"] = recovery_error;
  if (!teardown_error.empty()) j["teardown_error"] = teardown_error;
  if (!error.empty()) j["error"] = error;
  if (!verdict.empty()) {
    // `valid` is the verdict as JSON's true/false, or "unknown" (an error is not a verdict).
    j["valid"] = verdict == "valid" ? Json(true) : verdict == "invalid" ? Json(false) : "unknown";
    j["verdict"] = verdict;
  }
  if (!summary.empty()) j["summary"] = summary;
  if (verdict != "error") {
    // A failed run has no checker results: an empty object would read as "nothing found".
    j["checkers"] = checkers;
    j["figures"] = figures;
  }
  j["notes"] = notes;
  if (!clock_effect.is_null()) j["clock_effect"] = clock_effect;
  if (!concurrency.is_null()) j["concurrency"] = concurrency;
  if (check_seconds) j["check_seconds"] = *check_seconds;
  if (events) j["events"] = *events;
  return j;
}

RunResults RunResults::FromJson(const Json& json) {
  RunResults r;
  r.test = String(json, "test");
  r.target = String(json, "target");
  r.workload = String(json, "workload");
  r.bug = String(json, "bug");
  if (const Json& seed = Member(json, "seed"); seed.is_number_unsigned()) {
    r.seed = seed.get<uint64_t>();
  }
  r.run_dir = String(json, "run_dir");
  if (const Json& extra = Member(json, "extra_nodes"); extra.is_object()) {
    for (const auto& [role, node] : extra.items()) {
      r.extra_nodes.emplace_back(role, node.is_string() ? node.get<std::string>() : "");
    }
  }
  const Json& phases = Member(json, "phases");
  for (const char* name : kPhaseNames) {
    const Json& p = Member(phases, name);
    if (!p.is_object()) continue;
    PhaseFigures f;
    f.invoked = Count(p, "invoked");
    f.ok = Count(p, "ok");
    f.fail = Count(p, "fail");
    f.info = Count(p, "info");
    f.abandoned = Count(p, "abandoned");
    f.seconds = Number(p, "seconds").value_or(0);
    r.phases.emplace_back(name, f);
  }
  if (const Json& nemesis = Member(json, "nemesis"); nemesis.is_object()) {
    r.has_nemesis = true;
    r.nemesis_families = Strings(Member(nemesis, "families"));
    r.unhealed = String(nemesis, "unhealed");
  }
  r.recovery_error = String(json, "recovery_error");
  r.teardown_error = String(json, "teardown_error");
  r.error = String(json, "error");
  r.verdict = String(json, "verdict");
  if (const Json& valid = Member(json, "valid"); r.verdict.empty() && !valid.is_null()) {
    // Files written before `verdict` existed carry only `valid`.
    r.verdict = valid.is_boolean() ? (valid.get<bool>() ? "valid" : "invalid") : "unknown";
  }
  r.summary = String(json, "summary");
  if (const Json& c = Member(json, "checkers"); c.is_object()) r.checkers = c;
  if (const Json& f = Member(json, "figures"); f.is_object()) r.figures = f;
  r.notes = Strings(Member(json, "notes"));
  if (const Json& c = Member(json, "clock_effect"); c.is_object()) r.clock_effect = c;
  if (const Json& c = Member(json, "concurrency"); c.is_object()) r.concurrency = c;
  r.check_seconds = Number(json, "check_seconds");
  if (const Json& e = Member(json, "events"); e.is_number_integer()) r.events = e.get<int64_t>();
  return r;
}

std::string ConcurrencyCell(const Json& concurrency) {
  if (!concurrency.is_object()) return "-";
  const Json& share = Member(concurrency, "overlap_share");
  const Json& max_open = Member(concurrency, "max_open");
  if (!share.is_number() || !max_open.is_number_integer()) return "-";
  char text[96];
  std::snprintf(text, sizeof text, "%.1f%% overlapped, max %lld open%s",
                share.get<double>() * 100, static_cast<long long>(max_open.get<int64_t>()),
                Member(concurrency, "low") == true ? " (low)" : "");
  return text;
}

}  // namespace coordcheck::reports
