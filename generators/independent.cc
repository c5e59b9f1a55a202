#include "generators/independent.h"

#include <algorithm>
#include <utility>

namespace coordcheck::gen {
namespace {

using Kind = Emission::Kind;

struct KeySource {
  int threads_per_key = 0;
  KeyGenFunction per_key;
  bool infinite = true;
  std::vector<Json> keys;

  bool Has(int64_t i) const { return infinite || i < static_cast<int64_t>(keys.size()); }
  Json At(int64_t i) const { return infinite ? Json(i) : keys[static_cast<size_t>(i)]; }
};

// A group's generator for its current key; gen == nullptr once the group is done.
struct Group {
  GenPtr gen;
  int64_t key_index = -1;
};
using Groups = std::vector<Group>;

// Where the groups of a context lie: group g is the client threads at positions
// [first_ + g * size_, first_ + (g + 1) * size_) of ctx.threads().
class Layout {
 public:
  Layout(const Context& ctx, int threads_per_key)
      : threads_(ctx.threads()), size_(threads_per_key) {
    first_ = std::lower_bound(threads_.begin(), threads_.end(), 0) - threads_.begin();
    const auto clients = static_cast<int64_t>(threads_.size()) - first_;
    count_ = size_ > 0 ? static_cast<int>(clients / size_) : 0;
  }
  int count() const { return count_; }
  // -1 when `thread` is in no group.
  int GroupOf(int thread) const {
    if (thread < 0) return -1;
    auto it = std::lower_bound(threads_.begin(), threads_.end(), thread);
    if (it == threads_.end() || *it != thread) return -1;
    const auto g = static_cast<int>((it - threads_.begin() - first_) / size_);
    return g < count_ ? g : -1;
  }
  Context Restrict(const Context& ctx, int group) const {
    const int64_t begin = first_ + static_cast<int64_t>(group) * size_;
    return ctx.RestrictRange(threads_[static_cast<size_t>(begin)],
                             threads_[static_cast<size_t>(begin + size_ - 1)]);
  }

 private:
  const std::vector<int>& threads_;
  int size_;
  int64_t first_ = 0;
  int count_ = 0;
};

class IndependentGen final : public Generator {
 public:
  IndependentGen(std::shared_ptr<const KeySource> keys, std::shared_ptr<const Groups> groups,
                 int64_t next_key)
      : keys_(std::move(keys)), groups_(std::move(groups)), next_key_(next_key) {}

  Emission Next(const Context& ctx) const override {
    const Layout layout(ctx, keys_->threads_per_key);
    if (layout.count() == 0) return Emission::Done();
    // The groups as this call changes them (copied on the first change).
    std::shared_ptr<Groups> changed;
    const Groups* groups = groups_.get();
    int64_t next_key = next_key_;
    auto set = [&](size_t g, Group group) {
      if (!changed) {
        changed = std::make_shared<Groups>(*groups);
        groups = changed.get();
      }
      (*changed)[g] = std::move(group);
    };
    if (groups == nullptr) {
      changed = std::make_shared<Groups>(static_cast<size_t>(layout.count()));
      groups = changed.get();
      for (Group& group : *changed) {
        if (!keys_->Has(next_key)) break;
        group = Group{keys_->per_key(keys_->At(next_key)), next_key};
        ++next_key;
      }
    }
    const int count = std::min(layout.count(), static_cast<int>(groups->size()));

    Emission best;
    int best_group = -1;
    bool pending = false;
    int last_group = -1;
    int first_group = -1;
    // Groups are asked starting at a random free thread (Context::PickDraw), so that when ops
    // are due in several groups the first group does not always win.
    const std::vector<int>& free = ctx.free_threads();
    const size_t start = free.empty() ? 0 : ctx.PickDraw() % free.size();
    for (size_t i = 0; i < free.size(); ++i) {
      const int g = layout.GroupOf(free[(start + i) % free.size()]);
      // Free threads are sorted and groups contiguous: a group's free threads are adjacent,
      // except that the group the rotation starts in may come round again at its end.
      if (g < 0 || g >= count || g == last_group || g == first_group) continue;
      if (first_group < 0) first_group = g;
      last_group = g;
      const Context sub = layout.Restrict(ctx, g);
      bool fresh = false;
      while ((*groups)[g].gen) {
        Emission e = (*groups)[g].gen->Next(sub);
        if (e.kind == Kind::kDone) {
          if (fresh || !keys_->Has(next_key)) {
            set(g, Group{});
            break;
          }
          set(g, Group{keys_->per_key(keys_->At(next_key)), next_key});
          ++next_key;
          fresh = true;
          continue;
        }
        if (e.kind == Kind::kPending) {
          pending = true;
          break;
        }
        e.op.key = keys_->At((*groups)[g].key_index);
        if (best.kind != Kind::kOp || e.op.time_ns < best.op.time_ns) {
          best = std::move(e);
          best_group = g;
        }
        break;
      }
      // An op due now cannot be beaten by a later group's op in any way that matters: the
      // runner invokes every due op at once. Stopping here keeps Next O(1) in the number
      // of groups when ops are due (1000 threads = 200 groups).
      if (best.kind == Kind::kOp && best.op.time_ns <= ctx.time_ns) break;
    }

    if (best.kind != Kind::kOp) {
      if (pending) return Emission::Pending();
      for (int g = 0; g < count; ++g)
        if ((*groups)[g].gen) return Emission::Pending();
      return Emission::Done();
    }
    set(best_group, Group{std::move(best.next), (*groups)[best_group].key_index});
    best.next = std::make_shared<IndependentGen>(keys_, std::move(changed), next_key);
    return best;
  }

  GenPtr Update(const Context& ctx, const Op& event) const override {
    if (!groups_) return self();
    const Layout layout(ctx, keys_->threads_per_key);
    const int g = layout.GroupOf(ctx.ThreadOf(event.process));
    if (g < 0 || g >= static_cast<int>(groups_->size())) return self();
    const Group& group = (*groups_)[g];
    if (!group.gen || event.key != keys_->At(group.key_index)) return self();
    GenPtr gen = group.gen->Update(layout.Restrict(ctx, g), event);
    if (gen == group.gen) return self();
    auto groups = std::make_shared<Groups>(*groups_);
    (*groups)[g].gen = std::move(gen);
    return std::make_shared<IndependentGen>(keys_, std::move(groups), next_key_);
  }

 private:
  std::shared_ptr<const KeySource> keys_;
  std::shared_ptr<const Groups> groups_;  // null until the first op
  int64_t next_key_;
};

GenPtr Make(KeySource keys) {
  return std::make_shared<IndependentGen>(std::make_shared<const KeySource>(std::move(keys)),
                                          nullptr, 0);
}

}  // namespace

GenPtr IndependentConcurrent(int threads_per_key, KeyGenFunction per_key) {
  KeySource keys;
  keys.threads_per_key = threads_per_key;
  keys.per_key = std::move(per_key);
  return Make(std::move(keys));
}

GenPtr IndependentConcurrent(int threads_per_key, KeyGenFunction per_key, std::vector<Json> keys) {
  KeySource source;
  source.threads_per_key = threads_per_key;
  source.per_key = std::move(per_key);
  source.infinite = false;
  source.keys = std::move(keys);
  return Make(std::move(source));
}

std::string CheckThreadsPerKey(int client_threads, int threads_per_key) {
  if (threads_per_key <= 0)
    return "threads per key must be positive, got " + std::to_string(threads_per_key);
  if (client_threads < threads_per_key || client_threads % threads_per_key != 0)
    return "concurrency " + std::to_string(client_threads) + " is not a multiple of " +
           std::to_string(threads_per_key) + " threads per key";
  return "";
}

}  // namespace coordcheck::gen
