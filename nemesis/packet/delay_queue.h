// DelayQueue: the packets coordcheck-netdelay holds, each until its own release time —
// arrival + delay + a uniform offset in [-jitter, +jitter], never before its arrival.
//
// Packets leave in release-time order; packets with equal release times leave in arrival
// order, so with no jitter the queue is strictly FIFO. The offsets come from a generator
// seeded by the caller (no ambient randomness): the same seed and arrivals give the same
// release times. Times are passed in, never read here, so tests need no clock.
//
// Thread-safety: none; one owner (netdelay's single-threaded main loop).
#pragma once

#include <chrono>
#include <cstdint>
#include <queue>
#include <random>
#include <vector>

namespace coordcheck::netdelay {

class DelayQueue {
 public:
  using Clock = std::chrono::steady_clock;

  // `delay` and `jitter` must not be negative.
  DelayQueue(std::chrono::microseconds delay, std::chrono::microseconds jitter, uint64_t seed);

  // Holds packet `id`, which arrived at `now`; returns its release time.
  Clock::time_point Push(uint32_t id, Clock::time_point now);

  bool empty() const { return held_.empty(); }
  size_t size() const { return held_.size(); }
  // The earliest release time. Requires !empty().
  Clock::time_point next_release() const { return held_.top().release; }

  // Appends to `out` the ids due at `now` (release time <= now), in release order, and
  // stops holding them.
  void PopDue(Clock::time_point now, std::vector<uint32_t>* out);
  // Every id still held, in release order; the queue is empty afterwards.
  std::vector<uint32_t> TakeAll();

 private:
  struct Held {
    Clock::time_point release;
    uint64_t seq;  // arrival order, to break ties
    uint32_t id;
    // Reversed: std::priority_queue keeps the greatest on top, we want the earliest.
    bool operator<(const Held& other) const {
      return release != other.release ? release > other.release : seq > other.seq;
    }
  };

  const std::chrono::microseconds delay_;
  const std::chrono::microseconds jitter_;
  std::mt19937_64 rng_;
  uint64_t next_seq_ = 0;
  std::priority_queue<Held> held_;
};

}  // namespace coordcheck::netdelay
