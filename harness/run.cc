#include "harness/run.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <random>
#include <thread>

#include <unistd.h>

#include "checkers/checker.h"
#include "generators/combinators.h"
#include "harness/cli.h"
#include "harness/cli_report.h"
#include "checkers/clock_effect.h"
#include "harness/control/cluster.h"
#include "harness/nemesis_setup.h"
#include "harness/progress.h"
#include "harness/run_log.h"
#include "harness/runner.h"
#include "harness/store.h"
#include "workloads/workload.h"
#include "history/jsonl.h"
#include "nemesis/schedule.h"
#include "targets/client_faults.h"
#include "targets/target.h"

#ifndef COORDCHECK_COMMIT
#define COORDCHECK_COMMIT "unknown"
#endif

namespace coordcheck {
namespace fs = std::filesystem;

namespace {

constexpr auto kReadyTimeout = std::chrono::seconds(30);
// The ready wait is asked for in slices this long, so that a stop request ends it soon.
constexpr auto kReadySlice = std::chrono::milliseconds(1000);

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

Json StatsToJson(const PhaseStats& s) {
  return Json{{"invoked", s.invoked}, {"ok", s.ok},         {"fail", s.fail},
              {"info", s.info},       {"abandoned", s.abandoned}, {"seconds", s.seconds}};
}

// Runs f(node) for every node in parallel and returns the first error.
template <class F>
Status ForEachNode(control::Cluster& cluster, F f) {
  const auto& nodes = cluster.nodes();
  std::vector<Status> results(nodes.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < nodes.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = f(cluster.remote(nodes[i].name)); });
  }
  for (auto& t : threads) t.join();
  for (auto& r : results)
    if (!r.ok()) return r;
  return Status::Ok();
}

// Everything a run sets up, undone in reverse order by Teardown (also from the destructor,
// so an early return cannot leak nodes).
class RunResources {
 public:
  RunResources(RunLog* log, std::string run_dir) : log_(log), run_dir_(std::move(run_dir)) {}
  ~RunResources() { Teardown(); }

  std::unique_ptr<control::Cluster> cluster;
  std::unique_ptr<Db> db;
  std::unique_ptr<ComposeNemesis> nemesis;
  // What the nemesis could not heal at teardown ("" = everything healed).
  std::string unhealed;

  // Heals every fault, stops the target, copies node logs into the store, destroys the
  // cluster. Returns the first error; keeps going after one.
  Status Teardown() {
    Status first;
    if (nemesis) {
      log_->Log("healing every fault");
      auto st = nemesis->Teardown();
      if (!st.ok()) {
        unhealed = st.message();
        log_->Say("could not heal: " + st.message());
        first = st;
      }
      nemesis.reset();
    }
    if (cluster && db) {
      log_->Log("tearing down the target");
      auto st = ForEachNode(*cluster, [&](control::Remote& node) {
        Status down = db->Teardown(node);
        fs::path dir = fs::path(run_dir_) / "nodes" / node.node();
        std::error_code ec;
        fs::create_directories(dir, ec);
        for (const std::string& file : db->LogFiles(node)) {
          auto copied = node.Download(file, (dir / fs::path(file).filename()).string());
          if (!copied.ok()) log_->Log("log " + file + ": " + copied.message());
        }
        return down;
      });
      if (!st.ok()) {
        log_->Say("teardown: " + st.message());
        first = st;
      }
    }
    db.reset();
    if (cluster) {
      log_->Log("destroying the cluster");
      auto st = cluster->Destroy();
      if (!st.ok()) {
        log_->Say("teardown: " + st.message());
        if (first.ok()) first = st;
      }
      cluster.reset();
    }
    return first;
  }

 private:
  RunLog* log_;
  std::string run_dir_;
};

bool Stopped(const RunOptions& o) { return o.stop != nullptr && o.stop->load(); }

// Db::Setup on every node in parallel; a node not yet begun when a stop is requested is
// skipped ("interrupted").
Status SetUpNodes(control::Cluster& cluster, Db& db, const DbEnv& env,
                           const RunOptions& options) {
  return ForEachNode(cluster, [&](control::Remote& node) {
    if (Stopped(options)) return Status::Error("interrupted");
    return db.Setup(node, env);
  });
}

// Db::Ready for up to `timeout`, asked in kReadySlice slices with the stop flag looked at
// between them; nullopt when stopped. Why slices are safe: Ready only polls the nodes (it
// changes nothing), so asking again continues the same wait. A slice that fails well before
// its end is the Db's final answer (a server that exited, bad options), as it was unsliced.
std::optional<Status> WaitReady(Db& db, const DbEnv& env,
                                         std::chrono::milliseconds timeout,
                                         const RunOptions& options) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  while (true) {
    if (Stopped(options)) return std::nullopt;
    const auto started = Clock::now();
    const auto slice = std::min<std::chrono::milliseconds>(
        kReadySlice, std::chrono::ceil<std::chrono::milliseconds>(deadline - started));
    Status st = db.Ready(env, std::max(slice, std::chrono::milliseconds(1)));
    if (st.ok() || Clock::now() >= deadline || Clock::now() - started < slice * 3 / 4) {
      return st;
    }
  }
}

}  // namespace

gen::GenPtr ComposeMainPhase(const TestConfig& config, const WorkloadParts& parts, uint64_t seed,
                             gen::GenPtr faults) {
  gen::GenPtr main = parts.generator;
  if (config.rate > 0) {
    main = gen::Stagger(static_cast<int64_t>(1e9 / config.rate), main, gen::Rng(seed));
  }
  return gen::TimeLimit(static_cast<int64_t>(config.time_limit_s * 1e9),
                        gen::Clients(main, faults));
}

uint64_t ChildSeed(uint64_t seed, const std::string& name) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a of the name, mixed with the seed
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  uint64_t z = seed ^ h;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

int RunTest(TestConfig config, const RunOptions& options, RunOutcome* outcome) {
  RunOutcome ignored;
  RunOutcome& out = outcome != nullptr ? *outcome : ignored;
  out = RunOutcome{};
  auto fail = [&](const std::string& message) {
    std::fprintf(stderr, "coordcheck: error: %s\n", message.c_str());
    return out.exit_code = kExitError;
  };
  if (Status st = ValidateTestConfig(config); !st) return fail(st.message());
  if (!config.seed) config.seed = (uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
  if (config.backend.empty()) config.backend = control::DefaultBackend();
  const Target* target = FindTarget(config.target);
  const Workload* workload = FindWorkload(config.workload);
  if (config.nodes == 0) config.nodes = target->default_nodes();
  workload->ResolveOptions(&config.workload_options, *target);
  out.config = config;
  const uint64_t seed = *config.seed;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::fflush(stdout);

  // A state folder that is not ours alone is refused before anything is made.
  if (auto state_dir = control::OpenStateDir(config.state_dir); !state_dir.ok()) {
    return fail(state_dir.message());
  }
  const std::string name = config.EffectiveName();
  auto run_dir_or = CreateRunDir(config.store_dir, name);
  if (!run_dir_or.ok()) return fail(run_dir_or.message());
  const std::string run_dir = *run_dir_or;
  out.run_dir = run_dir;
  RunLog log;
  log.set_quiet(options.quiet);
  // A status line while phases run, on a terminal only (the log's lines go above it).
  Progress progress(stderr, !options.quiet && isatty(fileno(stderr)) == 1);
  log.set_progress(&progress);
  log.Open(run_dir + "/coordcheck.log");
  if (auto st = UpdateLatest(config.store_dir, run_dir); !st.ok()) log.Log(st.message());

  Json test_json = TestConfigToJson(config);
  test_json["meta"] = Json{{"command", options.command_line},
                           {"commit", COORDCHECK_COMMIT},
                           {"run_dir", run_dir}};
  if (auto st = WriteFileAtomic(run_dir + "/test.json", test_json.dump(2) + "\n"); !st.ok()) {
    return fail(st.message());
  }
  const std::vector<std::string> extra_roles = target->extra_node_roles();
  std::string extras;
  for (const std::string& role : extra_roles) extras += " + 1 for the " + role;
  log.Say("run " + name + " (target " + config.target +
          (config.bug.empty() ? "" : ", bug " + config.bug) + ", " +
          std::to_string(config.nodes) + extras + " " + config.backend + " nodes, " +
          std::to_string(config.concurrency) + " clients, " + Seconds(config.time_limit_s) +
          ") in " + run_dir);

  Json results = Json::object();
  results["test"] = name;
  results["target"] = config.target;
  results["workload"] = config.workload;
  results["bug"] = config.bug;
  results["seed"] = seed;
  results["run_dir"] = run_dir;
  auto write_results = [&] {
    out.results = results;
    if (auto st = WriteFileAtomic(run_dir + "/results.json", results.dump(2) + "\n"); !st.ok())
      log.Say(st.message());
    // The reports are made from the stored files, as `coordcheck report` remakes them.
    if (auto st = WriteRunReports(run_dir); !st.ok()) log.Say("report: " + st.message());
  };
  RunResources res(&log, run_dir);
  HistoryWriter history;  // outlives the runner that writes to it
  std::unique_ptr<Runner> runner_owner;
  // Teardown comes before results.json on every path, so that what it could not undo
  // (teardown_error, nemesis.unhealed) is in it. Workers finish first: no nemesis op may
  // run during the heal.
  bool torn_down = false;
  auto tear_down = [&] {
    if (torn_down) return;
    torn_down = true;
    runner_owner.reset();
    if (auto st = res.Teardown(); !st.ok()) results["teardown_error"] = st.message();
    results["nemesis"] = Json{{"families", config.nemesis}, {"unhealed", res.unhealed}};
  };
  // A failed run still leaves results.json saying why.
  auto run_failed = [&](const std::string& message) {
    log.Say("error: " + message);
    tear_down();
    results["valid"] = "unknown";
    results["verdict"] = "error";
    results["error"] = message;
    write_results();
    std::fprintf(stderr, "coordcheck: error: %s\nrun folder: %s\n", message.c_str(),
                 run_dir.c_str());
    return out.exit_code = kExitError;
  };

  // Set-up: nodes, then the target on every node.
  auto t_setup = std::chrono::steady_clock::now();
  control::ClusterOptions cluster_options;
  cluster_options.backend = config.backend;
  cluster_options.nodes = config.nodes + static_cast<int>(extra_roles.size());
  cluster_options.state_dir = config.state_dir;
  auto cluster = control::Cluster::Create(cluster_options);
  if (!cluster.ok()) return run_failed("cannot create the nodes: " + cluster.message());
  res.cluster = std::move(*cluster);
  log.Log("cluster " + res.cluster->run_id() + " created");
  if (Stopped(options)) return run_failed("interrupted during set-up");
  // The target's own nodes come first; faults and client home nodes use only these.
  std::vector<std::string> target_nodes;
  for (int i = 0; i < config.nodes; ++i) target_nodes.push_back(res.cluster->nodes()[i].name);
  for (size_t i = 0; i < extra_roles.size(); ++i) {
    const std::string& node = res.cluster->nodes()[config.nodes + i].name;
    results["extra_nodes"][extra_roles[i]] = node;
    log.Log(extra_roles[i] + " on " + node);
  }
  ClientFaultBoard client_faults;

  DbEnv env;
  env.nodes = res.cluster->nodes();
  env.bin_dir = options.bin_dir;
  env.bug = config.bug;
  env.options = config.target_options;
  env.workload_options = config.workload_options;
  env.seed = ChildSeed(seed, "db");
  env.dialer = &res.cluster->dialer();
  res.db = target->MakeDb();
  DbProcessControl process_control(res.db.get(), res.cluster.get(), &env);
  ClientBoardAdapter client_board(&client_faults);
  // The asked families that apply to this target; notes say why the others do not.
  RunFacts fault_facts = FaultFacts(config, *workload);
  fault_facts.can_kill = process_control.can_kill();
  fault_facts.can_pause = process_control.can_pause();
  const FaultPlan fault_plan = PlanFaults(config.nemesis, fault_facts);
  for (const std::string& note : fault_plan.notes) log.Say("note: " + note);
  if (!fault_plan.scheduled.empty()) {
    NemesisSetup setup;
    setup.families = fault_plan.scheduled;
    setup.context.target_nodes = target_nodes;
    setup.context.bin_dir = options.bin_dir;
    setup.context.process_control = &process_control;
    setup.context.client_board = &client_board;
    setup.context.client_threads = config.concurrency;
    if (ClockObservable* observable = res.db->clock_observable()) {
      control::Cluster* cluster_ptr = res.cluster.get();
      setup.context.target_clock =
          [observable, cluster_ptr,
           &env](const std::string& node) -> Result<TargetClockSample> {
        for (const auto& info : cluster_ptr->nodes()) {
          if (info.name != node) continue;
          auto reading = observable->ObserveClock(info, env);
          if (!reading.ok()) return reading.status();
          return TargetClockSample{reading->offset_ms, reading->error_ms, reading->method};
        }
        return Status::Error("node " + node + " is not in the cluster");
      };
    }
    auto nemesis = SetUpNemesis(setup, *res.cluster);
    if (!nemesis.ok()) return run_failed(nemesis.message());
    res.nemesis = std::move(nemesis->nemesis);
    env.daemon_env = std::move(nemesis->daemon_env);
  }
  if (Stopped(options)) return run_failed("interrupted during set-up");
  if (auto st = SetUpNodes(*res.cluster, *res.db, env, options); Stopped(options)) {
    return run_failed("interrupted during set-up");
  } else if (!st.ok()) {
    return run_failed("set-up of " + config.target + ": " + st.message());
  }
  auto ready = WaitReady(*res.db, env, kReadyTimeout, options);
  if (!ready) return run_failed("interrupted while waiting for " + config.target + " to be ready");
  if (!ready->ok()) return run_failed(config.target + " is not ready: " + ready->message());
  const double setup_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_setup).count();
  log.Say(config.target + " ready on " + std::to_string(config.nodes) + " nodes after " +
          Seconds(setup_s));

  // The phases: the workload (rate- and time-limited), then its final reads.
  const std::string history_path = run_dir + "/history.jsonl";
  if (Status st = history.Open(history_path); !st) return run_failed(st.message());
  WorkloadParts parts = workload->Make(WorkloadConfigOf(config), ChildSeed(seed, "workload"));

  RunnerOptions runner_options;
  runner_options.concurrency = config.concurrency;
  runner_options.op_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(config.op_timeout_s * 1000));
  runner_options.nodes = target_nodes;
  for (const auto& n : res.cluster->nodes()) {
    runner_options.client_env.nodes.push_back(n.name);
    runner_options.client_env.addresses[n.name] = n.address;
  }
  runner_options.client_env.extra_nodes = static_cast<int>(extra_roles.size());
  runner_options.client_env.dialer = &res.cluster->dialer();
  runner_options.client_env.options = config.target_options;
  runner_options.client_env.workload_options = config.workload_options;
  runner_options.client_env.concurrency = config.concurrency;
  runner_options.client_env.seed = ChildSeed(seed, "clients");
  runner_options.client_env.client_faults = &client_faults;
  runner_options.stop = options.stop;
  if (progress.enabled()) runner_options.on_event = [&progress](const Op& e) { progress.Observe(e); };
  runner_owner = std::make_unique<Runner>(
      runner_options, [target] { return target->MakeClient(); }, res.nemesis.get(), &history);
  Runner& runner = *runner_owner;

  FaultScheduleOptions faults;
  faults.families = fault_plan.scheduled;
  faults.nodes = target_nodes;
  faults.client_pause_ms = workload->client_pause_ms(config.workload_options);
  faults.interval_ns = static_cast<int64_t>(config.nemesis_interval_s * 1e9);
  faults.has_primary = process_control.has_primary();
  gen::GenPtr main = ComposeMainPhase(config, parts, ChildSeed(seed, "stagger"),
                                      FaultSchedule(faults, gen::Rng(ChildSeed(seed, "faults"))));
  log.Say("main phase: " + Seconds(config.time_limit_s));
  progress.StartPhase("main phase", config.time_limit_s);
  auto main_stats = runner.RunPhase(main);
  progress.EndPhase();
  if (!main_stats.ok()) return run_failed(main_stats.message());
  results["phases"]["main"] = StatsToJson(*main_stats);
  bool stopped = main_stats->stopped;
  if (!stopped && res.nemesis) {
    // Heal everything, then give the target time to recover before the final reads.
    log.Say("healing: " + std::to_string(fault_plan.scheduled.size()) + " fault families");
    progress.StartPhase("healing", 0);
    auto heal_stats = runner.RunPhase(gen::Nemesis(FaultHeal(faults)));
    progress.EndPhase();
    if (!heal_stats.ok()) return run_failed(heal_stats.message());
    results["phases"]["heal"] = StatsToJson(*heal_stats);
    stopped = heal_stats->stopped;
    auto ready_again = WaitReady(*res.db, env, kReadyTimeout, options);
    if (!ready_again) {
      stopped = true;
    } else if (!ready_again->ok()) {
      log.Say("after healing, " + config.target + " is not ready: " + ready_again->message());
      results["recovery_error"] = ready_again->message();
    }
  }
  if (!stopped && parts.final_generator) {
    progress.StartPhase("final phase", 0);
    auto final_stats = runner.RunPhase(gen::Clients(parts.final_generator(runner.KeysSeen())));
    progress.EndPhase();
    if (!final_stats.ok()) return run_failed(final_stats.message());
    results["phases"]["final"] = StatsToJson(*final_stats);
    stopped = final_stats->stopped;
  }
  // Workers finish what they are doing (no nemesis op may run during the heal below).
  runner_owner.reset();
  history.Close();
  log.Say("recorded " + std::to_string(main_stats->invoked) + " ops in the main phase (" +
          std::to_string(main_stats->ok) + " ok, " + std::to_string(main_stats->fail) +
          " fail, " + std::to_string(main_stats->info) + " info)");

  // Teardown before checking: the nodes are not needed any more.
  tear_down();
  if (stopped) return run_failed("interrupted by a signal; history kept in " + history_path);

  History recorded;
  if (Status st = ReadHistoryFile(history_path, &recorded); !st) {
    return run_failed("the recorded history is invalid: " + st.message());
  }
  CheckBudget budget;
  budget.time_limit =
      std::chrono::milliseconds(static_cast<int64_t>(config.check_time_limit_s * 1000));
  budget.memory_limit_bytes = config.check_memory_limit_mb << 20;
  log.Say("checking " + std::to_string(recorded.size()) + " events");
  auto t_check = std::chrono::steady_clock::now();
  progress.StartPhase("checking " + std::to_string(recorded.size()) + " events",
                      config.check_time_limit_s, "budget");
  CheckResult result = parts.checker->Check(recorded, budget);
  progress.EndPhase();
  const double check_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_check).count();

  results["valid"] = ValidityToJson(result.valid);
  results["verdict"] = std::string(ValidityName(result.valid));
  results["summary"] = result.summary;
  if (parts.checker->name() == "compose") {
    results["checkers"] = result.details;  // each part under its own name
  } else {
    results["checkers"][parts.checker->name()] = result.ToJson();
  }
  results["figures"] = workload->Figures(config.workload_options, results["checkers"]);
  results["notes"] = Json(fault_plan.notes);  // families that do not apply, then clock effect
  if (std::find(config.nemesis.begin(), config.nemesis.end(), "clock") != config.nemesis.end()) {
    // Whether the clock faults reached the target, as measured — never implied.
    Json effect = ClockEffect(recorded);
    results["clock_effect"] = effect;
    const std::string verdict = effect.value("verdict", "");
    if (verdict != "reached" && effect.contains("note")) results["notes"].push_back(effect["note"]);
  }
  results["check_seconds"] = check_s;
  results["events"] = recorded.size();
  write_results();

  std::printf("%s: %s\n", std::string(ValidityName(result.valid)).c_str(),
              result.summary.c_str());
  for (const Json& note : results["notes"]) std::printf("note: %s\n", note.get<std::string>().c_str());
  std::printf("run folder: %s\n", run_dir.c_str());
  switch (result.valid) {
    case Validity::kValid: return out.exit_code = kExitValid;
    case Validity::kInvalid: return out.exit_code = kExitInvalid;
    default: return out.exit_code = kExitUnknown;
  }
}

}  // namespace coordcheck
