// The payments workload: payments charged through an idempotency key, each retried like a
// real client would: every attempt its own op with the payment's key, backoff between
// attempts, a retry budget, a fresh key only for a new payment (generator.h). The final phase
// (after healing) waits for the outbox relay to drain, then reads the service's charges and
// balances and the ledger's events; idempotency and outbox judge them (ops.h).
#include "workloads/workload.h"
#include "generators/combinators.h"
#include "workloads/payments/generator.h"
#include "workloads/payments/idempotency.h"
#include "workloads/payments/ops.h"
#include "workloads/payments/options.h"
#include "workloads/payments/outbox.h"

namespace coordcheck {
namespace {

// The figures a comparison shows, from the checkers' details.
const std::vector<FigureSource> kFigures = {
    {"idempotency", "keys", "payments"},
    {"idempotency", "acknowledged_keys", "acknowledged"},
    {"idempotency", "retried_keys", "retried"},
    {"idempotency", "duplicate_charges", "duplicate_charges"},
    {"idempotency", "lost_charges", "lost_charges"},
    {"idempotency", "inconsistent_responses", "wrong_answers"},
    {"idempotency", "balance_mismatches", "balance_mismatches"},
    {"outbox", "duplicate_events", "duplicate_events"},
    {"outbox", "phantom_events", "phantom_events"},
    {"outbox", "lost_events", "lost_events"},
    {"outbox", "undelivered", "undelivered"},
};

class PaymentsWorkload final : public Workload {
 public:
  std::string name() const override { return "payments"; }
  std::string description() const override {
    return "charges with idempotency keys, retried across timeouts and crashes, and the events "
           "they emit; judged exactly-once (idempotency, outbox)";
  }
  std::vector<std::string> client_ops() const override {
    return {payment_ops::kCharge, payment_ops::kDrain, payment_ops::kReadService,
            payment_ops::kReadLedger};
  }
  std::vector<CheckerInfo> checkers() const override {
    return {{"idempotency",
             "every payment charged at most once whatever its retries, every acknowledged one "
             "exactly once, retries answered as the first attempt, balances matching",
             [] { return std::make_unique<IdempotencyChecker>(); }},
            {"outbox",
             "every committed charge's event delivered to the ledger exactly once, none "
             "without a charge",
             [] { return std::make_unique<OutboxChecker>(); }}};
  }
  std::vector<OptionDoc> options() const override { return payments::PaymentsOptionTable().Docs(); }
  Status Validate(const WorkloadConfig& c) const override {
    return payments::ParsePaymentsOptions(c.options).status();
  }
  // A payment's key is used by one client, which retries it after the last attempt ended: by
  // design its attempts do not overlap in the history. The double charges these checkers look
  // for come from an attempt still running in the service when its retry arrives (after a
  // timeout, a crash), which faults cause and no load setting would.
  bool overlap_matters() const override { return false; }
  std::vector<std::string> figure_names() const override { return FigureNames(kFigures); }
  Json Figures(const Json& options, const Json& checkers) const override {
    (void)options;
    return CopyFigures(checkers, kFigures);
  }
  WorkloadParts Make(const WorkloadConfig& config, uint64_t seed) const override {
    const payments::PaymentsOptions o = payments::ParsePaymentsOptions(config.options).value();
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
    parts.checker = ComposeCheckers(checkers());
    return parts;
  }
};

}  // namespace

namespace workloads {
const Workload& Payments() {
  static const PaymentsWorkload kWorkload;
  return kWorkload;
}
}  // namespace workloads

}  // namespace coordcheck
