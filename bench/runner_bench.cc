// Runner overhead: ops/s the runner records against an in-process client that completes
// every op at once, with 10, 100 and 1000 worker threads. Each op is generated, handed to
// a worker, completed, and both events are written to a real history file.
//
//   build/bench/runner_bench [--ops N] [--workers 10,100,1000] [--out DIR]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include <CLI/CLI.hpp>

#include "generators/combinators.h"
#include "workloads/register/generator.h"
#include "harness/runner.h"
#include "history/jsonl.h"

namespace {

class NoopClient final : public coordcheck::Client {
 public:
  coordcheck::Status Open(const coordcheck::ClientEnv&, const std::string&) override {
    return {};
  }
  coordcheck::Op Invoke(const coordcheck::Op& invoke, coordcheck::Deadline) override {
    return coordcheck::CompleteOk(invoke, invoke.value);
  }
  void Close() override {}
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"runner overhead benchmark"};
  int64_t ops = 1'000'000;
  std::string workers_list = "10,100,1000";
  std::string out_dir = std::filesystem::temp_directory_path() / "coordcheck-runner-bench";
  bool register_ops = false;
  app.add_option("--ops", ops, "ops per measurement")->capture_default_str();
  app.add_option("--workers", workers_list, "comma-separated worker counts")->capture_default_str();
  app.add_option("--out", out_dir, "where the histories are written")->capture_default_str();
  app.add_flag("--register", register_ops,
               "use the register workload's generator (independent keys) instead of a plain stream");
  CLI11_PARSE(app, argc, argv);
  std::filesystem::create_directories(out_dir);

  std::stringstream list(workers_list);
  std::string item;
  std::printf("%-8s %10s %10s %12s %10s\n", "workers", "ops", "seconds", "ops/s", "MiB");
  while (std::getline(list, item, ',')) {
    const int workers = std::stoi(item);
    const std::string path = out_dir + "/history-" + item + ".jsonl";
    coordcheck::HistoryWriter writer;
    if (coordcheck::Status st = writer.Open(path); !st) {
      std::fprintf(stderr, "%s\n", st.message().c_str());
      return 1;
    }
    coordcheck::RunnerOptions options;
    options.concurrency = workers;
    options.nodes = {"n1", "n2", "n3", "n4", "n5"};
    coordcheck::Runner runner(options, [] { return std::make_unique<NoopClient>(); }, nullptr,
                              &writer);
    namespace gen = coordcheck::gen;
    gen::GenPtr g;
    if (register_ops) {
      gen::RegisterOptions ro;
      ro.threads_per_key = workers % 5 == 0 ? 5 : 1;
      g = gen::RegisterWorkload(ro, gen::Rng(1));
    } else {
      g = gen::RegisterOps(gen::Rng(1));
    }
    auto t0 = std::chrono::steady_clock::now();
    auto stats = runner.RunPhase(gen::Clients(gen::Limit(ops, g)));
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!stats.ok()) {
      std::fprintf(stderr, "%s\n", stats.message().c_str());
      return 1;
    }
    writer.Close();
    const double mib = std::filesystem::file_size(path) / 1048576.0;
    std::printf("%-8d %10lld %10.2f %12.0f %10.1f\n", workers,
                static_cast<long long>(stats->invoked), s, stats->invoked / s, mib);
    std::filesystem::remove(path);
  }
  return 0;
}
