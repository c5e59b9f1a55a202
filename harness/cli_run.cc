#include "harness/cli_run.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>

#include <CLI/CLI.hpp>

#include "harness/cli.h"
#include "harness/compare.h"
#include "harness/control/cluster.h"
#include "harness/run.h"
#include "harness/workload.h"
#include "nemesis/plan.h"
#include "nemesis/registry.h"
#include "targets/target.h"

namespace coordcheck {

namespace {

std::atomic<bool> g_stop{false};

void OnStopSignal(int) { g_stop.store(true); }

void InstallStopHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

std::string BinDir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : exe.parent_path().string();
}

std::string CommandLine(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    bool plain = !a.empty() && a.find_first_of(" \t\"'\\$`") == std::string::npos;
    out += (i ? " " : "") + (plain ? a : "'" + a + "'");
  }
  return out;
}


}  // namespace

struct RunCommands {
  CLI::App* run = nullptr;
  CLI::App* compare = nullptr;
  CLI::App* list = nullptr;
  CLI::App* clean = nullptr;

  // `run` and `compare` flags; applied over the test file's values only when given.
  std::string test_file;
  TestConfig flags;
  std::string seed_text;
  std::string target_options_text;
  std::string workload_options_text;
  std::string resource;
  std::string nemesis_text;
  std::string targets_text;  // compare
  bool quiet = false;
  std::string clean_state_dir;
};

namespace {

// The flags of a test (run and compare share them); `with_target` adds --target and --bug.
void AddTestFlags(CLI::App* run, RunCommands* c, bool with_target) {
  TestConfig& f = c->flags;
  run->add_option("-f,--test-file", c->test_file,
                  "a JSON test file (test.json of a stored run repeats that run); flags override it");
  run->add_option("--name", f.name, "test name, the store folder (default workload-target[-bug])");
  run->add_option("--workload,-w", f.workload, "workload (see `coordcheck list`)")
      ->capture_default_str();
  if (with_target) {
    run->add_option("--target,-t", f.target, "target (see `coordcheck list`)")
        ->capture_default_str();
    run->add_option("--bug", f.bug, "a deliberately broken variant of the target");
  }
  run->add_option("--target-options", c->target_options_text, "the target's options as a JSON object");
  run->add_option("--workload-options", c->workload_options_text,
                  "the workload's options as a JSON object (lock: resource, ttl_ms, hold_ms, "
                  "client_pause_ms, resource_port)");
  run->add_option("--resource", c->resource,
                  "lock workload: the protected resource, fenced (rejects stale fencing "
                  "tokens) or unfenced; default: fenced when the lock gives fencing tokens "
                  "(etcd-lock), else unfenced");
  run->add_option("--nodes,-n", f.nodes, "number of the target's nodes (default: the target's)");
  run->add_option("--backend", f.backend, "netns (default as root) or local (127.77.x.y)");
  run->add_option("--state-dir", f.state_dir, "where ledgers and node folders live");
  run->add_option("--concurrency,-c", f.concurrency, "client threads")->capture_default_str();
  run->add_option("--rate", f.rate, "total ops per second over all clients (0 = unlimited)")
      ->capture_default_str();
  run->add_option("--op-timeout", f.op_timeout_s, "seconds before an op is recorded as info")
      ->capture_default_str();
  run->add_option("--time-limit", f.time_limit_s, "seconds of the main phase")
      ->capture_default_str();
  run->add_option("--threads-per-key", f.threads_per_key, "client threads per independent key")
      ->capture_default_str();
  run->add_option("--ops-per-key", f.ops_per_key, "ops on a key before a fresh key")
      ->capture_default_str();
  run->add_option("--nemesis", c->nemesis_text,
                  "comma-separated fault families: " + FaultFamilyNames(",") + " (or none)");
  run->add_option("--nemesis-interval", f.nemesis_interval_s, "mean seconds between faults")
      ->capture_default_str();
  run->add_option("--check-time-limit", f.check_time_limit_s,
                  "seconds the checkers may take before the verdict is unknown")
      ->capture_default_str();
  run->add_option("--seed", c->seed_text, "master seed (printed at the start of every run)");
  run->add_option("--store", f.store_dir, "store folder")->capture_default_str();
  run->add_flag("--quiet,-q", c->quiet, "no progress lines");
}

}  // namespace

std::shared_ptr<RunCommands> AddRunCommands(CLI::App* app) {
  auto c = std::make_shared<RunCommands>();
  CLI::App* run = c->run = app->add_subcommand(
      "run", "Run a test: set up nodes and a target, drive a workload, record and check the history");
  AddTestFlags(run, c.get(), true);
  run->footer("Exit codes: 0 valid, 1 invalid, 2 unknown, 3 the run failed (bad config, set-up "
              "error, interrupted).");
  CLI::App* compare = c->compare = app->add_subcommand(
      "compare", "Run the same workload, seed and fault schedule against several targets in "
                 "turn and print one table of their results");
  compare->add_option("--targets", c->targets_text, "comma-separated targets, e.g. "
                                                    "redis-lock,redlock,etcd-lock")
      ->required();
  AddTestFlags(compare, c.get(), false);
  compare->footer("Each run keeps its own store folder; the comparison writes "
                  "STORE/compare-<workload>/<time>/ (compare.json, table.txt). Exit codes: 3 if "
                  "any run failed, else 1 if any was invalid, else 2 if any was unknown, else 0.");

  c->list = app->add_subcommand("list", "List targets (with their bugs), workloads, checkers and nemeses");
  c->clean = app->add_subcommand(
      "clean", "Remove what killed runs left behind (namespaces, processes, node folders), "
               "as their ledgers record; live runs are not touched");
  c->clean->add_option("--state-dir", c->clean_state_dir, "where ledgers live (default: "
                                                          "the default state folder)");
  return c;
}

namespace {

int DoList() {
  std::printf("targets:\n");
  for (const Target* t : AllTargets()) {
    std::printf("  %-12s %s\n", t->name().c_str(), t->description().c_str());
    std::string ws;
    for (const auto& w : t->workloads()) ws += (ws.empty() ? "" : ", ") + w;
    std::printf("  %-12s workloads: %s\n", "", ws.c_str());
    // Bug names in one column, as wide as this target's longest.
    int width = 0;
    for (const BugInfo& b : t->bugs()) width = std::max(width, static_cast<int>(b.name.size()));
    for (const BugInfo& b : t->bugs()) {
      std::printf("  %-12s --bug %-*s %s\n", "", width, b.name.c_str(), b.description.c_str());
    }
  }
  std::printf("workloads:\n");
  for (const Workload* w : AllWorkloads()) {
    std::string cs;
    for (const auto& ch : w->checkers()) cs += (cs.empty() ? "" : ", ") + ch;
    std::printf("  %-12s %s (checkers: %s)\n", w->name().c_str(), w->description().c_str(),
                cs.c_str());
  }
  std::printf("checkers:\n  %-12s %s\n", "linearizable",
              "Wing & Gong linearizability against a model, per independent key "
              "(coordcheck check --help lists the models)");
  std::printf("  %-12s %s\n", "mutual-exclusion",
              "no two critical sections with accepted writes overlap in the protected "
              "resource's own log; the final counter equals the accepted increments");
  std::printf("  %-12s %s\n", "fencing",
              "accepted writes' fencing tokens never decrease; rejected stale writes counted");
  std::printf("nemeses (--nemesis a,b,...; --nemesis-interval S between faults):\n");
  for (const FaultPackage* p : AllFaultPackages()) {
    std::printf("  %-12s %s\n", p->info.name.c_str(), p->info.description.c_str());
    const std::string needs = NeedsText(p->needs);
    if (!needs.empty()) std::printf("  %-12s needs: %s\n", "", needs.c_str());
  }
  std::printf("backends:\n  %-12s %s\n  %-12s %s\n", "netns",
              "network namespaces on a bridge of our own (root; the default as root)", "local",
              "processes on loopback addresses 127.77.x.y (no root needed)");
  return 0;
}

int DoClean(const std::string& state_dir) {
  control::CleanReport report = control::CleanLeftovers(state_dir);
  for (const auto& r : report.removed) std::printf("removed %s\n", r.c_str());
  for (const auto& e : report.errors) std::fprintf(stderr, "coordcheck: clean: %s\n", e.c_str());
  std::printf("%zu things removed, %zu errors, %d live runs left alone\n", report.removed.size(),
              report.errors.size(), report.runs_skipped_alive);
  return report.errors.empty() ? 0 : kExitError;
}

// Splits "a,b,c" (empty items and "none" dropped).
std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ',') {
      if (!item.empty() && item != "none") out.push_back(item);
      item.clear();
    } else {
      item += text[i];
    }
  }
  return out;
}

}  // namespace

int DispatchRunCommands(RunCommands& c, int argc, char** argv) {
  if (c.list->parsed()) return DoList();
  if (c.clean->parsed()) return DoClean(c.clean_state_dir);
  CLI::App* cmd = c.run->parsed() ? c.run : c.compare->parsed() ? c.compare : nullptr;
  if (cmd == nullptr) return -1;

  TestConfig config;
  if (!c.test_file.empty()) {
    if (auto err = LoadTestFile(c.test_file, &config)) return Fail(*err);
  }
  // Flags given on the command line win over the file.
  auto given = [&](const char* name) { return cmd->count(name) > 0; };
  const TestConfig& f = c.flags;
  if (given("--name")) config.name = f.name;
  if (given("--workload")) config.workload = f.workload;
  if (cmd == c.run && given("--target")) config.target = f.target;
  if (cmd == c.run && given("--bug")) config.bug = f.bug;
  if (given("--nodes")) config.nodes = f.nodes;
  if (given("--backend")) config.backend = f.backend;
  if (given("--state-dir")) config.state_dir = f.state_dir;
  if (given("--concurrency")) config.concurrency = f.concurrency;
  if (given("--rate")) config.rate = f.rate;
  if (given("--op-timeout")) config.op_timeout_s = f.op_timeout_s;
  if (given("--time-limit")) config.time_limit_s = f.time_limit_s;
  if (given("--threads-per-key")) config.threads_per_key = f.threads_per_key;
  if (given("--ops-per-key")) config.ops_per_key = f.ops_per_key;
  if (given("--nemesis-interval")) config.nemesis_interval_s = f.nemesis_interval_s;
  if (given("--check-time-limit")) config.check_time_limit_s = f.check_time_limit_s;
  if (given("--store")) config.store_dir = f.store_dir;
  // Checked like the test file's fields, so both give the same messages.
  Json overrides = Json::object();
  if (given("--seed")) {
    Json seed = Json::parse(c.seed_text, nullptr, false);
    if (seed.is_discarded()) return Fail("--seed: expected a non-negative integer");
    overrides["seed"] = seed;
  }
  if (given("--target-options")) {
    Json o = Json::parse(c.target_options_text, nullptr, false);
    if (o.is_discarded()) return Fail("--target-options: not valid JSON");
    overrides["target_options"] = o;
  }
  if (given("--workload-options")) {
    Json o = Json::parse(c.workload_options_text, nullptr, false);
    if (o.is_discarded()) return Fail("--workload-options: not valid JSON");
    overrides["workload_options"] = o;
  }
  if (given("--nemesis")) overrides["nemesis"] = Json(SplitList(c.nemesis_text));
  if (auto err = TestConfigFromJson(overrides, &config, "command line")) return Fail(*err);
  if (given("--resource")) {
    if (c.resource != "fenced" && c.resource != "unfenced") {
      return Fail("--resource: expected fenced or unfenced, got '" + c.resource + "'");
    }
    config.workload_options["resource"] = c.resource;
  }
  // Values CLI11 parsed (ranges) are checked through the same table as a file's.
  if (auto err = TestConfigFromJson(TestConfigToJson(config), &config, "command line")) {
    return Fail(*err);
  }

  InstallStopHandlers();
  RunOptions options;
  options.command_line = CommandLine(argc, argv);
  options.bin_dir = BinDir();
  options.quiet = c.quiet;
  options.stop = &g_stop;
  if (cmd == c.compare) {
    std::vector<std::string> targets = SplitList(c.targets_text);
    if (targets.empty()) return Fail("--targets: name at least one target");
    return RunCompare(config, targets, options);
  }
  return RunTest(config, options);
}

}  // namespace coordcheck
