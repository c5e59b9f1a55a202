// The payments workload's retrying clients, simulated: a fresh key per payment, attempts of
// a key numbered 1..k within the budget, ok ending a payment and fail/info retrying it after
// a bounded backoff, by the thread's current process; deterministic for a seed.
#include "workloads/payments/generator.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/generators/gen_test_util.h"
#include "generators/basic.h"
#include "generators/simulate.h"
#include "generators/threads.h"
#include "generators/timing.h"

namespace coordcheck::gen {
namespace {

using testing::Invokes;
using testing::kMs;

constexpr int kThreads = 4;

// Completion types drawn from the invoke's index: 40% ok, 30% fail, 30% info.
OpType MixedCompletion(const Op& invoke) {
  const uint64_t pick = Rng(static_cast<uint64_t>(invoke.index) * 7919 + 17).Uniform(10);
  return pick < 4 ? OpType::kOk : pick < 7 ? OpType::kFail : OpType::kInfo;
}

struct Attempt {
  Op invoke;
  Op completion;
};

// Every attempt of every key, in invocation order, paired with its completion (by process:
// one outstanding op per process).
std::map<std::string, std::vector<Attempt>> AttemptsByKey(const std::vector<Op>& history) {
  std::map<std::string, std::vector<Attempt>> by_key;
  std::map<int64_t, std::pair<std::string, size_t>> open;  // process -> (key, position)
  for (const Op& op : history) {
    REQUIRE(op.f == "charge");
    REQUIRE(op.key.is_string());
    const std::string key = op.key.get<std::string>();
    if (op.is_invoke()) {
      REQUIRE(open.count(op.process) == 0);
      by_key[key].push_back(Attempt{op, Op{}});
      open[op.process] = {key, by_key[key].size() - 1};
    } else {
      auto it = open.find(op.process);
      REQUIRE(it != open.end());
      REQUIRE(it->second.first == key);
      by_key[key][it->second.second].completion = op;
      open.erase(it);
    }
  }
  return by_key;
}

SimResult Run(const PaymentGenOptions& options, uint64_t seed, int64_t max_ops = 2000,
              std::function<OpType(const Op&)> completion = MixedCompletion) {
  SimOptions sim;
  sim.client_threads = kThreads;
  sim.max_ops = max_ops;
  sim.latency = [](const Op& invoke) { return (1 + invoke.index % 5) * kMs; };
  sim.completion = std::move(completion);
  return Simulate(Clients(PaymentAttempts(options, Rng(seed))), sim);
}

TEST_CASE("payments generator: a fresh key per payment, attempts 1..k within the budget") {
  PaymentGenOptions options;
  options.accounts = 3;
  options.max_amount = 7;
  options.max_attempts = 4;
  SimResult r = Run(options, 11);
  REQUIRE(r.stop == SimStop::kMaxOps);
  auto by_key = AttemptsByKey(r.history);
  REQUIRE(by_key.size() > 300);

  std::set<std::string> accounts;
  std::set<int64_t> amounts, lengths;
  for (const auto& [key, attempts] : by_key) {
    INFO("key " << key);
    const Op& first = attempts.front().invoke;
    const int thread = static_cast<int>(first.process % kThreads);
    CHECK(attempts.size() <= 4);
    lengths.insert(static_cast<int64_t>(attempts.size()));
    for (size_t i = 0; i < attempts.size(); ++i) {
      const Op& op = attempts[i].invoke;
      CHECK(op.process % kThreads == thread);
      CHECK(op.value["attempt"] == static_cast<int64_t>(i + 1));
      CHECK(op.value["account"] == first.value["account"]);
      CHECK(op.value["amount"] == first.value["amount"]);
      CHECK(op.value.size() == 3);
    }
    accounts.insert(first.value["account"].get<std::string>());
    amounts.insert(first.value["amount"].get<int64_t>());
  }
  CHECK(accounts == std::set<std::string>{"a1", "a2", "a3"});
  CHECK(amounts == std::set<int64_t>{1, 2, 3, 4, 5, 6, 7});
  CHECK(lengths == std::set<int64_t>{1, 2, 3, 4});

  // Each thread's keys are p<thread>-1, p<thread>-2, ... in the order it started them.
  std::map<int, std::vector<std::string>> keys_of_thread;
  for (const Op& op : Invokes(r.history)) {
    const int thread = static_cast<int>(op.process % kThreads);
    auto& keys = keys_of_thread[thread];
    const std::string key = op.key.get<std::string>();
    if (keys.empty() || keys.back() != key) keys.push_back(key);
  }
  REQUIRE(keys_of_thread.size() == kThreads);
  for (const auto& [thread, keys] : keys_of_thread) {
    for (size_t i = 0; i < keys.size(); ++i) {
      std::string expected = "p";
      expected += std::to_string(thread);
      expected += '-';
      expected += std::to_string(i + 1);
      CHECK(keys[i] == expected);
    }
  }
}

TEST_CASE("payments generator: ok ends a payment, fail and info retry the same key") {
  PaymentGenOptions options;
  options.max_attempts = 3;
  SimResult r = Run(options, 5);
  auto by_key = AttemptsByKey(r.history);
  int retried_after_fail = 0, retried_after_info = 0, abandoned = 0;
  for (const auto& [key, attempts] : by_key) {
    INFO("key " << key);
    for (size_t i = 0; i + 1 < attempts.size(); ++i) {
      // Only an attempt that did not succeed is followed by another.
      const OpType t = attempts[i].completion.type;
      CHECK(t != OpType::kOk);
      CHECK(t != OpType::kInvoke);
      (t == OpType::kFail ? retried_after_fail : retried_after_info) += 1;
    }
    const Attempt& last = attempts.back();
    if (last.completion.type == OpType::kInvoke) continue;  // still outstanding at the end
    // The last attempt ended the payment: ok, or the budget was spent (or the run ended
    // before the retry was issued, which only the last key of a thread may show).
    if (last.completion.type != OpType::kOk && attempts.size() == 3) ++abandoned;
  }
  CHECK(retried_after_fail > 50);
  CHECK(retried_after_info > 50);
  CHECK(abandoned > 10);

  // Per thread: after an ok or a spent budget the next op is a fresh payment; after a fail
  // or an info with budget left it is the same key.
  std::map<int, Op> last_completion;  // per thread
  std::map<int, Op> last_invoke;
  for (const Op& op : r.history) {
    const int thread = static_cast<int>(op.process % kThreads);
    if (op.is_completion()) {
      last_completion[thread] = op;
      continue;
    }
    if (auto it = last_completion.find(thread); it != last_completion.end()) {
      const Op& prev = it->second;
      const bool ended = prev.type == OpType::kOk || prev.value["attempt"] == 3;
      INFO(prev.key << " attempt " << prev.value["attempt"] << " then " << op.key);
      if (ended) {
        CHECK(op.key != prev.key);
        CHECK(op.value["attempt"] == 1);
      } else {
        CHECK(op.key == prev.key);
        CHECK(op.value["attempt"] == prev.value["attempt"].get<int64_t>() + 1);
      }
    }
  }
}

TEST_CASE("payments generator: a retry waits for its backoff, which is bounded and jittered") {
  PaymentGenOptions options;
  options.max_attempts = 6;
  options.backoff_ms = 10;
  options.backoff_max_ms = 40;
  CHECK(PaymentBackoffCapMs(options, 1) == 10);
  CHECK(PaymentBackoffCapMs(options, 2) == 20);
  CHECK(PaymentBackoffCapMs(options, 3) == 40);
  CHECK(PaymentBackoffCapMs(options, 5) == 40);
  CHECK(PaymentBackoffCapMs(options, 100) == 40);

  // Every attempt fails: each payment uses all 6 attempts.
  SimResult r = Run(options, 3, 3000, [](const Op&) { return OpType::kFail; });
  auto by_key = AttemptsByKey(r.history);
  std::map<int64_t, std::pair<int64_t, int64_t>> gap_range;  // attempt -> (min, max) gap
  for (const auto& [key, attempts] : by_key) {
    for (size_t i = 0; i + 1 < attempts.size(); ++i) {
      const int attempt = static_cast<int>(i + 1);
      const int64_t gap = attempts[i + 1].invoke.time_ns - attempts[i].completion.time_ns;
      INFO(key << " attempt " << attempt << " gap " << gap);
      REQUIRE(attempts[i].completion.type == OpType::kFail);
      CHECK(gap >= 0);
      CHECK(gap <= PaymentBackoffCapMs(options, attempt) * kMs);
      auto [it, fresh] = gap_range.try_emplace(attempt, gap, gap);
      if (!fresh) {
        it->second.first = std::min(it->second.first, gap);
        it->second.second = std::max(it->second.second, gap);
      }
    }
  }
  REQUIRE(gap_range.size() == 5);
  for (const auto& [attempt, range] : gap_range) {
    INFO("attempt " << attempt);
    const int64_t cap = PaymentBackoffCapMs(options, static_cast<int>(attempt)) * kMs;
    CHECK(range.first < cap / 5);       // full jitter: down near 0 ...
    CHECK(range.second > cap * 4 / 5);  // ... and up near the cap
  }
}

TEST_CASE("payments generator: the same seed gives the same ops, another seed others") {
  PaymentGenOptions options;
  auto ops = [&](uint64_t seed) { return Invokes(Run(options, seed, 500).history); };
  const auto a = ops(42);
  CHECK(a == ops(42));
  CHECK(a != ops(43));

  // A thread's payments come from its own stream: they do not depend on the other threads'
  // timing (all ok, so every op starts a payment).
  auto payments_of_thread0 = [&](int64_t latency_ms) {
    SimOptions sim;
    sim.client_threads = kThreads;
    sim.max_ops = 400;
    sim.latency = [latency_ms](const Op& invoke) {
      return invoke.process % kThreads == 0 ? kMs : (1 + invoke.index % latency_ms) * kMs;
    };
    std::vector<Json> out;
    for (const Op& op : Invokes(Simulate(Clients(PaymentAttempts(options, Rng(9))), sim).history))
      if (op.process % kThreads == 0 && out.size() < 20) out.push_back({op.key, op.value});
    return out;
  };
  CHECK(payments_of_thread0(3) == payments_of_thread0(7));
}

TEST_CASE("payments generator: after info the retry is issued by the thread's new process") {
  PaymentGenOptions options;
  options.backoff_ms = 0;
  options.backoff_max_ms = 0;
  // First attempts end info, second attempts ok.
  SimResult r = Run(options, 8, 400, [](const Op& invoke) {
    return invoke.value["attempt"] == 1 ? OpType::kInfo : OpType::kOk;
  });
  auto by_key = AttemptsByKey(r.history);
  int checked = 0;
  for (const auto& [key, attempts] : by_key) {
    INFO("key " << key);
    REQUIRE(attempts.size() <= 2);
    if (attempts.size() < 2) continue;
    CHECK(attempts[0].completion.type == OpType::kInfo);
    CHECK(attempts[1].invoke.process == attempts[0].invoke.process + kThreads);
    CHECK(attempts[1].invoke.time_ns == attempts[0].completion.time_ns);  // backoff 0
    ++checked;
  }
  CHECK(checked > 100);
}

TEST_CASE("payments generator: a budget of 1 never retries") {
  PaymentGenOptions options;
  options.max_attempts = 1;
  SimResult r = Run(options, 2, 600, [](const Op& invoke) {
    return invoke.index % 2 == 0 ? OpType::kFail : OpType::kInfo;
  });
  auto by_key = AttemptsByKey(r.history);
  CHECK(by_key.size() == 600);
  for (const auto& [key, attempts] : by_key) {
    CHECK(attempts.size() == 1);
    CHECK(attempts[0].invoke.value["attempt"] == 1);
  }
}

TEST_CASE("payments generator: composes with Clients, Stagger and TimeLimit like a workload") {
  PaymentGenOptions options;
  options.backoff_ms = 20;
  options.backoff_max_ms = 100;
  SimOptions sim;
  sim.client_threads = kThreads;
  sim.with_nemesis = true;
  sim.latency_ns = 2 * kMs;
  sim.completion = MixedCompletion;
  GenPtr main = Stagger(5 * kMs, PaymentAttempts(options, Rng(4)), Rng(5));
  SimResult r = Simulate(TimeLimit(2000 * kMs, Clients(main, Void())), sim);
  REQUIRE(r.stop == SimStop::kDone);
  auto invokes = Invokes(r.history);
  REQUIRE(invokes.size() > 200);
  for (const Op& op : invokes) {
    CHECK(op.process >= 0);
    CHECK(op.time_ns < 2000 * kMs);
  }
  // Stagger only moves ops later: every retry still waits at least until its completion.
  for (const auto& [key, attempts] : AttemptsByKey(r.history)) {
    for (size_t i = 0; i + 1 < attempts.size(); ++i)
      CHECK(attempts[i + 1].invoke.time_ns >= attempts[i].completion.time_ns);
  }
}

}  // namespace
}  // namespace coordcheck::gen
