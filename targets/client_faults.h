// ClientFaultBoard: faults that happen inside a client rather than on a node — the lock
// workload's client pause, a stop-the-world GC pause of a lock holder (Kleppmann's
// analysis of Redlock). The nemesis posts a fault for a client THREAD, or for whichever
// client gets there first (kAnyThread); the client takes it at the point where it applies
// (a pause: inside its next critical section, between its read and its write), whatever
// process its thread runs by then.
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
  static constexpr int kAnyThread = -1;

  // Client thread `thread` (or the first client to get there, kAnyThread) pauses `ms` in
  // its next critical section (a later post for the same thread replaces one not yet taken).
  void PostPause(int thread, int64_t ms) {
    std::lock_guard<std::mutex> lock(mu_);
    pauses_[thread] = ms;
  }
  // The pause posted for `thread`, else one posted for any thread, removed from the board;
  // nullopt when there is none.
  std::optional<int64_t> TakePause(int thread) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pauses_.find(thread);
    if (it == pauses_.end()) it = pauses_.find(kAnyThread);
    if (it == pauses_.end()) return std::nullopt;
    const int64_t ms = it->second;
    pauses_.erase(it);
    return ms;
  }
  // Drops every pause not taken yet.
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    pauses_.clear();
  }

 private:
  std::mutex mu_;
  std::map<int, int64_t> pauses_;  // thread (or kAnyThread) -> pause (ms)
};

}  // namespace coordcheck
