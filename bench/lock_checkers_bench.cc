// The lock checkers' cost on large resource logs: N critical sections (a read and a write
// each, fenced, every 1000th overlapping the next), written as a stored history would hold
// them, then read back and judged by mutual-exclusion and fencing. Prints, per size, the
// time to read the history file, each checker's time, and the verdicts.
//
//   build/bench/lock_checkers_bench [--sizes 10000,100000,1000000]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "workloads/lock/fencing.h"
#include "workloads/lock/ops.h"
#include "workloads/lock/mutual_exclusion.h"
#include "history/jsonl.h"

namespace {

using coordcheck::Json;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The final phase's two ops over a log of `n` critical sections.
std::string WriteHistory(int64_t n, const std::string& path) {
  Json log = Json::array();
  int64_t counter = 0, seq = 0, t = 0;
  for (int64_t k = 0; k < n; ++k) {
    const std::string cs = std::to_string(k % 5) + "-" + std::to_string(k);
    const bool overlap = k % 1000 == 999 && k + 1 < n;
    auto entry = [&](const char* kind, int64_t value, const std::string& id, int64_t fence) {
      log.push_back({{"seq", seq++}, {"cs", id}, {"process", k % 5}, {"kind", kind},
                     {"fence", fence}, {"value", value}, {"accepted", true}, {"t_ns", t += 1000}});
    };
    if (overlap) {  // k and k+1 both read the same counter, then both write: a lost update
      const std::string next = std::to_string((k + 1) % 5) + "-" + std::to_string(k + 1);
      entry("read", counter, cs, k + 1);
      entry("read", counter, next, k + 2);
      entry("write", counter + 1, cs, k + 1);
      entry("write", counter + 1, next, k + 2);
      counter += 1;
      ++k;
      continue;
    }
    entry("read", counter, cs, k + 1);
    entry("write", counter + 1, cs, k + 1);
    counter += 1;
  }
  coordcheck::HistoryWriter w;
  if (coordcheck::Status st = w.Open(path); !st) return st.message();
  auto add = [&](int64_t index, coordcheck::OpType type, const char* f, Json value) {
    coordcheck::Op op;
    op.index = index;
    op.time_ns = index;
    op.process = 0;
    op.type = type;
    op.f = f;
    op.value = std::move(value);
    return w.Append(op);
  };
  using coordcheck::OpType;
  namespace ops = coordcheck::lock_ops;
  if (auto e = add(0, OpType::kInvoke, ops::kResourceLog, nullptr); !e) return e.message();
  if (auto e = add(1, OpType::kOk, ops::kResourceLog, std::move(log)); !e) return e.message();
  if (auto e = add(2, OpType::kInvoke, ops::kResourceRead, nullptr); !e) return e.message();
  if (auto e = add(3, OpType::kOk, ops::kResourceRead, counter); !e) return e.message();
  w.Close();
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("lock checkers benchmark");
  std::vector<int64_t> sizes = {10000, 100000, 1000000};
  app.add_option("--sizes", sizes, "critical sections per log")->delimiter(',');
  CLI11_PARSE(app, argc, argv);
  const std::string path =
      (std::filesystem::temp_directory_path() / "coordcheck-lock-bench.jsonl").string();
  std::printf("%12s %10s %10s %12s %12s  %s\n", "sections", "file MB", "read s", "mutex s",
              "fencing s", "verdicts");
  for (int64_t n : sizes) {
    if (std::string err = WriteHistory(n, path); !err.empty()) {
      std::fprintf(stderr, "%s\n", err.c_str());
      return 1;
    }
    const double mb = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
    auto t = Clock::now();
    coordcheck::History h;
    if (coordcheck::Status st = coordcheck::ReadHistoryFile(path, &h); !st) {
      std::fprintf(stderr, "%s\n", st.message().c_str());
      return 1;
    }
    const double read_s = Since(t);
    coordcheck::CheckBudget budget;
    t = Clock::now();
    coordcheck::CheckResult m = coordcheck::MutualExclusionChecker().Check(h, budget);
    const double mutex_s = Since(t);
    t = Clock::now();
    coordcheck::CheckResult f = coordcheck::FencingChecker().Check(h, budget);
    const double fencing_s = Since(t);
    std::printf("%12lld %10.1f %10.3f %12.3f %12.3f  %s (%s overlaps), %s\n",
                static_cast<long long>(n), mb, read_s, mutex_s, fencing_s,
                std::string(coordcheck::ValidityName(m.valid)).c_str(),
                m.details.value("overlap_count", Json()).dump().c_str(),
                std::string(coordcheck::ValidityName(f.valid)).c_str());
  }
  std::filesystem::remove(path);
  return 0;
}
