// PaymentHistory: the payments workload's ops of a history (workloads/payments/ops.h), parsed
// once into typed data for the idempotency and outbox checkers: every charge attempt grouped
// by idempotency key, the final ok read-service and read-ledger, and the final drain.
//
// Contract: ParsePaymentHistory reads only the parts asked for (a checker that does not need
// the charge attempts never rejects a history for a malformed attempt). A malformed op of a
// part asked for is a Problem naming the event index (and line) and what is wrong, never a
// guess:
//   - charge: a string key; an invoke value {"account": string, "amount": integer > 0,
//     "attempt": integer >= 1}, the same account and amount for every attempt of a key; an ok
//     value {"charge_id": string, "replayed": bool}; fail and info values are not read. A
//     completion needs the outstanding charge invoke of its process; an invoke never
//     completed counts as info.
//   - read-service (the last ok one): {"charges": [[C, key, A, N], ...], "balances": {A: N}}
//     with string C, key, A, integer N and charge ids listed once.
//   - read-ledger (the last ok one): {"events": [[E, A, N, applications >= 0], ...],
//     "balances": {A: N}}, event ids listed once.
//   - drain (the last one invoked): an ok value {"pending": integer >= 0, "outbox": bool}; an
//     info value is read when it has that shape and ignored otherwise (a timed-out client may
//     know nothing).
// Ops of other functions (nemesis ops, other workloads) are ignored.
//
// Why the last read and not any: the final phase may retry a read that timed out; the last
// ok one is the state after everything else, which is what the checkers compare the
// attempts against. The checkers trust the final reads as the quiescent end state: the
// final phase runs after healing, when no attempt is still running.
//
// Cost: O(n) time and memory in the history's payment ops (a few allocations per key, none
// per attempt); the clock is read every kClockStride events or entries.
//
// Thread-safety: plain functions and value types.
#pragma once

#include "checkers/checker.h"
#include "checkers/checker_util.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "history/history.h"

namespace coordcheck::payment_history {

// How an attempt ended. kPending (never completed) means the same as kInfo: it may have
// taken effect at any time after its invoke, or never.
enum class Outcome : uint8_t { kOk, kFail, kInfo, kPending };

struct Attempt {
  int64_t invoke = -1;    // history index of the invoke (names the op)
  int64_t complete = -1;  // history index of the completion; -1 when never completed
  int64_t number = 0;     // the invoke's "attempt"
  Outcome outcome = Outcome::kPending;
  std::string charge_id;  // ok only
  bool replayed = false;  // ok only
};

// One logical payment: every attempt with one idempotency key.
struct Payment {
  std::string key;
  std::string account;
  int64_t amount = 0;
  std::span<const Attempt> attempts;  // in invoke order, in PaymentHistory::attempts

  bool acknowledged() const;  // some attempt ended ok
  bool all_failed() const;    // every attempt ended fail (definitely not applied)
};

// A committed charge, as read-service listed it.
struct Charge {
  std::string id;
  std::string key;
  std::string account;
  int64_t amount = 0;
};

// An event the ledger received, as read-ledger listed it.
struct LedgerEvent {
  std::string id;  // the charge id it was emitted for
  std::string account;
  int64_t amount = 0;
  int64_t applications = 0;
};

struct ServiceRead {
  int64_t invoke = -1;  // history index of the read's invoke (names the op)
  int64_t complete = -1;
  std::vector<Charge> charges;              // in the read's order
  std::map<std::string, int64_t> balances;  // account -> balance
};

struct LedgerRead {
  int64_t invoke = -1;
  int64_t complete = -1;
  std::vector<LedgerEvent> events;  // in the read's order
  std::map<std::string, int64_t> balances;
};

struct Drain {
  int64_t invoke = -1;
  int64_t complete = -1;  // -1 when never completed
  Outcome outcome = Outcome::kPending;
  std::optional<int64_t> pending;  // events still in the outbox, when the value says
  std::optional<bool> outbox;      // whether the variant has an outbox, when the value says
};

// Which parts ParsePaymentHistory reads.
struct Parts {
  bool attempts = false;  // the charge attempts
  bool service = false;   // the last ok read-service
  bool ledger = false;    // the last ok read-ledger
  bool drain = false;     // the last drain
};

// Move-only: the payments' spans point into `attempts`.
struct PaymentHistory {
  PaymentHistory() = default;
  PaymentHistory(PaymentHistory&&) = default;
  PaymentHistory& operator=(PaymentHistory&&) = default;
  PaymentHistory(const PaymentHistory&) = delete;
  PaymentHistory& operator=(const PaymentHistory&) = delete;

  std::vector<Payment> payments;                   // in order of their first invoke
  std::unordered_map<std::string, size_t> by_key;  // key -> position in `payments`
  std::vector<Attempt> attempts;                   // every charge attempt, grouped by payment
  int64_t attempt_count = 0;
  std::optional<ServiceRead> service;  // absent: no read-service completed ok
  bool service_attempted = false;      // some read-service op was invoked
  std::optional<LedgerRead> ledger;
  bool ledger_attempted = false;
  std::optional<Drain> drain;  // absent: no drain op
};

// Why there is nothing to check.
struct Problem {
  std::string reason;   // "malformed" or "time-limit"
  std::string message;  // one sentence for the summary, naming the index where it applies
  std::string where;    // time-limit: what the parse was doing ("reading ...")
};

// Parses `parts` of `history`. `deadline` bounds the parse (time_point::max() = none).
std::optional<PaymentHistory> ParsePaymentHistory(const History& history, const Parts& parts,
                                                  std::chrono::steady_clock::time_point deadline,
                                                  Problem* problem);

// Makes `result` unknown: `budget`'s time limit was reached while `where` (details
// "time_limit_ms" too). Returns *result.
CheckResult& TimeLimitReached(CheckResult* result, const CheckBudget& budget,
                              const std::string& where);
// ParsePaymentHistory for a checker: nullopt with `result` made unknown when the history is
// malformed or the time limit was reached.
std::optional<PaymentHistory> ParseForCheck(const History& history, const Parts& parts,
                                            const CheckBudget& budget,
                                            std::chrono::steady_clock::time_point deadline,
                                            CheckResult* result);

// "op 790 (info: timeout)", "op 812 (ok, replayed c-9)", "op 800 (fail: rolled back)",
// "op 820 (never completed)": the error text is the completion's "error", cut short.
std::string DescribeAttempt(const History& history, const Attempt& attempt);
// The attempts as "op 790 (info: timeout), op 812 (ok)", at most `max` of them, then
// "and N more".
std::string DescribeAttempts(const History& history, std::span<const Attempt> attempts,
                             size_t max = 20);
// "ok", "fail", "info", "pending".
const char* OutcomeName(Outcome outcome);

// The first `max` items joined by ", ", then ", …" when there are more.
std::string JoinFirst(const std::vector<std::string>& items, size_t max);
// "+40", "-40", "0".
std::string Signed(int64_t n);

// The anomalies a payments checker found: the first kMaxListed objects in the order added
// (each also as a typed Anomaly naming its ops), and per type the complete count and the
// first few examples (keys, charge ids, accounts) for the summary.
class AnomalyList {
 public:
  // Every type the checker may add, in the order "anomaly_types" lists them.
  explicit AnomalyList(std::vector<std::string> types);
  // Adds `anomaly`, whose "type" is one of the types and which has an "explanation";
  // `example` names it in the summary. The typed anomaly names `ops` then `also` (invoke
  // indices), and is dated by `ops` alone (by `also` when `ops` is empty): a payment's
  // attempts date it, the final read that revealed it does not.
  void Add(Json anomaly, const std::string& example, std::vector<int64_t> ops,
           std::vector<int64_t> also = {});
  int64_t count(std::string_view type) const;
  bool empty() const { return listed_.empty(); }
  // `what` and the first examples: "2 payments charged twice (keys p1-4, p2-9)",
  // "4 events lost (charges c-1, c-2, c-3, …)"; `label` is the examples' plural noun, its
  // singular without the final "s".
  std::string Phrase(std::string_view type, const std::string& what,
                     const std::string& label) const;
  // Writes details "anomaly_types" (the types found), "anomalies" and, only when anomalies
  // were left out, "anomalies_truncated": true; and the typed anomalies, dated in `history`.
  void WriteTo(const History& history, CheckResult* result) const;

 private:
  size_t Index(std::string_view type) const;

  std::vector<std::string> types_;
  std::vector<int64_t> counts_;
  std::vector<std::vector<std::string>> examples_;
  Json listed_ = Json::array();
  std::vector<Anomaly> typed_;    // listed_'s, undated
  std::vector<size_t> dated_by_;  // how many of each typed_'s first ops date it
  bool truncated_ = false;
};

using checker_util::kClockStride;
using checker_util::kMaxListed;
using checker_util::Plural;

}  // namespace coordcheck::payment_history
