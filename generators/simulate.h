// Simulate: runs a generator against fake clients, without threads or clocks (Jepsen's
// generator.test/simulate): for generator tests, and for checking that a seed reproduces
// the same op sequence.
//
// Contract: simulated time starts at 0 and jumps from event to event. Each op is invoked at
// max(its time, now); it completes after a latency and with a type given by the options;
// both events go to Update, with the context's threads marked busy/free and, after an info
// completion of a client, the thread moved on to its next process (p + n). When an op is
// due and a completion is due no later, the completion happens first. Pause ops (kSleepF)
// occupy their thread for their value in ns and complete ok. The run ends when the
// generator is done and nothing is outstanding, at a deadlock (pending with nothing
// outstanding), at a bad op (for a thread that is not free), or at max_ops / max_time_ns,
// after which outstanding ops still complete so every recorded invoke has its completion.
//
// Thread-safety: a plain function; the option callbacks are called on the calling thread.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "generators/generator.h"

namespace coordcheck::gen {

struct SimOptions {
  // Client threads 0..n-1. Default 5.
  int client_threads = 5;
  // Whether the context also has the nemesis thread. Default false.
  bool with_nemesis = false;
  // Every op's latency (ns) when `latency` is not set. Default 1 ms.
  int64_t latency_ns = 1'000'000;
  // Per-op latency in ns (>= 0), from the invoke event. Default: unset.
  std::function<int64_t(const Op& invoke)> latency;
  // Completion type from the invoke event. Default: unset, meaning ok.
  std::function<OpType(const Op& invoke)> completion;
  // Completion value from the invoke event. Default: unset, meaning the invoke's value.
  std::function<Json(const Op& invoke)> completion_value;
  // No invocation beyond this many (pauses included). Default 100000.
  int64_t max_ops = 100'000;
  // No invocation at a time after this (ns). Default: unbounded.
  int64_t max_time_ns = std::numeric_limits<int64_t>::max();
  // Seeds the choice of a free thread for ops on any thread (Context::PickFreeThread); 0 =
  // the lowest free thread. Default 0.
  uint64_t thread_pick_seed = 0;
  // Whether pause ops appear in the history (Jepsen leaves them out). Default false.
  bool record_sleeps = false;
};

enum class SimStop {
  kDone,      // the generator was done and nothing was outstanding
  kDeadlock,  // pending with nothing outstanding: nothing could ever change
  kBadOp,     // the generator emitted an op for a thread that is not free
  kMaxOps,    // max_ops reached
  kMaxTime,   // the next op was due after max_time_ns
};

struct SimResult {
  // Invokes and completions in order; index = position, time, process, type, f, key, value.
  std::vector<Op> history;
  SimStop stop = SimStop::kDone;
  // Simulated time of the last event (ns).
  int64_t end_time_ns = 0;
  // Empty, or what went wrong (deadlock, bad op).
  std::string message;
};

SimResult Simulate(GenPtr gen, const SimOptions& options = {});

}  // namespace coordcheck::gen
