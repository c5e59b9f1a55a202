// ClientFaultBoard: faults that happen inside a client rather than on a node — the lock
// workload's client pause, a stop-the-world GC pause of a lock holder (Kleppmann's
// analysis of Redlock). The nemesis posts a fault for a client THREAD; the client running
// on that thread takes it at the point where it applies (a pause: inside its next critical
// section, between its read and its write), whatever process the thread runs by then.
//
// Thread-safety: every method may be called from any thread (one mutex).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>

namespace coordcheck {

class ClientFaultBoard {
 public:
  // Client thread `thread` pauses `ms` in its next critical section (a later post for the
  // same thread replaces one not yet taken).
  void PostPause(int thread, int64_t ms) {
    std::lock_guard<std::mutex> lock(mu_);
    pauses_[thread] = ms;
  }
  // The pause posted for `thread`, removed from the board; nullopt when there is none.
  std::optional<int64_t> TakePause(int thread) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pauses_.find(thread);
    if (it == pauses_.end()) return std::nullopt;
    const int64_t ms = it->second;
    pauses_.erase(it);
    return ms;
  }
  // Pauses posted and not taken yet (the final phase reports them).
  size_t pending() {
    std::lock_guard<std::mutex> lock(mu_);
    return pauses_.size();
  }

 private:
  std::mutex mu_;
  std::map<int, int64_t> pauses_;  // thread -> pause (ms)
};

}  // namespace coordcheck
