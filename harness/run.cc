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
#include "checkers/clock_effect.h"
#include "checkers/concurrency.h"
#include "generators/combinators.h"
#include "harness/cli.h"
#include "harness/cli_report.h"
#include "harness/control/cluster.h"
#include "harness/nemesis_setup.h"
#include "harness/progress.h"
#include "harness/run_log.h"
#include "harness/runner.h"
#include "harness/store.h"
#include "history/jsonl.h"
#include "nemesis/schedule.h"
#include "reports/run_results.h"
#include "targets/client_faults.h"
#include "targets/target.h"
#include "workloads/workload.h"

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

// "200 ops/s", or "unpaced" for 0.
std::string RateText(double rate) {
  if (rate <= 0) return "unpaced";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%g ops/s", rate);
  return buf;
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
  explicit RunResources(RunLog* log) : log_(log) {}
  void set_run_dir(std::string run_dir) { run_dir_ = std::move(run_dir); }
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
Status SetUpNodes(control::Cluster& cluster, Db& db, const DbEnv& env, const RunOptions& options) {
  return ForEachNode(cluster, [&](control::Remote& node) {
    if (Stopped(options)) return Status::Error("interrupted");
    return db.Setup(node, env);
  });
}

// Db::Ready for up to `timeout`, asked in kReadySlice slices with the stop flag looked at
// between them; nullopt when stopped. Why slices are safe: Ready only polls the nodes (it
// changes nothing), so asking again continues the same wait. A slice that fails well before
// its end is the Db's final answer (a server that exited, bad options), as it was unsliced.
std::optional<Status> WaitReady(Db& db, const DbEnv& env, std::chrono::milliseconds timeout,
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
  const double rate = EffectiveRate(config);
  if (rate > 0) main = gen::Stagger(static_cast<int64_t>(1e9 / rate), main, gen::Rng(seed));
  return gen::TimeLimit(static_cast<int64_t>(config.time_limit_s * 1e9),
                        gen::Clients(main, faults));
}

double EffectiveRate(const TestConfig& config) {
  if (config.rate) return *config.rate;
  const Workload* workload = FindWorkload(config.workload);
  return workload != nullptr ? workload->default_rate() : Workload::kDefaultRate;
}

uint64_t ChildSeed(uint64_t seed, const std::string& name) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a of the name, mixed with the seed
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  uint64_t z = seed ^ h;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

namespace {

// One run, in the order Jepsen's core runs a test: Prepare (the run's folder), SetUp (nodes,
// target, nemesis), RunPhases (main, heal, final), TearDown, Analyze (check the history).
// Every stage after Prepare ends the run through Failed on an error, which tears down and
// still writes results.json. Members are declared in dependency order, so that whatever
// points into another member is destroyed first (the runner before the nemesis it drives, the
// nemesis before the process control and client board it holds).
class TestRun {
 public:
  TestRun(TestConfig config, const RunOptions& options, RunOutcome* out)
      : config_(std::move(config)),
        options_(options),
        out_(*out),
        progress_(stderr, !options.quiet && isatty(fileno(stderr)) == 1),
        client_board_(&client_faults_),
        res_(&log_) {}

  int Run() {
    if (Status st = Prepare(); !st) return Fail(st.message());
    if (Status st = SetUp(); !st) return Failed(st.message());
    if (Status st = RunPhases(); !st) return Failed(st.message());
    TearDown();
    if (stopped_) return Failed("interrupted by a signal; history kept in " + history_path());
    return Analyze();
  }

 private:
  std::string history_path() const { return run_dir_ + "/history.jsonl"; }

  // An error before the run's folder holds anything: no results.json.
  int Fail(const std::string& message) {
    std::fprintf(stderr, "coordcheck: error: %s\n", message.c_str());
    return out_.exit_code = kExitError;
  }

  // A failed run still leaves results.json saying why.
  int Failed(const std::string& message) {
    log_.Say("error: " + message);
    TearDown();
    results_.verdict = "error";
    results_.error = message;
    WriteResults();
    std::fprintf(stderr, "coordcheck: error: %s\nrun folder: %s\n", message.c_str(),
                 run_dir_.c_str());
    return out_.exit_code = kExitError;
  }

  // The config resolved (seed, backend, nodes, workload options), the state folder checked,
  // the run's folder made with its log and test.json.
  Status Prepare() {
    if (Status st = ValidateTestConfig(config_); !st) return st;
    if (!config_.seed) {
      config_.seed = (uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
    }
    if (config_.backend.empty()) config_.backend = control::DefaultBackend();
    target_ = FindTarget(config_.target);
    workload_ = FindWorkload(config_.workload);
    if (config_.nodes == 0) config_.nodes = target_->default_nodes();
    if (!config_.rate) config_.rate = workload_->default_rate();
    workload_->ResolveOptions(&config_.workload_options, *target_, config_.bug);
    out_.config = config_;
    seed_ = *config_.seed;
    std::printf("seed %llu\n", static_cast<unsigned long long>(seed_));
    std::fflush(stdout);

    // A state folder that is not ours alone is refused before anything is made.
    if (auto state_dir = control::OpenStateDir(config_.state_dir); !state_dir.ok()) {
      return state_dir.status();
    }
    const std::string name = config_.EffectiveName();
    auto run_dir = CreateRunDir(config_.store_dir, name);
    if (!run_dir.ok()) return run_dir.status();
    run_dir_ = *run_dir;
    out_.run_dir = run_dir_;
    res_.set_run_dir(run_dir_);
    log_.set_quiet(options_.quiet);
    // A status line while phases run, on a terminal only (the log's lines go above it).
    log_.set_progress(&progress_);
    log_.Open(run_dir_ + "/coordcheck.log");
    if (auto st = UpdateLatest(config_.store_dir, run_dir_); !st.ok()) log_.Log(st.message());

    Json test_json = TestConfigToJson(config_);
    test_json["meta"] = Json{
        {"command", options_.command_line}, {"commit", COORDCHECK_COMMIT}, {"run_dir", run_dir_}};
    if (auto st = WriteFileAtomic(run_dir_ + "/test.json", test_json.dump(2) + "\n"); !st.ok()) {
      return st;
    }
    extra_roles_ = target_->extra_node_roles();
    std::string extras;
    for (const std::string& role : extra_roles_) extras += " + 1 for the " + role;
    log_.Say("run " + name + " (target " + config_.target +
             (config_.bug.empty() ? "" : ", bug " + config_.bug) + ", " +
             std::to_string(config_.nodes) + extras + " " + config_.backend + " nodes, " +
             std::to_string(config_.concurrency) + " clients, " + RateText(*config_.rate) + ", " +
             Seconds(config_.time_limit_s) + ") in " + run_dir_);
    results_.test = name;
    results_.target = config_.target;
    results_.workload = config_.workload;
    results_.bug = config_.bug;
    results_.seed = seed_;
    results_.run_dir = run_dir_;
    return Status::Ok();
  }

  // The nodes, then the nemesis (its set-up may change how the target's daemons start),
  // then the target on every node, ready.
  Status SetUp() {
    const auto started = std::chrono::steady_clock::now();
    control::ClusterOptions cluster_options;
    cluster_options.backend = config_.backend;
    cluster_options.nodes = config_.nodes + static_cast<int>(extra_roles_.size());
    cluster_options.state_dir = config_.state_dir;
    auto cluster = control::Cluster::Create(cluster_options);
    if (!cluster.ok()) return cluster.status().Wrap("cannot create the nodes");
    res_.cluster = std::move(*cluster);
    log_.Log("cluster " + res_.cluster->run_id() + " created");
    if (Stopped(options_)) return Status::Error("interrupted during set-up");
    // The target's own nodes come first; faults and client home nodes use only these.
    for (int i = 0; i < config_.nodes; ++i) {
      target_nodes_.push_back(res_.cluster->nodes()[i].name);
    }
    for (size_t i = 0; i < extra_roles_.size(); ++i) {
      const std::string& node = res_.cluster->nodes()[config_.nodes + i].name;
      results_.extra_nodes.emplace_back(extra_roles_[i], node);
      log_.Log(extra_roles_[i] + " on " + node);
    }

    env_.nodes = res_.cluster->nodes();
    env_.bin_dir = options_.bin_dir;
    env_.bug = config_.bug;
    env_.options = config_.target_options;
    env_.workload_options = config_.workload_options;
    env_.seed = ChildSeed(seed_, "db");
    env_.dialer = &res_.cluster->dialer();
    res_.db = target_->MakeDb();
    process_control_ = std::make_unique<DbProcessControl>(res_.db.get(), res_.cluster.get(), &env_);
    if (Status st = SetUpNemesis(); !st) return st;
    if (Stopped(options_)) return Status::Error("interrupted during set-up");
    if (auto st = SetUpNodes(*res_.cluster, *res_.db, env_, options_); Stopped(options_)) {
      return Status::Error("interrupted during set-up");
    } else if (!st.ok()) {
      return st.Wrap("set-up of " + config_.target);
    }
    auto ready = WaitReady(*res_.db, env_, kReadyTimeout, options_);
    if (!ready) {
      return Status::Error("interrupted while waiting for " + config_.target + " to be ready");
    }
    if (!ready->ok()) return ready->Wrap(config_.target + " is not ready");
    const double setup_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    log_.Say(config_.target + " ready on " + std::to_string(config_.nodes) + " nodes after " +
             Seconds(setup_s));
    return Status::Ok();
  }

  // The asked fault families that apply to this target (notes say why the others do not),
  // and the nemesis that injects them.
  Status SetUpNemesis() {
    RunFacts facts = FaultFacts(config_, *workload_);
    facts.can_kill = process_control_->can_kill();
    facts.can_pause = process_control_->can_pause();
    DiskBacked* disk = res_.db->disk_backed();
    facts.has_data_dir = disk != nullptr;
    fault_plan_ = PlanFaults(config_.nemesis, facts);
    for (const std::string& note : fault_plan_.notes) log_.Say("note: " + note);
    results_.notes = fault_plan_.notes;
    if (fault_plan_.scheduled.empty()) return Status::Ok();
    NemesisSetup setup;
    setup.families = fault_plan_.scheduled;
    setup.context.target_nodes = target_nodes_;
    setup.context.bin_dir = options_.bin_dir;
    setup.context.process_control = process_control_.get();
    setup.context.client_board = &client_board_;
    setup.context.client_threads = config_.concurrency;
    for (const std::string& node : target_nodes_) {
      if (disk != nullptr)
        setup.context.data_dirs[node] = disk->DataDir(res_.cluster->remote(node));
    }
    if (ClockObservable* observable = res_.db->clock_observable()) {
      setup.context.target_clock =
          [this, observable](const std::string& node) -> Result<TargetClockSample> {
        for (const auto& info : res_.cluster->nodes()) {
          if (info.name != node) continue;
          auto reading = observable->ObserveClock(info, env_);
          if (!reading.ok()) return reading.status();
          return TargetClockSample{reading->offset_ms, reading->error_ms, reading->method};
        }
        return Status::Error("node " + node + " is not in the cluster");
      };
    }
    auto nemesis = coordcheck::SetUpNemesis(setup, *res_.cluster);
    if (!nemesis.ok()) return nemesis.status();
    res_.nemesis = std::move(nemesis->nemesis);
    env_.daemon_env = std::move(nemesis->daemon_env);
    return Status::Ok();
  }

  // The workload's main phase (rate- and time-limited, with the fault schedule), the heal
  // and recovery wait, then the workload's final phase. A stop request ends it early
  // (stopped_); the history is closed on every path.
  Status RunPhases() {
    if (Status st = history_.Open(history_path()); !st) return st;
    WorkloadParts parts = workload_->Make(WorkloadConfigOf(config_), ChildSeed(seed_, "workload"));
    runner_ = std::make_unique<Runner>(
        RunnerOptionsFor(), [this] { return target_->MakeClient(); }, res_.nemesis.get(),
        &history_);
    checker_ = std::move(parts.checker);

    FaultScheduleOptions faults;
    faults.families = fault_plan_.scheduled;
    faults.nodes = target_nodes_;
    faults.client_pause_ms = workload_->client_pause_ms(config_.workload_options);
    faults.interval_ns = static_cast<int64_t>(config_.nemesis_interval_s * 1e9);
    faults.overlap = config_.nemesis_overlap;
    faults.has_primary = process_control_->has_primary();
    gen::GenPtr main =
        ComposeMainPhase(config_, parts, ChildSeed(seed_, "stagger"),
                         FaultSchedule(faults, gen::Rng(ChildSeed(seed_, "faults"))));
    log_.Say("main phase: " + Seconds(config_.time_limit_s));
    auto main_stats = Phase("main", "main phase", config_.time_limit_s, main);
    if (!main_stats.ok()) return main_stats.status();
    if (!stopped_ && res_.nemesis) {
      // Heal everything, then give the target time to recover before the final reads.
      log_.Say("healing: " + std::to_string(fault_plan_.scheduled.size()) + " fault families");
      if (auto heal = Phase("heal", "healing", 0, gen::Nemesis(FaultHeal(faults))); !heal.ok()) {
        return heal.status();
      }
      auto ready_again = WaitReady(*res_.db, env_, kReadyTimeout, options_);
      if (!ready_again) {
        stopped_ = true;
      } else if (!ready_again->ok()) {
        log_.Say("after healing, " + config_.target + " is not ready: " + ready_again->message());
        results_.recovery_error = ready_again->message();
      }
    }
    if (!stopped_ && parts.final_generator) {
      gen::GenPtr final_phase = gen::Clients(parts.final_generator(runner_->KeysSeen()));
      if (auto done = Phase("final", "final phase", 0, final_phase); !done.ok()) {
        return done.status();
      }
    }
    // Workers finish what they are doing (no nemesis op may run during the heal).
    runner_.reset();
    history_.Close();
    log_.Say("recorded " + std::to_string(main_stats->invoked) + " ops in the main phase (" +
             std::to_string(main_stats->ok) + " ok, " + std::to_string(main_stats->fail) +
             " fail, " + std::to_string(main_stats->info) + " info)");
    return Status::Ok();
  }

  RunnerOptions RunnerOptionsFor() {
    RunnerOptions o;
    o.concurrency = config_.concurrency;
    o.op_timeout = std::chrono::milliseconds(static_cast<int64_t>(config_.op_timeout_s * 1000));
    o.nodes = target_nodes_;
    for (const auto& n : res_.cluster->nodes()) {
      o.client_env.nodes.push_back(n.name);
      o.client_env.addresses[n.name] = n.address;
    }
    o.client_env.extra_nodes = static_cast<int>(extra_roles_.size());
    o.client_env.dialer = &res_.cluster->dialer();
    o.client_env.options = config_.target_options;
    o.client_env.workload_options = config_.workload_options;
    o.client_env.concurrency = config_.concurrency;
    o.client_env.seed = ChildSeed(seed_, "clients");
    o.thread_pick_seed = ChildSeed(seed_, "threads") | 1;  // never 0 (= lowest thread)
    o.client_env.client_faults = &client_faults_;
    o.stop = options_.stop;
    if (progress_.enabled()) o.on_event = [this](const Op& e) { progress_.Observe(e); };
    return o;
  }

  // Runs one phase and records its figures under `name`.
  Result<PhaseStats> Phase(const std::string& name, const std::string& label, double seconds,
                           gen::GenPtr generator) {
    progress_.StartPhase(label, seconds);
    auto stats = runner_->RunPhase(std::move(generator));
    progress_.EndPhase();
    if (!stats.ok()) return stats;
    results_.phases.emplace_back(
        name, reports::PhaseFigures{stats->invoked, stats->ok, stats->fail, stats->info,
                                    stats->abandoned, stats->seconds});
    stopped_ = stopped_ || stats->stopped;
    return stats;
  }

  // Heals, stops the target, destroys the nodes (once). Comes before results.json on every
  // path, so that what it could not undo is in it. Workers finish first: no nemesis op may
  // run during the heal.
  void TearDown() {
    if (torn_down_) return;
    torn_down_ = true;
    runner_.reset();
    if (auto st = res_.Teardown(); !st.ok()) results_.teardown_error = st.message();
    results_.has_nemesis = true;
    results_.nemesis_families = config_.nemesis;
    results_.unhealed = res_.unhealed;
  }

  // Reads the recorded history back and judges it with the workload's checkers.
  int Analyze() {
    History recorded;
    if (Status st = ReadHistoryFile(history_path(), &recorded); !st) {
      return Failed("the recorded history is invalid: " + st.message());
    }
    CheckBudget budget;
    budget.time_limit = CheckBudget::TimeLimitOf(config_.check_time_limit_s);
    budget.memory_limit_bytes = config_.check_memory_limit_mb << 20;
    log_.Say("checking " + std::to_string(recorded.size()) + " events");
    const auto started = std::chrono::steady_clock::now();
    progress_.StartPhase("checking " + std::to_string(recorded.size()) + " events",
                         config_.check_time_limit_s, "budget");
    const CheckResult result = checker_->Check(recorded, budget);
    progress_.EndPhase();
    results_.check_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    results_.verdict = std::string(ValidityName(result.valid));
    results_.summary = result.summary;
    if (checker_->name() == "compose") {
      results_.checkers = result.details;  // each part under its own name
    } else {
      results_.checkers[checker_->name()] = result.ToJson();
    }
    results_.figures = workload_->Figures(config_.workload_options, results_.checkers);
    if (std::find(config_.nemesis.begin(), config_.nemesis.end(), "clock") !=
        config_.nemesis.end()) {
      // Whether the clock faults reached the target, as measured — never implied.
      results_.clock_effect = ClockEffect(recorded);
      const Json& note =
          results_.clock_effect.contains("note") ? results_.clock_effect["note"] : Json();
      if (results_.clock_effect.value("verdict", "") != "reached" && note.is_string()) {
        results_.notes.push_back(note.get<std::string>());
      }
    }
    // A run that could not undo a fault, or whose target did not come back, is still judged
    // on what its clients recorded; the note says why the end of it may be thin.
    if (!results_.recovery_error.empty()) {
      results_.notes.push_back("after healing, " + config_.target + " was not ready (" +
                               results_.recovery_error +
                               "): the final phase ran against it as it was, and the verdict "
                               "rests on what the clients could record");
    }
    if (!results_.unhealed.empty()) {
      results_.notes.push_back("a fault could not be undone (" + results_.unhealed +
                               "): the nodes stayed as it left them until teardown");
    }
    // What concurrency the history really holds (checkers/concurrency.h), and a note when it
    // is too little for the checkers to find much.
    results_.concurrency = Concurrency(recorded);
    if (results_.concurrency.value("low", false) && workload_->overlap_matters()) {
      results_.notes.push_back(results_.concurrency["note"].get<std::string>());
    }
    results_.events = static_cast<int64_t>(recorded.size());
    WriteResults();

    std::printf("%s: %s\n", results_.verdict.c_str(), result.summary.c_str());
    for (const std::string& note : results_.notes) std::printf("note: %s\n", note.c_str());
    std::printf("run folder: %s\n", run_dir_.c_str());
    switch (result.valid) {
      case Validity::kValid:
        return out_.exit_code = kExitValid;
      case Validity::kInvalid:
        return out_.exit_code = kExitInvalid;
      default:
        return out_.exit_code = kExitUnknown;
    }
  }

  // results.json, then the reports made from the stored files (as `coordcheck report`
  // remakes them).
  void WriteResults() {
    out_.results = results_;
    const std::string text = results_.ToJson().dump(2) + "\n";
    if (auto st = WriteFileAtomic(run_dir_ + "/results.json", text); !st.ok()) {
      log_.Say(st.message());
    }
    if (auto st = WriteRunReports(run_dir_); !st.ok()) log_.Say("report: " + st.message());
  }

  TestConfig config_;
  const RunOptions& options_;
  RunOutcome& out_;
  const Target* target_ = nullptr;
  const Workload* workload_ = nullptr;
  uint64_t seed_ = 0;
  std::string run_dir_;
  std::vector<std::string> extra_roles_;
  std::vector<std::string> target_nodes_;
  Progress progress_;
  RunLog log_;
  reports::RunResults results_;
  FaultPlan fault_plan_;
  ClientFaultBoard client_faults_;
  ClientBoardAdapter client_board_;
  DbEnv env_;
  std::unique_ptr<DbProcessControl> process_control_;
  RunResources res_;  // its nemesis points into the members above
  HistoryWriter history_;
  std::unique_ptr<Runner> runner_;  // writes to history_, drives res_'s nemesis
  std::unique_ptr<Checker> checker_;
  bool stopped_ = false;
  bool torn_down_ = false;
};

}  // namespace

int RunTest(TestConfig config, const RunOptions& options, RunOutcome* outcome) {
  RunOutcome ignored;
  RunOutcome& out = outcome != nullptr ? *outcome : ignored;
  out = RunOutcome{};
  return TestRun(std::move(config), options, &out).Run();
}

}  // namespace coordcheck
