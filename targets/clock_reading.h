// Turning one timed round trip to a target into a ClockReading (targets/db.h), shared by the
// Dbs that implement ClockObservable (RedisDb: TIME; EtcdDb: the Date header).
//
// The caller reads our wall clock just before it sends the request and just after the answer
// arrives (connected first, so the trip is that request and its answer only); the target read
// its own clock somewhere in between. Taking the midpoint bounds the error by half the trip.
//
// Thread-safety: plain functions.
#pragma once

#include <cstdint>
#include <string>

#include "targets/db.h"

namespace coordcheck {

// Our wall clock (CLOCK_REALTIME), ns since the epoch.
int64_t RealtimeNs();

// The reading of a target whose clock said `target_ns` (ns since the epoch) while ours went
// from `before_ns` to `after_ns` (RealtimeNs() around the round trip). offset_ms: target_ns
// minus the midpoint of the trip, rounded to the nearest ms; error_ms: half the trip rounded
// up to ms, plus `resolution_ms` (what the target's clock resolution and the rounding add).
ClockReading ReadingOfRoundTrip(int64_t target_ns, int64_t before_ns, int64_t after_ns,
                                int64_t resolution_ms, std::string method);

}  // namespace coordcheck
