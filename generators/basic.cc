#include "generators/basic.h"

#include <utility>

namespace coordcheck::gen {
namespace {

using Kind = Emission::Kind;

class VoidGen final : public Generator {
 public:
  Emission Next(const Context& /*ctx*/) const override { return Emission::Done(); }
};

class OnceGen final : public Generator {
 public:
  explicit OnceGen(Invocation op) : op_(std::move(op)) {}
  Emission Next(const Context& ctx) const override {
    std::optional<Invocation> op = FillIn(op_, ctx);
    if (!op) return Emission::Pending();
    return Emission::Of(std::move(*op), Void());
  }

 private:
  Invocation op_;
};

class RepeatOpGen final : public Generator {
 public:
  explicit RepeatOpGen(Invocation op) : op_(std::move(op)) {}
  Emission Next(const Context& ctx) const override {
    std::optional<Invocation> op = FillIn(op_, ctx);
    if (!op) return Emission::Pending();
    return Emission::Of(std::move(*op), self());
  }

 private:
  Invocation op_;
};

// remaining_ < 0: forever.
class RepeatGen final : public Generator {
 public:
  RepeatGen(int64_t remaining, GenPtr gen) : remaining_(remaining), gen_(std::move(gen)) {}
  Emission Next(const Context& ctx) const override {
    if (remaining_ == 0) return Emission::Done();
    Emission e = gen_->Next(ctx);
    if (e.kind != Kind::kOp) return e;
    e.next = remaining_ < 0 ? self() : std::make_shared<RepeatGen>(remaining_ - 1, gen_);
    return e;
  }
  GenPtr Update(const Context& ctx, const Op& event) const override {
    GenPtr gen = gen_->Update(ctx, event);
    if (gen == gen_) return self();
    return std::make_shared<RepeatGen>(remaining_, std::move(gen));
  }

 private:
  int64_t remaining_;
  GenPtr gen_;
};

class FunctionGen final : public Generator {
 public:
  FunctionGen(std::shared_ptr<const OpFunction> fn, Rng rng) : fn_(std::move(fn)), rng_(rng) {}
  Emission Next(const Context& ctx) const override {
    if (ctx.free_threads().empty()) return Emission::Pending();
    Rng rng = rng_;
    std::optional<Invocation> op = FillIn((*fn_)(rng, ctx), ctx);
    if (!op) return Emission::Pending();
    return Emission::Of(std::move(*op), std::make_shared<FunctionGen>(fn_, rng));
  }

 private:
  std::shared_ptr<const OpFunction> fn_;
  Rng rng_;
};

class LimitGen final : public Generator {
 public:
  LimitGen(int64_t remaining, GenPtr gen) : remaining_(remaining), gen_(std::move(gen)) {}
  Emission Next(const Context& ctx) const override {
    if (remaining_ <= 0) return Emission::Done();
    Emission e = gen_->Next(ctx);
    if (e.kind != Kind::kOp) return e;
    e.next = remaining_ == 1 ? Void() : std::make_shared<LimitGen>(remaining_ - 1, e.next);
    return e;
  }
  GenPtr Update(const Context& ctx, const Op& event) const override {
    GenPtr gen = gen_->Update(ctx, event);
    if (gen == gen_) return self();
    return std::make_shared<LimitGen>(remaining_, std::move(gen));
  }

 private:
  int64_t remaining_;
  GenPtr gen_;
};

using MapFunction = std::function<Invocation(Invocation)>;

class MapGen final : public Generator {
 public:
  MapGen(std::shared_ptr<const MapFunction> fn, GenPtr gen)
      : fn_(std::move(fn)), gen_(std::move(gen)) {}
  Emission Next(const Context& ctx) const override {
    Emission e = gen_->Next(ctx);
    if (e.kind != Kind::kOp) return e;
    e.op = (*fn_)(std::move(e.op));
    e.next = std::make_shared<MapGen>(fn_, std::move(e.next));
    return e;
  }
  GenPtr Update(const Context& ctx, const Op& event) const override {
    GenPtr gen = gen_->Update(ctx, event);
    if (gen == gen_) return self();
    return std::make_shared<MapGen>(fn_, std::move(gen));
  }

 private:
  std::shared_ptr<const MapFunction> fn_;
  GenPtr gen_;
};

using FilterPredicate = std::function<bool(const Invocation&)>;

class FilterGen final : public Generator {
 public:
  FilterGen(std::shared_ptr<const FilterPredicate> pred, GenPtr gen)
      : pred_(std::move(pred)), gen_(std::move(gen)) {}
  Emission Next(const Context& ctx) const override {
    GenPtr gen = gen_;
    for (;;) {
      Emission e = gen->Next(ctx);
      if (e.kind != Kind::kOp) return e;
      if ((*pred_)(e.op)) {
        e.next = std::make_shared<FilterGen>(pred_, std::move(e.next));
        return e;
      }
      gen = std::move(e.next);
    }
  }
  GenPtr Update(const Context& ctx, const Op& event) const override {
    GenPtr gen = gen_->Update(ctx, event);
    if (gen == gen_) return self();
    return std::make_shared<FilterGen>(pred_, std::move(gen));
  }

 private:
  std::shared_ptr<const FilterPredicate> pred_;
  GenPtr gen_;
};

}  // namespace

GenPtr Void() {
  static const GenPtr kVoid = std::make_shared<VoidGen>();
  return kVoid;
}

GenPtr Once(Invocation op) { return std::make_shared<OnceGen>(std::move(op)); }

GenPtr Repeat(Invocation op) { return std::make_shared<RepeatOpGen>(std::move(op)); }

GenPtr Repeat(GenPtr gen) { return std::make_shared<RepeatGen>(-1, std::move(gen)); }

GenPtr Repeat(int64_t times, GenPtr gen) {
  return std::make_shared<RepeatGen>(times < 0 ? 0 : times, std::move(gen));
}

GenPtr FromFunction(OpFunction fn, Rng rng) {
  return std::make_shared<FunctionGen>(std::make_shared<const OpFunction>(std::move(fn)), rng);
}

GenPtr Limit(int64_t n, GenPtr gen) {
  if (n <= 0) return Void();
  return std::make_shared<LimitGen>(n, std::move(gen));
}

GenPtr Once(GenPtr gen) { return Limit(1, std::move(gen)); }

GenPtr Map(std::function<Invocation(Invocation)> fn, GenPtr gen) {
  return std::make_shared<MapGen>(std::make_shared<const MapFunction>(std::move(fn)),
                                  std::move(gen));
}

GenPtr Filter(std::function<bool(const Invocation&)> pred, GenPtr gen) {
  return std::make_shared<FilterGen>(std::make_shared<const FilterPredicate>(std::move(pred)),
                                     std::move(gen));
}

}  // namespace coordcheck::gen
