#include "targets/clock_reading.h"

#include <time.h>

#include <algorithm>
#include <cmath>

namespace coordcheck {

int64_t RealtimeNs() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

ClockReading ReadingOfRoundTrip(int64_t target_ns, int64_t before_ns, int64_t after_ns,
                                int64_t resolution_ms, std::string method) {
  const int64_t midpoint_ns = before_ns + (after_ns - before_ns) / 2;
  const int64_t half_trip_ns = std::max<int64_t>(0, after_ns - before_ns + 1) / 2;
  ClockReading reading;
  reading.offset_ms =
      static_cast<int64_t>(std::llround(static_cast<double>(target_ns - midpoint_ns) / 1e6));
  reading.error_ms = (half_trip_ns + 999999) / 1000000 + resolution_ms;
  reading.method = std::move(method);
  return reading;
}

}  // namespace coordcheck
