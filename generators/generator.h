// Generator: where a test's operations come from (Jepsen's generator model).
//
// A generator is an immutable value. Next(ctx) says what to do now given the context
// (the time and which worker threads are free): emit an op (and the generator that
// follows it), or "pending" (nothing yet; ask again after the next event), or "done".
// Update(ctx, event) returns the generator after an invocation or a completion happened.
// Because generators are values, asking twice is harmless: the runner may ask, wait for
// an op's time to come, be interrupted by a completion, and ask again.
//
// Determinism: a generator never reads a clock, sleeps, or uses ambient randomness. Time
// comes from the context; randomness from an Rng value carried inside the generator and
// seeded explicitly (a child of the run's master seed). The same seed, contexts and events
// give the same ops.
//
// Threads and processes: worker threads are 0..n-1 for clients and kNemesisThread for the
// nemesis. Each thread runs one logical process at a time; client thread t starts as
// process t and, after an op of it ends `info`, continues as process p + n (Jepsen), so
// thread = process % n. The nemesis thread's process is kNemesisProcess.
//
// Thread-safety: generators are immutable and may be shared between threads; a Context is
// a plain value.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "history/op.h"

namespace coordcheck::gen {

inline constexpr int kNemesisThread = -1;
// Invocation::process before it is filled in: any free thread of the context.
inline constexpr int64_t kAnyProcess = -2;
// Invocation::time_ns before it is filled in: the context's time.
inline constexpr int64_t kNow = -1;
// Invocation::f of a pause (Sleep): not sent to a client; the runner keeps the op's thread
// busy for `value` ns (an integer), then completes it ok and passes both events to Update
// like any op's. It belongs in no history (Jepsen's :sleep op does the same).
inline constexpr std::string_view kSleepF = ":sleep";

// An operation a generator asks the runner to invoke.
struct Invocation {
  std::string f;
  Json key;    // null = no key
  Json value;  // the invoke's value
  int64_t process = kAnyProcess;
  int64_t time_ns = kNow;  // not before this time (ns since the test started)

  bool operator==(const Invocation&) const = default;
};

// An op with function `f` and invoke value `value`, no key, to be filled in.
inline Invocation MakeOp(std::string f, Json value = nullptr) {
  Invocation op;
  op.f = std::move(f);
  op.value = std::move(value);
  return op;
}

class Context {
 public:
  Context() = default;
  // A context for `client_threads` client threads 0..n-1 plus the nemesis thread when
  // `with_nemesis`; all free, each thread running its initial process, time 0.
  Context(int client_threads, bool with_nemesis);

  int64_t time_ns = 0;

  // Threads this generator may use (sorted; kNemesisThread first when present).
  const std::vector<int>& threads() const { return threads_; }
  // The subset of threads() idle now (sorted).
  const std::vector<int>& free_threads() const { return free_; }
  bool IsFree(int thread) const;
  bool HasThread(int thread) const;
  bool AllFree() const { return free_.size() == threads_.size(); }
  int client_thread_count() const { return client_threads_; }

  // The process thread `thread` runs now; kNemesisProcess for the nemesis thread.
  int64_t ProcessOf(int thread) const;

  // The free thread that an op for "any free thread" (kAnyProcess) goes to. Why random: with
  // the lowest free thread, a lightly loaded run sends nearly every op through thread 0
  // (measured: 3,908 of 4,009 ops), so its history has one process and no concurrency.
  // Random from the pick seed and the number of invocations so far: the same seed and
  // events pick the same thread (asking twice picks the same), and a restricted context
  // draws the same number. Pick seed 0 (the default) picks the lowest free thread.
  // Requires a free thread.
  int PickFreeThread() const;
  // The raw draw PickFreeThread uses, for generators that choose among other things (the
  // first group to ask, in IndependentConcurrent); 0 when no pick seed is set.
  uint64_t PickDraw() const;
  void SetPickSeed(uint64_t seed) { pick_seed_ = seed; }
  // The thread that runs (or ran) `process`.
  int ThreadOf(int64_t process) const;

  // This context restricted to the threads for which `keep(thread)` is true (on_threads).
  template <class Pred>
  Context Restrict(Pred keep) const {
    Context c = *this;
    c.threads_.clear();
    c.free_.clear();
    for (int t : threads_)
      if (keep(t)) c.threads_.push_back(t);
    for (int t : free_)
      if (keep(t)) c.free_.push_back(t);
    return c;
  }
  // This context restricted to the threads in [first, last]; cheaper than Restrict (a
  // binary search instead of a scan), for contiguous thread sets.
  Context RestrictRange(int first, int last) const;

  // Bookkeeping done by the runner (and the simulator) as events happen.
  void MarkBusy(int thread);
  void MarkFree(int thread);
  // After an `info` completion: the thread continues under a fresh process id.
  void AdvanceProcess(int thread);

 private:
  int client_threads_ = 0;
  std::vector<int> threads_;
  std::vector<int> free_;
  std::shared_ptr<std::vector<int64_t>> processes_;  // per client thread; copy-on-write
  uint64_t pick_seed_ = 0;
  uint64_t invocations_ = 0;  // MarkBusy calls so far
};

// Fills in an op the way every base generator does: time kNow becomes ctx.time_ns; process
// kAnyProcess becomes the process of ctx.PickFreeThread() (deterministic). nullopt
// (pending) when no thread is free, or when `op` names a process that is not the current
// process of a free thread of ctx.
std::optional<Invocation> FillIn(Invocation op, const Context& ctx);

class Generator;
using GenPtr = std::shared_ptr<const Generator>;

struct Emission {
  enum class Kind { kOp, kPending, kDone };
  Kind kind = Kind::kDone;
  // For kOp: the op with process (a free thread's process) and time filled in.
  Invocation op;
  // For kOp: the generator to use once `op` has been invoked.
  GenPtr next;

  static Emission Done() { return Emission{}; }
  static Emission Pending() { return Emission{Kind::kPending, {}, nullptr}; }
  static Emission Of(Invocation op, GenPtr next) {
    return Emission{Kind::kOp, std::move(op), std::move(next)};
  }
};

class Generator : public std::enable_shared_from_this<Generator> {
 public:
  virtual ~Generator() = default;
  virtual Emission Next(const Context& ctx) const = 0;
  // `event` is an invoke or a completion (ok/fail/info) that just happened, with process,
  // time, f, key and value set. The default ignores events.
  virtual GenPtr Update(const Context& ctx, const Op& event) const;

 protected:
  GenPtr self() const { return shared_from_this(); }
};

// A small, fast, splittable PRNG (SplitMix64) carried by value inside generators.
class Rng {
 public:
  explicit Rng(uint64_t seed = 0) : state_(seed) {}
  uint64_t Next();               // advances
  uint64_t Uniform(uint64_t n);  // in [0, n), n > 0; advances
  double UniformReal();          // in [0, 1); advances
  // An independent child generator for `stream` (does not advance this one).
  Rng Child(uint64_t stream) const;
  uint64_t state() const { return state_; }

 private:
  uint64_t state_;
};

}  // namespace coordcheck::gen
