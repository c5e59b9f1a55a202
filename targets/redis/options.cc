#include "targets/redis/options.h"

namespace coordcheck::redis {

const OptionTable<RedisOptions>& RedisOptionTable() {
  static const OptionTable<RedisOptions> table =
      OptionTable<RedisOptions>("redis option", "redis")
          .Int("port", &RedisOptions::port, 1, 65535, "TCP port of every Redis instance")
          .Bool("renew", &RedisOptions::renew,
                "redis-lock: extend the held lock's TTL every ttl/3 from a background thread")
          .Int("instance_timeout_ms", &RedisOptions::instance_timeout_ms, 1, 3'600'000,
               "redlock: bound on one instance's SET or unlock (connect included), ms");
  return table;
}

Result<RedisOptions> ParseRedisOptions(const Json& options) {
  return RedisOptionTable().Read(options);
}

}  // namespace coordcheck::redis
