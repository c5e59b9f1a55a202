#include "harness/compare.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>

#include "harness/cli.h"
#include "harness/cli_report.h"
#include "harness/store.h"
#include "workloads/workload.h"

namespace coordcheck {
namespace {

std::string Cell(const Json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// The run's figures ({} when it has none).
const Json& FiguresOf(const RunOutcome& run) {
  static const Json kNone = Json::object();
  return run.results ? run.results->figures : kNone;
}

// The figures' column names: the workload's order, then any others in first-seen order.
std::vector<std::string> FigureColumns(const std::vector<RunOutcome>& runs) {
  std::vector<std::string> columns;
  if (!runs.empty()) {
    if (const Workload* w = FindWorkload(runs.front().config.workload)) columns = w->figure_names();
  }
  // Only columns some run has.
  columns.erase(std::remove_if(columns.begin(), columns.end(),
                               [&](const std::string& c) {
                                 for (const RunOutcome& run : runs) {
                                   if (FiguresOf(run).contains(c)) return false;
                                 }
                                 return true;
                               }),
                columns.end());
  for (const RunOutcome& run : runs) {
    const Json& figures = FiguresOf(run);
    for (auto it = figures.begin(); it != figures.end(); ++it) {
      if (std::find(columns.begin(), columns.end(), it.key()) == columns.end()) {
        columns.push_back(it.key());
      }
    }
  }
  return columns;
}

}  // namespace

std::string VerdictOf(const RunOutcome& run) {
  if (run.results && !run.results->verdict.empty()) return run.results->verdict;
  return "error";
}

std::string AlignColumns(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    if (width.size() < row.size()) width.resize(row.size(), 0);
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      std::string cell = row[c];
      cell.resize(width[c], ' ');
      line += (c ? "  " : "") + cell;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string FormatCompareTable(const std::vector<RunOutcome>& runs) {
  const std::vector<std::string> figures = FigureColumns(runs);
  std::vector<std::string> header = {"target", "verdict"};
  for (const std::string& f : figures) {
    std::string name = f;
    std::replace(name.begin(), name.end(), '_', ' ');
    header.push_back(name);
  }
  // Whether clock faults reached each target, as measured (checkers/clock_effect.h).
  bool clock = false;
  for (const RunOutcome& run : runs) {
    clock = clock || (run.results && run.results->clock_effect.is_object());
  }
  if (clock) header.push_back("clock faults");
  // What concurrency each history held (checkers/concurrency.h); absent in older results.
  bool concurrency = false;
  for (const RunOutcome& run : runs) {
    concurrency = concurrency || (run.results && run.results->concurrency.is_object());
  }
  if (concurrency) header.push_back("concurrency");
  std::vector<std::vector<std::string>> rows;
  for (const RunOutcome& run : runs) {
    std::vector<std::string> row = {run.config.target, VerdictOf(run)};
    const Json& fig = FiguresOf(run);
    for (const std::string& f : figures) row.push_back(fig.contains(f) ? Cell(fig[f]) : "-");
    if (clock) {
      const bool measured = run.results && run.results->clock_effect.is_object();
      row.push_back(measured ? Cell(run.results->clock_effect.value("verdict", Json())) : "-");
    }
    if (concurrency) {
      row.push_back(run.results ? reports::ConcurrencyCell(run.results->concurrency) : "-");
    }
    rows.push_back(std::move(row));
  }
  rows.insert(rows.begin(), header);
  std::string out = AlignColumns(rows);
  // Per run: why it failed, what the checkers said, notes, and where it is.
  for (const RunOutcome& run : runs) {
    out += "\n" + run.config.target + ":";
    if (!run.results) {
      out += " the run did not start (see the error above)\n";
      continue;
    }
    out += "\n";
    if (!run.results->error.empty()) out += "  error: " + run.results->error + "\n";
    if (!run.results->summary.empty()) {
      const std::string& summary = run.results->summary;
      size_t at = 0;
      while (at <= summary.size()) {
        size_t nl = summary.find('\n', at);
        if (nl == std::string::npos) nl = summary.size();
        if (nl > at) out += "  " + summary.substr(at, nl - at) + "\n";
        at = nl + 1;
      }
    }
    for (const std::string& note : run.results->notes) out += "  note: " + note + "\n";
    out += "  run folder: " + run.run_dir + "\n";
  }
  return out;
}

int CompareExitCode(const std::vector<RunOutcome>& runs) {
  bool invalid = false, unknown = false;
  for (const RunOutcome& run : runs) {
    if (run.exit_code == kExitError) return kExitError;
    invalid = invalid || run.exit_code == kExitInvalid;
    unknown = unknown || run.exit_code == kExitUnknown;
  }
  if (invalid) return kExitInvalid;
  if (unknown) return kExitUnknown;
  return kExitValid;
}

int RunCompare(TestConfig base, const std::vector<std::string>& targets,
               const RunOptions& options) {
  if (!base.seed) base.seed = (uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
  // Every config first: a typo in the third target should not wait for two runs.
  std::vector<TestConfig> configs;
  for (const std::string& target : targets) {
    TestConfig config = base;
    config.target = target;
    config.name = base.name.empty() ? "" : base.name + "-" + target;
    if (Status st = ValidateTestConfig(config); !st) {
      std::fprintf(stderr, "coordcheck: error: target %s: %s\n", target.c_str(),
                   st.message().c_str());
      return kExitError;
    }
    configs.push_back(std::move(config));
  }
  std::printf("comparing %zu targets on workload %s, seed %llu\n", targets.size(),
              base.workload.c_str(), static_cast<unsigned long long>(*base.seed));
  std::fflush(stdout);

  std::vector<RunOutcome> runs;
  for (const TestConfig& config : configs) {
    std::printf("\n== %s ==\n", config.target.c_str());
    std::fflush(stdout);
    RunOutcome outcome;
    RunTest(config, options, &outcome);
    runs.push_back(std::move(outcome));
    if (options.stop != nullptr && options.stop->load()) break;  // interrupted: no more runs
  }

  const std::string table = FormatCompareTable(runs);
  std::printf("\n%s", table.c_str());
  const int code = CompareExitCode(runs);
  auto dir = CreateRunDir(base.store_dir, "compare-" + base.workload);
  if (!dir.ok()) {
    std::fprintf(stderr, "coordcheck: error: %s\n", dir.message().c_str());
    return kExitError;
  }
  std::filesystem::remove(*dir + "/nodes");  // a comparison has no nodes of its own
  Json record = {{"workload", base.workload},
                 {"seed", *base.seed},
                 {"command", options.command_line},
                 {"exit_code", code},
                 {"runs", Json::array()}};
  for (const RunOutcome& run : runs) {
    record["runs"].push_back(Json{{"target", run.config.target},
                                  {"exit_code", run.exit_code},
                                  {"verdict", VerdictOf(run)},
                                  {"run_dir", run.run_dir},
                                  {"figures", FiguresOf(run)}});
  }
  Status st = WriteFileAtomic(*dir + "/compare.json", record.dump(2) + "\n");
  if (st.ok()) st = WriteFileAtomic(*dir + "/table.txt", table);
  if (st.ok()) st = WriteCompareReports(*dir);
  if (!st.ok()) {
    std::fprintf(stderr, "coordcheck: error: %s\n", st.message().c_str());
    return kExitError;
  }
  std::printf("\ncomparison folder: %s\n", dir->c_str());
  return code;
}

}  // namespace coordcheck
