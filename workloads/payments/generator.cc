#include "workloads/payments/generator.h"

#include <algorithm>
#include <cassert>
#include <string>
#include <utility>

#include "generators/threads.h"

namespace coordcheck::gen {
namespace {

constexpr int64_t kNsPerMs = 1'000'000;
constexpr const char* kCharge = "charge";  // workloads/payments/ops.h's kCharge

// "<prefix><a>" or "<prefix><a>-<b>". (Appending, not "p" + std::to_string(...): GCC 12's
// -Wrestrict misfires on the latter.)
std::string Name(char prefix, int64_t a, int64_t b = -1) {
  std::string name(1, prefix);
  name += std::to_string(a);
  if (b >= 0) {
    name += '-';
    name += std::to_string(b);
  }
  return name;
}

// One client thread's payments, as one copy inside EachThread (which routes to it only its
// own thread's context and events).
struct ThreadState {
  int thread = -1;       // unknown until the first op (taken from the context)
  Rng rng = Rng(0);      // rng.Child(thread) once the thread is known
  int64_t payments = 0;  // payments started on this thread: the current one is number n
  // The current payment (when `current`): retried until ok or out of attempts.
  bool current = false;
  std::string key;
  std::string account;
  int64_t amount = 0;
  int attempt = 0;            // attempts issued so far
  int64_t not_before_ns = 0;  // the next attempt's earliest time
  bool awaiting = false;      // an attempt was emitted and has not completed yet
};

class PaymentThreadGen final : public Generator {
 public:
  PaymentThreadGen(PaymentGenOptions options, Rng base, ThreadState state)
      : options_(options), base_(base), state_(std::move(state)) {}

  Emission Next(const Context& ctx) const override {
    if (state_.awaiting) return Emission::Pending();
    const auto& free = ctx.free_threads();
    auto t = std::find_if(free.begin(), free.end(), [](int thread) { return thread >= 0; });
    if (t == free.end()) return Emission::Pending();
    ThreadState s = state_;
    if (s.thread < 0) {
      s.thread = *t;
      s.rng = base_.Child(static_cast<uint64_t>(*t));
    }
    if (!s.current) {
      s.current = true;
      s.key = Name('p', s.thread, ++s.payments);
      s.account = Name(
          'a', 1 + static_cast<int64_t>(s.rng.Uniform(static_cast<uint64_t>(options_.accounts))));
      s.amount =
          1 + static_cast<int64_t>(s.rng.Uniform(static_cast<uint64_t>(options_.max_amount)));
      s.attempt = 0;
      s.not_before_ns = ctx.time_ns;
    }
    ++s.attempt;
    s.awaiting = true;

    Invocation op;
    op.f = kCharge;
    op.key = s.key;
    op.value = Json{{"account", s.account}, {"amount", s.amount}, {"attempt", s.attempt}};
    op.process = ctx.ProcessOf(s.thread);
    op.time_ns = std::max(ctx.time_ns, s.not_before_ns);
    auto filled = FillIn(std::move(op), ctx);
    if (!filled) return Emission::Pending();
    return Emission::Of(std::move(*filled),
                        std::make_shared<PaymentThreadGen>(options_, base_, std::move(s)));
  }

  GenPtr Update(const Context& /*ctx*/, const Op& event) const override {
    if (!state_.awaiting || event.is_invoke() || event.f != kCharge ||
        event.key != Json(state_.key)) {
      return self();
    }
    ThreadState s = state_;
    s.awaiting = false;
    if (event.type == OpType::kOk || s.attempt >= options_.max_attempts) {
      s.current = false;  // done, or abandoned: the next op starts a fresh payment
    } else {
      const int64_t cap_ns = PaymentBackoffCapMs(options_, s.attempt) * kNsPerMs;
      const auto backoff_ns =
          static_cast<int64_t>(s.rng.Uniform(static_cast<uint64_t>(cap_ns) + 1));
      s.not_before_ns = event.time_ns + backoff_ns;
    }
    return std::make_shared<PaymentThreadGen>(options_, base_, std::move(s));
  }

 private:
  PaymentGenOptions options_;
  Rng base_;
  ThreadState state_;
};

}  // namespace

int64_t PaymentBackoffCapMs(const PaymentGenOptions& options, int attempt) {
  int64_t cap = std::max<int64_t>(options.backoff_ms, 0);
  const int64_t max = std::max<int64_t>(options.backoff_max_ms, 0);
  for (int i = 1; i < attempt && cap < max; ++i) cap *= 2;
  return std::min(cap, max);
}

GenPtr PaymentAttempts(const PaymentGenOptions& options, Rng rng) {
  assert(options.accounts > 0 && options.max_amount > 0 && options.max_attempts > 0);
  return EachThread(std::make_shared<PaymentThreadGen>(options, rng, ThreadState{}));
}

}  // namespace coordcheck::gen
