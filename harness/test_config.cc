#include "harness/test_config.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <sstream>

#include "harness/nemesis_setup.h"
#include "harness/workload.h"
#include "targets/target.h"

namespace coordcheck {
namespace {

// One settable field: its JSON name, how to write it and how to read it.
struct Field {
  const char* name;
  std::function<Json(const TestConfig&)> get;
  // Returns an error (without the field name) or nullopt.
  std::function<std::optional<std::string>(const Json&, TestConfig*)> set;
};

template <class T>
std::optional<std::string> ReadInt(const Json& j, T* out, int64_t min, int64_t max) {
  if (!j.is_number_integer() || j.get<int64_t>() < min || j.get<int64_t>() > max) {
    return "expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  }
  *out = static_cast<T>(j.get<int64_t>());
  return std::nullopt;
}

std::optional<std::string> ReadNumber(const Json& j, double* out, double min) {
  if (!j.is_number() || !std::isfinite(j.get<double>()) || j.get<double>() < min) {
    std::ostringstream m;
    m << "expected a number >= " << min;
    return m.str();
  }
  *out = j.get<double>();
  return std::nullopt;
}

std::optional<std::string> ReadString(const Json& j, std::string* out) {
  if (!j.is_string()) return "expected a string";
  *out = j.get<std::string>();
  return std::nullopt;
}

#define CC_STRING_FIELD(member)                                                    \
  Field {                                                                          \
    #member, [](const TestConfig& c) { return Json(c.member); },                   \
        [](const Json& j, TestConfig* c) { return ReadString(j, &c->member); }     \
  }
#define CC_NUMBER_FIELD(member, min)                                               \
  Field {                                                                          \
    #member, [](const TestConfig& c) { return Json(c.member); },                   \
        [](const Json& j, TestConfig* c) { return ReadNumber(j, &c->member, min); } \
  }
#define CC_INT_FIELD(member, min, max)                                                \
  Field {                                                                             \
    #member, [](const TestConfig& c) { return Json(c.member); },                      \
        [](const Json& j, TestConfig* c) { return ReadInt(j, &c->member, min, max); } \
  }

const std::vector<Field>& Fields() {
  static const std::vector<Field> fields = {
      CC_STRING_FIELD(name),
      CC_STRING_FIELD(workload),
      CC_STRING_FIELD(target),
      CC_STRING_FIELD(bug),
      Field{"target_options", [](const TestConfig& c) { return c.target_options; },
            [](const Json& j, TestConfig* c) -> std::optional<std::string> {
              if (!j.is_object()) return "expected an object";
              c->target_options = j;
              return std::nullopt;
            }},
      Field{"workload_options", [](const TestConfig& c) { return c.workload_options; },
            [](const Json& j, TestConfig* c) -> std::optional<std::string> {
              if (!j.is_object()) return "expected an object";
              c->workload_options = j;
              return std::nullopt;
            }},
      CC_INT_FIELD(nodes, 0, 200),
      CC_STRING_FIELD(backend),
      CC_STRING_FIELD(state_dir),
      CC_INT_FIELD(concurrency, 1, 100000),
      CC_NUMBER_FIELD(rate, 0),
      CC_NUMBER_FIELD(op_timeout_s, 0.001),
      CC_NUMBER_FIELD(time_limit_s, 0),
      CC_INT_FIELD(threads_per_key, 1, 100000),
      CC_INT_FIELD(ops_per_key, 1, int64_t{1} << 40),
      Field{"nemesis", [](const TestConfig& c) { return Json(c.nemesis); },
            [](const Json& j, TestConfig* c) -> std::optional<std::string> {
              if (!j.is_array()) return "expected an array of nemesis names";
              std::vector<std::string> names;
              for (const Json& n : j) {
                if (!n.is_string()) return "expected an array of nemesis names";
                names.push_back(n.get<std::string>());
              }
              c->nemesis = std::move(names);
              return std::nullopt;
            }},
      CC_NUMBER_FIELD(nemesis_interval_s, 0.001),
      CC_NUMBER_FIELD(check_time_limit_s, 0),
      CC_INT_FIELD(check_memory_limit_mb, 1, int64_t{1} << 30),
      Field{"seed",
            [](const TestConfig& c) { return c.seed ? Json(*c.seed) : Json(); },
            [](const Json& j, TestConfig* c) -> std::optional<std::string> {
              if (j.is_null()) {
                c->seed.reset();
                return std::nullopt;
              }
              if (!j.is_number_unsigned() && !(j.is_number_integer() && j.get<int64_t>() >= 0)) {
                return "expected a non-negative integer";
              }
              c->seed = j.get<uint64_t>();
              return std::nullopt;
            }},
      CC_STRING_FIELD(store_dir),
  };
  return fields;
}

}  // namespace

std::string TestConfig::EffectiveName() const {
  if (!name.empty()) return name;
  return workload + "-" + target + (bug.empty() ? "" : "-" + bug);
}

Json TestConfigToJson(const TestConfig& config) {
  Json out = Json::object();
  for (const Field& f : Fields()) out[f.name] = f.get(config);
  if (!config.seed) out.erase("seed");
  return out;
}

std::optional<std::string> TestConfigFromJson(const Json& json, TestConfig* config,
                                              const std::string& where) {
  if (!json.is_object()) return where + ": expected a JSON object";
  for (auto it = json.begin(); it != json.end(); ++it) {
    if (it.key() == "meta") continue;  // what a stored run recorded about itself
    const Field* field = nullptr;
    for (const Field& f : Fields())
      if (it.key() == f.name) field = &f;
    if (field == nullptr) return where + ": unknown key '" + it.key() + "'";
    if (auto err = field->set(it.value(), config)) {
      return where + ": key '" + it.key() + "': " + *err;
    }
  }
  return std::nullopt;
}

std::optional<std::string> LoadTestFile(const std::string& path, TestConfig* config) {
  std::ifstream in(path);
  if (!in) return path + ": cannot open";
  std::stringstream text;
  text << in.rdbuf();
  Json json;
  try {
    json = Json::parse(text.str());
  } catch (const Json::parse_error& ex) {
    // Name the line: count newlines up to the byte offset nlohmann reports.
    const std::string s = text.str();
    const size_t at = std::min<size_t>(ex.byte, s.size());
    const int64_t line = 1 + std::count(s.begin(), s.begin() + at, '\n');
    return path + ":" + std::to_string(line) + ": not valid JSON";
  }
  return TestConfigFromJson(json, config, path);
}

std::optional<std::string> ValidateTestConfig(const TestConfig& c) {
  const Target* target = FindTarget(c.target);
  if (target == nullptr) {
    std::string names;
    for (const Target* t : AllTargets()) names += (names.empty() ? "" : ", ") + t->name();
    return "target '" + c.target + "' is unknown (targets: " + names + ")";
  }
  if (!c.bug.empty()) {
    bool found = false;
    std::string names;
    for (const BugInfo& b : target->bugs()) {
      found = found || b.name == c.bug;
      names += (names.empty() ? "" : ", ") + b.name;
    }
    if (!found) return "bug '" + c.bug + "' is not a bug of " + c.target + " (bugs: " + names + ")";
  }
  if (FindWorkload(c.workload) == nullptr) {
    return "workload '" + c.workload + "' is unknown (workloads: " + WorkloadNames() + ")";
  }
  bool supported = false;
  for (const std::string& w : target->workloads()) supported = supported || w == c.workload;
  if (!supported) return "target " + c.target + " does not support workload '" + c.workload + "'";
  if (!c.backend.empty() && c.backend != "netns" && c.backend != "local") {
    return "backend '" + c.backend + "' is unknown (backends: netns, local)";
  }
  if (c.nodes != 0) {
    if (auto err = target->CheckNodes(c.nodes)) return "nodes: " + *err;
  }
  const Workload* workload = FindWorkload(c.workload);
  if (auto err = workload->Validate(c)) return *err;
  if (auto err = CheckFaultFamilies(c.nemesis, FaultFacts(c, *workload))) return *err;
  const std::string name = c.EffectiveName();
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == ".." ||
      name == "latest") {
    return "name '" + name + "' cannot be a folder name";
  }
  return std::nullopt;
}

}  // namespace coordcheck
