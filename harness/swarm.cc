#include "harness/swarm.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>

#include "base/strings.h"
#include "harness/cli.h"
#include "harness/cli_report.h"
#include "harness/compare.h"
#include "harness/nemesis_setup.h"
#include "harness/store.h"
#include "nemesis/plan.h"
#include "nemesis/registry.h"
#include "targets/db.h"
#include "targets/target.h"
#include "workloads/workload.h"

namespace coordcheck {
namespace {

// A random double in [0, 1) from a 64-bit draw.
double Unit(uint64_t draw) { return static_cast<double>(draw >> 11) * 0x1.0p-53; }

std::string ShellQuote(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789-_.,/:=+@%") == std::string::npos) {
    return text;
  }
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// A config field's JSON value as its flag's text (the inverse of OptionTable::FlagValue).
std::string FlagText(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array() && std::all_of(value.begin(), value.end(),
                                      [](const Json& v) { return v.is_string(); })) {
    return value.empty() ? "none" : Join(value, ",", [](const Json& v) {
      return v.get<std::string>();
    });
  }
  return value.dump();
}

std::string Seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", s);
  return text;
}

struct SwarmRow {
  int index = 0;  // 1-based
  SwarmRunPlan plan;
  RunOutcome outcome;
  double seconds = 0;        // this run's wall time
  double swarm_seconds = 0;  // the swarm's wall time when it ended
  std::string command;       // reproduces it
};

std::string FormatTable(const std::vector<SwarmRow>& rows) {
  std::vector<std::vector<std::string>> cells = {
      {"run", "seed", "faults", "interval s", "verdict", "seconds"}};
  for (const SwarmRow& r : rows) {
    cells.push_back({std::to_string(r.index), std::to_string(r.plan.seed),
                     r.plan.nemesis.empty() ? "none" : Join(r.plan.nemesis, ","),
                     Seconds(r.plan.nemesis_interval_s), VerdictOf(r.outcome), Seconds(r.seconds)});
  }
  return AlignColumns(cells);
}

// Detection figures over the runs done.
Json Detection(const std::vector<SwarmRow>& rows) {
  int64_t invalid = 0;
  double total_s = 0;
  Json first = nullptr;
  for (const SwarmRow& r : rows) {
    total_s += r.seconds;
    if (r.outcome.exit_code != kExitInvalid) continue;
    ++invalid;
    if (first.is_null()) {
      first = Json{{"run", r.index}, {"seed", r.plan.seed}, {"swarm_seconds", r.swarm_seconds}};
    }
  }
  Json out = {{"runs", static_cast<int64_t>(rows.size())},
              {"invalid", invalid},
              {"rate", rows.empty() ? 0.0 : static_cast<double>(invalid) / rows.size()},
              {"seconds", total_s},
              {"first", first}};
  // With every run done, the mean time to a detection is the time spent per detection.
  out["mean_seconds_per_detection"] = invalid > 0 ? Json(total_s / invalid) : Json();
  return out;
}

std::string SummaryText(const Json& detection, bool stopped_early) {
  const int64_t runs = detection["runs"].get<int64_t>();
  const int64_t invalid = detection["invalid"].get<int64_t>();
  std::string out = "detected in " + std::to_string(invalid) + " of " + std::to_string(runs) +
                    " runs (" + Seconds(detection["rate"].get<double>() * 100) + "%)";
  const Json& first = detection["first"];
  if (first.is_object()) {
    out += "; first at run " + std::to_string(first["run"].get<int64_t>()) + " after " +
           Seconds(first["swarm_seconds"].get<double>()) + " s";
  }
  if (detection["mean_seconds_per_detection"].is_number() && !stopped_early) {
    out += "; one detection per " + Seconds(detection["mean_seconds_per_detection"].get<double>()) +
           " s of running";
  }
  if (stopped_early) out += " (stopped at the first invalid run; --all runs every one)";
  return out;
}

}  // namespace

SwarmRunPlan PlanSwarmRun(uint64_t seed, int index, const std::vector<std::string>& pool,
                          double time_limit_s) {
  SwarmRunPlan plan;
  const uint64_t run = ChildSeed(seed, "swarm-run-" + std::to_string(index));
  plan.seed = ChildSeed(run, "seed");
  uint64_t draw = ChildSeed(run, "faults");
  for (size_t i = 0; i < pool.size(); ++i) {
    if (i > 0 && i % 64 == 0) draw = ChildSeed(draw, "more");
    if ((draw >> (i % 64)) & 1) plan.nemesis.push_back(pool[i]);
  }
  // Log-uniform in [1 s, time limit / 4]: a short run needs faults often enough to show
  // anything (a fault lasts about one interval, then heals for about one), and short
  // intervals are as likely as long ones relative to their size. With up to half the run as
  // before, a 15 s run often had a single fault step: `no-fsync`, which needs disk faults on
  // its primary, took 9 runs of one swarm to be caught.
  const double longest = std::max(1.0, time_limit_s / 4);
  plan.nemesis_interval_s = std::pow(longest, Unit(ChildSeed(run, "interval")));
  // Tenths of a second: the printed command repeats it exactly.
  plan.nemesis_interval_s = std::max(1.0, std::round(plan.nemesis_interval_s * 10) / 10);
  return plan;
}

std::vector<std::string> ApplicableFaults(const TestConfig& config) {
  std::vector<std::string> out;
  const Workload* workload = FindWorkload(config.workload);
  const Target* target = FindTarget(config.target);
  if (workload == nullptr || target == nullptr) return out;
  RunFacts facts = FaultFacts(config, *workload);
  if (facts.nodes == 0) facts.nodes = target->default_nodes();
  const std::unique_ptr<Db> db = target->MakeDb();
  facts.can_kill = db->killable() != nullptr;
  facts.can_pause = db->pausable() != nullptr;
  facts.has_data_dir = db->disk_backed() != nullptr;
  for (const FaultPackage* package : AllFaultPackages()) {
    const std::vector<std::string> one = {package->info.name};
    if (!CheckFaultFamilies(one, facts).ok()) continue;
    if (PlanFaults(one, facts).scheduled.empty()) continue;
    out.push_back(package->info.name);
  }
  return out;
}

std::string ReproduceCommand(const TestConfig& config) {
  const Json given = TestConfigToJson(config);
  const Json defaults = TestConfigToJson(TestConfig{});
  std::string out = "coordcheck run";
  for (const OptionDoc& d : TestConfigTable().Docs()) {
    if (d.flag.empty() || !given.contains(d.name)) continue;
    // The workload and target always: the command should say what it runs.
    const bool always = d.name == "workload" || d.name == "target";
    if (!always && defaults.contains(d.name) && defaults[d.name] == given[d.name]) continue;
    const std::string flag = d.flag.substr(0, d.flag.find(','));
    out += " " + flag + " " + ShellQuote(FlagText(given[d.name]));
  }
  return out;
}

int RunSwarm(TestConfig base, const SwarmOptions& swarm, const RunOptions& options) {
  if (!base.seed) base.seed = (uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
  std::vector<std::string> pool = swarm.faults;
  if (pool.empty()) pool = base.nemesis;
  if (pool.empty()) pool = ApplicableFaults(base);
  {
    TestConfig check = base;
    check.nemesis = pool;
    if (Status st = ValidateTestConfig(check); !st) return Fail(st.message());
  }
  if (swarm.runs < 1) return Fail("--runs: expected at least 1, got " + std::to_string(swarm.runs));
  std::printf("swarm of %d runs of %s on %s%s, %g s each, seed %llu; faults drawn from: %s\n",
              swarm.runs, base.workload.c_str(), base.target.c_str(),
              base.bug.empty() ? "" : (" --bug " + base.bug).c_str(), base.time_limit_s,
              static_cast<unsigned long long>(*base.seed),
              pool.empty() ? "none" : Join(pool, ",").c_str());
  std::fflush(stdout);

  const auto started = std::chrono::steady_clock::now();
  std::vector<SwarmRow> rows;
  bool stopped_early = false;
  for (int i = 0; i < swarm.runs; ++i) {
    SwarmRow row;
    row.index = i + 1;
    row.plan = PlanSwarmRun(*base.seed, i, pool, base.time_limit_s);
    TestConfig config = base;
    config.seed = row.plan.seed;
    config.nemesis = row.plan.nemesis;
    config.nemesis_interval_s = row.plan.nemesis_interval_s;
    row.command = ReproduceCommand(config);
    std::printf("\n== swarm run %d of %d: seed %llu, faults %s, every %.1f s ==\n", row.index,
                swarm.runs, static_cast<unsigned long long>(row.plan.seed),
                row.plan.nemesis.empty() ? "none" : Join(row.plan.nemesis, ",").c_str(),
                row.plan.nemesis_interval_s);
    std::fflush(stdout);
    const auto run_started = std::chrono::steady_clock::now();
    RunTest(config, options, &row.outcome);
    const auto now = std::chrono::steady_clock::now();
    row.seconds = std::chrono::duration<double>(now - run_started).count();
    row.swarm_seconds = std::chrono::duration<double>(now - started).count();
    const bool invalid = row.outcome.exit_code == kExitInvalid;
    rows.push_back(std::move(row));
    if (options.stop != nullptr && options.stop->load()) break;  // interrupted
    if (invalid && !swarm.all) {
      stopped_early = i + 1 < swarm.runs;
      break;
    }
  }

  std::vector<RunOutcome> outcomes;
  for (const SwarmRow& r : rows) outcomes.push_back(r.outcome);
  const int code = CompareExitCode(outcomes);
  const Json detection = Detection(rows);
  const std::string table = FormatTable(rows);
  std::string text = table + "\n" + SummaryText(detection, stopped_early) + "\n";
  for (const SwarmRow& r : rows) {
    if (r.outcome.exit_code == kExitValid) continue;
    text += "\nrun " + std::to_string(r.index) + " " + VerdictOf(r.outcome) + ": " +
            (r.outcome.results ? r.outcome.results->summary : std::string("no results")) +
            "\n  reproduce: " + r.command + "\n  run folder: " + r.outcome.run_dir + "\n";
  }
  std::printf("\n%s", text.c_str());

  std::string name = "swarm-" + base.workload + "-" + base.target;
  if (!base.bug.empty()) name += "-" + base.bug;
  auto dir = CreateRunDir(base.store_dir, name);
  if (!dir.ok()) return Fail(dir.message());
  std::filesystem::remove(*dir + "/nodes");  // a swarm has no nodes of its own
  Json record = {{"kind", "swarm"},
                 {"workload", base.workload},
                 {"target", base.target},
                 {"bug", base.bug},
                 {"seed", *base.seed},
                 {"time_limit_s", base.time_limit_s},
                 {"faults", pool},
                 {"all", swarm.all},
                 {"planned_runs", swarm.runs},
                 {"command", options.command_line},
                 {"exit_code", code},
                 {"detection", detection},
                 {"runs", Json::array()}};
  for (const SwarmRow& r : rows) {
    record["runs"].push_back(
        Json{{"run", r.index},
             {"seed", r.plan.seed},
             {"nemesis", r.plan.nemesis},
             {"nemesis_interval_s", r.plan.nemesis_interval_s},
             {"target", r.outcome.config.target.empty() ? base.target : r.outcome.config.target},
             {"exit_code", r.outcome.exit_code},
             {"verdict", VerdictOf(r.outcome)},
             {"seconds", r.seconds},
             {"summary", r.outcome.results ? Json(r.outcome.results->summary) : Json()},
             {"run_dir", r.outcome.run_dir},
             {"reproduce", r.command}});
  }
  Status st = WriteFileAtomic(*dir + "/swarm.json", record.dump(2) + "\n");
  if (st.ok()) st = WriteFileAtomic(*dir + "/table.txt", text);
  if (st.ok()) st = WriteSwarmReports(*dir);
  if (!st.ok()) return Fail(st.message());
  std::printf("\nswarm folder: %s\n", dir->c_str());
  return code;
}

}  // namespace coordcheck
