// Simulate: seeded histories of a correct concurrent object, optionally with one
// injected anomaly that makes the history provably non-linearizable.
//
// The simulator is a discrete-event loop with no threads and no clock. Each of
// `processes` workers runs ops one at a time; an op is invoked, takes effect
// atomically on the true object state at a random instant before it completes
// (its real linearization point), and completes. So a history without an anomaly
// is linearizable by construction, and the points give one linearization.
//
// Uncertainty is simulated the way Jepsen records it:
// - info: the completion is lost; the effect happened or not, at random; the
//   worker then continues under a fresh process id;
// - pending: a worker's last op may never complete (effect applied or not);
// - fail: the op certainly did not happen (a refused op, a cas whose expected
//   value did not match, an acquire of a held lock that gave up, a release of a
//   lock the worker does not hold).
//
// Anomalies (SimOptions::anomaly) and why each is provably invalid:
// - kStaleRead (register, cas-register, kv): one worker writes U1, then U2, then
//   reads U1. U1 and U2 are fresh values no other op writes (or, for kv, can build
//   by appends), so after U2 nothing can restore U1.
// - kLostWrite (register, cas-register, kv): an ok read whose invoke follows an
//   acknowledged write/cas/append on its key returns the initial value (null /
//   ""), which no op ever writes. Uses the model's default init.
// - kDoubleAcquire (mutex): at a quiescent moment (no op in flight; releases are
//   never info/pending in this mode) one worker acquires twice, both ok.
// - kDuplicateDequeue (queue): enqueued values are unique; two ok dequeues return
//   the same one.
// - kVanishedElement (set): an ok read invoked after add(v) completed ok lacks v.
// - kCounterTooHigh (counter): an ok read returns more than init + every delta
//   that must precede it + every positive delta that may precede it.
// - kWrongTxnRead (multi-register): txn writes x=U1, then x=U2, then a txn reads
//   x=U1 (fresh values, as kStaleRead).
// When the random run offers no place for a post-hoc anomaly, a short sequential
// script by fresh processes is appended that creates it.
//
// Thread-safety: pure function of its options.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "history/history.h"

namespace coordcheck::test {

enum class SimModel : uint8_t {
  kRegister,
  kCasRegister,
  kKv,
  kMutex,
  kSet,
  kQueue,
  kCounter,
  kMultiRegister,
};

inline constexpr SimModel kAllSimModels[] = {
    SimModel::kRegister, SimModel::kCasRegister, SimModel::kKv,      SimModel::kMutex,
    SimModel::kSet,      SimModel::kQueue,       SimModel::kCounter, SimModel::kMultiRegister,
};

// The checker's model name ("register", "cas-register", "kv", ...).
std::string_view SimModelName(SimModel model);

enum class Anomaly : uint8_t {
  kNone,
  kStaleRead,
  kLostWrite,
  kDoubleAcquire,
  kDuplicateDequeue,
  kVanishedElement,
  kCounterTooHigh,
  kWrongTxnRead,
};

std::string_view AnomalyName(Anomaly anomaly);
// The anomalies Simulate() can inject into histories of `model`.
std::vector<Anomaly> AnomaliesFor(SimModel model);

struct SimOptions {
  SimModel model = SimModel::kCasRegister;
  // Seed of the only random generator used (std::mt19937_64). Default 1.
  uint64_t seed = 1;
  // Concurrent client workers. Default 4.
  int processes = 4;
  // Client operations invoked in total, anomaly scripts not counted. Default 40.
  int ops = 40;
  // Values written / added are drawn from [0, values). Default 5 (small, so many
  // ops share values and the checker has to search).
  int values = 5;
  // kv only: number of keys "k0".."k<keys-1>". Default 2.
  int keys = 2;
  // Probability that an op's completion is lost (recorded info). Default 0.08.
  double info_probability = 0.08;
  // Probability that a worker's last op is left pending. Default 0.3.
  double pending_probability = 0.3;
  // Probability that an op is refused by the system (recorded fail, no effect).
  // Default 0.05.
  double fail_probability = 0.05;
  // Largest invoke->effect and effect->complete delay, ns. Default 100.
  int64_t max_latency_ns = 100;
  // Largest gap between a worker's completion and its next invoke, ns. Default 60.
  int64_t max_think_ns = 60;
  // Initial state; nullopt = the checker's default for the model. Ignored (the
  // default is used) for kLostWrite.
  std::optional<Json> init;
  Anomaly anomaly = Anomaly::kNone;
};

struct SimHistory {
  History history;
  std::string model;         // checker model name
  std::optional<Json> init;  // pass as LinearizableOptions::init
  bool linearizable = true;  // false when an anomaly was injected
  std::string note;          // where the anomaly is, for failure messages
};

// Requires options.anomaly to be kNone or one of AnomaliesFor(options.model).
SimHistory Simulate(const SimOptions& options);

}  // namespace coordcheck::test
