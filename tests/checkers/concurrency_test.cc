// Concurrency (checkers/concurrency.h) on hand-written histories — sequential ops, overlaps on
// one key and on different keys, info and never-completed ops open to the end, nemesis ops
// ignored, the low-concurrency note — and, on random histories, against a brute-force
// pairwise interval test.
#include "checkers/concurrency.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace {

using coordcheck::Concurrency;
using coordcheck::History;
using coordcheck::Json;
using coordcheck::Op;
using coordcheck::OpType;

class Builder {
 public:
  // Appends an event; returns its index.
  int64_t Add(int64_t process, OpType type, Json key = nullptr, std::string f = "write") {
    Op op;
    op.time_ns = static_cast<int64_t>(history_.size()) * 1000;
    op.process = process;
    op.type = type;
    op.f = std::move(f);
    op.key = std::move(key);
    history_.Append(op);
    return static_cast<int64_t>(history_.size()) - 1;
  }
  int64_t Invoke(int64_t process, Json key = nullptr) { return Add(process, OpType::kInvoke, key); }
  int64_t Ok(int64_t process, Json key = nullptr) { return Add(process, OpType::kOk, key); }
  const History& history() {
    REQUIRE(history_.Validate().ok());
    return history_;
  }

 private:
  History history_;
};

TEST_CASE("concurrency: ops one after another overlap nothing") {
  Builder b;
  for (int i = 0; i < 3; ++i) {
    b.Invoke(i, 1);
    b.Ok(i, 1);
  }
  const Json c = Concurrency(b.history());
  CHECK(c["client_ops"] == 3);
  CHECK(c["overlapped"] == 0);
  CHECK(c["overlap_share"] == 0.0);
  CHECK(c["max_open"] == 1);
  CHECK(c["mean_open"] == 1.0);
  CHECK(c["keys"] == 1);
  CHECK(c["processes"] == 3);
  CHECK(c["ops_per_process"] == Json{{"0", 1}, {"1", 1}, {"2", 1}});
  CHECK(c["low"] == false);  // too few ops to say
  CHECK_FALSE(c.contains("note"));
}

TEST_CASE("concurrency: only ops on the same key count as overlapping") {
  Builder b;
  b.Invoke(0, 1);
  b.Invoke(1, 1);  // overlaps process 0's op on key 1
  b.Invoke(2, 2);  // concurrent, but alone on key 2
  b.Ok(0, 1);
  b.Ok(1, 1);
  b.Ok(2, 2);
  b.Invoke(0, 1);  // after both: alone
  b.Ok(0, 1);
  const Json c = Concurrency(b.history());
  CHECK(c["client_ops"] == 4);
  CHECK(c["overlapped"] == 2);
  CHECK(c["overlap_share"] == 0.5);
  CHECK(c["max_open"] == 2);
  CHECK(c["mean_open"] == Approx((1 + 2 + 1 + 1) / 4.0));
  CHECK(c["keys"] == 2);
  CHECK(c["busiest_process_share"] == 0.5);
}

TEST_CASE("concurrency: an info or never-completed op stays open to the end") {
  Builder b;
  b.Invoke(0, 1);
  b.Add(0, OpType::kInfo, 1);  // timed out: may take effect at any later time
  b.Invoke(5, 1);              // process 0's successor, later: overlaps the info op
  b.Ok(5, 1);
  b.Invoke(1, 2);  // never completes
  b.Invoke(2, 3);
  b.Ok(2, 3);  // alone on key 3
  const Json c = Concurrency(b.history());
  CHECK(c["client_ops"] == 4);
  CHECK(c["overlapped"] == 2);  // the info op and the op after it; the pending op is alone
  CHECK(c["max_open"] == 2);
}

TEST_CASE("concurrency: nemesis ops are not client ops") {
  Builder b;
  b.Add(coordcheck::kNemesisProcess, OpType::kInvoke, nullptr, "kill");
  b.Invoke(0);
  b.Add(coordcheck::kNemesisProcess, OpType::kInfo, nullptr, "kill");
  b.Ok(0);
  const Json c = Concurrency(b.history());
  CHECK(c["client_ops"] == 1);
  CHECK(c["overlapped"] == 0);
  CHECK(c["processes"] == 1);
}

TEST_CASE("concurrency: a run of sequential ops is flagged low, an overlapping one is not") {
  Builder sequential;
  for (int i = 0; i < 60; ++i) {
    sequential.Invoke(i % 5, 1);
    sequential.Ok(i % 5, 1);
  }
  const Json low = Concurrency(sequential.history());
  CHECK(low["low"] == true);
  REQUIRE(low.contains("note"));
  CHECK(low["note"].get<std::string>().find("0.0%") != std::string::npos);

  Builder pairs;
  for (int i = 0; i < 30; ++i) {
    pairs.Invoke(0, 1);
    pairs.Invoke(1, 1);
    pairs.Ok(0, 1);
    pairs.Ok(1, 1);
  }
  const Json high = Concurrency(pairs.history());
  CHECK(high["overlap_share"] == 1.0);
  CHECK(high["low"] == false);
  CHECK_FALSE(high.contains("note"));
}

TEST_CASE("concurrency: the checker reports the analysis and is always valid") {
  Builder b;
  b.Invoke(0, 1);
  b.Invoke(1, 1);
  b.Ok(0, 1);
  b.Ok(1, 1);
  const auto r = coordcheck::ConcurrencyChecker().Check(b.history(), coordcheck::CheckBudget{});
  CHECK(r.valid == coordcheck::Validity::kValid);
  CHECK(r.details == Concurrency(b.history()));
  CHECK(r.anomalies.empty());
}

// Random histories: processes invoke on keys 0..2 and complete ok, fail or info (an info
// process continues as process + kProcesses); some ops never complete. Each op's overlap is
// decided pairwise: intervals [invoke, completion] in event order, info or pending = to the end.
TEST_CASE("concurrency: agrees with a pairwise interval test on random histories") {
  constexpr int kProcesses = 4;
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    std::mt19937 rng(seed);
    Builder b;
    struct Open {
      int64_t process;
      int64_t invoke = -1;
      Json key;
    };
    std::vector<Open> threads(kProcesses);
    for (int t = 0; t < kProcesses; ++t) threads[t].process = t;
    struct Interval {
      int64_t start, end;
      Json key;
    };
    std::map<int64_t, Interval> ops;  // by invoke index
    const int events = 4 + static_cast<int>(rng() % 40);
    for (int e = 0; e < events; ++e) {
      Open& t = threads[rng() % kProcesses];
      if (t.invoke < 0) {
        t.key = static_cast<int>(rng() % 3);
        t.invoke = b.Invoke(t.process, t.key);
        ops[t.invoke] = {t.invoke, INT64_MAX, t.key};
        continue;
      }
      const uint32_t kind = rng() % 5;
      const OpType type = kind < 3 ? OpType::kOk : kind == 3 ? OpType::kFail : OpType::kInfo;
      const int64_t done = b.Add(t.process, type, t.key);
      if (type != OpType::kInfo) ops[t.invoke].end = done;
      if (type == OpType::kInfo) t.process += kProcesses;
      t.invoke = -1;
    }
    int64_t expected = 0;
    for (const auto& [i, a] : ops) {
      bool overlapped = false;
      for (const auto& [j, other] : ops) {
        if (i != j && a.key == other.key && a.start < other.end && other.start < a.end) {
          overlapped = true;
        }
      }
      expected += overlapped ? 1 : 0;
    }
    const Json c = Concurrency(b.history());
    INFO("seed " << seed);
    CHECK(c["client_ops"] == static_cast<int64_t>(ops.size()));
    CHECK(c["overlapped"] == expected);
  }
}

}  // namespace
