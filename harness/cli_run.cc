#include "harness/cli_run.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>

#include <CLI/CLI.hpp>

#include "base/strings.h"
#include "checkers/lin_model.h"

#include "harness/cli.h"
#include "harness/compare.h"
#include "harness/swarm.h"
#include "harness/control/cluster.h"
#include "harness/run.h"
#include "nemesis/plan.h"
#include "nemesis/registry.h"
#include "workloads/workload.h"
#include "targets/target.h"

namespace coordcheck {

namespace {

std::atomic<bool> g_stop{false};

void OnStopSignal(int) { g_stop.store(true); }

void InstallStopHandlers() {
  InstallStopSignals(OnStopSignal);
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
  CLI::App* swarm = nullptr;
  CLI::App* list = nullptr;
  CLI::App* clean = nullptr;

  // `run` and `compare` flags; applied over the test file's values only when given. The
  // config's own flags come from its table (TestConfigTable), by field name.
  std::string test_file;
  std::map<std::string, std::string> field_text;
  std::string resource;
  std::string targets_text;  // compare
  SwarmOptions swarm_options;
  std::string swarm_faults;
  bool quiet = false;
  std::string clean_state_dir;
};

namespace {

// The flags of a test (run and compare share them): one per field of the config's table
// that has a flag; `with_target` adds --target and --bug.
void AddTestFlags(CLI::App* run, RunCommands* c, bool with_target) {
  run->add_option("-f,--test-file", c->test_file,
                  "a JSON test file (test.json of a stored run repeats that run); flags override it");
  for (const OptionDoc& d : TestConfigTable().Docs()) {
    if (d.flag.empty()) continue;
    if (!with_target && (d.name == "target" || d.name == "bug")) continue;
    const bool shown = !d.default_value.empty() && d.default_value != "\"\"";
    run->add_option(d.flag, c->field_text[d.name],
                    d.doc + " (" + d.type + (shown ? "; default " + d.default_value : "") + ")");
  }
  run->add_option("--resource", c->resource,
                  "lock workload: the protected resource, fenced (rejects stale fencing "
                  "tokens) or unfenced; default: fenced when the lock gives fencing tokens "
                  "(etcd-lock), else unfenced (workload option \"resource\")");
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

  CLI::App* swarm = c->swarm = app->add_subcommand(
      "swarm", "Swarm testing: many short runs of one workload and target, each with its own "
               "seed, a random subset of the fault families and a random fault interval; "
               "stops at the first invalid run and prints the command that repeats it");
  AddTestFlags(swarm, c.get(), true);
  swarm->add_option("--runs", c->swarm_options.runs, "runs at most")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  swarm->add_option("--faults", c->swarm_faults,
                    "comma-separated fault families to draw from (default: --nemesis, else "
                    "every family that applies to the target)");
  swarm->add_flag("--all", c->swarm_options.all, "run every run, also after an invalid one");
  swarm->footer("Each run keeps its own store folder; the swarm writes "
                "STORE/swarm-<workload>-<target>[-<bug>]/<time>/ (swarm.json, table.txt, "
                "report.html, junit.xml). --seed sets the swarm's seed, from which every run's "
                "seed, faults and interval are drawn. Exit codes: 3 if any run failed, else 1 if "
                "any was invalid, else 2 if any was unknown, else 0.");

  c->list = app->add_subcommand("list", "List targets (with their bugs), workloads, checkers and nemeses");
  c->clean = app->add_subcommand(
      "clean", "Remove what killed runs left behind (namespaces, processes, node folders), "
               "as their ledgers record; live runs are not touched");
  c->clean->add_option("--state-dir", c->clean_state_dir, "where ledgers live (default: "
                                                          "the default state folder)");
  return c;
}

namespace {

// Options of a target or workload, under it.
void PrintOptions(const std::vector<OptionDoc>& options, const char* what) {
  if (options.empty()) return;
  std::printf("  %-12s %s:\n%s", "", what, OptionHelp(options, std::string(17, ' ')).c_str());
}

int DoList() {
  std::printf("targets:\n");
  for (const Target* t : AllTargets()) {
    std::printf("  %-12s %s\n", t->name().c_str(), t->description().c_str());
    std::vector<std::string> runs;
    for (const Workload* w : AllWorkloads())
      if (CanRun(*t, *w)) runs.push_back(w->name());
    std::printf("  %-12s workloads: %s\n", "", Join(runs, ", ").c_str());
    // Bug names in one column, as wide as this target's longest.
    int width = 0;
    for (const BugInfo& b : t->bugs()) width = std::max(width, static_cast<int>(b.name.size()));
    for (const BugInfo& b : t->bugs()) {
      std::printf("  %-12s --bug %-*s %s\n", "", width, b.name.c_str(), b.description.c_str());
    }
    PrintOptions(t->options(), "--target-options");
  }
  std::printf("workloads:\n");
  for (const Workload* w : AllWorkloads()) {
    const std::string cs =
        Join(w->checkers(), ", ", [](const CheckerInfo& c) { return c.name; });
    std::printf("  %-12s %s (checkers: %s)\n", w->name().c_str(), w->description().c_str(),
                cs.c_str());
    if (w->default_rate() > 0) {
      std::printf("  %-12s default --rate %g ops/s\n", "", w->default_rate());
    } else {
      std::printf("  %-12s default --rate 0 (unpaced: each client issues its next op when the "
                  "last completes)\n", "");
    }
    PrintOptions(w->options(), "--workload-options");
  }
  std::printf("checkers:\n");
  for (const CheckerInfo& c : AllCheckers()) {
    std::printf("  %-16s %s\n", c.name.c_str(), c.description.c_str());
  }
  std::printf("linearizability models (check --model):\n");
  for (const lin::LinModel* m : lin::AllLinModels()) {
    std::printf("  %-16s %.*s\n", std::string(m->name).c_str(), static_cast<int>(m->summary.size()),
                m->summary.data());
  }
  std::printf("nemeses (--nemesis a,b,...; --nemesis-interval S between faults):\n");
  for (const FaultPackage* p : AllFaultPackages()) {
    std::printf("  %-12s %s\n", p->info.name.c_str(), p->info.description.c_str());
    const std::string needs = NeedsText(p->needs);
    if (!needs.empty()) std::printf("  %-12s needs: %s\n", "", needs.c_str());
  }
  std::printf("backends:\n");
  for (const control::BackendInfo& b : control::AllBackends()) {
    std::printf("  %-12s %s\n", b.name.c_str(), b.description.c_str());
  }
  return 0;
}

int DoClean(const std::string& state_dir) {
  control::CleanReport report = control::CleanLeftovers(state_dir);
  for (const auto& r : report.removed) std::printf("removed %s\n", r.c_str());
  for (const auto& e : report.errors) std::fprintf(stderr, "coordcheck: clean: %s\n", e.c_str());
  if (!report.unowned.empty()) {
    std::string names;
    for (const auto& n : report.unowned) names += (names.empty() ? "" : ", ") + n;
    std::printf(
        "left alone: %s: named as coordcheck's, but no ledger of theirs is in this state "
        "folder (made with another --state-dir: clean that one; or their folder was deleted: "
        "once no run of theirs is alive, `ip netns delete NAME`)\n",
        names.c_str());
  }
  std::printf("%zu things removed, %zu errors, %d live runs left alone\n", report.removed.size(),
              report.errors.size(), report.runs_skipped_alive);
  return report.errors.empty() ? 0 : kExitError;
}

}  // namespace

int DispatchRunCommands(RunCommands& c, int argc, char** argv) {
  if (c.list->parsed()) return DoList();
  if (c.clean->parsed()) return DoClean(c.clean_state_dir);
  CLI::App* cmd = c.run->parsed()       ? c.run
                  : c.compare->parsed() ? c.compare
                  : c.swarm->parsed()   ? c.swarm
                                        : nullptr;
  if (cmd == nullptr) return -1;

  TestConfig config;
  if (!c.test_file.empty()) {
    if (Status st = LoadTestFile(c.test_file, &config); !st) return Fail(st.message());
  }
  // Flags given on the command line win over the file, checked by the same table.
  for (const OptionDoc& d : TestConfigTable().Docs()) {
    const std::string flag = d.flag.substr(0, d.flag.find(','));
    if (flag.empty() || cmd->get_option_no_throw(flag) == nullptr || cmd->count(flag) == 0) {
      continue;
    }
    const Json value = TestConfigTable().FlagValue(d.name, c.field_text[d.name]);
    if (Status st = TestConfigTable().ParseOne(d.name, value, &config); !st.ok()) {
      return Fail("command line: " + st.message());
    }
  }
  if (cmd->count("--resource") > 0) {
    if (c.resource != "fenced" && c.resource != "unfenced") {
      return Fail("--resource: expected fenced or unfenced, got '" + c.resource + "'");
    }
    config.workload_options["resource"] = c.resource;
  }

  InstallStopHandlers();
  RunOptions options;
  options.command_line = CommandLine(argc, argv);
  options.bin_dir = BinDir();
  options.quiet = c.quiet;
  options.stop = &g_stop;
  if (cmd == c.compare) {
    std::vector<std::string> targets = Split(c.targets_text, ',');
    if (targets.empty()) return Fail("--targets: name at least one target");
    return RunCompare(config, targets, options);
  }
  if (cmd == c.swarm) {
    c.swarm_options.faults = Split(c.swarm_faults, ',');
    return RunSwarm(config, c.swarm_options, options);
  }
  return RunTest(config, options);
}

}  // namespace coordcheck
