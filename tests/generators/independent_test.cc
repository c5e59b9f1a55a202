// Independent keys: IndependentConcurrent and CheckThreadsPerKey.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gen_test_util.h"
#include "generators/basic.h"
#include "generators/independent.h"
#include "generators/sequence.h"

namespace coordcheck::gen {
namespace {

using testing::Invokes;
using testing::kMs;
using Kind = Emission::Kind;

GenPtr PerKey(int64_t ops) {
  return IndependentConcurrent(3, [ops](const Json&) { return Limit(ops, Repeat(MakeOp("w"))); });
}

int ThreadOf(int64_t process, int threads) { return static_cast<int>(process % threads); }

TEST_CASE("Each key's ops come from one group of threads, ops_per_key each, keys in order") {
  SimOptions options;
  options.client_threads = 6;
  // Uneven latencies so that the groups drift apart; some ops crash their process.
  options.latency = [](const Op& invoke) { return (1 + invoke.process % 6) * kMs; };
  options.completion = [](const Op& invoke) {
    return invoke.index % 7 == 0 ? OpType::kInfo : OpType::kOk;
  };
  std::vector<Json> keys;
  for (int k = 0; k < 10; ++k) keys.push_back(k);
  SimResult r = Simulate(IndependentConcurrent(
                             3, [](const Json&) { return Limit(4, Repeat(MakeOp("w"))); }, keys),
                         options);
  CHECK(r.stop == SimStop::kDone);
  auto ops = Invokes(r.history);
  REQUIRE(ops.size() == 40);

  std::map<int64_t, std::set<int>> groups_of_key;
  std::map<int64_t, int> count_of_key;
  std::map<int, std::vector<int64_t>> keys_of_group;
  for (const Op& op : ops) {
    REQUIRE(op.key.is_number_integer());
    const int64_t key = op.key.get<int64_t>();
    const int group = ThreadOf(op.process, 6) / 3;
    groups_of_key[key].insert(group);
    if (count_of_key[key]++ == 0) keys_of_group[group].push_back(key);
  }
  REQUIRE(count_of_key.size() == 10);
  for (const auto& [key, count] : count_of_key) CHECK(count == 4);
  for (const auto& [key, groups] : groups_of_key) CHECK(groups.size() == 1);
  // Keys 0 and 1 start in groups 0 and 1; each group then takes ever higher fresh keys.
  REQUIRE(keys_of_group.size() == 2);
  CHECK(keys_of_group[0].front() == 0);
  CHECK(keys_of_group[1].front() == 1);
  for (const auto& [group, group_keys] : keys_of_group)
    CHECK(std::is_sorted(group_keys.begin(), group_keys.end()));
}

TEST_CASE("Infinite keys are handed out 0, 1, 2, ... without gaps") {
  SimOptions options;
  options.client_threads = 6;
  options.max_ops = 500;
  options.latency = [](const Op& invoke) { return (1 + invoke.index % 5) * kMs; };
  SimResult r = Simulate(PerKey(7), options);
  std::set<int64_t> keys;
  for (const Op& op : Invokes(r.history)) keys.insert(op.key.get<int64_t>());
  REQUIRE(keys.size() >= 70);
  CHECK(*keys.rbegin() == static_cast<int64_t>(keys.size()) - 1);
}

TEST_CASE("The first ops of each group start together on their own threads") {
  Context ctx(6, true);
  GenPtr gen = PerKey(2);
  std::vector<std::pair<int64_t, Json>> first;
  for (int i = 0; i < 6; ++i) {
    Emission e = gen->Next(ctx);
    REQUIRE(e.kind == Kind::kOp);
    first.emplace_back(e.op.process, e.op.key);
    ctx.MarkBusy(ctx.ThreadOf(e.op.process));
    gen = e.next;
  }
  // Ties go to the lower group. Group 0 has used up key 0 after two ops and takes the next
  // fresh key, 2, for its third thread; group 1 likewise moves from key 1 to key 3.
  CHECK(first ==
        std::vector<std::pair<int64_t, Json>>{{0, 0}, {1, 0}, {2, 2}, {3, 1}, {4, 1}, {5, 3}});
}

TEST_CASE("Supplied keys are used in order, then the generator is done") {
  SimOptions options;
  options.client_threads = 3;
  SimResult r =
      Simulate(IndependentConcurrent(3, [](const Json&) { return Limit(2, Repeat(MakeOp("w"))); },
                                     {"x", "y", "z"}),
               options);
  CHECK(r.stop == SimStop::kDone);
  std::vector<std::string> keys;
  for (const Op& op : Invokes(r.history)) keys.push_back(op.key.get<std::string>());
  CHECK(keys == std::vector<std::string>{"x", "x", "y", "y", "z", "z"});
}

TEST_CASE("Per-key generators see their key's events and only those") {
  // UntilOk per key: the key ends at its first ok; ok only for odd invoke indexes.
  SimOptions options;
  options.client_threads = 4;
  options.max_ops = 60;
  options.latency = [](const Op& invoke) { return (1 + invoke.index % 4) * kMs; };
  options.completion = [](const Op& invoke) {
    return invoke.index % 2 == 1 ? OpType::kOk : OpType::kFail;
  };
  SimResult r = Simulate(
      IndependentConcurrent(2, [](const Json&) { return UntilOk(Repeat(MakeOp("lock"))); }),
      options);
  std::map<int64_t, int64_t> ok_index_of_key;
  for (const Op& op : r.history) {
    const int64_t key = op.key.get<int64_t>();
    if (op.is_invoke()) {
      auto it = ok_index_of_key.find(key);
      CHECK((it == ok_index_of_key.end() || op.index < it->second));
    } else if (op.type == OpType::kOk && !ok_index_of_key.count(key)) {
      ok_index_of_key[key] = op.index;
    }
  }
  CHECK(ok_index_of_key.size() > 10);
}

TEST_CASE("Events of a finished key are not passed to the group's next key") {
  std::map<int64_t, std::shared_ptr<std::vector<Op>>> logs;
  auto per_key = [&logs](const Json& key) {
    auto& log = logs[key.get<int64_t>()];
    if (!log) log = std::make_shared<std::vector<Op>>();
    return testing::Spied(Limit(3, Repeat(MakeOp("w"))), log);
  };
  SimOptions options;
  options.client_threads = 4;
  options.max_ops = 100;
  // Slow first op per thread: its completion arrives after the group moved on.
  options.latency = [](const Op& invoke) { return (invoke.index % 5 == 0 ? 9 : 1) * kMs; };
  SimResult r = Simulate(IndependentConcurrent(2, per_key), options);
  REQUIRE(logs.size() > 10);
  size_t delivered = 0;
  for (const auto& [key, log] : logs) {
    for (const Op& event : *log) CHECK(event.key == key);
    delivered += log->size();
  }
  CHECK(delivered < r.history.size());  // some late completions were dropped
  CHECK(delivered > r.history.size() / 2);
}

TEST_CASE("Leftover threads stay idle when the thread count is not a multiple") {
  SimOptions options;
  options.client_threads = 7;
  options.max_ops = 100;
  SimResult r = Simulate(PerKey(5), options);
  std::set<int> threads;
  for (const Op& op : Invokes(r.history)) threads.insert(ThreadOf(op.process, 7));
  CHECK(threads == std::set<int>{0, 1, 2, 3, 4, 5});

  options.client_threads = 2;
  SimResult too_few = Simulate(PerKey(5), options);
  CHECK(too_few.stop == SimStop::kDone);
  CHECK(too_few.history.empty());
}

TEST_CASE("CheckThreadsPerKey rejects counts that do not divide the concurrency") {
  CHECK(CheckThreadsPerKey(10, 5).empty());
  CHECK(CheckThreadsPerKey(5, 5).empty());
  CHECK(CheckThreadsPerKey(7, 3) == "concurrency 7 is not a multiple of 3 threads per key");
  CHECK_FALSE(CheckThreadsPerKey(2, 5).empty());
  CHECK_FALSE(CheckThreadsPerKey(4, 0).empty());
}

}  // namespace
}  // namespace coordcheck::gen
