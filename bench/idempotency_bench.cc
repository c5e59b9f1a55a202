// The payments checkers' cost (idempotency, outbox) on generated histories of 10k, 100k and
// 1M charge attempts: payments of 1-3 attempts each, every attempt ok, info or fail at
// random against a correct idempotent service (an info attempt applied or not at random, a
// later ok replaying the stored response), then a clean drain, read-service and read-ledger
// consistent with it. Prints, per size, each checker's time for Check() (which parses the
// payment ops out of the history and judges them), attempts (or committed charges) per
// second, and the verdicts, which must be valid.
//
//   build/bench/idempotency_bench [--max 1000000] [--seed 1]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "workloads/payments/idempotency.h"
#include "workloads/payments/outbox.h"
#include "workloads/payments/ops.h"
#include "history/history.h"

namespace {

using coordcheck::History;
using coordcheck::Json;
using coordcheck::Op;
using coordcheck::OpType;
using Clock = std::chrono::steady_clock;
namespace ops = coordcheck::payment_ops;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string Name(const char* prefix, int64_t n) {
  std::string out = prefix;
  out += std::to_string(n);
  return out;
}

void Add(History* h, int64_t process, OpType type, const char* f, Json key, Json value,
         Json error = nullptr) {
  Op op;
  op.time_ns = static_cast<int64_t>(h->size()) * 1000;
  op.process = process;
  op.type = type;
  op.f = f;
  op.key = std::move(key);
  op.value = std::move(value);
  op.error = std::move(error);
  h->Append(std::move(op));
}

struct Generated {
  History history;
  int64_t keys = 0;
  int64_t charges = 0;
};

// `attempts` charge attempts (each on its own process, one after the other), then the final
// phase.
Generated Generate(int64_t attempts, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto pick = [&](uint64_t k) { return static_cast<int64_t>(rng() % k); };
  Generated g;
  History& h = g.history;
  h.ops.reserve(static_cast<size_t>(2 * attempts + 6));
  Json charges = Json::array();
  Json events = Json::array();
  std::map<std::string, int64_t> balances;
  int64_t process = 0, next_id = 0;
  while (process < attempts) {
    const std::string key = Name("p", g.keys % 16) + Name("-", g.keys);
    ++g.keys;
    const std::string account = Name("a", 1 + pick(5));
    const int64_t amount = 1 + pick(100);
    const int64_t n = std::min<int64_t>(1 + pick(3), attempts - process);
    std::string applied;
    for (int64_t a = 1; a <= n; ++a, ++process) {
      Json value = {{"account", account}, {"amount", amount}, {"attempt", a}};
      Add(&h, process, OpType::kInvoke, ops::kCharge, key, value);
      const int64_t outcome = pick(3);
      if (outcome == 0) {
        const bool replayed = !applied.empty();
        if (!replayed) applied = Name("c-", next_id++);
        value["charge_id"] = applied;
        value["replayed"] = replayed;
        Add(&h, process, OpType::kOk, ops::kCharge, key, std::move(value));
      } else if (outcome == 1) {
        if (applied.empty() && pick(2) == 0) applied = Name("c-", next_id++);
        Add(&h, process, OpType::kInfo, ops::kCharge, key, std::move(value), "timeout");
      } else {
        Add(&h, process, OpType::kFail, ops::kCharge, key, std::move(value), "rolled back");
      }
    }
    if (!applied.empty()) {
      charges.push_back({applied, key, account, amount});
      events.push_back({applied, account, amount, 1});
      balances[account] += amount;
      ++g.charges;
    }
  }
  Json balance_json = Json::object();
  for (const auto& [account, sum] : balances) balance_json[account] = sum;
  const int64_t final_process = process;
  Add(&h, final_process, OpType::kInvoke, ops::kDrain, nullptr, nullptr);
  Add(&h, final_process, OpType::kOk, ops::kDrain, nullptr, {{"pending", 0}, {"outbox", true}});
  Add(&h, final_process, OpType::kInvoke, ops::kReadService, nullptr, nullptr);
  Add(&h, final_process, OpType::kOk, ops::kReadService, nullptr,
      {{"charges", std::move(charges)}, {"balances", balance_json}});
  Add(&h, final_process, OpType::kInvoke, ops::kReadLedger, nullptr, nullptr);
  Add(&h, final_process, OpType::kOk, ops::kReadLedger, nullptr,
      {{"events", std::move(events)}, {"balances", balance_json}});
  return g;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("payments checkers benchmark (idempotency, outbox)");
  int64_t max_attempts = 1'000'000;
  uint64_t seed = 1;
  app.add_option("--max", max_attempts,
                 "largest history, in charge attempts (10k, 100k, 1M up to it)");
  app.add_option("--seed", seed, "generator seed");
  CLI11_PARSE(app, argc, argv);
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::printf("%10s %9s %9s %8s %15s %13s %10s %13s  %s\n", "attempts", "keys", "charges", "gen s",
              "idempotency s", "attempts/s", "outbox s", "charges/s", "verdicts");
  for (int64_t n : {int64_t{10'000}, int64_t{100'000}, int64_t{1'000'000}}) {
    if (n > max_attempts) break;
    auto t = Clock::now();
    const Generated g = Generate(n, seed);
    const double gen_s = Since(t);
    const coordcheck::CheckBudget budget;
    t = Clock::now();
    const coordcheck::CheckResult idem = coordcheck::IdempotencyChecker().Check(g.history, budget);
    const double idem_s = Since(t);
    t = Clock::now();
    const coordcheck::CheckResult outbox = coordcheck::OutboxChecker().Check(g.history, budget);
    const double outbox_s = Since(t);
    std::printf("%10lld %9lld %9lld %8.2f %15.3f %13.0f %10.3f %13.0f  %s, %s\n",
                static_cast<long long>(n), static_cast<long long>(g.keys),
                static_cast<long long>(g.charges), gen_s, idem_s, static_cast<double>(n) / idem_s,
                outbox_s, static_cast<double>(g.charges) / outbox_s,
                std::string(coordcheck::ValidityName(idem.valid)).c_str(),
                std::string(coordcheck::ValidityName(outbox.valid)).c_str());
    if (idem.valid != coordcheck::Validity::kValid)
      std::printf("  idempotency: %s\n", idem.summary.c_str());
    if (outbox.valid != coordcheck::Validity::kValid)
      std::printf("  outbox: %s\n", outbox.summary.c_str());
  }
  return 0;
}
