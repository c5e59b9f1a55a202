// The workloads coordcheck knows (harness/workload.h).
#include "checkers/fencing.h"
#include "checkers/idempotency.h"
#include "checkers/outbox.h"
#include "checkers/payment_ops.h"
#include "checkers/linearizable.h"
#include "checkers/lock_ops.h"
#include "checkers/mutual_exclusion.h"
#include "generators/combinators.h"
#include "generators/lock.h"
#include "generators/payments.h"
#include "generators/register.h"
#include "harness/workload.h"
#include "targets/lock/options.h"
#include "targets/payments/options.h"
#include "targets/target.h"

namespace coordcheck {
namespace {

// Independent registers: a read/write/cas mix on keys 0, 1, 2, ..., threads_per_key client
// threads per key and ops_per_key ops per key; each key judged linearizable against a
// cas-register starting empty (null). Final phase: one read of every key used.
class RegisterWorkload final : public Workload {
 public:
  std::string name() const override { return "register"; }
  std::string description() const override {
    return "read/write/cas on independent keys, judged linearizable (cas-register per key)";
  }
  std::vector<std::string> checkers() const override { return {"linearizable"}; }
  std::optional<std::string> Validate(const TestConfig& c) const override {
    if (c.concurrency % c.threads_per_key != 0) {
      return "concurrency " + std::to_string(c.concurrency) +
             " is not a multiple of threads_per_key " + std::to_string(c.threads_per_key);
    }
    if (!c.workload_options.empty()) {
      return "workload_options: the register workload has none, got " + c.workload_options.dump();
    }
    return std::nullopt;
  }
  WorkloadParts Make(const TestConfig& config, uint64_t seed) const override {
    gen::RegisterOptions options;
    options.threads_per_key = config.threads_per_key;
    options.ops_per_key = config.ops_per_key;
    WorkloadParts parts;
    parts.generator = gen::RegisterWorkload(options, gen::Rng(seed));
    parts.final_generator = [](const std::vector<Json>& keys) { return gen::FinalReads(keys); };
    LinearizableOptions lin;
    lin.model = "cas-register";
    parts.checker = std::make_unique<LinearizableChecker>(lin);
    return parts;
  }
};

// A lock's whole point, judged where it matters: every client thread loops acquire →
// critical section on the protected resource (read, hold, write read+1 with the fencing
// token) → release. The final phase reads the resource's own log and its counter into the
// history; mutual-exclusion and fencing judge them (checkers/lock_ops.h). Leased locks are
// not judged as a linearizable mutex: a lease may legitimately expire under its holder.
class LockWorkload final : public Workload {
 public:
  std::string name() const override { return "lock"; }
  std::string description() const override {
    return "acquire, critical section on a protected counter (fenced or not), release; judged "
           "at the resource (mutual exclusion, fencing)";
  }
  std::vector<std::string> checkers() const override { return {"mutual-exclusion", "fencing"}; }
  std::optional<std::string> Validate(const TestConfig& c) const override {
    auto options = lock::ParseLockWorkloadOptions(c.workload_options);
    if (!options.ok()) return "workload_options: " + options.message();
    return std::nullopt;
  }
  bool has_client_pauses() const override { return true; }
  int64_t client_pause_ms(const TestConfig& c) const override {
    auto options = lock::ParseLockWorkloadOptions(c.workload_options);
    return options.ok() ? options->EffectiveClientPauseMs() : 0;
  }
  std::vector<std::string> figure_names() const override {
    return {"resource",      "accepted_writes",       "overlaps",        "lost_updates",
            "final_counter", "rejected_stale_writes", "rejected_stale_reads", "fence_decreases",
            "highest_fence"};
  }
  // Without --resource, the resource does what it can with the lock: it checks fencing
  // tokens when the lock gives them (fenced), and cannot when it gives none (unfenced; a
  // fenced resource would refuse every write of such a lock, protecting nothing).
  void Resolve(TestConfig* config, const Target& target) const override {
    if (!config->workload_options.is_object()) config->workload_options = Json::object();
    if (!config->workload_options.contains("resource")) {
      config->workload_options["resource"] = target.fencing_tokens() ? "fenced" : "unfenced";
    }
  }
  Json Figures(const TestConfig& config, const Json& checkers) const override {
    Json out = Json::object();
    out["resource"] = config.workload_options.value("resource", "fenced");
    const Json me = checkers.value("mutual-exclusion", Json::object()).value("details", Json::object());
    const Json fe = checkers.value("fencing", Json::object()).value("details", Json::object());
    auto copy = [&](const Json& from, const char* key, const char* as) {
      if (from.contains(key)) out[as] = from[key];
    };
    copy(me, "accepted_writes", "accepted_writes");
    copy(me, "overlap_count", "overlaps");
    copy(me, "lost_updates", "lost_updates");
    copy(me, "final_counter", "final_counter");
    copy(fe, "rejected_stale_writes", "rejected_stale_writes");
    copy(fe, "rejected_stale_reads", "rejected_stale_reads");
    copy(fe, "decrease_count", "fence_decreases");
    copy(fe, "highest_fence", "highest_fence");
    return out;
  }
  WorkloadParts Make(const TestConfig& config, uint64_t seed) const override {
    (void)config;
    (void)seed;
    WorkloadParts parts;
    parts.generator = gen::LockCycles();
    parts.final_generator = [](const std::vector<Json>&) {
      return gen::Seq({gen::Once(gen::MakeOp(lock_ops::kResourceLog)),
                       gen::Once(gen::MakeOp(lock_ops::kResourceRead))});
    };
    std::vector<std::unique_ptr<Checker>> checkers;
    checkers.push_back(std::make_unique<MutualExclusionChecker>());
    checkers.push_back(std::make_unique<FencingChecker>());
    parts.checker = std::make_unique<ComposeChecker>(std::move(checkers));
    return parts;
  }
};

// Payments charged through an idempotency key, each retried like a real client would:
// every attempt its own op with the payment's key, backoff between attempts, a retry budget,
// a fresh key only for a new payment (generators/payments.h). The final phase (after
// healing) waits for the outbox relay to drain, then reads the service's charges and
// balances and the ledger's events; idempotency and outbox judge them
// (checkers/payment_ops.h).
class PaymentsWorkload final : public Workload {
 public:
  std::string name() const override { return "payments"; }
  std::string description() const override {
    return "charges with idempotency keys, retried across timeouts and crashes, and the events "
           "they emit; judged exactly-once (idempotency, outbox)";
  }
  std::vector<std::string> checkers() const override { return {"idempotency", "outbox"}; }
  std::optional<std::string> Validate(const TestConfig& c) const override {
    auto options = payments::ParsePaymentsOptions(c.workload_options);
    if (!options.ok()) return "workload_options: " + options.message();
    return std::nullopt;
  }
  std::vector<std::string> figure_names() const override {
    return {"payments",          "acknowledged",   "retried",         "duplicate_charges",
            "lost_charges",      "wrong_answers",  "balance_mismatches", "duplicate_events",
            "phantom_events",    "lost_events",    "undelivered"};
  }
  Json Figures(const TestConfig& config, const Json& checkers) const override {
    (void)config;
    Json out = Json::object();
    const Json id = checkers.value("idempotency", Json::object()).value("details", Json::object());
    const Json ob = checkers.value("outbox", Json::object()).value("details", Json::object());
    auto copy = [&](const Json& from, const char* key, const char* as) {
      if (from.contains(key)) out[as] = from[key];
    };
    copy(id, "keys", "payments");
    copy(id, "acknowledged_keys", "acknowledged");
    copy(id, "retried_keys", "retried");
    copy(id, "duplicate_charges", "duplicate_charges");
    copy(id, "lost_charges", "lost_charges");
    copy(id, "inconsistent_responses", "wrong_answers");
    copy(id, "balance_mismatches", "balance_mismatches");
    copy(ob, "duplicate_events", "duplicate_events");
    copy(ob, "phantom_events", "phantom_events");
    copy(ob, "lost_events", "lost_events");
    copy(ob, "undelivered", "undelivered");
    return out;
  }
  WorkloadParts Make(const TestConfig& config, uint64_t seed) const override {
    const payments::PaymentsOptions o =
        payments::ParsePaymentsOptions(config.workload_options).value();
    gen::PaymentGenOptions g;
    g.accounts = o.accounts;
    g.max_amount = o.max_amount;
    g.max_attempts = o.max_attempts;
    g.backoff_ms = o.backoff_ms;
    g.backoff_max_ms = o.backoff_max_ms;
    WorkloadParts parts;
    parts.generator = gen::PaymentAttempts(g, gen::Rng(seed));
    parts.final_generator = [](const std::vector<Json>&) {
      // Phases: the reads start only once the drain has completed.
      return gen::Phases({gen::Once(gen::MakeOp(payment_ops::kDrain)),
                       gen::Once(gen::MakeOp(payment_ops::kReadService)),
                       gen::Once(gen::MakeOp(payment_ops::kReadLedger))});
    };
    std::vector<std::unique_ptr<Checker>> checkers;
    checkers.push_back(std::make_unique<IdempotencyChecker>());
    checkers.push_back(std::make_unique<OutboxChecker>());
    parts.checker = std::make_unique<ComposeChecker>(std::move(checkers));
    return parts;
  }
};

}  // namespace

gen::GenPtr ComposeMainPhase(const TestConfig& config, const WorkloadParts& parts, uint64_t seed,
                             gen::GenPtr faults) {
  gen::GenPtr main = parts.generator;
  if (config.rate > 0) {
    main = gen::Stagger(static_cast<int64_t>(1e9 / config.rate), main, gen::Rng(seed));
  }
  return gen::TimeLimit(static_cast<int64_t>(config.time_limit_s * 1e9),
                        gen::Clients(main, faults));
}

const std::vector<const Workload*>& AllWorkloads() {
  static const RegisterWorkload kRegister;
  static const LockWorkload kLock;
  static const PaymentsWorkload kPayments;
  static const std::vector<const Workload*> all = {&kRegister, &kLock, &kPayments};
  return all;
}

const Workload* FindWorkload(const std::string& name) {
  for (const Workload* w : AllWorkloads())
    if (w->name() == name) return w;
  return nullptr;
}

std::string WorkloadNames() {
  std::string names;
  for (const Workload* w : AllWorkloads()) names += (names.empty() ? "" : ", ") + w->name();
  return names;
}

}  // namespace coordcheck
