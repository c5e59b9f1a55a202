#include "generators/choice.h"

#include <utility>

#include "generators/basic.h"

namespace coordcheck::gen {
namespace {

using Kind = Emission::Kind;
using GenList = std::vector<GenPtr>;

// Every generator of `gens` updated with the event; nullptr when none changed.
std::shared_ptr<GenList> UpdateAll(const GenList& gens, const Context& ctx, const Op& event) {
  std::shared_ptr<GenList> updated;
  for (size_t i = 0; i < gens.size(); ++i) {
    GenPtr gen = gens[i]->Update(ctx, event);
    if (gen == gens[i]) continue;
    if (!updated) updated = std::make_shared<GenList>(gens);
    (*updated)[i] = std::move(gen);
  }
  return updated;
}

class AnyGen final : public Generator {
 public:
  explicit AnyGen(std::shared_ptr<const GenList> gens) : gens_(std::move(gens)) {}
  Emission Next(const Context& ctx) const override {
    Emission best;
    size_t best_index = 0;
    bool pending = false;
    for (size_t i = 0; i < gens_->size(); ++i) {
      Emission e = (*gens_)[i]->Next(ctx);
      if (e.kind == Kind::kPending) pending = true;
      if (e.kind != Kind::kOp) continue;
      if (best.kind != Kind::kOp || e.op.time_ns < best.op.time_ns) {
        best = std::move(e);
        best_index = i;
      }
    }
    if (best.kind != Kind::kOp) return pending ? Emission::Pending() : Emission::Done();
    auto gens = std::make_shared<GenList>(*gens_);
    (*gens)[best_index] = std::move(best.next);
    best.next = std::make_shared<AnyGen>(std::move(gens));
    return best;
  }
  GenPtr Update(const Context& ctx, const Op& event) const override {
    auto updated = UpdateAll(*gens_, ctx, event);
    if (!updated) return self();
    return std::make_shared<AnyGen>(std::move(updated));
  }

 private:
  std::shared_ptr<const GenList> gens_;
};

class MixGen final : public Generator {
 public:
  MixGen(std::shared_ptr<const GenList> gens, Rng rng) : gens_(std::move(gens)), rng_(rng) {}
  Emission Next(const Context& ctx) const override {
    Rng rng = rng_;
    std::shared_ptr<const GenList> gens = gens_;
    while (!gens->empty()) {
      const size_t i = rng.Uniform(gens->size());
      Emission e = (*gens)[i]->Next(ctx);
      if (e.kind == Kind::kPending) return e;
      auto next = std::make_shared<GenList>(*gens);
      if (e.kind == Kind::kDone) {
        next->erase(next->begin() + static_cast<std::ptrdiff_t>(i));
        gens = std::move(next);
        continue;
      }
      (*next)[i] = std::move(e.next);
      e.next = std::make_shared<MixGen>(std::move(next), rng);
      return e;
    }
    return Emission::Done();
  }
  GenPtr Update(const Context& ctx, const Op& event) const override {
    auto updated = UpdateAll(*gens_, ctx, event);
    if (!updated) return self();
    return std::make_shared<MixGen>(std::move(updated), rng_);
  }

 private:
  std::shared_ptr<const GenList> gens_;
  Rng rng_;
};

class FlipFlopGen final : public Generator {
 public:
  FlipFlopGen(GenPtr a, GenPtr b, bool b_next)
      : a_(std::move(a)), b_(std::move(b)), b_next_(b_next) {}
  Emission Next(const Context& ctx) const override {
    Emission e = (b_next_ ? b_ : a_)->Next(ctx);
    if (e.kind != Kind::kOp) return e;
    e.next = b_next_ ? std::make_shared<FlipFlopGen>(a_, std::move(e.next), false)
                     : std::make_shared<FlipFlopGen>(std::move(e.next), b_, true);
    return e;
  }
  GenPtr Update(const Context& ctx, const Op& event) const override {
    GenPtr a = a_->Update(ctx, event);
    GenPtr b = b_->Update(ctx, event);
    if (a == a_ && b == b_) return self();
    return std::make_shared<FlipFlopGen>(std::move(a), std::move(b), b_next_);
  }

 private:
  GenPtr a_;
  GenPtr b_;
  bool b_next_;
};

}  // namespace

GenPtr Any(std::vector<GenPtr> gens) {
  if (gens.empty()) return Void();
  if (gens.size() == 1) return std::move(gens.front());
  return std::make_shared<AnyGen>(std::make_shared<const GenList>(std::move(gens)));
}

GenPtr Mix(std::vector<GenPtr> gens, Rng rng) {
  return std::make_shared<MixGen>(std::make_shared<const GenList>(std::move(gens)), rng);
}

GenPtr FlipFlop(GenPtr a, GenPtr b) {
  return std::make_shared<FlipFlopGen>(std::move(a), std::move(b), false);
}

}  // namespace coordcheck::gen
