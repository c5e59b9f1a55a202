// queue (alias fifo-queue): enqueue v, dequeue -> v (null = the queue was
// empty). Init []. The state is the ids of the values in the queue, head
// first.
#include <unordered_set>

#include "checkers/models/partition_model.h"

namespace coordcheck::lin {
namespace {

class Queue {
 public:
  enum Code : int { kEnqueue, kDequeue };
  struct Compiled {
    Code fn = kEnqueue;
    bool known = false;  // an ok op
    int64_t value = 0;   // enqueue: value; dequeue: value returned (0 = null: empty)
  };

  std::vector<int64_t> Init(const std::optional<Json>& init, HashedValues& values) {
    std::vector<int64_t> s;
    if (init)
      for (const Json& v : *init) s.push_back(values.Intern(v));
    return s;
  }
  void Scan(int code, const Op&, const Op* ok, HashedValues& values) {
    if (code == kDequeue && ok != nullptr) dequeued_.insert(values.Intern(ok->value));
  }
  Compiled Compile(int code, const Op& invoke, const Op* ok, HashedValues& values) {
    Compiled op{static_cast<Code>(code), ok != nullptr, 0};
    if (op.fn == kEnqueue) {
      // A value no ok dequeue ever returns is told apart by no op: all such
      // values are one placeholder, so orders of them are one state.
      const int32_t v = values.Intern(invoke.value);
      op.value = dequeued_.count(v) != 0 ? v : kUnobserved;
    } else if (ok != nullptr) {
      op.value = values.Intern(ok->value);
    }
    return op;
  }
  bool Step(const Compiled& op, std::vector<int64_t>& s) const {
    if (op.fn == kEnqueue) {
      s.push_back(op.value);
      return true;
    }
    if (!op.known) {  // took effect: removed the head, whatever it was
      if (s.empty()) return false;
      s.erase(s.begin());
      return true;
    }
    if (op.value == 0) return s.empty();  // null: the queue was empty
    if (s.empty() || s.front() != op.value) return false;
    s.erase(s.begin());
    return true;
  }
  Json Describe(const std::vector<int64_t>& s, const HashedValues& values) const {
    Json out = Json::array();
    for (int64_t v : s) {
      out.push_back(v == kUnobserved ? Json("(a value never dequeued)")
                                     : values.Describe(static_cast<int32_t>(v)));
    }
    return out;
  }
  static bool DeterminedByState(const Compiled&) { return false; }
  // A dequeue that found the queue empty.
  static bool ReadOnly(const Compiled& op) {
    return op.fn == kDequeue && op.known && op.value == 0;
  }

 private:
  static constexpr int64_t kUnobserved = -1;  // a value no ok dequeue returns
  std::unordered_set<int32_t> dequeued_;      // values some ok dequeue returned
};

}  // namespace

extern const LinModel kQueueModel{
    .name = "queue",
    .aliases = {"fifo-queue"},
    .summary = "a FIFO queue: enqueue, dequeue",
    .help = "FIFO: enqueue: v; dequeue: null -> v (null = the queue was empty).\nInit [].",
    .ops = {{"enqueue", Queue::kEnqueue}, {"dequeue", Queue::kDequeue}},
    .make = &MakeVectorModel<Queue>,
    .validate_init = &InitIsList,
};

}  // namespace coordcheck::lin
