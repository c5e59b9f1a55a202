#include "generators/generator.h"

#include <algorithm>
#include <cassert>
#include <limits>

namespace coordcheck::gen {
namespace {

constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ULL;

// SplitMix64's output function (Steele, Lea, Flood 2014).
uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

bool Contains(const std::vector<int>& sorted, int thread) {
  return std::binary_search(sorted.begin(), sorted.end(), thread);
}

}  // namespace

uint64_t Rng::Next() {
  state_ += kGolden;
  return Mix64(state_);
}

uint64_t Rng::Uniform(uint64_t n) {
  assert(n > 0);
  // Rejection of the low, over-represented residues keeps the result exactly uniform.
  const uint64_t threshold = (0 - n) % n;
  for (;;) {
    const uint64_t r = Next();
    if (r >= threshold) return r % n;
  }
}

double Rng::UniformReal() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

Rng Rng::Child(uint64_t stream) const {
  return Rng(Mix64(state_ ^ Mix64(stream * kGolden + 0x632be59bd9b4e019ULL)));
}

Context::Context(int client_threads, bool with_nemesis) : client_threads_(client_threads) {
  assert(client_threads >= 0);
  if (with_nemesis) threads_.push_back(kNemesisThread);
  for (int t = 0; t < client_threads; ++t) threads_.push_back(t);
  free_ = threads_;
  processes_ = std::make_shared<std::vector<int64_t>>(client_threads);
  for (int t = 0; t < client_threads; ++t) (*processes_)[t] = t;
}

bool Context::IsFree(int thread) const { return Contains(free_, thread); }

bool Context::HasThread(int thread) const { return Contains(threads_, thread); }

int64_t Context::ProcessOf(int thread) const {
  if (thread == kNemesisThread) return kNemesisProcess;
  assert(processes_ != nullptr && thread >= 0 && thread < client_threads_);
  return (*processes_)[thread];
}

int Context::ThreadOf(int64_t process) const {
  if (process == kNemesisProcess) return kNemesisThread;
  if (process < 0 || client_threads_ == 0) return std::numeric_limits<int>::min();
  return static_cast<int>(process % client_threads_);
}

Context Context::RestrictRange(int first, int last) const {
  Context c;
  c.time_ns = time_ns;
  c.client_threads_ = client_threads_;
  c.processes_ = processes_;
  c.pick_seed_ = pick_seed_;
  c.invocations_ = invocations_;
  if (first > last) return c;
  c.threads_.assign(std::lower_bound(threads_.begin(), threads_.end(), first),
                    std::upper_bound(threads_.begin(), threads_.end(), last));
  c.free_.assign(std::lower_bound(free_.begin(), free_.end(), first),
                 std::upper_bound(free_.begin(), free_.end(), last));
  return c;
}

uint64_t Context::PickDraw() const {
  if (pick_seed_ == 0) return 0;
  return Mix64(pick_seed_ ^ Mix64((invocations_ + 1) * kGolden));
}

int Context::PickFreeThread() const {
  assert(!free_.empty());
  return free_[PickDraw() % free_.size()];
}

void Context::MarkBusy(int thread) {
  ++invocations_;
  auto it = std::lower_bound(free_.begin(), free_.end(), thread);
  if (it != free_.end() && *it == thread) free_.erase(it);
}

void Context::MarkFree(int thread) {
  if (!HasThread(thread)) return;
  auto it = std::lower_bound(free_.begin(), free_.end(), thread);
  if (it == free_.end() || *it != thread) free_.insert(it, thread);
}

void Context::AdvanceProcess(int thread) {
  if (thread == kNemesisThread) return;
  assert(processes_ != nullptr && thread >= 0 && thread < client_threads_);
  // Copy on write: other contexts (restricted copies) may share the table.
  auto fresh = std::make_shared<std::vector<int64_t>>(*processes_);
  (*fresh)[thread] += client_threads_;
  processes_ = std::move(fresh);
}

std::optional<Invocation> FillIn(Invocation op, const Context& ctx) {
  if (op.process == kAnyProcess) {
    if (ctx.free_threads().empty()) return std::nullopt;
    op.process = ctx.ProcessOf(ctx.PickFreeThread());
  } else {
    const int thread = ctx.ThreadOf(op.process);
    if (!ctx.IsFree(thread) || ctx.ProcessOf(thread) != op.process) return std::nullopt;
  }
  if (op.time_ns == kNow) op.time_ns = ctx.time_ns;
  return op;
}

GenPtr Generator::Update(const Context& /*ctx*/, const Op& /*event*/) const { return self(); }

}  // namespace coordcheck::gen
