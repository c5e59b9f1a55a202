// Not a test: times the register workload's generator chain as the runner drives it (Next,
// invoke Update, completion Update per op), and Simulate. Build target bench_generators;
// not registered with ctest.
#include <chrono>
#include <cstdio>
#include <deque>

#include "generators/combinators.h"
#include "workloads/register/generator.h"
#include "generators/simulate.h"

namespace coordcheck::gen {
namespace {

GenPtr Chain(int64_t ops) {
  RegisterOptions options;
  options.threads_per_key = 5;
  return Limit(ops, TimeLimit(int64_t{1} << 60,
                              Clients(Stagger(1, RegisterWorkload(options, Rng(1)), Rng(2)))));
}

void DriveLikeRunner(int threads, int64_t ops) {
  GenPtr gen = Chain(ops);
  Context ctx(threads, true);
  std::deque<Op> outstanding;
  int64_t n = 0;
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    Emission e = gen->Next(ctx);
    if (e.kind == Emission::Kind::kDone) break;
    if (e.kind == Emission::Kind::kOp) {
      Op op;
      op.index = n++;
      op.time_ns = ctx.time_ns = e.op.time_ns;
      op.process = e.op.process;
      op.f = std::move(e.op.f);
      op.key = std::move(e.op.key);
      op.value = std::move(e.op.value);
      ctx.MarkBusy(ctx.ThreadOf(op.process));
      gen = e.next->Update(ctx, op);
      outstanding.push_back(std::move(op));
      if (static_cast<int>(outstanding.size()) < threads) continue;
    }
    if (outstanding.empty()) break;
    Op done = std::move(outstanding.front());
    outstanding.pop_front();
    done.type = OpType::kOk;
    ctx.MarkFree(ctx.ThreadOf(done.process));
    gen = gen->Update(ctx, done);
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("runner-style, %d threads: %lld ops, %.3f us/op (Next + 2 Updates)\n", threads,
              static_cast<long long>(n), s * 1e6 / static_cast<double>(n));
}

void TimeSimulate(int threads, int64_t ops) {
  SimOptions options;
  options.client_threads = threads;
  options.with_nemesis = true;
  options.max_ops = ops;
  const auto start = std::chrono::steady_clock::now();
  SimResult r = Simulate(Chain(ops), options);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("Simulate, %d threads: %zu events, %.3f us/op\n", threads, r.history.size(),
              s * 1e6 / static_cast<double>(ops));
}

}  // namespace
}  // namespace coordcheck::gen

int main() {
  for (int threads : {5, 10, 50, 100}) coordcheck::gen::DriveLikeRunner(threads, 1'000'000);
  coordcheck::gen::TimeSimulate(10, 1'000'000);
  return 0;
}
