// OutboxChecker ("outbox"): did every committed charge reach the ledger (the outbox's
// consumer) exactly once, and nothing else? Reads only the history: the final ok
// read-service (the committed charges), the final drain and the final ok read-ledger (every
// event the ledger received, with how many times it applied it, and its balances)
// (workloads/payments/ops.h, workloads/payments/payment_history.h).
//
// Anomalies:
//   "duplicate-event"  the ledger applied an event more than once (applications > 1): a
//                      redelivery that a deduplicating consumer would have skipped.
//   "phantom-event"    an event at the ledger whose id is no committed charge: an effect
//                      without a committed charge (an event sent outside the transaction, or
//                      for a charge rolled back).
//   "lost-event"       a committed charge whose event the ledger never applied — judged only
//                      when the outbox was drained (see below).
//   "wrong-event"      an event whose account or amount differ from its committed charge.
//   "ledger-balance-mismatch"  per account (in either read or in an event; a missing one is
//                      0), the ledger's balance must equal the sum of the committed charges'
//                      amounts there; the difference is split into duplicate applications,
//                      phantom events, lost events, wrong events' shifts and what the
//                      ledger's balance differs from its own applied events ("unexplained").
// Only the consumer's side counts: a payment the service charged twice has two committed
// charges, and each must reach the ledger once (the idempotency checker judges the charges).
//
// Why "drained" gates lost events: events leave the outbox asynchronously, so an event not
// yet at the ledger is lost only if the relay had finished. The outbox counts as drained when
// the last drain op ended ok with 0 pending (for a variant without an outbox, "outbox":
// false, ok means nothing is left to wait for) before read-ledger was invoked. Otherwise the
// charges without an applied event are "undelivered": not an anomaly, left out of the
// expected ledger balances, and the verdict is unknown when there are some.
//
// Verdicts: invalid on any anomaly; unknown when read-service or read-ledger never completed
// ok, when either or the drain is malformed (the message names the index and what is
// wrong), when the time limit is reached, or when events are undelivered and nothing is
// wrong; else valid.
//
// Details:
//   {"events" (at the ledger), "applications" (summed), "committed_charges",
//    "duplicate_events", "duplicate_applications" (applications beyond the first, summed),
//    "phantom_events", "lost_events", "wrong_events", "undelivered",
//    "undelivered_charges": [ids] (at most 100, only when undelivered > 0), "drained",
//    "outbox" (from the drain; null when unknown), "drain_pending" (null when unknown),
//    "drain_op" (null when none), "read_service_op", "read_ledger_op", "accounts",
//    "ledger_balance_mismatches", "anomaly_types": [...], "anomalies": [at most 100, ledger
//    events in the read's order, then lost events in read-service's order, then balances by
//    account:
//       {"type": "duplicate-event", "charge_id", "key", "account", "amount",
//        "applications", "read", "explanation"},
//       {"type": "phantom-event", "charge_id", "account", "amount", "applications", "read",
//        "explanation"},
//       {"type": "wrong-event", "charge_id", "key", "account", "amount",
//        "charge_account", "charge_amount", "read", "explanation"},
//       {"type": "lost-event", "charge_id", "key", "account", "amount", "read",
//        "explanation"},
//       {"type": "ledger-balance-mismatch", "account", "balance", "expected", "difference",
//        "applied" (the ledger's events' amounts x applications), "duplicate_applications",
//        "duplicate_amount", "phantom_events", "phantom_amount", "lost_events",
//        "lost_amount", "wrong_events", "wrong_amount", "undelivered_events",
//        "undelivered_amount", "unexplained", "charge_ids" (at most 10), "read",
//        "explanation"}],
//    "anomalies_truncated": true (only when more were found than listed)}
//   "key" is the committed charge's idempotency key; "read" is read-ledger's invoke (an op is
//   named by its invoke); explanations also name read-service and the drain as "op N".
//   unknown: {"reason": "no-read-service" | "no-read-ledger" | "malformed" | "time-limit" |
//   "undelivered", "message", "time_limit_ms" (time-limit only)} (+ the counts so far; with
//   "undelivered", every count).
//
// Typed anomalies (CheckResult::anomalies), one per listed details anomaly, in its order:
// each names read-ledger's then read-service's invoke (a lost-event also the drain's), dated
// by the span of those ops.
//
// Cost: O(n) expected time and memory in the history's length and the two reads (hash maps
// by charge id); the clock is read every few thousand items.
//
// Thread-safety: see Checker.
#pragma once

#include "checkers/checker.h"

namespace coordcheck {

class OutboxChecker final : public Checker {
 public:
  std::string name() const override { return "outbox"; }
  CheckResult Check(const History& history, const CheckBudget& budget) const override;
};

}  // namespace coordcheck
