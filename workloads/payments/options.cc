#include "workloads/payments/options.h"

namespace coordcheck::payments {

const OptionTable<PaymentsOptions>& PaymentsOptionTable() {
  using O = PaymentsOptions;
  static const OptionTable<O> table =
      OptionTable<O>("workload option", "the payments workload")
          .Int("accounts", &O::accounts, 1, 10'000, "accounts a1..aN charged at random")
          .Int("max_amount", &O::max_amount, 1, 1'000'000, "amounts are 1..max_amount")
          .Int("max_attempts", &O::max_attempts, 1, 100, "attempts per payment (retry budget)")
          .Int("attempt_timeout_ms", &O::attempt_timeout_ms, 10, 600'000,
               "how long a client waits for one attempt before it is info and retried, ms")
          .Int("backoff_ms", &O::backoff_ms, 0, 600'000,
               "first retry backoff, doubling per attempt, with full jitter, ms")
          .Int("backoff_max_ms", &O::backoff_max_ms, 0, 600'000, "the largest backoff, ms")
          .Int("work_ms", &O::work_ms, 0, 60'000,
               "each charge's processing inside its "
               "transaction, ms")
          .Int("slow_every", &O::slow_every, 0, 1'000'000,
               "one charge in slow_every (at random; 0 = never) takes slow_ms more")
          .Int("slow_ms", &O::slow_ms, 0, 600'000,
               "extra time of a slow charge or ledger delivery, ms")
          .Int("ledger_slow_every", &O::ledger_slow_every, 0, 1'000'000,
               "every n-th ledger delivery stalls slow_ms (0 = never)")
          .Int("short_key_ttl_ms", &O::short_key_ttl_ms, 1, 3'600'000,
               "bug short-key-ttl: how long an idempotency key is kept, ms")
          .Int("relay_interval_ms", &O::relay_interval_ms, 1, 60'000,
               "how often the outbox relay looks for undelivered events, ms")
          .Int("service_port", &O::service_port, 1, 65535, "TCP port of the service instances")
          .Int("ledger_port", &O::ledger_port, 1, 65535, "TCP port of the ledger");
  return table;
}

Result<PaymentsOptions> ParsePaymentsOptions(const Json& options) {
  auto parsed = PaymentsOptionTable().Read(options);
  if (!parsed.ok()) return parsed;
  if (parsed->backoff_max_ms < parsed->backoff_ms) {
    return Status::Error(
        "workload option \"backoff_max_ms\" (" + std::to_string(parsed->backoff_max_ms) +
        ") must not be below \"backoff_ms\" (" + std::to_string(parsed->backoff_ms) + ")");
  }
  if (parsed->service_port == parsed->ledger_port) {
    return Status::Error(
        "workload options \"service_port\" and \"ledger_port\" must differ, both are " +
        std::to_string(parsed->service_port));
  }
  return parsed;
}

Json PaymentsOptionsToJson(const PaymentsOptions& o) { return PaymentsOptionTable().ToJson(o); }

}  // namespace coordcheck::payments
