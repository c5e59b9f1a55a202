// Implementation of lin::Search (see lin_search.h). Included from there only.
#pragma once

#include <algorithm>
#include <climits>
#include <cstring>
#include <functional>
#include <queue>

namespace coordcheck::lin {
namespace internal {

inline uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Memo of explored configurations with info-op dominance (see lin_search.h).
// A key is (event, state, open set); each key keeps the antichain of info-used
// sets explored with it, contiguous, so a dominance check is one probe and a
// scan of a few words.
class Memo {
 public:
  Memo(size_t open_words, size_t used_words, const SearchBudget& budget)
      : open_words_(open_words),
        used_words_(used_words),
        key_words_(3 + open_words),
        budget_(budget) {}
  ~Memo() {
    if (budget_.memory_used != nullptr) budget_.memory_used->fetch_sub(bytes_);
  }
  Memo(const Memo&) = delete;
  Memo& operator=(const Memo&) = delete;

  // Returns true when the configuration is new (and records it), false when an
  // explored configuration dominates it.
  // `dominates(a, b)`: used set a leaves at least the options b leaves.
  template <class Dominates>
  bool Visit(uint64_t hash, uint64_t ev_state, const uint64_t* open, const uint64_t* used,
             const Dominates& dominates) {
    if (table_.empty() || (keys_ + 1) * 2 > table_.size()) Grow();
    const size_t mask = table_.size() - 1;
    size_t i = hash & mask;
    while (table_[i] != 0) {
      uint64_t* k = Key(table_[i] - 1);
      if (k[0] == hash && k[1] == ev_state && std::equal(open, open + open_words_, k + 3)) {
        if (used_words_ == 0) return false;
        return VisitUsed(&k[2], used, dominates);
      }
      i = (i + 1) & mask;
    }
    uint32_t id = NewKey();
    uint64_t* k = Key(id);
    k[0] = hash;
    k[1] = ev_state;
    std::copy(open, open + open_words_, k + 3);
    if (used_words_ != 0) k[2] = PushUsed(kNoSet, used);
    table_[i] = id + 1;
    ++keys_;
    return true;
  }

  uint64_t size() const { return keys_; }
  bool over_budget() const {
    return budget_.memory_limit_bytes != 0 && budget_.memory_used != nullptr &&
           budget_.memory_used->load(std::memory_order_relaxed) > budget_.memory_limit_bytes;
  }

 private:
  static constexpr size_t kChunkKeys = 1 << 14;

  static constexpr uint64_t kNoSet = UINT64_MAX;

  // A key's used sets form a list in one flat arena: [next][used words]. No
  // allocation per key, so a memo of millions of keys is freed at once.
  uint64_t PushUsed(uint64_t next, const uint64_t* used) {
    const uint64_t at = used_arena_.size();
    const size_t capacity = used_arena_.capacity();
    used_arena_.push_back(next);
    used_arena_.insert(used_arena_.end(), used, used + used_words_);
    Account(static_cast<int64_t>((used_arena_.capacity() - capacity) * 8));
    return at;
  }
  template <class Dominates>
  bool VisitUsed(uint64_t* head, const uint64_t* used, const Dominates& dominates) {
    for (uint64_t at = *head; at != kNoSet; at = used_arena_[at]) {
      uint64_t* old = used_arena_.data() + at + 1;
      if (dominates(old, used)) return false;  // explored with at least these options
      if (dominates(used, old)) {              // the new one dominates the old: replace
        std::copy(used, used + used_words_, old);
        return true;
      }
    }
    *head = PushUsed(*head, used);
    return true;
  }
  uint64_t* Key(uint32_t id) {
    return chunks_[id / kChunkKeys].get() + (id % kChunkKeys) * key_words_;
  }
  uint32_t NewKey() {
    if (keys_ % kChunkKeys == 0 && keys_ / kChunkKeys == chunks_.size()) {
      chunks_.emplace_back(new uint64_t[kChunkKeys * key_words_]);
      Account(static_cast<int64_t>(kChunkKeys * key_words_ * sizeof(uint64_t)));
    }
    return static_cast<uint32_t>(keys_);
  }
  void Grow() {
    size_t n = table_.empty() ? 1024 : table_.size() * 2;
    std::vector<uint32_t> old;
    old.swap(table_);
    table_.assign(n, 0);
    Account(static_cast<int64_t>(n * sizeof(uint32_t)) -
            static_cast<int64_t>(old.size() * sizeof(uint32_t)));
    const size_t mask = n - 1;
    for (uint32_t id : old) {
      if (id == 0) continue;
      size_t i = Key(id - 1)[0] & mask;
      while (table_[i] != 0) i = (i + 1) & mask;
      table_[i] = id;
    }
  }
  void Account(int64_t delta) {
    bytes_ += delta;
    if (budget_.memory_used != nullptr) budget_.memory_used->fetch_add(delta);
  }

  const size_t open_words_, used_words_, key_words_;
  const SearchBudget& budget_;
  std::vector<std::unique_ptr<uint64_t[]>> chunks_;  // keys: [hash][ev<<32|state][used list][open]
  std::vector<uint64_t> used_arena_;                 // per key, a list: antichain of used sets
  std::vector<uint32_t> table_;
  uint64_t keys_ = 0;
  int64_t bytes_ = 0;
};

}  // namespace internal

template <class Stepper>
SearchResult Search(const SearchProblem& problem, Stepper& stepper, const SearchBudget& budget) {
  using internal::Mix64;
  SearchResult result;
  const uint32_t num_ops = static_cast<uint32_t>(problem.call_event.size());
  const uint32_t num_events = static_cast<uint32_t>(problem.events.size());
  auto op_of = [&](uint32_t ev) { return problem.events[ev] >> 1; };
  auto is_return = [&](uint32_t ev) { return (problem.events[ev] & 1) != 0; };

  // Slots for open ok ops (reused after return), info classes' ops in call
  // order, and per return event the open ok ops in call order (candidates to
  // place, the returning one among them) with, for each, the identical open
  // op returning just before it.
  std::vector<uint32_t> slot(num_ops, 0);
  std::vector<uint32_t> free_slots;
  uint32_t num_slots = 0;
  int32_t num_classes = 0;
  for (uint32_t op = 0; op < num_ops; ++op)
    num_classes = std::max(num_classes, problem.info_class[op] + 1);
  std::vector<std::vector<uint32_t>> class_ops(num_classes);
  std::vector<uint32_t> class_order;  // classes by their first call
  std::vector<uint32_t> cand_begin(num_events + 1, 0), cands, cand_pred;
  std::vector<uint32_t> open;
  for (uint32_t ev = 0; ev < num_events; ++ev) {
    const uint32_t op = op_of(ev);
    cand_begin[ev] = static_cast<uint32_t>(cands.size());
    if (!is_return(ev)) {
      if (problem.info_class[op] >= 0) {
        auto& ops = class_ops[problem.info_class[op]];
        if (ops.empty()) class_order.push_back(problem.info_class[op]);
        ops.push_back(op);
      } else {
        if (free_slots.empty()) {
          slot[op] = num_slots++;
        } else {
          slot[op] = free_slots.back();
          free_slots.pop_back();
        }
        open.push_back(op);
      }
    } else {
      free_slots.push_back(slot[op]);
      size_t first = cands.size();
      cands.insert(cands.end(), open.begin(), open.end());
      open.erase(std::find(open.begin(), open.end(), op));
      // Earliest call first (the order a server most likely applied them in);
      // the returning op itself is among them.
      std::sort(cands.begin() + first, cands.end(), [&](uint32_t a, uint32_t b) {
        return problem.call_event[a] < problem.call_event[b];
      });
      // For each candidate, the identical open op returning just before it.
      for (size_t j = first; j < cands.size(); ++j) {
        uint32_t pred = kNoEvent;
        const uint32_t p = cands[j];
        if (!problem.ok_class.empty() && problem.ok_class[p] >= 0) {
          for (size_t i = first; i < cands.size(); ++i) {
            const uint32_t q = cands[i];
            if (problem.ok_class[q] == problem.ok_class[p] &&
                problem.return_event[q] < problem.return_event[p] &&
                (pred == kNoEvent || problem.return_event[q] > problem.return_event[pred])) {
              pred = q;
            }
          }
        }
        cand_pred.push_back(pred);
      }
    }
  }
  cand_begin[num_events] = static_cast<uint32_t>(cands.size());

  // Info ops used, as a count per class in 32-bit lanes (canonical: a class's
  // ops are used in call order, so the count says which).
  const size_t open_words = (num_slots + 63) / 64;
  const size_t used_words = (static_cast<size_t>(num_classes) + 1) / 2;
  std::vector<uint64_t> open_bits(open_words + 1, 0), used_counts(used_words + 1, 0);
  auto count_of = [](const uint64_t* counts, int32_t c) {
    return static_cast<uint32_t>(counts[c / 2] >> (32 * (c % 2)));
  };
  // Dominance between used sets (lin_search.h): classes grouped under a
  // stronger class (one that can stand in for any of them) may borrow from it.
  std::vector<std::vector<int32_t>> children(num_classes);
  bool any_children = false;
  for (int32_t c = 0; c < num_classes; ++c) {
    int32_t parent = problem.class_parent.empty() ? -1 : problem.class_parent[c];
    if (parent >= 0) {
      children[parent].push_back(c);
      any_children = true;
    }
  }
  auto dominates = [&](const uint64_t* a, const uint64_t* b) {
    if (!any_children) {
      for (int32_t c = 0; c < num_classes; ++c)
        if (count_of(a, c) > count_of(b, c)) return false;
      return true;
    }
    for (int32_t c = 0; c < num_classes; ++c) {
      if (!problem.class_parent.empty() && problem.class_parent[c] >= 0) continue;
      uint64_t need = count_of(a, c);
      for (int32_t child : children[c]) {
        uint32_t ac = count_of(a, child), bc = count_of(b, child);
        if (ac > bc) need += ac - bc;  // b may still use these; a stands in with c
      }
      if (need > count_of(b, c)) return false;
    }
    return true;
  };
  std::vector<uint64_t> zobrist(num_slots);
  for (uint32_t s = 0; s < num_slots; ++s) zobrist[s] = Mix64(0x9e3779b97f4a7c15ULL * (s + 1));
  uint64_t open_hash = 0;
  std::vector<uint32_t> class_used(num_classes, 0);
  auto toggle_open = [&](uint32_t op) {
    open_bits[slot[op] / 64] ^= 1ULL << (slot[op] % 64);
    open_hash ^= zobrist[slot[op]];
  };
  auto is_open_linearized = [&](uint32_t op) {
    return (open_bits[slot[op] / 64] >> (slot[op] % 64)) & 1;
  };

  // Growth lookahead (lin_search.h): with growers (appends), a state that
  // the next observer can no longer be grown into is dead.
  const bool growth = stepper.HasGrowers();
  std::vector<uint8_t> role(num_ops, kOtherRole);
  std::vector<uint32_t> future_reader(num_events + 1,
                                      kNoEvent);  // op: earliest return, called after
  std::vector<uint32_t> future_resetter_call(num_events + 1, kNoEvent);
  std::vector<uint32_t> resetter_classes;
  if (growth) {
    for (uint32_t op = 0; op < num_ops; ++op) role[op] = stepper.Role(op);
    uint32_t reader = kNoEvent, resetter_call = kNoEvent;
    for (uint32_t ev = num_events; ev-- > 0;) {
      future_reader[ev] = reader;
      future_resetter_call[ev] = resetter_call;
      const uint32_t op = op_of(ev);
      if (is_return(ev) || problem.info_class[op] >= 0) continue;
      if (role[op] == kReaderRole &&
          (reader == kNoEvent || problem.return_event[op] < problem.return_event[reader])) {
        reader = op;
      }
      if (role[op] == kOtherRole) resetter_call = ev;
    }
    for (uint32_t c : class_order)
      if (role[class_ops[c].front()] == kOtherRole) resetter_classes.push_back(c);
  }
  // The reader that can no longer be satisfied from (ev, state), or kNoEvent.
  auto dead_reader = [&](uint32_t ev, int32_t state) -> uint32_t {
    if (!growth || ev >= num_events) return kNoEvent;
    const uint32_t* open_ops = cands.data() + cand_begin[ev];
    const uint32_t num_open = cand_begin[ev + 1] - cand_begin[ev];
    uint32_t reader = future_reader[ev];
    for (uint32_t j = 0; j < num_open; ++j) {
      const uint32_t op = open_ops[j];
      if (role[op] == kReaderRole && !is_open_linearized(op) &&
          (reader == kNoEvent || problem.return_event[op] < problem.return_event[reader])) {
        reader = op;
      }
    }
    if (reader == kNoEvent) return kNoEvent;
    const uint32_t deadline = problem.return_event[reader];
    for (uint32_t j = 0; j < num_open; ++j) {
      if (role[open_ops[j]] == kOtherRole && !is_open_linearized(open_ops[j])) return kNoEvent;
    }
    if (future_resetter_call[ev] < deadline) return kNoEvent;
    for (uint32_t c : resetter_classes) {
      const auto& ops = class_ops[c];
      if (class_used[c] < ops.size() && problem.call_event[ops[class_used[c]]] < deadline)
        return kNoEvent;
    }
    return stepper.MayGrowInto(state, reader) ? kNoEvent : reader;
  };

  // The current path, and the longest failing one (kept with amortized copies:
  // `common` is the length both share).
  std::vector<uint32_t> path;
  size_t common = 0;
  uint32_t best_ev = 0;
  bool have_best = false;
  auto pop_path = [&] {
    path.pop_back();
    common = std::min(common, path.size());
  };
  auto record_failure = [&](uint32_t ev, int32_t state, uint32_t op, bool lookahead = false) {
    if (!have_best || ev > best_ev) {
      have_best = true;
      best_ev = ev;
      result.failed_op = op;
      result.failed_by_lookahead = lookahead;
      result.states.assign(1, state);
      result.prefix.resize(common);
      result.prefix.insert(result.prefix.end(), path.begin() + common, path.end());
      common = path.size();
    } else if (ev == best_ev && op == result.failed_op && result.states.size() < 16 &&
               std::find(result.states.begin(), result.states.end(), state) ==
                   result.states.end()) {
      result.states.push_back(state);
    }
  };
  // Best-first phases keep the failing record instead of a path (its path is
  // rebuilt from parent links).
  constexpr uint32_t kNoParent = UINT32_MAX;
  uint32_t best_record = kNoParent;
  bool in_best_first = false;
  uint32_t bf_index = kNoParent;  // best-first: the record being expanded
  int32_t bf_state = 0;           // and its state
  auto record_bf_failure = [&](uint32_t ev, int32_t state, uint32_t op, uint32_t index,
                               bool lookahead = false) {
    if (!have_best || ev > best_ev) {
      have_best = true;
      best_ev = ev;
      best_record = index;
      result.failed_op = op;
      result.failed_by_lookahead = lookahead;
      result.states.assign(1, state);
    } else if (ev == best_ev && op == result.failed_op && result.states.size() < 16 &&
               std::find(result.states.begin(), result.states.end(), state) ==
                   result.states.end()) {
      result.states.push_back(state);
    }
  };
  // A configuration the growth lookahead found dead: its reader fails there
  // (best-first: reported from the parent record, whose path is known).
  auto on_dead = [&](uint32_t ev, int32_t state, uint32_t reader) {
    if (in_best_first) {
      record_bf_failure(ev, bf_state, reader, bf_index, true);
    } else {
      record_failure(ev, state, reader, true);
    }
  };

  auto memo = std::make_unique<internal::Memo>(open_words, used_words, budget);
  auto visit = [&](uint32_t ev, int32_t state) {
    if (const uint32_t dead = dead_reader(ev, state); dead != kNoEvent) {
      on_dead(ev, state, dead);
      return false;
    }
    uint64_t ev_state = (uint64_t{ev} << 32) | static_cast<uint32_t>(state);
    return memo->Visit(Mix64(open_hash ^ Mix64(ev_state)), ev_state, open_bits.data(),
                       used_counts.data(), dominates);
  };

  enum Kind : uint8_t { kRoot, kFinish, kPre, kInfo };
  struct Frame {
    uint32_t ev;
    int32_t state;
    uint32_t choice;
    uint32_t op;        // op linearized to reach this frame
    uint32_t adv_from;  // kFinish: first event advanced over
    Kind kind;
    bool forced = false;  // only one choice: an enabled read-only op
  };
  std::vector<Frame> stack;
  auto undo = [&](const Frame& f) {
    switch (f.kind) {
      case kRoot:
        return;
      case kFinish:
        for (uint32_t ev = f.adv_from; ev < f.ev; ++ev)
          if (is_return(ev)) toggle_open(op_of(ev));
        break;
      case kPre:
        toggle_open(f.op);
        break;
      case kInfo:
        used_counts[problem.info_class[f.op] / 2] -= 1ULL << (32 * (problem.info_class[f.op] % 2));
        --class_used[problem.info_class[f.op]];
        break;
    }
    pop_path();
  };

  // Advances from `ev` over calls and over returns of ops already linearized;
  // returns the next branching event or num_events.
  auto advance = [&](uint32_t ev) {
    while (ev < num_events) {
      if (is_return(ev)) {
        uint32_t op = op_of(ev);
        if (!is_open_linearized(op)) break;
        toggle_open(op);
      }
      ++ev;
    }
    return ev;
  };

  const uint32_t first = advance(0);
  if (first == num_events) return result;
  // Starts a phase afresh.
  auto reset = [&] {
    stack.clear();
    path.clear();
    common = 0;
    have_best = false;
    std::fill(open_bits.begin(), open_bits.end(), 0);
    std::fill(used_counts.begin(), used_counts.end(), 0);
    std::fill(class_used.begin(), class_used.end(), 0);
    open_hash = 0;
    memo.reset();
    memo = std::make_unique<internal::Memo>(open_words, used_words, budget);
  };
  // Each phase returns true when it decided (result.outcome is set; running
  // out of the check's budget counts), false when it used `limit` iterations.
  auto out_of_budget = [&](uint64_t iterations) {
    if ((iterations & 15) != 0) return false;
    if (budget.stop != nullptr && budget.stop->load(std::memory_order_relaxed)) {
      result.outcome = SearchOutcome::kStopped;
    } else if (std::chrono::steady_clock::now() > budget.deadline) {
      result.outcome = SearchOutcome::kTimeLimit;
    } else if (memo->over_budget()) {
      result.outcome = SearchOutcome::kMemoryLimit;
    } else {
      return false;
    }
    return true;
  };

  // Choice rules shared by both phases (lin_search.h). `before_info` is the
  // state before the info op that led to this configuration, or kNotAfterInfo.
  constexpr int32_t kNotAfterInfo = INT32_MIN;
  // Right after an info op x, an op p that is enabled in the state before x,
  // and whose result does not depend on which state it starts from, is
  // dominated: x;p leads where p alone does.
  auto dominated = [&](int32_t before_info, uint32_t op) {
    return before_info != kNotAfterInfo && stepper.DeterminedByState(op) &&
           stepper.Step(before_info, op) >= 0;
  };
  // The candidate to place as the only choice, or kNoEvent: an open read-only
  // op enabled now dominates every other continuation.
  auto forced_choice = [&](uint32_t ev, int32_t state, int32_t before_info) {
    for (uint32_t j = 0; j < cand_begin[ev + 1] - cand_begin[ev]; ++j) {
      const uint32_t op = cands[cand_begin[ev] + j];
      if (stepper.ReadOnly(op) && !is_open_linearized(op) && !dominated(before_info, op) &&
          stepper.Step(state, op) == state) {
        return j;
      }
    }
    return kNoEvent;
  };
  // Of identical open ops, the one returning first goes first.
  auto waits_for_identical = [&](uint32_t ev, uint32_t j) {
    const uint32_t pred = cand_pred[cand_begin[ev] + j];
    return pred != kNoEvent && (pred == op_of(ev) || !is_open_linearized(pred));
  };

  auto run_depth_first = [&](uint64_t limit) -> bool {
    reset();
    in_best_first = false;
    visit(first, problem.init_state);
    stack.push_back({first, problem.init_state, 0, 0, 0, kRoot, false});
    uint64_t iterations = 0;
    while (!stack.empty()) {
      if (iterations == limit) return false;
      if (out_of_budget(++iterations)) return true;
      Frame& f = stack.back();
      const uint32_t ev = f.ev;
      const int32_t state = f.state;
      const uint32_t returning = op_of(ev);
      const uint32_t num_cands = cand_begin[ev + 1] - cand_begin[ev];
      uint32_t choice = f.choice++;
      const int32_t before_info = f.kind == kInfo ? stack[stack.size() - 2].state : kNotAfterInfo;
      if (choice == 0) {
        if (const uint32_t j = forced_choice(ev, state, before_info); j != kNoEvent) {
          f.forced = true;
          choice = j;
        }
      } else if (f.forced) {
        choice = num_cands + static_cast<uint32_t>(class_order.size());  // exhausted
      }

      if (choice < num_cands) {
        const uint32_t op = cands[cand_begin[ev] + choice];
        if (op == returning) {  // linearize the returning op: on to the next branching event
          ++result.nodes;
          if (dominated(before_info, op)) continue;
          int32_t next = stepper.Step(state, returning);
          if (next < 0) {
            record_failure(ev, state, returning);
            continue;
          }
          path.push_back(returning);
          uint32_t to = advance(ev + 1);
          if (to == num_events) {
            result.outcome = SearchOutcome::kValid;
            result.linearization = path;
            return true;
          }
          Frame child{to, next, 0, returning, ev + 1, kFinish, false};
          if (visit(to, next)) {
            stack.push_back(child);
          } else {
            undo(child);
          }
          continue;
        }
        // Linearize another open ok op before the returning one.
        if (is_open_linearized(op) || dominated(before_info, op)) continue;
        if (!f.forced && waits_for_identical(ev, choice)) continue;
        int32_t next = stepper.Step(state, op);
        if (next < 0) continue;
        toggle_open(op);
        path.push_back(op);
        Frame child{ev, next, 0, op, 0, kPre, false};
        if (visit(ev, next)) {
          stack.push_back(child);
        } else {
          undo(child);
        }
        continue;
      }
      uint32_t k = choice - num_cands;  // use an info op first
      if (k < class_order.size()) {
        uint32_t c = class_order[k];
        const auto& ops = class_ops[c];
        if (class_used[c] == ops.size()) continue;
        uint32_t op = ops[class_used[c]];
        if (problem.call_event[op] > ev) {
          // Classes are ordered by first call: if this class's next op is not
          // called yet but its first was, later classes may still have ops.
          if (class_used[c] == 0) {  // no later class has started either
            f.choice = num_cands + static_cast<uint32_t>(class_order.size());
          }
          continue;
        }
        if (dominated(before_info, op)) continue;
        int32_t next = stepper.Step(state, op);
        if (next < 0 || next == state) continue;
        used_counts[c / 2] += 1ULL << (32 * (c % 2));
        ++class_used[c];
        path.push_back(op);
        Frame child{ev, next, 0, op, 0, kInfo, false};
        if (visit(ev, next)) {
          stack.push_back(child);
        } else {
          undo(child);
        }
        continue;
      }
      // Every choice tried: backtrack.
      Frame done = f;
      stack.pop_back();
      undo(done);
    }
    result.outcome = SearchOutcome::kInvalid;
    return true;
  };  // run_depth_first

  // Best-first by (event, info ops used). Depth-first order may reach a
  // configuration first with more info ops used and later again with fewer,
  // exploring it twice (and all below it); taking configurations in event
  // order, fewest info ops first, meets the dominating one first. Slower to
  // find a valid linearization, so the two alternate (see below).
  // Configurations are kept in records with a parent link for the path.
  auto run_best_first = [&](uint64_t limit) -> bool {
    reset();
    in_best_first = true;
    best_record = kNoParent;
    uint64_t iterations = 0;
    struct Record {
      uint32_t ev;
      int32_t state;
      int32_t before_info;  // state before the info op that made this, or kNotAfterInfo
      uint32_t parent;
      uint32_t op;
      uint32_t used_total;
      uint64_t hash;
    };
    const size_t record_words = open_words + used_words;
    std::vector<Record> records;
    std::vector<uint64_t> record_data;
    int64_t charged = 0;
    auto charge = [&](int64_t bytes) {
      charged += bytes;
      if (budget.memory_used != nullptr) budget.memory_used->fetch_add(bytes);
    };
    using QueueItem = std::pair<uint64_t, uint32_t>;  // (event << 32 | info used, record)
    std::priority_queue<QueueItem, std::vector<QueueItem>, std::greater<QueueItem>> queue;
    auto store = [&](uint32_t ev, int32_t state, int32_t before_info, uint32_t parent, uint32_t op,
                     uint32_t used_total) {
      records.push_back({ev, state, before_info, parent, op, used_total, open_hash});
      record_data.insert(record_data.end(), open_bits.begin(), open_bits.begin() + open_words);
      record_data.insert(record_data.end(), used_counts.begin(), used_counts.begin() + used_words);
      queue.emplace((uint64_t{ev} << 32) | used_total, static_cast<uint32_t>(records.size() - 1));
      charge(static_cast<int64_t>(sizeof(Record) + record_words * 8 + sizeof(QueueItem)));
    };
    auto path_to = [&](uint32_t rec) {
      std::vector<uint32_t> ops;
      for (; rec != kNoParent && records[rec].parent != kNoParent; rec = records[rec].parent)
        ops.push_back(records[rec].op);
      std::reverse(ops.begin(), ops.end());
      return ops;
    };
    auto release = [&] {
      if (budget.memory_used != nullptr) budget.memory_used->fetch_sub(charged);
      return true;
    };

    visit(first, problem.init_state);
    store(first, problem.init_state, kNotAfterInfo, kNoParent, 0, 0);
    std::vector<uint64_t> saved_open(open_words + 1);
    while (!queue.empty()) {
      if (iterations == limit) return !release();
      if (out_of_budget(++iterations)) return release();
      const uint32_t index = queue.top().second;
      queue.pop();
      const Record rec = records[index];
      bf_index = index;
      bf_state = rec.state;
      const uint64_t* data = record_data.data() + index * record_words;
      std::copy(data, data + open_words, open_bits.begin());
      std::copy(data + open_words, data + record_words, used_counts.begin());
      for (int32_t c = 0; c < num_classes; ++c) class_used[c] = count_of(used_counts.data(), c);
      open_hash = rec.hash;
      const uint32_t ev = rec.ev;
      const int32_t state = rec.state;
      const uint32_t returning = op_of(ev);
      const uint32_t num_cands = cand_begin[ev + 1] - cand_begin[ev];
      const int32_t before_info = rec.before_info;
      const uint32_t forced = forced_choice(ev, state, before_info);
      for (uint32_t j = 0; j < num_cands; ++j) {
        if (forced != kNoEvent && j != forced) continue;
        const uint32_t op = cands[cand_begin[ev] + j];
        if (op == returning) {
          ++result.nodes;
          if (dominated(before_info, op)) continue;
          int32_t next = stepper.Step(state, returning);
          if (next < 0) {
            record_bf_failure(ev, state, returning, index);
            continue;
          }
          std::copy(open_bits.begin(), open_bits.end(), saved_open.begin());
          const uint64_t saved_hash = open_hash;
          uint32_t to = advance(ev + 1);
          if (to == num_events) {
            result.linearization = path_to(index);
            result.linearization.push_back(returning);
            result.outcome = SearchOutcome::kValid;
            return release();
          }
          if (visit(to, next)) store(to, next, kNotAfterInfo, index, returning, rec.used_total);
          std::copy(saved_open.begin(), saved_open.end(), open_bits.begin());
          open_hash = saved_hash;
          continue;
        }
        if (is_open_linearized(op) || dominated(before_info, op)) continue;
        if (forced == kNoEvent && waits_for_identical(ev, j)) continue;
        int32_t next = stepper.Step(state, op);
        if (next < 0) continue;
        toggle_open(op);
        if (visit(ev, next)) store(ev, next, kNotAfterInfo, index, op, rec.used_total);
        toggle_open(op);
      }
      if (forced != kNoEvent) continue;
      for (uint32_t c : class_order) {
        const auto& ops = class_ops[c];
        if (class_used[c] == ops.size()) continue;
        uint32_t op = ops[class_used[c]];
        if (problem.call_event[op] > ev) {
          if (class_used[c] == 0) break;  // no later class has started either
          continue;
        }
        if (dominated(before_info, op)) continue;
        int32_t next = stepper.Step(state, op);
        if (next < 0 || next == state) continue;
        used_counts[c / 2] += 1ULL << (32 * (c % 2));
        if (visit(ev, next)) store(ev, next, state, index, op, rec.used_total + 1);
        used_counts[c / 2] -= 1ULL << (32 * (c % 2));
      }
    }
    result.prefix = path_to(best_record);
    result.outcome = SearchOutcome::kInvalid;
    return release();
  };  // run_best_first

  // Without info ops the memo is exact and depth-first never explores a
  // configuration twice. With them, depth-first and best-first phases
  // alternate with growing iteration limits, each starting afresh: the search
  // costs at most a small factor more than the better of the two.
  if (num_classes == 0) {
    run_depth_first(UINT64_MAX);
  } else {
    for (uint64_t limit = std::max<uint64_t>(1, budget.depth_first_iterations);; limit *= 4) {
      if (run_depth_first(limit) || run_best_first(2 * limit)) break;
    }
  }
  result.memo_entries = memo->size();
  return result;
}

}  // namespace coordcheck::lin
