// Rng, Context and FillIn: the pieces every generator is built on.
#include <catch2/catch.hpp>

#include <set>
#include <vector>

#include "generators/generator.h"

namespace coordcheck::gen {
namespace {

TEST_CASE("Rng is deterministic for a seed and differs between seeds") {
  Rng a(42), b(42), c(43);
  std::vector<uint64_t> xa, xb, xc;
  for (int i = 0; i < 100; ++i) {
    xa.push_back(a.Next());
    xb.push_back(b.Next());
    xc.push_back(c.Next());
  }
  CHECK(xa == xb);
  CHECK(xa != xc);
  CHECK(std::set<uint64_t>(xa.begin(), xa.end()).size() == 100);
}

TEST_CASE("Rng::Uniform stays in range and covers it evenly") {
  Rng rng(7);
  std::vector<int> counts(10);
  for (int i = 0; i < 100'000; ++i) {
    const uint64_t x = rng.Uniform(10);
    REQUIRE(x < 10);
    ++counts[x];
  }
  for (int count : counts) CHECK(std::abs(count - 10'000) < 500);
  CHECK(rng.Uniform(1) == 0);
  for (int i = 0; i < 1000; ++i) {
    const double r = rng.UniformReal();
    REQUIRE(r >= 0.0);
    REQUIRE(r < 1.0);
  }
}

TEST_CASE("Rng::Child does not advance the parent and gives independent streams") {
  Rng rng(1);
  const uint64_t state = rng.state();
  Rng c0 = rng.Child(0), c1 = rng.Child(1), c0_again = rng.Child(0);
  CHECK(rng.state() == state);
  CHECK(c0.state() == c0_again.state());
  CHECK(c0.state() != c1.state());
  Rng copy = rng;
  CHECK(c0.Next() != copy.Next());
}

TEST_CASE("Context starts with all threads free, nemesis first") {
  Context ctx(3, true);
  CHECK(ctx.threads() == std::vector<int>{kNemesisThread, 0, 1, 2});
  CHECK(ctx.free_threads() == ctx.threads());
  CHECK(ctx.client_thread_count() == 3);
  CHECK(ctx.ProcessOf(kNemesisThread) == kNemesisProcess);
  CHECK(ctx.ProcessOf(2) == 2);
  CHECK(ctx.ThreadOf(kNemesisProcess) == kNemesisThread);
  CHECK(ctx.ThreadOf(7) == 1);
  CHECK(ctx.AllFree());
  Context no_nemesis(2, false);
  CHECK(no_nemesis.threads() == std::vector<int>{0, 1});
}

TEST_CASE("Context marks threads busy and free, keeping free_threads sorted") {
  Context ctx(4, true);
  ctx.MarkBusy(2);
  ctx.MarkBusy(kNemesisThread);
  CHECK(ctx.free_threads() == std::vector<int>{0, 1, 3});
  CHECK_FALSE(ctx.IsFree(2));
  CHECK_FALSE(ctx.AllFree());
  ctx.MarkBusy(2);
  ctx.MarkFree(kNemesisThread);
  ctx.MarkFree(9);  // not a thread of this context
  CHECK(ctx.free_threads() == std::vector<int>{kNemesisThread, 0, 1, 3});
  ctx.MarkFree(2);
  ctx.MarkFree(2);
  CHECK(ctx.AllFree());
}

TEST_CASE("AdvanceProcess moves a thread to p + n without touching copies") {
  Context ctx(3, false);
  Context copy = ctx;
  ctx.AdvanceProcess(1);
  ctx.AdvanceProcess(1);
  CHECK(ctx.ProcessOf(1) == 7);
  CHECK(ctx.ThreadOf(7) == 1);
  CHECK(ctx.ProcessOf(0) == 0);
  CHECK(copy.ProcessOf(1) == 1);
}

TEST_CASE("Restrict and RestrictRange keep only the chosen threads") {
  Context ctx(5, true);
  ctx.MarkBusy(1);
  Context odd = ctx.Restrict([](int t) { return t % 2 == 1; });
  CHECK(odd.threads() == std::vector<int>{1, 3});
  CHECK(odd.free_threads() == std::vector<int>{3});
  Context mid = ctx.RestrictRange(1, 3);
  CHECK(mid.threads() == std::vector<int>{1, 2, 3});
  CHECK(mid.free_threads() == std::vector<int>{2, 3});
  CHECK(mid.ProcessOf(3) == 3);
  CHECK(mid.client_thread_count() == 5);
  CHECK(ctx.RestrictRange(kNemesisThread, kNemesisThread).threads() ==
        std::vector<int>{kNemesisThread});
  CHECK(ctx.RestrictRange(4, 1).threads().empty());
  CHECK(ctx.RestrictRange(4, 1).free_threads().empty());
}

TEST_CASE("FillIn takes the lowest free thread and the context's time") {
  Context ctx(3, false);
  ctx.time_ns = 500;
  ctx.MarkBusy(0);
  auto op = FillIn(MakeOp("read"), ctx);
  REQUIRE(op);
  CHECK(op->process == 1);
  CHECK(op->time_ns == 500);

  Invocation later = MakeOp("write", 3);
  later.time_ns = 900;
  CHECK(FillIn(later, ctx)->time_ns == 900);

  Context with_nemesis(2, true);
  CHECK(FillIn(MakeOp("read"), with_nemesis)->process == kNemesisProcess);
}

TEST_CASE("FillIn is pending with no free thread or a named busy or stale process") {
  Context ctx(2, false);
  ctx.MarkBusy(0);
  ctx.MarkBusy(1);
  CHECK_FALSE(FillIn(MakeOp("read"), ctx));
  ctx.MarkFree(1);
  Invocation named = MakeOp("read");
  named.process = 0;
  CHECK_FALSE(FillIn(named, ctx));
  named.process = 1;
  CHECK(FillIn(named, ctx)->process == 1);
  ctx.AdvanceProcess(1);
  CHECK_FALSE(FillIn(named, ctx));  // process 1 crashed; thread 1 now runs 3
  named.process = 3;
  CHECK(FillIn(named, ctx));
}

TEST_CASE("Context picks a free thread: the lowest without a pick seed, else a drawn one") {
  Context plain(4, false);
  plain.MarkBusy(0);
  CHECK(plain.PickFreeThread() == 1);
  CHECK(plain.PickDraw() == 0);

  Context ctx(4, false);
  ctx.SetPickSeed(7);
  std::set<int> picked;
  for (int i = 0; i < 200; ++i) {
    const int t = ctx.PickFreeThread();
    CHECK(ctx.IsFree(t));
    CHECK(ctx.PickFreeThread() == t);  // asking twice picks the same
    const Context copy = ctx;
    CHECK(copy.PickFreeThread() == t);  // and a copy too
    CHECK(ctx.RestrictRange(0, 3).PickFreeThread() == t);  // and a restricted one
    picked.insert(t);
    ctx.MarkBusy(t);  // an invocation: the next draw differs
    ctx.MarkFree(t);
  }
  CHECK(picked == std::set<int>{0, 1, 2, 3});
}

}  // namespace
}  // namespace coordcheck::gen
