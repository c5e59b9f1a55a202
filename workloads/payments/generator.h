// The payments workload's op stream (workloads/payments/ops.h gives the ops): client threads
// that pay like real clients do — each logical payment has its own idempotency key, and a
// payment whose attempt failed or timed out is retried with the same key after a backoff.
//
// On each client thread t, payment n (n = 1, 2, ...) has key "p<t>-<n>" (unique per run), a
// random account "a1".."a<accounts>" and amount 1..max_amount. Every attempt i (1, 2, ...)
// is its own op:  charge  key "p<t>-<n>"  value {"account", "amount", "attempt": i}.
// The generator watches the completions of its thread's charges:
//   ok          the payment is done: the thread's next op is a fresh payment;
//   fail, info  attempt i+1 of the same payment (same key, account and amount), not before
//               the completion's time + a backoff drawn uniformly from
//               [0, min(backoff_max_ms, backoff_ms * 2^(i-1))] (exponential, full jitter),
//               unless i == max_attempts: then the payment is abandoned and the thread moves
//               on to a fresh payment (at once).
// After an `info` the thread runs a fresh process (generator.h): the retry is issued by the
// thread's current process, whichever that is when it is due.
//
// Why retries are scheduled rather than waited for: a pure generator has no clock (see
// timing.h's Sleep); it emits the retry with time_ns = completion + backoff and the runner
// waits for that time. Meanwhile the other threads' ops (due sooner) go first.
//
// Contract: pure and deterministic (generator.h): each thread's choices come from its own
// child of `rng` (rng.Child(thread)), so a thread's payments do not depend on how the threads
// interleave. Infinite: emits ops only for free client threads (never the nemesis thread),
// pending while none is free; wrap it in Clients and bound it with TimeLimit (Stagger may
// space it out: it only moves ops later).
//
// Thread-safety: immutable values.
#pragma once

#include <cstdint>

#include "generators/generator.h"

namespace coordcheck::gen {

// Mirrors the client part of payments::PaymentsOptions (workloads/payments/options.h), which
// generators cannot include; the workload copies the fields over.
struct PaymentGenOptions {
  // Accounts "a1".."a<accounts>" (> 0), charged uniformly at random. Default 5.
  int accounts = 5;
  // Amounts 1..max_amount (> 0), uniformly. Default 100.
  int max_amount = 100;
  // Attempts per payment (the retry budget, > 0): 1 never retries. Default 5.
  int max_attempts = 5;
  // Backoff before attempt i+1: uniform in [0, min(backoff_max_ms, backoff_ms * 2^(i-1))]
  // ms. Defaults 50 and 1000.
  int64_t backoff_ms = 50;
  int64_t backoff_max_ms = 1000;
};

// The backoff cap before attempt `attempt` + 1, in ms: min(backoff_max_ms,
// backoff_ms * 2^(attempt-1)) (no overflow for any attempt >= 1).
int64_t PaymentBackoffCapMs(const PaymentGenOptions& options, int attempt);

// Charges with retries, on every client thread of its context, forever.
GenPtr PaymentAttempts(const PaymentGenOptions& options, Rng rng);

}  // namespace coordcheck::gen
