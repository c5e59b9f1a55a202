// gen_histories: writes the linearizability benchmark's generated histories
// (history.jsonl format) and a manifest.json listing each one's model, init and
// expected verdict, in the format of shared/histories/*/manifest.json.
//
// The set (see bench/README.md):
// - hard single-key cas-register histories, 12-24 processes, 300-1000 ops, 5%
//   info: for every shape and seed a valid one and an invalid twin that differs
//   only in one injected stale read;
// - a long one: 20,000 ops, 6 processes, 1% info, valid and invalid twin;
// - a large one: 1,000,000 ops over 1000 keys (kv model), 100 processes, 3% info, valid.
//
// Deterministic: one master seed (--seed); each history's seed derives from it
// and the history's name, and is written to the manifest.
//
// Exit codes: 0 written, 3 an error (bad output directory, a simulation bug).
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bench/register_sim.h"
#include "history/op.h"

namespace coordcheck::bench {
namespace {

using OrderedJson = nlohmann::ordered_json;

constexpr int kExitError = 3;

// One history to generate (two files when `invalid_twin`).
struct Spec {
  std::string name;   // file stem; "-valid" / "-invalid" is appended
  std::string model;  // model name for the manifest
  SimOptions options;
  bool invalid_twin = false;
  std::string note;  // for the manifest
};

// Writes `h` as JSONL, with `stale` (optional) injected. Returns an error message on failure.
std::optional<std::string> WriteJsonl(const std::string& path, const SimHistory& h,
                                      const StaleRead* stale) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) return "cannot create " + path;
  static char buffer[1 << 20];
  std::setvbuf(file, buffer, _IOFBF, sizeof(buffer));
  for (size_t i = 0; i < h.events.size(); ++i) {
    std::string line = OpToLine(EventOp(h, static_cast<int64_t>(i), stale));
    line.push_back('\n');
    if (std::fwrite(line.data(), 1, line.size(), file) != line.size()) {
      std::fclose(file);
      return "write failed: " + path;
    }
  }
  if (std::fclose(file) != 0) return "write failed: " + path;
  return std::nullopt;
}

OrderedJson ManifestEntry(const Spec& spec, const SimHistory& h, const std::string& file,
                          uint64_t seed, const StaleRead* stale) {
  int64_t info = 0;
  int64_t fail = 0;
  int64_t max_process = 0;
  for (const SimOp& op : h.ops) {
    info += op.outcome == OpType::kInfo;
    fail += op.outcome == OpType::kFail;
    max_process = std::max(max_process, op.process);
  }
  OrderedJson e;
  e["file"] = file;
  e["source"] = "bench/gen_histories";
  e["model"] = spec.model;
  e["init"] = ValueJson(h.options, -1);
  e["expected"] = stale != nullptr ? "invalid" : "valid";
  e["ops"] = h.ops.size();
  e["info"] = info;
  e["fail"] = fail;
  e["pending"] = 0;
  e["processes"] = h.options.processes;
  e["process_ids"] = max_process + 1;
  if (h.options.keys > 0) e["keys"] = h.options.keys;
  e["seed"] = seed;
  if (stale != nullptr) {
    const SimOp& read = h.ops[stale->read_op];
    e["anomaly"] = {
        {"kind", "stale-read"},
        {"index", read.invoke_index},
        {"complete", read.complete_index},
        {"read", ValueJson(h.options, stale->value)},
        {"actual", ValueJson(h.options, read.result)},
        {"last_writer", h.ops[stale->last_writer_op].invoke_index},
        {"overwriter", h.ops[stale->overwriter_op].invoke_index},
    };
  }
  e["note"] = spec.note;
  return e;
}

std::vector<Spec> Specs(int seeds_per_shape, double hard_info, double long_info, bool large,
                        int64_t kv_ops) {
  std::vector<Spec> specs;
  struct Shape {
    int processes;
    int64_t ops;
  };
  for (Shape shape : {Shape{12, 300}, Shape{16, 500}, Shape{20, 800}, Shape{24, 1000}}) {
    for (int s = 0; s < seeds_per_shape; ++s) {
      Spec spec;
      spec.name = "cas-p" + std::to_string(shape.processes) + "-n" + std::to_string(shape.ops) +
                  "-s" + std::to_string(s);
      spec.model = "cas-register";
      spec.options.processes = shape.processes;
      spec.options.ops = shape.ops;
      spec.options.info_fraction = hard_info;
      spec.options.plan_stale_read = true;
      spec.invalid_twin = true;
      spec.note = "hard: heavy overlap, values 0-4, 5% info";
      specs.push_back(spec);
    }
  }
  if (!large) return specs;
  Spec long_spec;
  long_spec.name = "cas-p6-n20000";
  long_spec.model = "cas-register";
  long_spec.options.processes = 6;
  long_spec.options.ops = 20'000;
  long_spec.options.info_fraction = long_info;
  long_spec.options.plan_stale_read = true;
  long_spec.invalid_twin = true;
  long_spec.note = "long: one key, values 0-4, few info ops";
  specs.push_back(long_spec);

  Spec kv;
  kv.name = "kv-k1000-p100-n" + std::to_string(kv_ops);
  kv.model = "kv";
  kv.options.processes = 100;
  kv.options.ops = kv_ops;
  kv.options.keys = 1000;
  kv.options.string_values = true;
  kv.options.info_fraction = 0.03;
  kv.note = "large: 1000 independent keys, string values \"0\"-\"4\", 3% info";
  specs.push_back(kv);
  return specs;
}

int Main(int argc, char** argv) {
  CLI::App app{"Writes the linearizability benchmark's generated histories and manifest.json"};
  std::string out;
  uint64_t master_seed = 1;
  int seeds_per_shape = 3;
  bool no_large = false;
  double hard_info_pct = 5;
  double long_info_pct = 1;
  int64_t kv_ops = 1'000'000;
  app.add_option("--out", out, "output directory (created)")->required();
  app.add_option("--seed", master_seed, "master seed")->capture_default_str();
  app.add_option("--seeds-per-shape", seeds_per_shape, "hard histories per (processes, ops) shape")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  app.add_option("--hard-info-pct", hard_info_pct, "share of info ops in the hard histories, %")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 50.0));
  app.add_option("--long-info-pct", long_info_pct, "share of info ops in the 20,000-op history, %")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 50.0));
  app.add_flag("--no-large", no_large, "skip the 20,000-op and the kv histories");
  app.add_option("--kv-ops", kv_ops, "ops in the kv history")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1000}, int64_t{100'000'000}));
  CLI11_PARSE(app, argc, argv);

  std::printf("gen_histories: master seed %" PRIu64 ", output %s\n", master_seed, out.c_str());
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) {
    std::fprintf(stderr, "gen_histories: cannot create %s: %s\n", out.c_str(),
                 ec.message().c_str());
    return kExitError;
  }

  OrderedJson manifest = OrderedJson::array();
  for (const Spec& spec :
       Specs(seeds_per_shape, hard_info_pct / 100, long_info_pct / 100, !no_large, kv_ops)) {
    const auto start = std::chrono::steady_clock::now();
    const uint64_t seed = ChildSeed(master_seed, spec.name);
    const SimHistory h = Simulate(spec.options, seed);
    if (auto error = VerifyWitness(h)) {
      std::fprintf(stderr, "gen_histories: %s (seed %" PRIu64 "): simulation bug: %s\n",
                   spec.name.c_str(), seed, error->c_str());
      return kExitError;
    }
    std::optional<StaleRead> stale;
    if (spec.invalid_twin) {
      stale = FindStaleRead(h);
      if (!stale) {
        std::fprintf(stderr, "gen_histories: %s (seed %" PRIu64 "): no certain stale read found\n",
                     spec.name.c_str(), seed);
        return kExitError;
      }
    }
    std::vector<const StaleRead*> variants = {nullptr};
    if (stale) variants.push_back(&*stale);
    for (const StaleRead* injected : variants) {
      const std::string file = spec.name + (injected ? "-invalid" : "-valid") + ".jsonl";
      if (auto error = WriteJsonl((std::filesystem::path(out) / file).string(), h, injected)) {
        std::fprintf(stderr, "gen_histories: %s\n", error->c_str());
        return kExitError;
      }
      manifest.push_back(ManifestEntry(spec, h, file, seed, injected));
    }
    const auto ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::printf("  %-32s %8zu ops %9zu events  seed %20" PRIu64 "  %7.0f ms%s\n", spec.name.c_str(),
                h.ops.size(), h.events.size(), seed, ms,
                spec.invalid_twin ? "  (valid + invalid)" : "");
  }

  const std::string manifest_path = (std::filesystem::path(out) / "manifest.json").string();
  std::FILE* file = std::fopen(manifest_path.c_str(), "w");
  if (file == nullptr) {
    std::fprintf(stderr, "gen_histories: cannot create %s\n", manifest_path.c_str());
    return kExitError;
  }
  const std::string text = manifest.dump(1) + "\n";
  const bool ok = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  if (std::fclose(file) != 0 || !ok) {
    std::fprintf(stderr, "gen_histories: write failed: %s\n", manifest_path.c_str());
    return kExitError;
  }
  std::printf("gen_histories: %zu histories, manifest %s\n", manifest.size(),
              manifest_path.c_str());
  return 0;
}

}  // namespace
}  // namespace coordcheck::bench

int main(int argc, char** argv) { return coordcheck::bench::Main(argc, argv); }
