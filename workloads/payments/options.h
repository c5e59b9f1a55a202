// PaymentsOptions: the payments workload's options (TestConfig::workload_options), parsed
// once at the edge by the workload (validation and the generator), the payments targets'
// Db (the service's and ledger's flags) and their clients (attempt timeout).
//
// Unknown keys and ill-typed values are errors naming the key, so a typo in a test file is
// reported instead of silently ignored.
//
// Thread-safety: plain value type.
#pragma once

#include <cstdint>
#include <string>

#include "base/options.h"
#include "history/op.h"

namespace coordcheck::payments {

struct PaymentsOptions {
  // Clients: accounts "a1".."aN" charged at random, amounts 1..max_amount.
  int accounts = 5;
  int max_amount = 100;
  // Retrying clients: at most max_attempts attempts per payment (the retry budget), each
  // given attempt_timeout_ms before the client gives up on it (info) and retries after an
  // exponential backoff from backoff_ms, doubling per attempt up to backoff_max_ms, with
  // full jitter.
  int max_attempts = 5;
  int64_t attempt_timeout_ms = 1000;
  int64_t backoff_ms = 50;
  int64_t backoff_max_ms = 1000;
  // The service: each charge's own processing takes work_ms (inside its transaction), and one
  // charge in slow_every (at random; 0 = never) takes slow_ms more — a slow card processor,
  // longer than the client waits, so retries overlap the attempt still running.
  int64_t work_ms = 2;
  int slow_every = 200;
  int64_t slow_ms = 1500;
  // The ledger: every ledger_slow_every-th delivery (0 = never) stalls slow_ms — longer than
  // the relay waits, so it delivers again.
  int ledger_slow_every = 100;
  // How long the short-key-ttl bug keeps an idempotency key (the correct service keeps
  // them 24 h, longer than any client retries).
  int64_t short_key_ttl_ms = 100;
  // How often the outbox relay looks for undelivered events.
  int64_t relay_interval_ms = 20;
  // TCP ports of the service instances and of the ledger.
  int service_port = 7500;
  int ledger_port = 7600;
};

// Parses `options` (null or an object with the keys above). The error names the key
// ("workload option \"work_ms\" must be ...").
Result<PaymentsOptions> ParsePaymentsOptions(const Json& options);

// The options' catalogue: names, ranges, defaults and docs (`list`, errors).
const OptionTable<PaymentsOptions>& PaymentsOptionTable();

// The options as JSON (every key), for results and reports.
Json PaymentsOptionsToJson(const PaymentsOptions& options);

}  // namespace coordcheck::payments
