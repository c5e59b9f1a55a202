#include "generators/timing.h"

#include <algorithm>
#include <string>
#include <utility>

#include "generators/basic.h"

namespace coordcheck::gen {
namespace {

using Kind = Emission::Kind;
constexpr int64_t kUnset = -1;

class StaggerGen final : public Generator {
 public:
  StaggerGen(int64_t interval_ns, int64_t next_time_ns, GenPtr gen, Rng rng)
      : interval_ns_(interval_ns), next_time_ns_(next_time_ns), gen_(std::move(gen)), rng_(rng) {}
  Emission Next(const Context& ctx) const override {
    Emission e = gen_->Next(ctx);
    if (e.kind != Kind::kOp) return e;
    const int64_t scheduled = next_time_ns_ == kUnset ? ctx.time_ns : next_time_ns_;
    e.op.time_ns = std::max(e.op.time_ns, scheduled);
    Rng rng = rng_;
    const int64_t interval =
        interval_ns_ > 0 ? static_cast<int64_t>(rng.Uniform(static_cast<uint64_t>(interval_ns_)))
                         : 0;
    e.next =
        std::make_shared<StaggerGen>(interval_ns_, scheduled + interval, std::move(e.next), rng);
    return e;
  }
  GenPtr Update(const Context& ctx, const Op& event) const override {
    GenPtr gen = gen_->Update(ctx, event);
    if (gen == gen_) return self();
    return std::make_shared<StaggerGen>(interval_ns_, next_time_ns_, std::move(gen), rng_);
  }

 private:
  int64_t interval_ns_;
  int64_t next_time_ns_;
  GenPtr gen_;
  Rng rng_;
};

class DelayGen final : public Generator {
 public:
  DelayGen(int64_t dt_ns, int64_t next_time_ns, GenPtr gen)
      : dt_ns_(dt_ns), next_time_ns_(next_time_ns), gen_(std::move(gen)) {}
  Emission Next(const Context& ctx) const override {
    Emission e = gen_->Next(ctx);
    if (e.kind != Kind::kOp) return e;
    if (next_time_ns_ != kUnset) e.op.time_ns = std::max(e.op.time_ns, next_time_ns_);
    e.next = std::make_shared<DelayGen>(dt_ns_, e.op.time_ns + dt_ns_, std::move(e.next));
    return e;
  }
  GenPtr Update(const Context& ctx, const Op& event) const override {
    GenPtr gen = gen_->Update(ctx, event);
    if (gen == gen_) return self();
    return std::make_shared<DelayGen>(dt_ns_, next_time_ns_, std::move(gen));
  }

 private:
  int64_t dt_ns_;
  int64_t next_time_ns_;
  GenPtr gen_;
};

class TimeLimitGen final : public Generator {
 public:
  TimeLimitGen(int64_t dt_ns, int64_t cutoff_ns, GenPtr gen)
      : dt_ns_(dt_ns), cutoff_ns_(cutoff_ns), gen_(std::move(gen)) {}
  Emission Next(const Context& ctx) const override {
    if (cutoff_ns_ != kUnset && ctx.time_ns >= cutoff_ns_) return Emission::Done();
    Emission e = gen_->Next(ctx);
    if (e.kind != Kind::kOp) return e;
    const int64_t cutoff = cutoff_ns_ == kUnset ? e.op.time_ns + dt_ns_ : cutoff_ns_;
    if (e.op.time_ns >= cutoff) return Emission::Done();
    e.next = std::make_shared<TimeLimitGen>(dt_ns_, cutoff, std::move(e.next));
    return e;
  }
  GenPtr Update(const Context& ctx, const Op& event) const override {
    GenPtr gen = gen_->Update(ctx, event);
    if (gen == gen_) return self();
    return std::make_shared<TimeLimitGen>(dt_ns_, cutoff_ns_, std::move(gen));
  }

 private:
  int64_t dt_ns_;
  int64_t cutoff_ns_;
  GenPtr gen_;
};

}  // namespace

GenPtr Stagger(int64_t dt_ns, GenPtr gen, Rng rng) {
  return std::make_shared<StaggerGen>(2 * std::max<int64_t>(dt_ns, 0), kUnset, std::move(gen), rng);
}

GenPtr Delay(int64_t dt_ns, GenPtr gen) {
  return std::make_shared<DelayGen>(std::max<int64_t>(dt_ns, 0), kUnset, std::move(gen));
}

GenPtr Sleep(int64_t dt_ns) {
  return Once(MakeOp(std::string(kSleepF), std::max<int64_t>(dt_ns, 0)));
}

GenPtr TimeLimit(int64_t dt_ns, GenPtr gen) {
  return std::make_shared<TimeLimitGen>(std::max<int64_t>(dt_ns, 0), kUnset, std::move(gen));
}

}  // namespace coordcheck::gen
