#include "harness/test_config.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "base/strings.h"
#include "harness/control/cluster.h"
#include "harness/nemesis_setup.h"
#include "history/json_text.h"
#include "nemesis/registry.h"
#include "targets/target.h"
#include "workloads/workload.h"

namespace coordcheck {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// "a,b,c" as a JSON array (empty items and "none" dropped): --nemesis's text.
Json CommaList(const std::string& text) {
  Json out = Json::array();
  for (const std::string& item : Split(text, ','))
    if (item != "none") out.push_back(item);
  return out;
}

OptionTable<TestConfig>::Reader ObjectReader(Json TestConfig::*member) {
  return [member](const Json& v, TestConfig* c) -> std::string {
    if (!v.is_object()) return "must be a JSON object";
    c->*member = v;
    return "";
  };
}

}  // namespace

const OptionTable<TestConfig>& TestConfigTable() {
  using C = TestConfig;
  static const OptionTable<C> table =
      OptionTable<C>("key", "a test")
          .String("name", &C::name, "test name, the store folder (default workload-target[-bug])")
          .Flag("--name")
          .String("workload", &C::workload, "workload (see `coordcheck list`)")
          .Flag("--workload,-w")
          .String("target", &C::target, "target (see `coordcheck list`)")
          .Flag("--target,-t")
          .String("bug", &C::bug, "a deliberately broken variant of the target (\"\" = correct)")
          .Flag("--bug")
          .Custom(
              "target_options", "a JSON object", ObjectReader(&C::target_options),
              [](const C& c) { return c.target_options; },
              "the target's options (see `coordcheck list`)")
          .Flag("--target-options")
          .Custom(
              "workload_options", "a JSON object", ObjectReader(&C::workload_options),
              [](const C& c) { return c.workload_options; },
              "the workload's options (see `coordcheck list`)")
          .Flag("--workload-options")
          .Int("nodes", &C::nodes, 0, 200,
               "number of the target's nodes (0 = the target's default)")
          .Flag("--nodes,-n")
          .String("backend", &C::backend,
                  "where nodes live: netns (default as root) or local (127.77.x.y); \"\" = default")
          .Flag("--backend")
          .String("state_dir", &C::state_dir,
                  "where ledgers and node folders live (\"\" = default)")
          .Flag("--state-dir")
          .Int("concurrency", &C::concurrency, 1, 100000, "client threads")
          .Flag("--concurrency,-c")
          .Custom(
              "rate", "a number >= 0",
              [](const Json& v, C* c) -> std::string {
                if (v.is_null()) {
                  c->rate.reset();
                  return "";
                }
                if (!v.is_number() || !(v.get<double>() >= 0) || !std::isfinite(v.get<double>()))
                  return "must be a number >= 0";
                c->rate = v.get<double>();
                return "";
              },
              [](const C& c) { return c.rate ? Json(*c.rate) : Json(); },
              "total ops per second over all clients (0 = unlimited; default: the workload's, "
              "see `coordcheck list`)")
          .Flag("--rate")
          .Number("op_timeout_s", &C::op_timeout_s, 0.001, kInf,
                  "seconds before an op is recorded as info")
          .Flag("--op-timeout")
          .Number("time_limit_s", &C::time_limit_s, 0, kInf, "seconds of the main phase")
          .Flag("--time-limit")
          .Int("threads_per_key", &C::threads_per_key, 1, 100000,
               "client threads per independent key")
          .Flag("--threads-per-key")
          .Int("ops_per_key", &C::ops_per_key, 1, std::numeric_limits<int>::max(),
               "ops on a key before a fresh key")
          .Flag("--ops-per-key")
          .Custom(
              "nemesis", "an array of fault family names",
              [](const Json& v, C* c) -> std::string {
                if (!v.is_array()) return "must be an array of fault family names";
                std::vector<std::string> names;
                for (const Json& n : v) {
                  if (!n.is_string()) return "must be an array of fault family names";
                  names.push_back(n.get<std::string>());
                }
                c->nemesis = std::move(names);
                return "";
              },
              [](const C& c) { return Json(c.nemesis); },
              "comma-separated fault families: " + FaultFamilyNames(",") + " (or none)")
          .Flag("--nemesis", CommaList)
          .Number("nemesis_interval_s", &C::nemesis_interval_s, 0.001, kInf,
                  "mean seconds between faults")
          .Flag("--nemesis-interval")
          .Bool("nemesis_overlap", &C::nemesis_overlap,
                "whether a fault may start while the previous one runs (two at a time, of "
                "different families)")
          .Flag("--nemesis-overlap")
          .Number("check_time_limit_s", &C::check_time_limit_s, 0, kInf,
                  "seconds the checkers may take before the verdict is unknown (0 = no limit)")
          .Flag("--check-time-limit")
          .Int("check_memory_limit_mb", &C::check_memory_limit_mb, 1, int64_t{1} << 30,
               "MiB of search state the checkers may use before the verdict is unknown")
          .Flag("--check-memory-limit")
          .Custom(
              "seed", "a non-negative integer",
              [](const Json& v, C* c) -> std::string {
                if (v.is_null()) {
                  c->seed.reset();
                  return "";
                }
                if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
                  return "must be a non-negative integer";
                c->seed = v.get<uint64_t>();
                return "";
              },
              [](const C& c) { return c.seed ? Json(*c.seed) : Json(); },
              "master seed (random when absent; printed at the start of every run)")
          .Flag("--seed")
          .String("store_dir", &C::store_dir, "store folder")
          .Flag("--store");
  return table;
}

std::string TestConfig::EffectiveName() const {
  if (!name.empty()) return name;
  return workload + "-" + target + (bug.empty() ? "" : "-" + bug);
}

WorkloadConfig WorkloadConfigOf(const TestConfig& config) {
  WorkloadConfig w;
  w.options = config.workload_options;
  w.concurrency = config.concurrency;
  w.threads_per_key = config.threads_per_key;
  w.ops_per_key = config.ops_per_key;
  return w;
}

Json TestConfigToJson(const TestConfig& config) {
  Json out = TestConfigTable().ToJson(config);
  if (!config.seed) out.erase("seed");
  if (!config.rate) out.erase("rate");
  return out;
}

Status TestConfigFromJson(const Json& json, TestConfig* config, const std::string& where) {
  if (!json.is_object()) return Status::Error(where + ": expected a JSON object");
  for (auto it = json.begin(); it != json.end(); ++it) {
    if (it.key() == "meta") continue;  // what a stored run recorded about itself
    if (Status st = TestConfigTable().ParseOne(it.key(), it.value(), config); !st.ok()) {
      return st.Wrap(where);
    }
  }
  return Status::Ok();
}

Status LoadTestFile(const std::string& path, TestConfig* config) {
  std::ifstream in(path);
  if (!in) return Status::Error(path + ": cannot open");
  std::stringstream text;
  text << in.rdbuf();
  Json json;
  if (Status st = json_text::ParseDocument(text.str(), path, &json); !st) return st;
  return TestConfigFromJson(json, config, path);
}

Status ValidateTestConfig(const TestConfig& c) {
  const Target* target = FindTarget(c.target);
  if (target == nullptr) {
    return Status::Error("target '" + c.target + "' is unknown (targets: " +
                         Join(AllTargets(), ", ", [](const Target* t) { return t->name(); }) + ")");
  }
  if (!c.bug.empty()) {
    const std::vector<BugInfo> bugs = target->bugs();
    if (std::none_of(bugs.begin(), bugs.end(), [&](const BugInfo& b) { return b.name == c.bug; })) {
      return Status::Error("bug '" + c.bug + "' is not a bug of " + c.target + " (bugs: " +
                           Join(bugs, ", ", [](const BugInfo& b) { return b.name; }) + ")");
    }
  }
  if (FindWorkload(c.workload) == nullptr) {
    return Status::Error("workload '" + c.workload + "' is unknown (workloads: " + WorkloadNames() +
                         ")");
  }
  if (!CanRun(*target, *FindWorkload(c.workload))) {
    return Status::Error("target " + c.target + " does not support workload '" + c.workload + "'");
  }
  if (!c.backend.empty()) {
    const auto& backends = control::AllBackends();
    if (std::none_of(backends.begin(), backends.end(),
                     [&](const control::BackendInfo& b) { return b.name == c.backend; })) {
      return Status::Error(
          "backend '" + c.backend + "' is unknown (backends: " +
          Join(backends, ", ", [](const control::BackendInfo& b) { return b.name; }) + ")");
    }
  }
  if (c.nodes != 0) {
    if (Status st = target->CheckNodes(c.nodes); !st) return st.Wrap("nodes");
  }
  const Workload* workload = FindWorkload(c.workload);
  if (Status st = workload->Validate(WorkloadConfigOf(c)); !st.ok()) return st;
  if (Status st = CheckFaultFamilies(c.nemesis, FaultFacts(c, *workload)); !st) return st;
  const std::string name = c.EffectiveName();
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == ".." ||
      name == "latest") {
    return Status::Error("name '" + name + "' cannot be a folder name");
  }
  return Status::Ok();
}

}  // namespace coordcheck
