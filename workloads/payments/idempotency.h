// IdempotencyChecker ("idempotency"): did every payment take effect as often as its client was
// told — no double charges from retries, no acknowledged payment lost? Reads only the history:
// the charge attempts, grouped by idempotency key, and the final ok read-service, which lists
// every committed charge and every balance (workloads/payments/ops.h,
// workloads/payments/payment_history.h).
//
// Per key (one logical payment, its account A and amount N from its invokes):
//   - acknowledged (some attempt ok): exactly one committed charge carries the key. More is
//     "duplicate-charge", none "lost-charge".
//   - never acknowledged (only info, fail or never-completed attempts): at most one committed
//     charge; more is "duplicate-charge". When every attempt ended fail (definitely not
//     applied), one is already "failed-but-charged".
//   - every ok attempt returned the same charge_id, and it is one of the key's committed
//     charges; else "inconsistent-response" (with no committed charge, lost-charge says it).
//   - each committed charge of the key is for A and N; else "wrong-charge".
// A committed charge whose key no attempt used is "unknown-charge". Balances: for every
// account (in the read's balances, or charged, or asked for; a missing one is 0) the balance
// must equal the sum of N over the keys that took effect — acknowledged, or charged at least
// once — each key once, with its invoked amount; else "balance-mismatch", whose difference is
// split into extra charges (a key's second and later charges), lost charges (acknowledged,
// never charged), unknown charges, wrong charges' shifts, and what the service's balance
// differs from its own committed charges ("unexplained").
//
// Why "took effect" counts acknowledged keys: an ok told the client its payment happened, so
// the account must show it whether or not a charge row exists; a key never acknowledged may
// or may not have happened, and the committed charges say which.
//
// Verdicts: invalid on any anomaly; unknown when no read-service completed ok, when a payment
// op is malformed (the message names its index and what is wrong), or when the time limit is
// reached; else valid. No charge attempts and an empty read is valid.
//
// Details:
//   {"keys", "acknowledged_keys", "effective_keys" (keys that took effect), "retried_keys"
//    (more than one attempt), "attempts", "ok_attempts", "fail_attempts", "info_attempts"
//    (info or never completed), "replayed_responses", "charges" (committed),
//    "duplicate_charges" (charges beyond one per key, summed), "duplicate_keys",
//    "lost_charges", "failed_but_charged", "inconsistent_responses", "unknown_charges",
//    "wrong_charges", "accounts", "balance_mismatches", "read_service_op",
//    "anomaly_types": [...], "anomalies": [at most 100, by key in first-invoke order, then
//    unknown charges, then balances by account:
//       {"type": "duplicate-charge", "key", "account", "amount", "acknowledged",
//        "charges": [ids], "charge_count", "attempts": [op], "read", "explanation"},
//       {"type": "lost-charge", "key", "account", "amount", "charge_ids" (returned),
//        "attempts", "read", "explanation"},
//       {"type": "failed-but-charged", "key", "account", "amount", "charges", "attempts",
//        "read", "explanation"},
//       {"type": "inconsistent-response", "key", "responses": [{"op", "charge_id",
//        "replayed"}], "charges" (committed), "attempts", "read", "explanation"},
//       {"type": "unknown-charge", "key", "charge_id", "account", "amount", "read",
//        "explanation"},
//       {"type": "wrong-charge", "key", "charge_id", "account", "amount",
//        "expected_account", "expected_amount", "attempts", "read", "explanation"},
//       {"type": "balance-mismatch", "account", "balance", "expected", "difference",
//        "committed" (sum of the account's committed charges), "extra_charges",
//        "extra_amount", "lost_charges", "lost_amount", "unknown_charges", "unknown_amount",
//        "wrong_charges", "wrong_amount", "unexplained", "keys" (at most 10), "read",
//        "explanation"}],
//    "anomalies_truncated": true (only when more were found than listed)}
//   "attempts" are invoke indices (an op is named by its invoke), also written "op N" in the
//   explanation; "read" is read-service's invoke. unknown: {"reason": "no-read-service" |
//   "malformed" | "time-limit", "message", "time_limit_ms" (time-limit only)} (+ the counts
//   so far).
//
// Typed anomalies (CheckResult::anomalies), one per listed details anomaly, in its order:
// each names the key's attempts (invoke indices; none for unknown-charge and
// balance-mismatch) then read-service's invoke, and is dated by the span of the attempts
// (of the read when it names none).
//
// Cost: O(n) expected time and memory in the history's payment ops and the read's charges
// (hash maps by key and charge id); the clock is read every few thousand items.
//
// Thread-safety: see Checker.
#pragma once

#include "checkers/checker.h"

namespace coordcheck {

class IdempotencyChecker final : public Checker {
 public:
  std::string name() const override { return "idempotency"; }
  CheckResult Check(const History& history, const CheckBudget& budget) const override;
};

}  // namespace coordcheck
