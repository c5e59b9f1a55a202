// ClientPauseNemesis: the client-pause fault — a stop-the-world pause of one client inside
// its critical section, longer than its lease (the lock workload's GC pause; Kleppmann's
// analysis of Redlock). The nemesis only posts the pause on a board; the client takes it.
//
// "pause-client" {"ms": D} or {"thread": T, "ms": D}: posts a client pause for the first
// client to enter a critical section, or for client thread T. Completion: info, the value
// plus "posted": true; a malformed value is named in error. Teardown drops pauses not taken
// yet: nothing stays stalled.
//
// Thread-safety: as Nemesis; the board's methods may be called from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nemesis/nemesis.h"

namespace coordcheck {

// Where pauses are posted for the clients (the harness adapts the clients' board,
// targets/client_faults.h: the nemesis does not know targets).
class ClientPauseBoard {
 public:
  static constexpr int kAnyThread = -1;
  virtual ~ClientPauseBoard() = default;
  // Client thread `thread` (or the first to get there, kAnyThread) pauses `ms` in its next
  // critical section.
  virtual void PostPause(int thread, int64_t ms) = 0;
  // Drops every pause not taken yet.
  virtual void Clear() = 0;
};

class ClientPauseNemesis final : public Nemesis {
 public:
  ClientPauseNemesis(ClientPauseBoard* board, int client_threads)
      : board_(board), client_threads_(client_threads) {}
  std::vector<std::string> fs() const override;
  Status Setup() override { return Status::Ok(); }
  Op Invoke(const Op& invoke) override;
  Status Teardown() override;

 private:
  ClientPauseBoard* board_;
  int client_threads_;
};

}  // namespace coordcheck
