#include "targets/payments/options.h"

#include <functional>
#include <map>

namespace coordcheck::payments {

namespace {

struct Field {
  int64_t min;
  int64_t max;
  std::function<void(PaymentsOptions*, int64_t)> set;
  std::function<int64_t(const PaymentsOptions&)> get;
};

template <class T>
Field Int(T PaymentsOptions::*member, int64_t min, int64_t max) {
  return Field{min, max, [member](PaymentsOptions* o, int64_t v) { o->*member = static_cast<T>(v); },
               [member](const PaymentsOptions& o) { return static_cast<int64_t>(o.*member); }};
}

const std::map<std::string, Field>& Fields() {
  static const std::map<std::string, Field> fields = {
      {"accounts", Int(&PaymentsOptions::accounts, 1, 10'000)},
      {"max_amount", Int(&PaymentsOptions::max_amount, 1, 1'000'000)},
      {"max_attempts", Int(&PaymentsOptions::max_attempts, 1, 100)},
      {"attempt_timeout_ms", Int(&PaymentsOptions::attempt_timeout_ms, 10, 600'000)},
      {"backoff_ms", Int(&PaymentsOptions::backoff_ms, 0, 600'000)},
      {"backoff_max_ms", Int(&PaymentsOptions::backoff_max_ms, 0, 600'000)},
      {"work_ms", Int(&PaymentsOptions::work_ms, 0, 60'000)},
      {"slow_every", Int(&PaymentsOptions::slow_every, 0, 1'000'000)},
      {"slow_ms", Int(&PaymentsOptions::slow_ms, 0, 600'000)},
      {"ledger_slow_every", Int(&PaymentsOptions::ledger_slow_every, 0, 1'000'000)},
      {"short_key_ttl_ms", Int(&PaymentsOptions::short_key_ttl_ms, 1, 3'600'000)},
      {"relay_interval_ms", Int(&PaymentsOptions::relay_interval_ms, 1, 60'000)},
      {"service_port", Int(&PaymentsOptions::service_port, 1, 65535)},
      {"ledger_port", Int(&PaymentsOptions::ledger_port, 1, 65535)},
  };
  return fields;
}

std::string Known() {
  std::string names;
  for (const auto& [name, field] : Fields()) names += (names.empty() ? "" : ", ") + name;
  return names;
}

}  // namespace

control::Result<PaymentsOptions> ParsePaymentsOptions(const Json& options) {
  using R = control::Result<PaymentsOptions>;
  PaymentsOptions parsed;
  if (options.is_null()) return parsed;
  if (!options.is_object()) {
    return R::Error("the payments workload's options must be a JSON object, got " +
                    options.dump());
  }
  for (auto it = options.begin(); it != options.end(); ++it) {
    auto field = Fields().find(it.key());
    if (field == Fields().end()) {
      return R::Error("unknown workload option \"" + it.key() +
                      "\" (the payments workload knows: " + Known() + ")");
    }
    const Json& v = it.value();
    const Field& f = field->second;
    if (!v.is_number_integer() || v.get<int64_t>() < f.min || v.get<int64_t>() > f.max) {
      return R::Error("workload option \"" + it.key() + "\" must be an integer in " +
                      std::to_string(f.min) + ".." + std::to_string(f.max) + ", got " + v.dump());
    }
    f.set(&parsed, v.get<int64_t>());
  }
  if (parsed.backoff_max_ms < parsed.backoff_ms) {
    return R::Error("workload option \"backoff_max_ms\" (" + std::to_string(parsed.backoff_max_ms) +
                    ") must not be below \"backoff_ms\" (" + std::to_string(parsed.backoff_ms) + ")");
  }
  if (parsed.service_port == parsed.ledger_port) {
    return R::Error("workload options \"service_port\" and \"ledger_port\" must differ, both are " +
                    std::to_string(parsed.service_port));
  }
  return parsed;
}

Json PaymentsOptionsToJson(const PaymentsOptions& o) {
  Json out = Json::object();
  for (const auto& [name, field] : Fields()) out[name] = field.get(o);
  return out;
}

}  // namespace coordcheck::payments
