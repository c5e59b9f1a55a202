#include "targets/redis/options.h"

#include <string>

namespace coordcheck::redis {

control::Result<RedisOptions> ParseRedisOptions(const Json& options) {
  using R = control::Result<RedisOptions>;
  constexpr const char* kKnown = "port, renew, instance_timeout_ms";
  RedisOptions parsed;
  if (options.is_null()) return parsed;
  if (!options.is_object()) {
    return R::Error("redis options must be a JSON object, got " + options.dump());
  }
  for (auto it = options.begin(); it != options.end(); ++it) {
    const std::string& key = it.key();
    const Json& v = it.value();
    auto integer_in = [&](int64_t min, int64_t max, int64_t* out) {
      if (!v.is_number_integer() || v.get<int64_t>() < min || v.get<int64_t>() > max) {
        return false;
      }
      *out = v.get<int64_t>();
      return true;
    };
    if (key == "port") {
      int64_t port = 0;
      if (!integer_in(1, 65535, &port)) {
        return R::Error("redis option \"port\" must be an integer in 1..65535, got " + v.dump());
      }
      parsed.port = static_cast<int>(port);
    } else if (key == "renew") {
      if (!v.is_boolean()) {
        return R::Error("redis option \"renew\" must be true or false, got " + v.dump());
      }
      parsed.renew = v.get<bool>();
    } else if (key == "instance_timeout_ms") {
      if (!integer_in(1, 3'600'000, &parsed.instance_timeout_ms)) {
        return R::Error(
            "redis option \"instance_timeout_ms\" must be an integer in 1..3600000, got " +
            v.dump());
      }
    } else {
      return R::Error("unknown redis option \"" + key + "\" (known: " + kKnown + ")");
    }
  }
  return parsed;
}

}  // namespace coordcheck::redis
