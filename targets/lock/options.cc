#include "targets/lock/options.h"

namespace coordcheck::lock {

control::Result<LockWorkloadOptions> ParseLockWorkloadOptions(const Json& options) {
  using R = control::Result<LockWorkloadOptions>;
  LockWorkloadOptions parsed;
  if (options.is_null()) return parsed;
  if (!options.is_object()) {
    return R::Error("the lock workload's options must be a JSON object, got " + options.dump());
  }
  auto int_in = [](const std::string& key, const Json& v, int64_t min, int64_t max,
                   int64_t* out) -> control::Status {
    if (!v.is_number_integer() || v.get<int64_t>() < min || v.get<int64_t>() > max) {
      return control::Status::Error("workload option \"" + key + "\" must be an integer in " +
                                    std::to_string(min) + ".." + std::to_string(max) +
                                    ", got " + v.dump());
    }
    *out = v.get<int64_t>();
    return control::Status::Ok();
  };
  for (auto it = options.begin(); it != options.end(); ++it) {
    const std::string& key = it.key();
    const Json& v = it.value();
    control::Status st;
    if (key == "resource") {
      if (!v.is_string() || !resource::ParseMode(v.get<std::string>(), &parsed.resource)) {
        return R::Error("workload option \"resource\" must be \"fenced\" or \"unfenced\", got " +
                        v.dump());
      }
    } else if (key == "resource_port") {
      int64_t port = 0;
      st = int_in(key, v, 1, 65535, &port);
      parsed.resource_port = static_cast<int>(port);
    } else if (key == "ttl_ms") {
      st = int_in(key, v, 1000, 3'600'000, &parsed.ttl_ms);
    } else if (key == "hold_ms") {
      st = int_in(key, v, 0, 600'000, &parsed.hold_ms);
    } else if (key == "client_pause_ms") {
      st = int_in(key, v, 0, 3'600'000, &parsed.client_pause_ms);
    } else {
      return R::Error("unknown workload option \"" + key +
                      "\" (the lock workload knows: resource, resource_port, ttl_ms, hold_ms, "
                      "client_pause_ms)");
    }
    if (!st.ok()) return st;
  }
  return parsed;
}

Json LockWorkloadOptionsToJson(const LockWorkloadOptions& o) {
  return Json{{"resource", std::string(resource::ModeName(o.resource))},
              {"resource_port", o.resource_port},
              {"ttl_ms", o.ttl_ms},
              {"hold_ms", o.hold_ms},
              {"client_pause_ms", o.EffectiveClientPauseMs()}};
}

}  // namespace coordcheck::lock
