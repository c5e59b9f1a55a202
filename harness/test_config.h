// TestConfig: everything a run uses, as one plain struct (shared/DESIGN.md: "a test is a
// plain config"). Set from the command line or loaded from a JSON test file with the same
// field names; written back to the run's store as test.json, so `coordcheck run -f
// store/.../test.json` repeats the run (same seed, same schedule).
//
// Thread-safety: plain value type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/options.h"
#include "base/status.h"
#include "history/op.h"
#include "workloads/workload.h"

namespace coordcheck {

struct TestConfig {
  // Store folder name; default "<workload>-<target>[-<bug>]".
  std::string name;
  // What to run.
  std::string workload = "register";
  std::string target = "kvd";
  std::string bug;                       // "" = the correct variant
  Json target_options = Json::object();  // passed to the target's Db and clients
  Json workload_options =
      Json::object();  // the workload's own (the lock workload's resource, ttl_ms, ...)

  // Where: nodes n1..nN on a backend ("netns", "local"; "" = netns as root, else local);
  // 0 = the target's default (Target::default_nodes). A target may add nodes of its own
  // after these (the lock targets' resource node).
  int nodes = 0;
  std::string backend;
  std::string state_dir;  // ledgers and node directories; "" = the default

  // Load: client threads, total op rate (ops/s over all clients; 0 = as fast as they go;
  // unset = the workload's default_rate, resolved when the run starts), per-op timeout (s),
  // main-phase length (s).
  int concurrency = 5;
  std::optional<double> rate;
  double op_timeout_s = 5;
  double time_limit_s = 30;
  // Independent keys: client threads per key and ops per key before a fresh key.
  int threads_per_key = 5;
  int ops_per_key = 200;

  // Faults: nemesis names; empty = none. Mean seconds between faults.
  std::vector<std::string> nemesis;
  double nemesis_interval_s = 10;
  // Whether a fault may start while the previous one runs (FaultScheduleOptions::overlap).
  bool nemesis_overlap = false;

  // Checking budget per run.
  double check_time_limit_s = 300;
  uint64_t check_memory_limit_mb = 4096;

  // The master seed; every random choice of the run derives from it. Unset = random.
  std::optional<uint64_t> seed;

  // Where runs are stored.
  std::string store_dir = "store";

  // The test's name as stored (name, or the default built from workload/target/bug).
  std::string EffectiveName() const;
};

// The config's fields: names, types, ranges, defaults, docs and command-line flags. The JSON
// test-file reader, test.json, the `run` and `compare` flags and their help all come from it.
const OptionTable<TestConfig>& TestConfigTable();

// What the config's workload reads of it.
WorkloadConfig WorkloadConfigOf(const TestConfig& config);

// The config as a JSON object (every field; seed only when set).
Json TestConfigToJson(const TestConfig& config);

// Fills `config` from a JSON object; fields absent keep their current values; "meta"
// (what a stored run recorded about itself) is ignored. Unknown
// fields and wrong types are errors naming the field ("key 'concurrency': expected an
// integer >= 1"). `where` prefixes messages (a file name).
Status TestConfigFromJson(const Json& json, TestConfig* config, const std::string& where);

// Loads a JSON test file into `config` (same rules; errors name the file, and the line
// for JSON syntax errors). Never throws: what nlohmann refuses (a number beyond a double's
// range too) is an error naming the file.
Status LoadTestFile(const std::string& path, TestConfig* config);

// Checks values and names (target, bug, workload, backend) against what exists.
// The error is the first problem, naming the field.
Status ValidateTestConfig(const TestConfig& config);

}  // namespace coordcheck
