#include "harness/cli.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>

#include "base/strings.h"
#include "checkers/linearizable.h"
#include "harness/cli_report.h"
#include "harness/cli_run.h"
#include "history/edn.h"
#include "history/jsonl.h"
#include "workloads/workload.h"

namespace coordcheck {
namespace {

struct CheckArgs {
  std::string history;
  std::string checker = "linearizable";  // or a comma-separated list of the others
  std::string model = "cas-register";
  std::string init;           // JSON text; empty = the model's default
  double time_limit_s = 600;  // 0 = unlimited
  uint64_t memory_limit_mb = 4096;
  int threads = 0;
  std::string out;
  bool no_witness = false;
  bool quiet = false;
};


// "linearizable, mutual-exclusion, ..." from the checker catalogue.
std::string CheckerNames() {
  return Join(AllCheckers(), ", ", [](const CheckerInfo& c) { return c.name; });
}

int RunCheck(const CheckArgs& args) {
  LinearizableOptions options;
  options.model = args.model;
  options.witness = !args.no_witness;
  if (!args.init.empty()) {
    Json init = Json::parse(args.init, nullptr, /*allow_exceptions=*/false);
    if (init.is_discarded()) return Fail("--init: not valid JSON: " + args.init);
    options.init = init;
  }
  auto started = std::chrono::steady_clock::now();
  History history;
  if (Status st = ReadHistoryFile(args.history, &history); !st) return Fail(st.message());
  auto read_done = std::chrono::steady_clock::now();
  CheckBudget budget;
  budget.time_limit = CheckBudget::TimeLimitOf(args.time_limit_s);
  budget.memory_limit_bytes = args.memory_limit_mb << 20;
  budget.threads = args.threads;
  // The checkers a workload's history needs besides linearizability judge it as they do in a
  // run (they read nothing but the history).
  std::unique_ptr<Checker> owned;
  if (args.checker == "linearizable") {
    owned = std::make_unique<LinearizableChecker>(options);
  } else {
    std::vector<std::unique_ptr<Checker>> list;
    const std::vector<CheckerInfo> known = AllCheckers();
    std::string rest = args.checker;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      const std::string name = rest.substr(0, comma);
      rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
      auto it = std::find_if(known.begin(), known.end(),
                             [&](const CheckerInfo& c) { return c.name == name; });
      if (it == known.end() || name == "linearizable") {
        return Fail("--checker: unknown checker \"" + name + "\" (checkers: " + CheckerNames() +
                    "; linearizable alone, with --model)");
      }
      list.push_back(it->make());
    }
    if (list.empty()) return Fail("--checker: empty");
    owned = list.size() == 1 ? std::move(list[0]) : std::make_unique<ComposeChecker>(std::move(list));
  }
  const Checker& checker = *owned;
  CheckResult result = checker.Check(history, budget);
  auto checked = std::chrono::steady_clock::now();
  if (result.valid == Validity::kUnknown && result.details.value("reason", "") == "error") {
    // Bad input for the model (an op it does not know, a bad --init): name the place.
    const int64_t line = result.details.value("line", int64_t{0});
    return Fail(InputError(line > 0 ? args.history : "", line, result.details.value("message", ""))
                    .message());
  }
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };

  if (!args.out.empty()) {
    Json out = result.ToJson();
    out["checker"] = checker.name();
    out["history"] = args.history;
    if (args.checker == "linearizable") out["model"] = args.model;
    out["init"] = options.init ? *options.init : Json();
    out["read_ms"] = ms(read_done - started);
    out["check_ms"] = ms(checked - read_done);
    std::ofstream f(args.out);
    f << out.dump(1) << "\n";
    if (!f) return Fail("cannot write " + args.out);
  }
  if (!args.quiet) {
    std::printf("%s\n%s\n", std::string(ValidityName(result.valid)).c_str(),
                result.summary.c_str());
    const std::string what = args.checker == "linearizable" ? args.model : args.checker;
    std::printf("(%s, %zu events, read %.1f ms, check %.1f ms)\n", what.c_str(),
                history.size(), ms(read_done - started), ms(checked - read_done));
  }
  switch (result.valid) {
    case Validity::kValid:
      return kExitValid;
    case Validity::kInvalid:
      return kExitInvalid;
    case Validity::kUnknown:
      return kExitUnknown;
  }
  return kExitError;
}

int RunImport(const std::string& format, const std::string& input, const std::string& output) {
  if (format != "jepsen") return Fail("unknown import format \"" + format + "\" (formats: jepsen)");
  History history;
  if (Status st = ImportJepsenEdnFile(input, &history); !st) return Fail(st.message());
  if (Status st = WriteHistoryFile(output, history); !st) return Fail(st.message());
  std::printf("imported %zu events from %s into %s\n", history.size(), input.c_str(),
              output.c_str());
  return 0;
}

}  // namespace

int Fail(const std::string& message) {
  std::fprintf(stderr, "coordcheck: error: %s\n", message.c_str());
  return kExitError;
}

void InstallStopSignals(void (*handler)(int)) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaction(sig, &sa, nullptr);
}

int RunCli(int argc, char** argv) {
  CLI::App app{
      "coordcheck: a Jepsen-style correctness testing harness for distributed coordination"};
  app.require_subcommand(1);

  CheckArgs check;
  CLI::App* check_cmd = app.add_subcommand(
      "check",
      "Check a saved history (history.jsonl): linearizability against a model, or a "
      "workload's checkers (--checker)");
  check_cmd->add_option("history", check.history, "history file (JSON Lines; - for stdin)")
      ->required();
  check_cmd
      ->add_option("--checker", check.checker,
                   "linearizable (with --model), or any others of " + CheckerNames() +
                       ", comma-separated")
      ->capture_default_str();
  check_cmd->add_option("--model,-m", check.model, "model (see below)")->capture_default_str();
  check_cmd->add_option("--init", check.init, "initial state as JSON (default: the model's)");
  check_cmd
      ->add_option("--time-limit", check.time_limit_s,
                   "seconds before the verdict is unknown (0 = unlimited)")
      ->capture_default_str();
  check_cmd
      ->add_option("--memory-limit", check.memory_limit_mb,
                   "MiB of search state before the verdict is unknown (0 = unlimited)")
      ->capture_default_str();
  check_cmd->add_option("--threads", check.threads, "worker threads (0 = all cores)")
      ->capture_default_str();
  check_cmd->add_option("--out,-o", check.out, "write the result as JSON to this file");
  check_cmd->add_flag("--no-witness", check.no_witness,
                      "leave the witness linearization out of --out");
  check_cmd->add_flag("--quiet,-q", check.quiet, "print nothing; the exit code tells");
  check_cmd->footer(ModelHelp() +
                    "\n\nExit codes: 0 valid, 1 invalid, 2 unknown (out of budget), 3 bad "
                    "input or error.");

  std::string format, input, output;
  CLI::App* import_cmd =
      app.add_subcommand("import", "Convert another tool's history into history.jsonl");
  import_cmd->add_option("format", format, "input format: jepsen (history.edn)")->required();
  import_cmd->add_option("input", input, "input file")->required();
  import_cmd->add_option("--out,-o", output, "output history.jsonl")->required();

  std::shared_ptr<RunCommands> run_commands = AddRunCommands(&app);
  std::shared_ptr<ReportCommands> report_commands = AddReportCommands(&app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitError;
  }
  try {
    if (check_cmd->parsed()) return RunCheck(check);
    if (import_cmd->parsed()) return RunImport(format, input, output);
    if (int code = DispatchReportCommands(*report_commands); code >= 0) return code;
    return DispatchRunCommands(*run_commands, argc, argv);
  } catch (const std::exception& e) {
    return Fail(e.what());
  }
  return kExitError;
}

}  // namespace coordcheck
