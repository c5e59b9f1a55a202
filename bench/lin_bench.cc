// lin_bench: times LinearizableChecker on histories with known verdicts.
//
// Reads manifest.json files (the format of shared/histories/*/manifest.json:
// file, model, init, expected, ops, optionally porcupine_ms_median and
// anomaly), checks every listed history in a forked child (isolated_check.h)
// and prints one line per history, then totals per manifest and overall.
// Without manifest arguments it uses the shared histories under
// tests/data/shared-histories; --generated DIR adds DIR/manifest.json (from
// gen_histories). See bench/README.md for what each column means.
//
// Exit codes: 0 every verdict as expected; 1 a MISMATCH (a valid/invalid
// verdict that differs from the expected one); 2 no mismatch, but an unknown
// verdict; 3 no mismatch, but a crash, hang or unreadable input (in the
// checker or here).
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "bench/isolated_check.h"

#ifndef COORDCHECK_SOURCE_DIR
#define COORDCHECK_SOURCE_DIR "."
#endif

namespace coordcheck::bench {
namespace {

constexpr int kExitMismatch = 1;
constexpr int kExitUnknown = 2;
constexpr int kExitError = 3;

// One history listed in a manifest.
struct Entry {
  std::string path;  // the history file
  std::string file;  // as listed
  std::string model;
  std::optional<Json> init;
  std::string expected;  // "valid" or "invalid"
  int64_t ops = -1;
  std::optional<double> porcupine_ms;  // porcupine_ms_median when a number
  int64_t anomaly_index = -1;          // generated invalid histories: the injected op's invoke
};

struct Manifest {
  std::string path;
  std::vector<Entry> entries;
};

std::optional<std::string> LoadManifest(const std::string& path, Manifest* out) {
  std::ifstream in(path);
  if (!in) return path + ": cannot open";
  const Json list = Json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!list.is_array()) return path + ": not a JSON array";
  out->path = path;
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& e = list[i];
    if (!e.is_object() || !e.contains("file") || !e["file"].is_string() ||
        !e.contains("expected") || !e["expected"].is_string()) {
      return path + ": entry " + std::to_string(i) + " lacks \"file\" or \"expected\"";
    }
    Entry entry;
    entry.file = e["file"].get<std::string>();
    entry.path = (dir / entry.file).string();
    entry.model = e.value("model", "cas-register");
    if (e.contains("init")) entry.init = e["init"];
    entry.expected = e["expected"].get<std::string>();
    if (e.contains("ops") && e["ops"].is_number_integer()) entry.ops = e["ops"].get<int64_t>();
    if (e.contains("porcupine_ms_median") && e["porcupine_ms_median"].is_number()) {
      entry.porcupine_ms = e["porcupine_ms_median"].get<double>();
    }
    if (e.contains("anomaly") && e["anomaly"].is_object() && e["anomaly"].contains("index") &&
        e["anomaly"]["index"].is_number_integer()) {
      entry.anomaly_index = e["anomaly"]["index"].get<int64_t>();
    }
    out->entries.push_back(std::move(entry));
  }
  return std::nullopt;
}

// Totals over a set of rows.
struct Totals {
  int histories = 0;
  double check_ms = 0;
  double cpu_ms = 0;                   // CPU time of the first runs
  double porcupine_ms = 0;             // over the histories that have a Porcupine time
  double check_ms_with_porcupine = 0;  // our time over the same histories
  std::string slowest;
  double slowest_ms = -1;
  int mismatches = 0;
  int unknowns = 0;
  int errors = 0;  // crashed, hung, bad input

  void Print(const std::string& label) const {
    std::printf("%s: %d histories, check %.1f ms in total (CPU %.1f ms)", label.c_str(), histories,
                check_ms, cpu_ms);
    if (porcupine_ms > 0) {
      std::printf("; on those with a Porcupine time %.1f ms, Porcupine %.1f ms",
                  check_ms_with_porcupine, porcupine_ms);
    }
    std::printf("\n  slowest %s (%.1f ms); %d mismatch%s, %d unknown, %d crashed/hung/bad input\n",
                slowest.empty() ? "-" : slowest.c_str(), std::max(0.0, slowest_ms), mismatches,
                mismatches == 1 ? "" : "es", unknowns, errors);
  }
};

std::string FormatMs(std::optional<double> ms) {
  if (!ms) return "-";
  char text[32];
  std::snprintf(text, sizeof(text), "%.3f", *ms);
  return text;
}

int Main(int argc, char** argv) {
  CLI::App app{"Times the linearizability checker on histories with known verdicts"};
  std::vector<std::string> manifests;
  std::string generated;
  double time_limit_s = 120;
  int threads = 0;
  uint64_t memory_limit_mb = 4096;
  uint64_t hard_memory_mb = 16384;
  int runs = 5;
  double repeat_below_ms = 1000;
  double watchdog_s = 0;
  std::string filter;
  int64_t max_ops = 0;
  bool witness = false;
  std::string json_out;
  app.add_option("manifests", manifests,
                 "manifest.json files (default: the shared porcupine and knossos histories)");
  app.add_option("--generated", generated, "also check DIR/manifest.json (from gen_histories)");
  app.add_option("--time-limit-s", time_limit_s, "CheckBudget time limit per check, s (0 = none)")
      ->capture_default_str();
  app.add_option("--threads", threads, "CheckBudget threads (0 = all cores)")
      ->capture_default_str();
  app.add_option("--memory-limit-mb", memory_limit_mb, "CheckBudget memory limit, MB (0 = none)")
      ->capture_default_str();
  app.add_option("--hard-memory-mb", hard_memory_mb,
                 "RLIMIT_AS of each child, MB (0 = none); exceeding it is a crash")
      ->capture_default_str();
  app.add_option("--runs", runs, "check runs per history while each run is fast")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--repeat-below-ms", repeat_below_ms, "repeat only while a run takes less (ms)")
      ->capture_default_str();
  app.add_option("--watchdog-s", watchdog_s,
                 "kill a child after this long, s (0 = 2 x time limit + 60, or 3600)")
      ->capture_default_str();
  app.add_option("--filter", filter, "only files whose name matches this regex (search)");
  app.add_option("--max-ops", max_ops, "skip histories with more ops (0 = no limit)");
  app.add_flag("--witness", witness, "have the checker build the witness of valid histories");
  app.add_option("--json", json_out, "also write every row as JSON to this file");
  CLI11_PARSE(app, argc, argv);

  if (manifests.empty()) {
    const std::string shared = std::string(COORDCHECK_SOURCE_DIR) + "/tests/data/shared-histories";
    manifests = {shared + "/porcupine/manifest.json", shared + "/knossos/manifest.json"};
  }
  if (!generated.empty()) manifests.push_back(generated + "/manifest.json");

  IsolatedCheckOptions options;
  options.witness = witness;
  options.budget.time_limit = std::chrono::milliseconds(static_cast<int64_t>(time_limit_s * 1000));
  options.budget.memory_limit_bytes = memory_limit_mb << 20;
  options.budget.threads = threads;
  options.max_runs = runs;
  options.repeat_below_ms = repeat_below_ms;
  options.address_space_limit_bytes = hard_memory_mb << 20;
  if (watchdog_s <= 0) watchdog_s = time_limit_s > 0 ? 2 * time_limit_s + 60 : 3600;
  options.watchdog = std::chrono::seconds(static_cast<int64_t>(watchdog_s));
  std::optional<std::regex> file_filter;
  if (!filter.empty()) file_filter.emplace(filter);

  std::printf("lin_bench:");
  for (int i = 1; i < argc; ++i) std::printf(" %s", argv[i]);
  std::printf("\n  time limit %.0f s, threads %d%s, memory limit %" PRIu64
              " MB, up to %d runs while < %.0f ms, witness %s\n",
              time_limit_s, threads, threads == 0 ? " (all cores)" : "", memory_limit_mb, runs,
              repeat_below_ms, witness ? "on" : "off");

  std::vector<Manifest> loaded;
  size_t width = 20;
  for (const std::string& path : manifests) {
    Manifest m;
    if (auto error = LoadManifest(path, &m)) {
      std::fprintf(stderr, "lin_bench: %s\n", error->c_str());
      return kExitError;
    }
    for (const Entry& e : m.entries) width = std::max(width, e.file.size());
    loaded.push_back(std::move(m));
  }
  const int w = static_cast<int>(width);

  Totals all;
  Json rows = Json::array();
  int skipped = 0;
  for (const Manifest& m : loaded) {
    std::printf("\n== %s (%zu histories)\n", m.path.c_str(), m.entries.size());
    std::printf("%-*s %8s %-8s %-8s %11s %4s %11s %9s %8s %8s %10s %7s  %s\n", w, "file", "ops",
                "expected", "verdict", "check_ms", "runs", "cpu_ms", "read_ms", "rss_mb", "grow_mb",
                "porc_ms", "x_porc", "note");
    Totals totals;
    for (const Entry& e : m.entries) {
      if (file_filter && !std::regex_search(e.file, *file_filter)) continue;
      if (max_ops > 0 && e.ops > max_ops) {
        ++skipped;
        continue;
      }
      IsolatedCheckOptions per = options;
      per.model = e.model;
      per.init = e.init;
      const IsolatedCheckResult r = RunIsolatedCheck(e.path, per);

      std::string verdict = "-";
      std::string note;
      double median = 0;
      if (r.status != RunStatus::kOk) {
        const char* what = r.status == RunStatus::kHung       ? "HUNG"
                           : r.status == RunStatus::kBadInput ? "BAD-INPUT"
                                                              : "CRASH";
        verdict = "error";
        note = std::string(what) + ": " + r.message;
        ++totals.errors;
      } else {
        median = r.MedianCheckMs();
        const Validity v = r.verdicts.front();
        verdict = std::string(ValidityName(v));
        if (v == Validity::kUnknown) {
          note = "UNKNOWN (" + (r.unknown_reason.empty() ? r.summary : r.unknown_reason) + ")";
          ++totals.unknowns;
        } else if (verdict != e.expected) {
          note = "MISMATCH";
          ++totals.mismatches;
        }
        if (std::any_of(r.verdicts.begin(), r.verdicts.end(),
                        [&](Validity other) { return other != v; })) {
          note += note.empty() ? "FLAKY" : " FLAKY";
        }
        if (time_limit_s > 0 && r.check_ms.front() > time_limit_s * 1100 + 1000) {
          note += note.empty() ? "OVER-BUDGET" : " OVER-BUDGET";
        }
        if (v == Validity::kInvalid && r.failing_op >= 0) {
          note += (note.empty() ? "op " : " op ") + std::to_string(r.failing_op);
          if (e.anomaly_index >= 0) note += " (stale read " + std::to_string(e.anomaly_index) + ")";
        }
        totals.check_ms += median;
        totals.cpu_ms += r.cpu_ms;
        if (e.porcupine_ms) {
          totals.porcupine_ms += *e.porcupine_ms;
          totals.check_ms_with_porcupine += median;
        }
        if (median > totals.slowest_ms) {
          totals.slowest_ms = median;
          totals.slowest = e.file;
        }
      }
      ++totals.histories;

      std::string ratio = "-";
      if (r.status == RunStatus::kOk && e.porcupine_ms && *e.porcupine_ms > 0) {
        char text[32];
        std::snprintf(text, sizeof(text), "%.2f", median / *e.porcupine_ms);
        ratio = text;
      }
      std::printf("%-*s %8" PRId64 " %-8s %-8s %11.3f %4zu %11.3f %9.2f %8.1f %8.1f %10s %7s  %s\n",
                  w, e.file.c_str(), e.ops, e.expected.c_str(), verdict.c_str(), median,
                  r.check_ms.size(), r.cpu_ms, r.read_ms, r.peak_rss_mb, r.check_growth_mb,
                  FormatMs(e.porcupine_ms).c_str(), ratio.c_str(), note.c_str());
      std::fflush(stdout);

      Json row = {{"manifest", m.path},
                  {"file", e.file},
                  {"ops", e.ops},
                  {"model", e.model},
                  {"expected", e.expected},
                  {"verdict", verdict},
                  {"check_ms", r.check_ms},
                  {"check_ms_median", median},
                  {"cpu_ms", r.cpu_ms},
                  {"read_ms", r.read_ms},
                  {"peak_rss_mb", r.peak_rss_mb},
                  {"check_growth_mb", r.check_growth_mb},
                  {"note", note},
                  {"summary", r.summary}};
      if (e.porcupine_ms) row["porcupine_ms_median"] = *e.porcupine_ms;
      rows.push_back(std::move(row));
    }
    totals.Print("-- " + m.path);
    all.histories += totals.histories;
    all.check_ms += totals.check_ms;
    all.cpu_ms += totals.cpu_ms;
    all.porcupine_ms += totals.porcupine_ms;
    all.check_ms_with_porcupine += totals.check_ms_with_porcupine;
    all.mismatches += totals.mismatches;
    all.unknowns += totals.unknowns;
    all.errors += totals.errors;
    if (totals.slowest_ms > all.slowest_ms) {
      all.slowest_ms = totals.slowest_ms;
      all.slowest = totals.slowest;
    }
  }
  std::printf("\n");
  all.Print("TOTAL");
  if (skipped > 0)
    std::printf("  %d histories skipped (--max-ops %" PRId64 ")\n", skipped, max_ops);

  if (!json_out.empty()) {
    std::ofstream out(json_out);
    out << rows.dump(1) << "\n";
    if (!out) {
      std::fprintf(stderr, "lin_bench: cannot write %s\n", json_out.c_str());
      return kExitError;
    }
  }
  if (all.mismatches > 0) return kExitMismatch;
  if (all.errors > 0) return kExitError;
  if (all.unknowns > 0) return kExitUnknown;
  return 0;
}

}  // namespace
}  // namespace coordcheck::bench

int main(int argc, char** argv) { return coordcheck::bench::Main(argc, argv); }
