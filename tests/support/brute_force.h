// A second, deliberately naive opinion on linearizability, for tests.
//
// BruteForceCheck tries every subset of the uncertain ops (info, pending) and
// every order of the chosen ops that respects real time, replaying each order
// on its own small model implementations (written here, independently of
// checkers/). It is exponential, so it takes at most kBruteForceMaxOps ops.
// All keys of a kv history are checked together as one map, which also tests
// the checker's per-key split.
//
// VerifyWitness checks a linearization reported by the checker (its "witness"
// for one key, or the "prefix" of an invalid result) the same way.
//
// Semantics (shared/HISTORY-FORMAT.md): fail ops did not happen; info ops and
// invokes never completed may take effect at any time after their invoke, or
// never, and their results are unknown; ok op a precedes op b in real time when
// a's completion comes before b's invoke in the history; nemesis events are
// ignored. Model conventions are those of checkers/linearizable.h; a queue is
// FIFO; kv's init is one string every key starts with (default "").
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "history/history.h"

namespace coordcheck::test {

inline constexpr int kBruteForceMaxOps = 8;

struct BruteForceResult {
  bool valid = false;
  // When valid: one linearization (invoke indices), info ops that did not take
  // effect left out.
  std::vector<int64_t> order;
  // Non-empty when the history could not be judged (too many ops, an op the
  // model does not know); `valid` is then meaningless.
  std::string error;
};

// Requires at most kBruteForceMaxOps client ops that are not fail.
BruteForceResult BruteForceCheck(const History& history, std::string_view model,
                                 const std::optional<Json>& init);

// The witness key of an op: "" for no key, the string itself, or an integer's
// decimal digits.
std::string WitnessKey(const Op& op);

enum class WitnessKind : uint8_t {
  kComplete,  // a whole linearization: every ok op of the key appears
  kPrefix,    // a prefix of one: every ok op that must precede a listed op appears
};

// Checks `order` (invoke indices, in linearization order) against the ops of
// `key` (see WitnessKey; for unpartitioned models every op has key ""):
// - each entry is the invoke of a client op of that key, at most once, never a
//   fail op;
// - kComplete: every ok op of the key appears;
// - real time: if ok op a completed before op b was invoked and b appears, a
//   appears before b;
// - replaying the model from `init` along `order` gives every ok op its
//   recorded result, and every listed info op can take effect.
// Returns nullopt when all hold, else what is wrong. With `final_state`, also
// returns the model state after the last op (in the model's JSON form: register
// value, kv value of the key, mutex bool, set sorted list, queue list, counter
// int, multi-register object).
std::optional<std::string> VerifyWitness(const History& history, std::string_view model,
                                         const std::optional<Json>& init, const std::string& key,
                                         const std::vector<int64_t>& order,
                                         WitnessKind kind = WitnessKind::kComplete,
                                         Json* final_state = nullptr);

// Checks details["witness"] of a valid LinearizableChecker result: an object
// from key to order; every key that has an ok op has an entry, every entry names
// a key of the history (an empty history may give {} or {"": []}), and each
// entry passes VerifyWitness(kComplete).
std::optional<std::string> VerifyWitnessDetails(const History& history, std::string_view model,
                                                const std::optional<Json>& init,
                                                const Json& witness);

}  // namespace coordcheck::test
