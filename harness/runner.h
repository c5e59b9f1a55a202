// Runner: turns a generator's ops into invocations through Clients, one worker thread per
// logical process, and records every invocation and completion in the history as it
// happens (Jepsen's interpreter).
//
// One scheduler (the thread that calls RunPhase) owns the generator, the Context and the
// history writer; workers only invoke. The scheduler asks the generator for an op, waits
// for its time, hands it to the free thread it names, and feeds every invoke and
// completion back to the generator. Events are written in the order the scheduler sees
// them, with times from one monotonic clock that never go backwards; buffered events are
// flushed before the scheduler waits, so a crash loses at most what was still in flight.
//
// Per-op timeout: a client gets a deadline and must return by it; a timeout or an
// exception escaping the client is recorded as `info` (error says which), and that thread
// continues under a fresh process id with a fresh client (the old one is closed).
// Client threads are assigned to nodes round-robin (thread t talks to node t mod N).
// The nemesis thread (kNemesisThread) invokes the Nemesis, if one is given.
//
// The runner holds no target-specific code: targets come in through the ClientFactory.
//
// Thread-safety: one RunPhase at a time; RequestStop may be called from any thread and
// from a signal handler's flag watcher (it only sets an atomic).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "generators/generator.h"
#include "history/jsonl.h"
#include "nemesis/nemesis.h"
#include "targets/client.h"

namespace coordcheck {

struct RunnerOptions {
  // Client worker threads (logical processes at a time). Default 5.
  int concurrency = 5;
  // A client must complete an op within this. Default 5 s.
  std::chrono::milliseconds op_timeout{5000};
  // Nodes clients talk to (thread t → nodes[t % size]). Must not be empty.
  std::vector<std::string> nodes;
  // What clients get at Open.
  ClientEnv client_env;
  // Stop flag watched by the scheduler (SIGINT/SIGTERM set it); may be null.
  const std::atomic<bool>* stop = nullptr;
  // Seeds which free thread an op for any thread goes to (gen::Context::PickFreeThread);
  // 0 = the lowest free thread. A run passes a child of its master seed.
  uint64_t thread_pick_seed = 0;
  // Called on the scheduler thread with every event recorded (progress display); may be
  // empty. Must be quick.
  std::function<void(const Op&)> on_event;
};

using ClientFactory = std::function<std::unique_ptr<Client>()>;

// Figures of a finished phase.
struct PhaseStats {
  int64_t invoked = 0;
  int64_t ok = 0;
  int64_t fail = 0;
  int64_t info = 0;
  int64_t abandoned = 0;  // invoked but not completed when the phase ended (stop or stall)
  bool stopped = false;   // ended early by the stop flag
  double seconds = 0;
};

class Runner {
 public:
  // `history` must be open; `nemesis` may be null (fault ops then complete as info with an
  // error saying there is no nemesis).
  Runner(RunnerOptions options, ClientFactory clients, Nemesis* nemesis, HistoryWriter* history);
  ~Runner();  // stops and joins the workers
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Runs `gen` until it is done and every op it started has completed (a barrier), or the
  // stop flag is set. Phases run one after another share the time base, processes and
  // history. Returns an error only when the history cannot be written.
  Result<PhaseStats> RunPhase(gen::GenPtr gen);

  // Keys that appeared in any op so far (for a workload's final reads).
  std::vector<Json> KeysSeen() const;
  // Nanoseconds since the run's time base (the first RunPhase call).
  int64_t NowNs() const;

 private:
  struct Worker;
  struct Completion;
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace coordcheck
