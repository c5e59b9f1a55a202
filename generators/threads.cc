#include "generators/threads.h"

#include <algorithm>
#include <limits>

#include "generators/choice.h"

namespace coordcheck::gen {
namespace {

using Kind = Emission::Kind;
using Keep = std::function<bool(int)>;

// A set of threads: the range [first, last], or the threads `keep` accepts when it is set.
struct ThreadSet {
  int first = 0;
  int last = 0;
  std::shared_ptr<const Keep> keep;

  bool Contains(int thread) const {
    return keep ? (*keep)(thread) : thread >= first && thread <= last;
  }
  Context Apply(const Context& ctx) const {
    return keep ? ctx.Restrict([this](int t) { return (*keep)(t); })
                : ctx.RestrictRange(first, last);
  }
};

class OnThreadsGen final : public Generator {
 public:
  OnThreadsGen(ThreadSet threads, GenPtr gen)
      : threads_(std::move(threads)), gen_(std::move(gen)) {}
  Emission Next(const Context& ctx) const override {
    Emission e = gen_->Next(threads_.Apply(ctx));
    if (e.kind == Kind::kOp) e.next = std::make_shared<OnThreadsGen>(threads_, std::move(e.next));
    return e;
  }
  GenPtr Update(const Context& ctx, const Op& event) const override {
    if (!threads_.Contains(ctx.ThreadOf(event.process))) return self();
    GenPtr gen = gen_->Update(threads_.Apply(ctx), event);
    if (gen == gen_) return self();
    return std::make_shared<OnThreadsGen>(threads_, std::move(gen));
  }

 private:
  ThreadSet threads_;
  GenPtr gen_;
};

// copies_[thread + 1] is the copy of `thread` (the nemesis thread at 0); null: not started,
// still `fresh_`. Empty until the first op.
class EachThreadGen final : public Generator {
 public:
  EachThreadGen(GenPtr fresh, std::shared_ptr<const std::vector<GenPtr>> copies)
      : fresh_(std::move(fresh)), copies_(std::move(copies)) {}
  Emission Next(const Context& ctx) const override {
    Emission best;
    int best_thread = 0;
    bool pending = false;
    for (int t : ctx.free_threads()) {
      Emission e = CopyOf(t)->Next(ctx.RestrictRange(t, t));
      if (e.kind == Kind::kPending) pending = true;
      if (e.kind != Kind::kOp) continue;
      if (best.kind != Kind::kOp || e.op.time_ns < best.op.time_ns) {
        best = std::move(e);
        best_thread = t;
      }
    }
    if (best.kind != Kind::kOp) {
      return pending || !ctx.AllFree() ? Emission::Pending() : Emission::Done();
    }
    best.next = With(ctx, best_thread, std::move(best.next));
    return best;
  }
  GenPtr Update(const Context& ctx, const Op& event) const override {
    const int t = ctx.ThreadOf(event.process);
    if (!ctx.HasThread(t)) return self();
    GenPtr copy = CopyOf(t);
    GenPtr updated = copy->Update(ctx.RestrictRange(t, t), event);
    if (updated == copy) return self();
    return With(ctx, t, std::move(updated));
  }

 private:
  const GenPtr& CopyOf(int thread) const {
    const size_t i = static_cast<size_t>(thread + 1);
    if (copies_ && i < copies_->size() && (*copies_)[i]) return (*copies_)[i];
    return fresh_;
  }
  GenPtr With(const Context& ctx, int thread, GenPtr copy) const {
    auto copies = copies_ ? std::make_shared<std::vector<GenPtr>>(*copies_)
                          : std::make_shared<std::vector<GenPtr>>();
    const size_t i = static_cast<size_t>(thread + 1);
    copies->resize(std::max<size_t>(
        {copies->size(), i + 1, static_cast<size_t>(ctx.client_thread_count()) + 1}));
    (*copies)[i] = std::move(copy);
    return std::make_shared<EachThreadGen>(fresh_, std::move(copies));
  }

  GenPtr fresh_;
  std::shared_ptr<const std::vector<GenPtr>> copies_;
};

GenPtr Routed(ThreadSet threads, GenPtr gen) {
  return std::make_shared<OnThreadsGen>(std::move(threads), std::move(gen));
}

}  // namespace

GenPtr OnThreads(std::function<bool(int)> keep, GenPtr gen) {
  ThreadSet threads;
  threads.keep = std::make_shared<const Keep>(std::move(keep));
  return Routed(std::move(threads), std::move(gen));
}

GenPtr OnThreads(std::vector<int> threads, GenPtr gen) {
  std::sort(threads.begin(), threads.end());
  threads.erase(std::unique(threads.begin(), threads.end()), threads.end());
  if (threads.empty()) return OnThreadRange(0, -1, std::move(gen));
  if (threads.back() - threads.front() + 1 == static_cast<int>(threads.size()))
    return OnThreadRange(threads.front(), threads.back(), std::move(gen));
  return OnThreads([threads = std::move(threads)](
                       int t) { return std::binary_search(threads.begin(), threads.end(), t); },
                   std::move(gen));
}

GenPtr OnThreadRange(int first, int last, GenPtr gen) {
  ThreadSet threads;
  threads.first = first;
  threads.last = last;
  return Routed(std::move(threads), std::move(gen));
}

GenPtr Clients(GenPtr gen) {
  return OnThreadRange(0, std::numeric_limits<int>::max(), std::move(gen));
}

GenPtr Nemesis(GenPtr gen) { return OnThreadRange(kNemesisThread, kNemesisThread, std::move(gen)); }

GenPtr Clients(GenPtr client_gen, GenPtr nemesis_gen) {
  return Any({Clients(std::move(client_gen)), Nemesis(std::move(nemesis_gen))});
}

GenPtr EachThread(GenPtr gen) { return std::make_shared<EachThreadGen>(std::move(gen), nullptr); }

GenPtr Reserve(std::vector<std::pair<int, GenPtr>> ranges, GenPtr rest) {
  std::vector<GenPtr> gens;
  int first = 0;
  for (auto& [count, gen] : ranges) {
    const int n = std::max(count, 0);
    gens.push_back(OnThreadRange(first, first + n - 1, std::move(gen)));
    first += n;
  }
  const int reserved = first;
  gens.push_back(OnThreads([reserved](int t) { return t == kNemesisThread || t >= reserved; },
                           std::move(rest)));
  return Any(std::move(gens));
}

}  // namespace coordcheck::gen
