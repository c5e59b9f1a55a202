#include "generators/sequence.h"

#include <algorithm>
#include <utility>

#include "generators/basic.h"

namespace coordcheck::gen {
namespace {

using Kind = Emission::Kind;
using GenList = std::vector<GenPtr>;

// Runs (*gens_)[index_] in the state current_; the tail is shared between all states.
class SeqGen final : public Generator {
 public:
  SeqGen(std::shared_ptr<const GenList> gens, size_t index, GenPtr current)
      : gens_(std::move(gens)), index_(index), current_(std::move(current)) {}
  Emission Next(const Context& ctx) const override {
    size_t index = index_;
    GenPtr current = current_;
    for (;;) {
      Emission e = current->Next(ctx);
      if (e.kind == Kind::kDone) {
        if (++index >= gens_->size()) return e;
        current = (*gens_)[index];
        continue;
      }
      // On the last generator the sequence is that generator alone.
      if (e.kind == Kind::kOp && index + 1 < gens_->size())
        e.next = std::make_shared<SeqGen>(gens_, index, std::move(e.next));
      return e;
    }
  }
  GenPtr Update(const Context& ctx, const Op& event) const override {
    GenPtr current = current_->Update(ctx, event);
    if (current == current_) return self();
    return std::make_shared<SeqGen>(gens_, index_, std::move(current));
  }

 private:
  std::shared_ptr<const GenList> gens_;
  size_t index_;
  GenPtr current_;
};

// remaining_ runs left including the current one; < 0: forever.
class CycleGen final : public Generator {
 public:
  CycleGen(GenPtr start, GenPtr current, int64_t remaining)
      : start_(std::move(start)), current_(std::move(current)), remaining_(remaining) {}
  Emission Next(const Context& ctx) const override {
    Emission e = current_->Next(ctx);
    int64_t remaining = remaining_;
    if (e.kind == Kind::kDone) {
      if (remaining > 0 && --remaining == 0) return e;
      e = start_->Next(ctx);
      if (e.kind == Kind::kDone) return e;
    }
    if (e.kind == Kind::kOp) e.next = std::make_shared<CycleGen>(start_, e.next, remaining);
    return e;
  }
  GenPtr Update(const Context& ctx, const Op& event) const override {
    GenPtr current = current_->Update(ctx, event);
    if (current == current_) return self();
    return std::make_shared<CycleGen>(start_, std::move(current), remaining_);
  }

 private:
  GenPtr start_;
  GenPtr current_;
  int64_t remaining_;
};

class SynchronizeGen final : public Generator {
 public:
  explicit SynchronizeGen(GenPtr gen) : gen_(std::move(gen)) {}
  Emission Next(const Context& ctx) const override {
    if (!ctx.AllFree()) return Emission::Pending();
    // Once past the barrier the wrapper is no longer needed: e.next is gen's own.
    return gen_->Next(ctx);
  }
  GenPtr Update(const Context& ctx, const Op& event) const override {
    GenPtr gen = gen_->Update(ctx, event);
    if (gen == gen_) return self();
    return std::make_shared<SynchronizeGen>(std::move(gen));
  }

 private:
  GenPtr gen_;
};

// active_: processes with an op of this generator outstanding (sorted; few).
class UntilOkGen final : public Generator {
 public:
  UntilOkGen(GenPtr gen, bool done, std::vector<int64_t> active)
      : gen_(std::move(gen)), done_(done), active_(std::move(active)) {}
  Emission Next(const Context& ctx) const override {
    if (done_) return Emission::Done();
    Emission e = gen_->Next(ctx);
    if (e.kind != Kind::kOp) return e;
    std::vector<int64_t> active = active_;
    active.insert(std::lower_bound(active.begin(), active.end(), e.op.process), e.op.process);
    e.next = std::make_shared<UntilOkGen>(std::move(e.next), false, std::move(active));
    return e;
  }
  GenPtr Update(const Context& ctx, const Op& event) const override {
    GenPtr gen = gen_->Update(ctx, event);
    auto it = std::lower_bound(active_.begin(), active_.end(), event.process);
    const bool ours = it != active_.end() && *it == event.process;
    if (!ours || event.is_invoke()) {
      if (gen == gen_) return self();
      return std::make_shared<UntilOkGen>(std::move(gen), done_, active_);
    }
    std::vector<int64_t> active = active_;
    active.erase(active.begin() + (it - active_.begin()));
    return std::make_shared<UntilOkGen>(std::move(gen), done_ || event.type == OpType::kOk,
                                        std::move(active));
  }

 private:
  GenPtr gen_;
  bool done_;
  std::vector<int64_t> active_;
};

}  // namespace

GenPtr Seq(std::vector<GenPtr> gens) {
  if (gens.empty()) return Void();
  if (gens.size() == 1) return std::move(gens.front());
  GenPtr first = gens.front();
  return std::make_shared<SeqGen>(std::make_shared<const GenList>(std::move(gens)), 0,
                                  std::move(first));
}

GenPtr Cycle(GenPtr gen) { return std::make_shared<CycleGen>(gen, gen, -1); }

GenPtr Cycle(int64_t times, GenPtr gen) {
  if (times <= 0) return Void();
  return std::make_shared<CycleGen>(gen, gen, times);
}

GenPtr Synchronize(GenPtr gen) { return std::make_shared<SynchronizeGen>(std::move(gen)); }

GenPtr Phases(std::vector<GenPtr> gens) {
  for (GenPtr& gen : gens) gen = Synchronize(std::move(gen));
  return Seq(std::move(gens));
}

GenPtr Then(GenPtr first, GenPtr second) {
  return Seq({std::move(first), Synchronize(std::move(second))});
}

GenPtr UntilOk(GenPtr gen) {
  return std::make_shared<UntilOkGen>(std::move(gen), false, std::vector<int64_t>{});
}

}  // namespace coordcheck::gen
