#include "nemesis/packet/delay_queue.h"

#include <cassert>

namespace coordcheck::netdelay {

DelayQueue::DelayQueue(std::chrono::microseconds delay, std::chrono::microseconds jitter,
                       uint64_t seed)
    : delay_(delay), jitter_(jitter), rng_(seed) {
  assert(delay.count() >= 0 && jitter.count() >= 0);
}

DelayQueue::Clock::time_point DelayQueue::Push(uint32_t id, Clock::time_point now) {
  std::chrono::microseconds hold = delay_;
  if (jitter_.count() > 0) {
    // Modulo bias is below 2^-40 for any jitter we accept; the mapping is ours, not the
    // standard library's, so release times do not change with the library.
    const auto span = static_cast<uint64_t>(2 * jitter_.count() + 1);
    hold += std::chrono::microseconds(static_cast<int64_t>(rng_() % span) - jitter_.count());
    if (hold.count() < 0) hold = std::chrono::microseconds(0);
  }
  const Clock::time_point release = now + hold;
  held_.push(Held{release, next_seq_++, id});
  return release;
}

void DelayQueue::PopDue(Clock::time_point now, std::vector<uint32_t>* out) {
  while (!held_.empty() && held_.top().release <= now) {
    out->push_back(held_.top().id);
    held_.pop();
  }
}

std::vector<uint32_t> DelayQueue::TakeAll() {
  std::vector<uint32_t> out;
  out.reserve(held_.size());
  while (!held_.empty()) {
    out.push_back(held_.top().id);
    held_.pop();
  }
  return out;
}

}  // namespace coordcheck::netdelay
