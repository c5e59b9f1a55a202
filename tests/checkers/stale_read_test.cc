// The stale-read proof (checkers/stale_read.h): the shapes it must prove, the
// ones it must not (where a linearization may exist), and agreement with the
// search and with brute force on simulated histories.
#include <catch2/catch.hpp>

#include "checkers/linearizable.h"
#include "checkers/stale_read.h"
#include "tests/checkers/check_util.h"
#include "tests/support/brute_force.h"
#include "tests/support/history_builder.h"
#include "tests/support/sim_history.h"

namespace coordcheck::test {
namespace {

TEST_CASE("stale read: a read after a completed overwrite is proved stale") {
  HistoryBuilder b;
  b.Invoke(0, "write", 1).Ok(0);  // 0-1
  b.Invoke(1, "write", 2).Ok(1);  // 2-3: overwrites, invoked after 1 completed
  b.Invoke(0, "read").Ok(0, 1);   // 4-5: reads the overwritten 1
  auto s = FindStaleReadInHistory(b.history(), "register", std::nullopt);
  REQUIRE(s.has_value());
  CHECK(s->read == 4);
  CHECK(s->overwrite == 2);
  CHECK(s->last_writer == 0);
  CHECK(s->value == 1);
}

TEST_CASE("stale read: the initial value overwritten, and a value never written") {
  HistoryBuilder init;
  init.Invoke(0, "write", 3).Ok(0).Invoke(1, "read").Ok(1, nullptr);
  auto s = FindStaleReadInHistory(init.history(), "register", std::nullopt);
  REQUIRE(s.has_value());
  CHECK(s->overwrite == 0);
  CHECK(s->last_writer == -1);

  HistoryBuilder never;
  never.Invoke(0, "write", 3).Ok(0).Invoke(1, "read").Ok(1, 9);
  s = FindStaleReadInHistory(never.history(), "cas-register", std::nullopt);
  REQUIRE(s.has_value());
  CHECK(s->overwrite == -1);
  CHECK(s->value == 9);
}

TEST_CASE("stale read: no proof where a linearization may exist") {
  // The overwrite is concurrent with the read.
  HistoryBuilder concurrent;
  concurrent.Invoke(0, "write", 1).Ok(0).Invoke(1, "write", 2).Invoke(2, "read").Ok(1).Ok(2, 1);
  CHECK_FALSE(FindStaleReadInHistory(concurrent.history(), "register", std::nullopt));
  // A writer of the value is concurrent with the overwrite.
  HistoryBuilder racing;
  racing.Invoke(0, "write", 1).Invoke(1, "write", 2).Ok(0).Ok(1).Invoke(2, "read").Ok(2, 1);
  CHECK_FALSE(FindStaleReadInHistory(racing.history(), "register", std::nullopt));
  // An info write of the value may take effect after the overwrite.
  HistoryBuilder info;
  info.Invoke(3, "write", 1).Info(3);
  info.Invoke(0, "write", 1).Ok(0).Invoke(1, "write", 2).Ok(1).Invoke(2, "read").Ok(2, 1);
  CHECK_FALSE(FindStaleReadInHistory(info.history(), "register", std::nullopt));
  // A cas that leaves the value, after the overwrite.
  HistoryBuilder cas;
  cas.Invoke(0, "write", 1).Ok(0).Invoke(1, "write", 2).Ok(1);
  cas.Invoke(1, "cas", Json::array({2, 1})).Invoke(2, "read").Ok(1).Ok(2, 1);
  CHECK_FALSE(FindStaleReadInHistory(cas.history(), "cas-register", std::nullopt));
  // The overwrite wrote the same value.
  HistoryBuilder same;
  same.Invoke(0, "write", 1).Ok(0).Invoke(1, "write", 1).Ok(1).Invoke(2, "read").Ok(2, 1);
  CHECK_FALSE(FindStaleReadInHistory(same.history(), "register", std::nullopt));
  // A failed write did not happen: no overwrite.
  HistoryBuilder failed;
  failed.Invoke(0, "write", 1).Ok(0).Invoke(1, "write", 2).Fail(1).Invoke(2, "read").Ok(2, 1);
  CHECK_FALSE(FindStaleReadInHistory(failed.history(), "register", std::nullopt));
  // kv keys are separate; appends are out of scope.
  HistoryBuilder kv;
  kv.Invoke(0, "put", "a", "k1").Ok(0).Invoke(1, "put", "b", "k2").Ok(1);
  kv.Invoke(2, "get", nullptr, "k1").Ok(2, "a");
  CHECK_FALSE(FindStaleReadInHistory(kv.history(), "kv", Json("")));
  HistoryBuilder append;
  append.Invoke(0, "append", "a", "k").Ok(0).Invoke(1, "get", nullptr, "k").Ok(1, "b");
  CHECK_FALSE(FindStaleReadInHistory(append.history(), "kv", Json("")));
}

TEST_CASE("stale read: the checker reports the proof when its search runs out of time") {
  // 26 concurrent writes make the search exponential; then 1 is overwritten
  // by 100 and read: stale.
  HistoryBuilder b;
  for (int p = 0; p < 26; ++p) b.Invoke(p, "write", p);
  for (int p = 0; p < 26; ++p) b.Ok(p);
  b.Invoke(30, "read").Ok(30, 5).Invoke(30, "read").Ok(30, 7);
  b.Invoke(31, "write", 100).Ok(31).Invoke(32, "read").Ok(32, 1);
  LinearizableOptions options;
  options.model = "register";
  CheckBudget budget;
  budget.time_limit = std::chrono::milliseconds(60'000);
  const CheckResult r = LinearizableChecker(options).Check(b.history(), budget);
  INFO(r.summary);
  CHECK(r.valid == Validity::kInvalid);
  REQUIRE(r.details.contains("proof"));
  CHECK(r.details["op"]["index"] == 58);
  CHECK(r.details["proof"]["overwrite"] == 56);
  CHECK(r.summary.find("stale read") != std::string::npos);
  // Typed: the read, the overwrite, then the last writer of 1 (op 1).
  REQUIRE(r.anomalies.size() == 1);
  CHECK(r.anomalies[0].type == "stale-read");
  CHECK(r.anomalies[0].ops == std::vector<int64_t>{58, 56, 1});
  CHECK(r.anomalies[0].start_ns == b.history().ops[1].time_ns);
  CHECK(r.anomalies[0].end_ns == b.history().ops[59].time_ns);
}

TEST_CASE("linearizable: the typed anomaly names the failing op, then the prefix") {
  HistoryBuilder b;
  b.Invoke(0, "write", 1).Ok(0);  // 0-1
  b.Invoke(1, "read").Ok(1, 2);   // 2-3: 2 was never written
  LinearizableOptions options;
  options.model = "register";
  const History& h = b.history();
  const CheckResult r = LinearizableChecker(options).Check(h, CheckBudget{});
  INFO(r.ToJson().dump(2));
  REQUIRE(r.valid == Validity::kInvalid);
  REQUIRE(r.anomalies.size() == 1);
  const coordcheck::Anomaly& a = r.anomalies[0];
  CHECK(a.type == "not-linearizable");
  CHECK(a.explanation == r.details["explanation"]);
  CHECK(a.ops == std::vector<int64_t>{2, 0});
  CHECK(a.start_ns == h.ops[2].time_ns);
  CHECK(a.end_ns == h.ops[3].time_ns);
  CHECK(r.ToJson()["anomalies"][0]["interval_ns"] ==
        Json::array({h.ops[2].time_ns, h.ops[3].time_ns}));
}

TEST_CASE("stale read: every proof agrees with brute force and the search") {
  int proofs = 0;
  for (SimModel model : {SimModel::kRegister, SimModel::kCasRegister, SimModel::kKv}) {
    for (uint64_t seed = 1; seed <= 400; ++seed) {
      SimOptions o;
      o.model = model;
      o.seed = seed;
      o.processes = 2 + static_cast<int>(seed % 3);
      o.ops = 3 + static_cast<int>(seed % 6);
      o.info_probability = 0.1;
      o.fail_probability = 0.1;
      if (seed % 2 == 0) o.anomaly = Anomaly::kStaleRead;
      SimHistory sim = Simulate(o);
      auto proof = FindStaleReadInHistory(sim.history, sim.model, sim.init);
      if (!proof) continue;
      ++proofs;
      INFO("seed " << seed << " model " << sim.model << "\n" << HistoryText(sim.history));
      const BruteForceResult brute = BruteForceCheck(sim.history, sim.model, sim.init);
      if (brute.error.empty()) CHECK_FALSE(brute.valid);
      CHECK(RunLinearizable(sim.history, sim.model, sim.init).valid == Validity::kInvalid);
    }
  }
  CHECK(proofs > 50);  // the cross-check has power only if proofs are common
}

}  // namespace
}  // namespace coordcheck::test
