// The election workload's op stream, simulated (writes with increasing values to the one
// key, status ops at the asked share, the same ops for the same seed), and the workload
// value: its ops, options, final phase, checker and figures.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <vector>

#include "generators/basic.h"
#include "generators/simulate.h"
#include "generators/threads.h"
#include "workloads/election/generator.h"
#include "workloads/election/ops.h"
#include "workloads/workload.h"

namespace coordcheck::gen {
namespace {

namespace ops = election_ops;

SimResult SimulateOps(double status_fraction, uint64_t seed, int64_t count) {
  SimOptions sim;
  sim.client_threads = 4;
  sim.with_nemesis = true;  // Clients keeps the ops off the nemesis thread
  sim.thread_pick_seed = seed;
  ElectionGenOptions options;
  options.status_fraction = status_fraction;
  return Simulate(Limit(count, Clients(ElectionOps(options, Rng(seed)))), sim);
}

TEST_CASE("election ops: writes with increasing values and status ops at the asked share",
          "[election]") {
  SimResult r = SimulateOps(0.25, 7, 4000);
  REQUIRE(r.stop == SimStop::kDone);
  int64_t statuses = 0, writes = 0, last_value = 0;
  std::map<int64_t, int64_t> last_by_process;
  for (const Op& op : r.history) {
    if (!op.is_invoke()) continue;
    CHECK(op.process >= 0);
    if (op.f == ops::kStatus) {
      ++statuses;
      CHECK(op.value.is_null());
      CHECK(op.key.is_null());
      continue;
    }
    REQUIRE(op.f == ops::kWrite);
    ++writes;
    CHECK(op.key == ops::kKey);
    const int64_t v = op.value.get<int64_t>();
    CHECK(v == last_value + 1);  // unique in the run, in the order emitted
    last_value = v;
    CHECK(v > last_by_process[op.process]);
    last_by_process[op.process] = v;
  }
  CHECK(statuses + writes == 4000);
  CHECK(statuses > 800);  // 1000 expected
  CHECK(statuses < 1200);
  CHECK(last_by_process.size() == 4);  // every client thread got ops
}

TEST_CASE("election ops: the same seed gives the same ops; fraction 0 and 1 are pure",
          "[election]") {
  auto fs = [](const SimResult& r) {
    std::vector<std::string> out;
    for (const Op& op : r.history)
      if (op.is_invoke()) out.push_back(op.f + ":" + op.value.dump());
    return out;
  };
  CHECK(fs(SimulateOps(0.3, 11, 500)) == fs(SimulateOps(0.3, 11, 500)));
  CHECK(fs(SimulateOps(0.3, 11, 500)) != fs(SimulateOps(0.3, 12, 500)));
  for (const std::string& f : fs(SimulateOps(0, 3, 200))) CHECK(f.rfind("write:", 0) == 0);
  for (const std::string& f : fs(SimulateOps(1, 3, 200))) CHECK(f == "status:null");
}

TEST_CASE("election workload: ops, options, final phase, checker and figures", "[election]") {
  const Workload* w = FindWorkload("election");
  REQUIRE(w != nullptr);
  CHECK(w->client_ops() == std::vector<std::string>{ops::kWrite, ops::kStatus, ops::kRaftEvents});
  REQUIRE(w->checkers().size() == 1);
  CHECK(w->checkers()[0].name == "election-safety");
  const std::vector<CheckerInfo> all = AllCheckers();
  CHECK(std::any_of(all.begin(), all.end(),
                    [](const CheckerInfo& c) { return c.name == "election-safety"; }));
  CHECK(!w->overlap_matters());

  std::vector<std::string> option_names;
  for (const OptionDoc& o : w->options()) option_names.push_back(o.name);
  CHECK(option_names == std::vector<std::string>{"status_fraction", "unavailable_threshold_ms"});
  WorkloadConfig config;
  CHECK(w->Validate(config).ok());
  config.options = {{"status_fraction", 1.5}};
  CHECK(w->Validate(config).message().find("\"status_fraction\"") != std::string::npos);
  config.options = {{"threshold", 5}};
  CHECK(w->Validate(config).message().find("unknown workload option \"threshold\"") !=
        std::string::npos);
  config.options = {{"status_fraction", 0.5}, {"unavailable_threshold_ms", 500}};
  REQUIRE(w->Validate(config).ok());

  WorkloadParts parts = w->Make(config, 5);
  REQUIRE(parts.final_generator);
  SimOptions sim;
  sim.client_threads = 2;
  SimResult final_phase = Simulate(Clients(parts.final_generator({})), sim);
  REQUIRE(final_phase.history.size() == 2);
  CHECK(final_phase.history[0].f == ops::kRaftEvents);
  CHECK(final_phase.history[0].value.is_null());
  CHECK(parts.checker->name() == "election-safety");

  CHECK(w->figure_names() == std::vector<std::string>{"elections", "terms", "leaders",
                                                      "unavailable_ms", "longest_unavailable_ms",
                                                      "max_recovery_ms"});
  const Json results = {{"election-safety",
                         {{"details",
                           {{"elections", 4},
                            {"terms", 5},
                            {"leaders", 2},
                            {"total_unavailable_ms", 1500.0},
                            {"longest_unavailable_ms", 1200.0},
                            {"max_recovery_ms", nullptr}}}}}};
  CHECK(w->Figures(config.options, results) == Json{{"elections", 4},
                                                    {"terms", 5},
                                                    {"leaders", 2},
                                                    {"unavailable_ms", 1500.0},
                                                    {"longest_unavailable_ms", 1200.0},
                                                    {"max_recovery_ms", nullptr}});
}

}  // namespace
}  // namespace coordcheck::gen
