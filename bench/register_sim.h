// Simulated clients of a linearizable cas-register, for benchmark histories.
//
// Simulate() runs `processes` client slots against one correct cas-register
// (or one per key) in virtual time: a slot invokes an op, the op takes effect
// at one random instant after the invoke, and completes a random time after
// that; the slot then thinks briefly and invokes its next op. Durations are
// long next to the think time, so nearly every slot always has an op open.
// An `info` op (a timeout) takes effect at a random instant after its invoke
// — possibly after its info completion — or never, and its slot continues
// under a fresh process id (Jepsen semantics). A cas whose expected value does
// not match at its instant completes as `fail`. The result is linearizable by
// construction: the instants are a witness order.
//
// FindStaleRead() picks one ok read whose result can be changed to a value
// that no linearization can produce (see its comment), so the history with
// that one change is certainly invalid.
//
// Every random choice comes from an Rng seeded explicitly; the same options
// and seed give the same history on every platform.
//
// Thread-safety: plain functions and value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "history/op.h"

namespace coordcheck::bench {

// SplitMix64: small, fast, and fully specified (unlike <random>'s distributions,
// whose output differs between standard libraries).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  // Uniform in [lo, hi] (inclusive); requires lo <= hi.
  int64_t Uniform(int64_t lo, int64_t hi);
  // True with probability p.
  bool Chance(double p);

 private:
  uint64_t state_;
};

// The seed for the part called `name` of a run with master seed `master`:
// stable when other parts are added or removed.
uint64_t ChildSeed(uint64_t master, std::string_view name);

enum class SimF : uint8_t { kRead, kWrite, kCas };

struct SimOptions {
  int processes = 12;           // concurrent client slots, each with one outstanding op
  int64_t ops = 300;            // operations to invoke in total
  int keys = 0;                 // 0 = one register, no `key` field; else keys 0..keys-1, uniform
  int values = 5;               // written values are 0..values-1
  bool string_values = false;   // values as strings "0".."4" and the initial value ""
                                // (the kv model); else ints and null (cas-register)
  int read_pct = 40;            // share of reads, percent
  int write_pct = 30;           // share of writes, percent; cas gets the rest
  double info_fraction = 0.05;  // share of ops completing as info; half of them take effect
  int64_t max_effect_ns = 1'000'000;    // an op takes effect U[1, this] after its invoke
  int64_t max_complete_ns = 1'000'000;  // and completes U[1, this] after taking effect
  int64_t max_think_ns = 50'000;        // next invoke U[0, this] after a completion
  // Prepare FindStaleRead(): pick a quarantine value up front, never let an
  // info op write it before the window closes, and let no op write it within a
  // window of 8 rounds per process starting at a random 50-90% of the ops.
  // Single register only.
  bool plan_stale_read = false;
};

struct SimOp {
  int64_t process = 0;
  int32_t key = -1;  // -1 = no key
  SimF f = SimF::kRead;
  int8_t arg = -1;               // write: the value; cas: the expected value
  int8_t arg2 = -1;              // cas: the new value
  int8_t result = -1;            // read: the value seen; -1 = the initial value
  OpType outcome = OpType::kOk;  // kOk, kFail (a cas that did not match) or kInfo
  bool took_effect = false;
  int64_t invoke_ns = 0;
  int64_t complete_ns = 0;
  int64_t effect_ns = -1;       // -1 = never took effect
  int64_t invoke_index = -1;    // event index of the invoke in the history
  int64_t complete_index = -1;  // event index of the completion

  // The value this op may leave in the register: write's or cas's new value; -1 for reads.
  int written() const { return f == SimF::kWrite ? arg : f == SimF::kCas ? arg2 : -1; }
};

struct SimHistory {
  SimOptions options;
  std::vector<SimOp> ops;         // in invoke order
  std::vector<int64_t> events;    // the history's events in order: op id * 2 (+1 for completion)
  std::vector<int64_t> effects;   // op ids in the order they took effect: the witness
  int quarantine_value = -1;      // plan_stale_read: the value kept out of info ops and the window
  int64_t quarantine_begin = -1;  // plan_stale_read: first op id of the window
};

SimHistory Simulate(const SimOptions& options, uint64_t seed);

// Replays the ops that took effect in the order of their instants and checks
// every result and every instant against its op's interval. An error names
// the op; nullopt = the simulation is consistent (the history is linearizable).
std::optional<std::string> VerifyWitness(const SimHistory& history);

// An injected anomaly: ok read `read_op` is made to return `value`.
struct StaleRead {
  int64_t read_op = -1;
  int value = -1;
  int64_t last_writer_op = -1;  // the last op (by completion) that wrote `value` before the read
  int64_t overwriter_op = -1;   // an ok op that overwrote it, invoked after every
                                // writer of `value` completed, completed before the read's invoke
};

// Why the injected read is certainly stale: every op that could write `value`
// and was invoked before the read completed (ok writes, ok cas, and any info
// write or cas) completed before `overwriter_op` was invoked, so it precedes the
// overwrite in every linearization; the overwrite (ok, so it happened) precedes
// the read; so the register never holds `value` during the read. Info ops writing
// `value` would stay open forever, which is why plan_stale_read keeps them away.
// Returns the first such read at or after the quarantine window, or nullopt.
std::optional<StaleRead> FindStaleRead(const SimHistory& history);

// JSON of a register value as the model sees it.
Json ValueJson(const SimOptions& options, int value);

// The Op of the history's event number `position` (an index into
// SimHistory::events); `stale` (optional) changes one read's result.
Op EventOp(const SimHistory& history, int64_t position, const StaleRead* stale);

}  // namespace coordcheck::bench
