// The linearizability search for one partition (one key), independent of the
// model: it works on integer state ids and asks a Stepper for transitions.
//
// Algorithm: Wing & Gong's backtracking search with Lowe's just-in-time
// linearization. Events (calls and returns) are replayed in history order; an
// op is linearized only when it must be — at its own return — optionally
// preceded by other pending ops. Why that is complete: in any linearization,
// the ops placed between two consecutive return events can all be moved to just
// before the second one without breaking real-time order, so it suffices to
// branch at returns of ops not yet linearized.
//
// Configurations met at a branching point (event, state, set of open ops
// already linearized, set of info ops used) are remembered; a configuration is
// pruned when one already explored had the same event, state and open set and
// used no more info ops (componentwise), since every continuation of the new
// one is a continuation of the old one, which failed. Info ops (no return) are
// grouped into classes of identical input; within a class they are always used
// in call order (swapping two identical unconstrained ops changes nothing), so
// "which ops of a class were used" is a prefix and "used no more" is a subset
// test on counts per class. Moreover, where a class has a stronger class that
// can stand in for it (a write of v for a cas to v), a configuration that used
// more of the weaker class is still dominated if the excess can be borrowed
// from unused ops of the stronger one. An info op whose step leaves the state unchanged is never
// tried: not using it dominates using it.
//
// Info ops are moreover used only as repairs. Call an op p "determined by
// state" when any two different states in which p is enabled lead to the same
// state after p (a blind write; or an op enabled in one state only: a read, a
// cas, an acquire). If an info op x is immediately followed by such a p that
// was also enabled before x, then x changed the state (else it is never tried)
// so p is a blind write and x;p leads where p alone does: dropping x dominates.
// So right after x only ops that x enabled, or ops not determined by state
// (appends, adds), are tried — on registers and mutexes info ops are tried only
// where an op would otherwise fail.
//
// Growth lookahead, for models with growers (kv appends): let g be the
// unplaced reader that returns first. If no op that may reset the state (an
// unplaced ok write or cas, an unused info one) is called before g returns,
// only growers can be placed before g, so g's result must be reachable from
// the current state by growing (a string prefix of it); else the
// configuration is dead and pruned.
//
// Read-only ops (enabled in a state => they leave it unchanged: reads, a cas
// from a value to itself) are placed greedily: if an open read-only op is
// enabled in the current state, linearizing it now is the only choice tried.
// Why: any continuation that places it later, when the state is the same
// again, stays valid with it removed, so the configuration with it placed
// dominates; and placing it now changes nothing else.
//
// Thread-safety: a Search object is used by one thread; the shared budget
// counters are atomics.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace coordcheck::lin {

inline constexpr uint32_t kNoEvent = UINT32_MAX;

// Roles of ops for the growth lookahead: readers observe the state (a read
// with a known result), growers only extend it (an append), the others may
// reset it (a write, a cas).
inline constexpr uint8_t kOtherRole = 0, kReaderRole = 1, kGrowerRole = 2;

// The ops of one partition, in the form the search needs.
struct SearchProblem {
  // Per op (index = op id): event positions of its call and return (kNoEvent
  // for info ops and invokes never completed), and for info ops a class id
  // (ops with identical input share a class), else -1.
  std::vector<uint32_t> call_event;
  std::vector<uint32_t> return_event;
  std::vector<int32_t> info_class;
  // For ok ops, a class id shared by ops with identical input and result
  // (else -1; may be left empty). Of two identical open ops the search places
  // the one returning first first: swapping them in any linearization keeps
  // it valid, as both are open at either place.
  std::vector<int32_t> ok_class;
  // Per info class, a stronger class that can stand in for it (enabled
  // wherever it is, with the same result: a write of v for a cas to v), or -1;
  // stronger classes have none themselves. May be left empty.
  std::vector<int32_t> class_parent;
  // Events in history order: op id << 1 | is_return.
  std::vector<uint32_t> events;
  int32_t init_state = 0;
};

// Shared limits for all partitions of one check.
struct SearchBudget {
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  uint64_t memory_limit_bytes = 0;               // 0 = unlimited
  std::atomic<uint64_t>* memory_used = nullptr;  // bytes of memo tables, all partitions
  std::atomic<bool>* stop = nullptr;             // set when another partition was invalid
  // Iterations of the first depth-first phase of a search with info ops, after
  // which best-first and depth-first phases alternate with growing limits.
  uint64_t depth_first_iterations = 50'000;
};

enum class SearchOutcome { kValid, kInvalid, kTimeLimit, kMemoryLimit, kStopped };

struct SearchResult {
  SearchOutcome outcome = SearchOutcome::kValid;
  std::vector<uint32_t> linearization;  // valid: ops in linearization order
  // invalid: the op that could not be linearized at the deepest point reached,
  // the ops linearized before it on that path, and the states seen there.
  uint32_t failed_op = 0;
  bool failed_by_lookahead = false;  // failed_op (a reader) can no longer be satisfied
  std::vector<uint32_t> prefix;
  std::vector<int32_t> states;
  uint64_t nodes = 0;  // configurations expanded
  uint64_t memo_entries = 0;
};

// Stepper concept: `int32_t Step(int32_t state, uint32_t op)` returns the next
// state id, or -1 when the op cannot take effect in `state` (its observed
// result contradicts the state). For info ops the result is not observed.
// `bool DeterminedByState(uint32_t op)` says whether every two states in which
// op is enabled lead to the same state after it. `bool ReadOnly(uint32_t op)`
// says whether op leaves every state in which it is enabled unchanged.
// `bool HasGrowers()`, `uint8_t Role(uint32_t op)` and
// `bool MayGrowInto(int32_t state, uint32_t reader)` serve the growth lookahead.
template <class Stepper>
SearchResult Search(const SearchProblem& problem, Stepper& stepper, const SearchBudget& budget);

}  // namespace coordcheck::lin

#include "checkers/lin_search_impl.h"
