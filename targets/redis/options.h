// RedisOptions: the redis targets' options from the test config (the target's options JSON
// object), parsed once, at the edge, by RedisDb and by both lock clients (they share one
// options object, so each accepts the others' keys).
//
// Unknown keys and ill-typed values are errors naming the key, so a typo in a test file is
// reported instead of silently ignored.
//
// Thread-safety: plain value type.
#pragma once

#include <cstdint>

#include "base/options.h"
#include "history/op.h"

namespace coordcheck::redis {

struct RedisOptions {
  // TCP port of every Redis instance. Default 6379.
  int port = 6379;
  // redis-lock: while the lock is held, a background thread extends its TTL every ttl/3
  // (compare-and-PEXPIRE). Default false.
  bool renew = false;
  // redlock: bound on one instance's SET or unlock (connect included), ms; much smaller
  // than the TTL. Default 50.
  int64_t instance_timeout_ms = 50;
};

// Parses `options` (null or an object). The error names the offending key.
Result<RedisOptions> ParseRedisOptions(const Json& options);
// The options' catalogue: names, ranges, defaults and docs (`list`, errors).
const OptionTable<RedisOptions>& RedisOptionTable();

}  // namespace coordcheck::redis
