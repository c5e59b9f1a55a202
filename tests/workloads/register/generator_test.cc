// The register workload: RegisterOps, RegisterWorkload, FinalReads; and determinism of a
// whole workload for a seed.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/generators/gen_test_util.h"
#include "generators/basic.h"
#include "workloads/register/generator.h"
#include "generators/sequence.h"
#include "generators/threads.h"
#include "generators/timing.h"

namespace coordcheck::gen {
namespace {

using testing::Fs;
using testing::Invokes;
using testing::kMs;

TEST_CASE("RegisterOps mixes read, write and cas 1:1:1 with values 0..4") {
  SimOptions options;
  options.max_ops = 30'000;
  auto ops = Invokes(Simulate(RegisterOps(Rng(12)), options).history);
  REQUIRE(ops.size() == 30'000);
  std::map<std::string, int> counts;
  std::set<int64_t> values, write_values;
  for (const Op& op : ops) {
    ++counts[op.f];
    CHECK(op.key.is_null());
    if (op.f == "read") {
      CHECK(op.value.is_null());
    } else if (op.f == "write") {
      write_values.insert(op.value.get<int64_t>());
    } else {
      REQUIRE(op.f == "cas");
      REQUIRE(op.value.is_array());
      REQUIRE(op.value.size() == 2);
      values.insert(op.value[0].get<int64_t>());
      values.insert(op.value[1].get<int64_t>());
    }
  }
  REQUIRE(counts.size() == 3);
  for (const auto& [f, count] : counts) CHECK(std::abs(count - 10'000) < 400);
  CHECK(values == std::set<int64_t>{0, 1, 2, 3, 4});
  CHECK(write_values == values);
}

TEST_CASE("RegisterOps honours its weights and value range") {
  RegisterOpsOptions options;
  options.read_weight = 3;
  options.write_weight = 1;
  options.cas_weight = 0;
  options.value_count = 2;
  SimOptions sim;
  sim.max_ops = 8000;
  std::map<std::string, int> counts;
  for (const Op& op : Invokes(Simulate(RegisterOps(Rng(1), options), sim).history)) {
    ++counts[op.f];
    if (op.f == "write") CHECK(op.value.get<int64_t>() < 2);
  }
  CHECK(counts.count("cas") == 0);
  CHECK(std::abs(counts["read"] - 6000) < 250);
}

TEST_CASE("RegisterWorkload: groups of threads per key, ops_per_key ops per key") {
  RegisterOptions options;
  options.threads_per_key = 5;
  options.ops_per_key = 100;
  SimOptions sim;
  sim.client_threads = 10;
  sim.max_ops = 1000;
  sim.latency = [](const Op& invoke) { return (1 + invoke.index % 3) * kMs; };
  auto ops = Invokes(Simulate(RegisterWorkload(options, Rng(77)), sim).history);
  REQUIRE(ops.size() == 1000);
  std::map<int64_t, int> count_of_key;
  std::map<int64_t, std::set<int64_t>> groups_of_key;
  for (const Op& op : ops) {
    const int64_t key = op.key.get<int64_t>();
    ++count_of_key[key];
    groups_of_key[key].insert(op.process % 10 / 5);
  }
  for (const auto& [key, groups] : groups_of_key) CHECK(groups.size() == 1);
  // 1000 ops: about ten keys; all but the two still running are complete.
  REQUIRE(count_of_key.size() >= 10);
  const int64_t last = count_of_key.rbegin()->first;
  for (const auto& [key, count] : count_of_key)
    if (key < last - 1) CHECK(count == 100);
}

TEST_CASE("A key's op stream does not depend on how the keys interleave") {
  RegisterOptions options;
  options.threads_per_key = 2;
  options.ops_per_key = 50;
  auto key_stream = [&](std::function<int64_t(const Op&)> latency) {
    SimOptions sim;
    sim.client_threads = 4;
    sim.max_ops = 300;
    sim.latency = std::move(latency);
    std::vector<std::string> stream;
    for (const Op& op : Invokes(Simulate(RegisterWorkload(options, Rng(5)), sim).history))
      if (op.key == 3) stream.push_back(op.f + op.value.dump());
    return stream;
  };
  auto even = key_stream([](const Op&) { return kMs; });
  auto uneven = key_stream([](const Op& invoke) { return (1 + invoke.process * 7 % 5) * kMs; });
  REQUIRE(even.size() == 50);
  CHECK(even == uneven);
}

TEST_CASE("FinalReads reads each key once on client threads") {
  SimOptions sim;
  sim.client_threads = 2;
  sim.with_nemesis = true;
  auto ops = Invokes(Simulate(FinalReads({0, 1, "k"}), sim).history);
  REQUIRE(ops.size() == 3);
  CHECK(Fs(ops) == std::vector<std::string>{"read", "read", "read"});
  CHECK(ops[0].key == 0);
  CHECK(ops[1].key == 1);
  CHECK(ops[2].key == "k");
  for (const Op& op : ops) {
    CHECK_FALSE(op.is_nemesis());
    CHECK(op.value.is_null());
  }
}

// A test's whole generator: register workload at a rate, a nemesis schedule, a time limit,
// then final reads.
GenPtr FullTest(uint64_t seed) {
  Rng master(seed);
  RegisterOptions options;
  options.threads_per_key = 2;
  options.ops_per_key = 20;
  GenPtr nemesis = Cycle(Seq({Sleep(20 * kMs), Once(MakeOp("start-partition")), Sleep(20 * kMs),
                              Once(MakeOp("stop-partition"))}));
  return Seq(
      {TimeLimit(300 * kMs, Clients(Stagger(kMs / 2, RegisterWorkload(options, master.Child(1)),
                                            master.Child(2)),
                                    nemesis)),
       FinalReads({0, 1, 2})});
}

TEST_CASE("The same seed gives the same history and another seed a different one") {
  SimOptions sim;
  sim.client_threads = 4;
  sim.with_nemesis = true;
  sim.latency = [](const Op& invoke) { return (1 + invoke.value.dump().size() % 3) * kMs; };
  sim.completion = [](const Op& invoke) {
    return invoke.index % 11 == 0 ? OpType::kInfo : OpType::kOk;
  };
  SimResult a = Simulate(FullTest(2024), sim);
  SimResult b = Simulate(FullTest(2024), sim);
  SimResult c = Simulate(FullTest(2025), sim);
  CHECK(a.stop == SimStop::kDone);
  CHECK(Invokes(a.history).size() > 400);
  CHECK(a.history == b.history);
  CHECK(a.history != c.history);
  std::set<std::string> fs;
  for (const Op& op : a.history) fs.insert(op.f);
  CHECK(fs == std::set<std::string>{"read", "write", "cas", "start-partition", "stop-partition"});
}

}  // namespace
}  // namespace coordcheck::gen
