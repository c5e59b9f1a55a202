// The rw-register workload: its op stream (reads and writes only, keyed, values nearly
// unique), its config checks, and its checker (a plain register per key) on a history it
// must accept and one it must reject.
#include <set>

#include <catch2/catch.hpp>

#include "generators/simulate.h"
#include "tests/support/history_builder.h"
#include "workloads/workload.h"

namespace coordcheck {
namespace {

const Workload& RwRegister() {
  const Workload* w = FindWorkload("rw-register");
  REQUIRE(w != nullptr);
  return *w;
}

TEST_CASE("rw-register: reads and nearly unique writes on keys, threads_per_key per key") {
  WorkloadConfig config;
  config.concurrency = 6;
  config.threads_per_key = 3;
  config.ops_per_key = 40;
  WorkloadParts parts = RwRegister().Make(config, 7);
  gen::SimOptions sim;
  sim.client_threads = config.concurrency;
  sim.max_ops = 400;
  gen::SimResult r = gen::Simulate(parts.generator, sim);
  std::set<int64_t> written;
  int64_t writes = 0;
  for (const Op& op : r.history) {
    if (!op.is_invoke()) continue;
    CHECK((op.f == "read" || op.f == "write"));
    CHECK(op.has_key());
    if (op.f == "write") {
      ++writes;
      written.insert(op.value.get<int64_t>());
    }
  }
  REQUIRE(writes > 50);
  CHECK(written.size() >= static_cast<size_t>(writes) - 2);  // nearly every write unique
}

TEST_CASE("rw-register: config checks name the problem") {
  WorkloadConfig config;
  config.concurrency = 7;
  config.threads_per_key = 3;
  CHECK(RwRegister().Validate(config).message().find("not a multiple") != std::string::npos);
  config.concurrency = 6;
  CHECK(RwRegister().Validate(config).ok());
  config.options = Json{{"ttl_ms", 5}};
  CHECK(RwRegister().Validate(config).message().find("has none") != std::string::npos);
}

TEST_CASE("rw-register: its checker accepts a register history and rejects a stale read") {
  const std::unique_ptr<Checker> checker = RwRegister().Make(WorkloadConfig{}, 1).checker;
  test::HistoryBuilder good;
  good.Invoke(0, "write", 11, 0).Ok(0).Invoke(1, "read", nullptr, 0).Ok(1, 11);
  CHECK(checker->Check(good.history(), CheckBudget{}).valid == Validity::kValid);
  test::HistoryBuilder stale;
  stale.Invoke(0, "write", 11, 0).Ok(0).Invoke(0, "write", 12, 0).Ok(0);
  stale.Invoke(1, "read", nullptr, 0).Ok(1, 11);  // after the write of 12 completed
  CHECK(checker->Check(stale.history(), CheckBudget{}).valid == Validity::kInvalid);
}

}  // namespace
}  // namespace coordcheck
