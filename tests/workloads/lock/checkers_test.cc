// The lock workload's checkers (workloads/lock/mutual_exclusion.h, workloads/lock/fencing.h): for each
// anomaly a hand-written history they must reject, for each valid shape one they must
// accept, and seeded simulations of a resource serving critical sections — correct ones must
// pass, an injected overlap must fail — cross-checked against a brute-force pair count.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "workloads/lock/fencing.h"
#include "workloads/lock/ops.h"
#include "workloads/lock/mutual_exclusion.h"
#include "tests/support/history_builder.h"

namespace coordcheck::test {
namespace {

constexpr int64_t kFinalProcess = 100;
constexpr int64_t kMs = 1'000'000;

// A resource log written by hand: seq is the position; times are explicit.
class LogBuilder {
 public:
  LogBuilder& Read(const std::string& cs, int64_t process, std::optional<int64_t> fence,
                   int64_t value, int64_t t_ns) {
    return Add(cs, process, "read", fence, value, true, t_ns);
  }
  LogBuilder& Write(const std::string& cs, int64_t process, std::optional<int64_t> fence,
                    int64_t value, bool accepted, int64_t t_ns) {
    return Add(cs, process, "write", fence, value, accepted, t_ns);
  }
  const Json& entries() const { return entries_; }

 private:
  LogBuilder& Add(const std::string& cs, int64_t process, const char* kind,
                  std::optional<int64_t> fence, int64_t value, bool accepted, int64_t t_ns) {
    entries_.push_back({{"seq", static_cast<int64_t>(entries_.size())},
                        {"cs", cs},
                        {"process", process},
                        {"kind", kind},
                        {"fence", fence ? Json(*fence) : Json()},
                        {"value", value},
                        {"accepted", accepted},
                        {"t_ns", t_ns}});
    return *this;
  }
  Json entries_ = Json::array();
};

// The final phase: the log, then the counter (omitted when nullopt).
void AppendFinal(HistoryBuilder& b, const Json& entries, std::optional<int64_t> counter) {
  b.Invoke(kFinalProcess, lock_ops::kResourceLog).Ok(kFinalProcess, entries);
  if (counter) b.Invoke(kFinalProcess, lock_ops::kResourceRead).Ok(kFinalProcess, *counter);
}

History Final(const LogBuilder& log, std::optional<int64_t> counter) {
  HistoryBuilder b;
  AppendFinal(b, log.entries(), counter);
  REQUIRE(b.history().Validate().ok());
  return b.history();
}

CheckResult RunMutex(const History& h, CheckBudget budget = {}) {
  CheckResult r = MutualExclusionChecker().Check(h, budget);
  INFO(r.ToJson().dump(2));
  return r;
}

CheckResult RunFencing(const History& h, CheckBudget budget = {}) {
  return FencingChecker().Check(h, budget);
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// ---- mutual exclusion: hand-written histories ----

TEST_CASE("mutual-exclusion: serial critical sections are valid", "[lock]") {
  LogBuilder log;
  log.Read("1-0", 1, 1, 0, 10 * kMs).Write("1-0", 1, 1, 1, true, 20 * kMs);
  log.Read("2-0", 2, 2, 1, 30 * kMs).Write("2-0", 2, 2, 2, true, 40 * kMs);
  log.Read("1-1", 1, 3, 2, 50 * kMs).Write("1-1", 1, 3, 3, true, 60 * kMs);
  CheckResult r = RunMutex(Final(log, 3));
  INFO(r.ToJson().dump(2));
  CHECK(r.valid == Validity::kValid);
  CHECK(r.details["accepted_critical_sections"] == 3);
  CHECK(r.details["accepted_writes"] == 3);
  CHECK(r.details["overlap_count"] == 0);
  CHECK(r.details["lost_updates"] == 0);
  CHECK(r.details["final_counter"] == 3);
  CHECK(r.details["counter_source"] == "resource-read");
  CHECK(r.details["anomalies"].empty());
  CHECK(r.anomalies.empty());
}

TEST_CASE("mutual-exclusion: overlapping accepted critical sections are invalid", "[lock]") {
  // 5-2 reads 0 while 3-7 holds the resource; both write 1, both accepted.
  LogBuilder log;
  log.Read("3-7", 3, 12, 0, 12'310 * kMs);
  log.Read("5-2", 5, 13, 0, 12'350 * kMs);
  log.Write("3-7", 3, 12, 1, true, 12'402 * kMs);
  log.Write("5-2", 5, 13, 1, true, 12'500 * kMs);
  CheckResult r = RunMutex(Final(log, 1));
  INFO(r.ToJson().dump(2));
  REQUIRE(r.valid == Validity::kInvalid);
  CHECK(r.details["overlap_count"] == 1);
  CHECK(r.details["lost_updates"] == 1);
  CHECK(r.details["anomaly_types"] == Json::array({"overlap", "lost-updates"}));
  const Json& overlap = r.details["anomalies"][0];
  CHECK(overlap["type"] == "overlap");
  CHECK(overlap["a"]["cs"] == "3-7");
  CHECK(overlap["a"]["process"] == 3);
  CHECK(overlap["a"]["fence"] == 12);
  CHECK(overlap["b"]["cs"] == "5-2");
  CHECK(overlap["b"]["process"] == 5);
  CHECK(overlap["b"]["read_value"] == 0);
  CHECK(overlap["from_ns"] == 12'350 * kMs);
  CHECK(overlap["to_ns"] == 12'402 * kMs);
  const std::string words = overlap["explanation"];
  CHECK(Contains(words,
                 "critical sections 3-7 (process 3, fence 12) and 5-2 (process 5, fence 13) "
                 "overlapped at the resource from 12.350 s to 12.402 s"));
  CHECK(Contains(words, "both writes were accepted"));
  const Json& lost = r.details["anomalies"][1];
  CHECK(lost["type"] == "lost-updates");
  CHECK(lost["lost"] == 1);
  REQUIRE(lost["same_value_writes"].size() == 1);
  CHECK(lost["same_value_writes"][0]["value"] == 1);
  CHECK(lost["same_value_writes"][0]["writes"].size() == 2);
  REQUIRE(r.anomalies.size() == 2);
  CHECK(r.anomalies[0].type == "overlap");
  CHECK(r.anomalies[1].type == "lost-updates");
}

TEST_CASE("mutual-exclusion: nested and chained overlaps are all counted", "[lock]") {
  // a holds the resource across b and c; b and c are serial.
  LogBuilder log;
  log.Read("a", 1, std::nullopt, 0, 1 * kMs);
  log.Read("b", 2, std::nullopt, 0, 2 * kMs).Write("b", 2, std::nullopt, 1, true, 3 * kMs);
  log.Read("c", 3, std::nullopt, 1, 4 * kMs).Write("c", 3, std::nullopt, 2, true, 5 * kMs);
  log.Write("a", 1, std::nullopt, 1, true, 6 * kMs);
  CheckResult r = RunMutex(Final(log, 1));
  INFO(r.ToJson().dump(2));
  REQUIRE(r.valid == Validity::kInvalid);
  CHECK(r.details["overlap_count"] == 2);
  CHECK(r.details["lost_updates"] == 2);
  // Neither section carried a fence.
  CHECK(r.details["anomalies"][0]["a"]["fence"].is_null());
  CHECK(r.details["anomalies"][0]["b"]["fence"].is_null());
}

TEST_CASE("mutual-exclusion: touching intervals do not overlap", "[lock]") {
  // 2-0 reads at the very nanosecond 1-0 wrote, but after it in the resource's order.
  LogBuilder log;
  log.Read("1-0", 1, std::nullopt, 0, 100).Write("1-0", 1, std::nullopt, 1, true, 200);
  log.Read("2-0", 2, std::nullopt, 1, 200).Write("2-0", 2, std::nullopt, 2, true, 300);
  CheckResult r = RunMutex(Final(log, 2));
  INFO(r.ToJson().dump(2));
  CHECK(r.valid == Validity::kValid);
  CHECK(r.details["overlap_count"] == 0);
}

TEST_CASE("mutual-exclusion: rejected writes do not count as overlaps", "[lock]") {
  // 1-0 (fence 1) stalls between its read and its write; 2-0 (fence 2) runs meanwhile; the
  // fenced resource rejects 1-0's stale write.
  LogBuilder log;
  log.Read("1-0", 1, 1, 0, 10 * kMs);
  log.Read("2-0", 2, 2, 0, 20 * kMs).Write("2-0", 2, 2, 1, true, 30 * kMs);
  log.Write("1-0", 1, 1, 1, false, 40 * kMs);
  const History h = Final(log, 1);
  CheckResult r = RunMutex(h);
  INFO(r.ToJson().dump(2));
  CHECK(r.valid == Validity::kValid);
  CHECK(r.details["critical_sections"] == 2);
  CHECK(r.details["accepted_critical_sections"] == 1);
  CHECK(r.details["rejected_writes"] == 1);
  CHECK(r.details["overlap_count"] == 0);

  CheckResult f = RunFencing(h);
  INFO(f.ToJson().dump(2));
  CHECK(f.valid == Validity::kValid);
  CHECK(f.details["rejected_stale_writes"] == 1);
  REQUIRE(f.details["rejected"].size() == 1);
  CHECK(f.details["rejected"][0]["cs"] == "1-0");
  CHECK(f.details["rejected"][0]["highest_accepted_fence"] == 2);
}

TEST_CASE("mutual-exclusion: a counter behind the accepted writes is lost updates", "[lock]") {
  // Serial critical sections, but the resource's final counter says 1.
  LogBuilder log;
  log.Read("1-0", 1, std::nullopt, 0, 1 * kMs).Write("1-0", 1, std::nullopt, 1, true, 2 * kMs);
  log.Read("2-0", 2, std::nullopt, 1, 3 * kMs).Write("2-0", 2, std::nullopt, 2, true, 4 * kMs);
  CheckResult r = RunMutex(Final(log, 1));
  INFO(r.ToJson().dump(2));
  REQUIRE(r.valid == Validity::kInvalid);
  CHECK(r.details["overlap_count"] == 0);
  CHECK(r.details["lost_updates"] == 1);
  CHECK(r.details["anomaly_types"] == Json::array({"lost-updates"}));
  CHECK(r.details["anomalies"][0]["same_value_writes"].empty());
  CHECK(r.details["anomalies"][0]["lost"] == 1);
  CHECK(r.details["anomalies"][0]["final_counter"] == 1);
  CHECK(r.details["anomalies"][0]["accepted_writes"] == 2);
}

TEST_CASE("mutual-exclusion: a counter ahead of the log is invalid", "[lock]") {
  LogBuilder log;
  log.Read("1-0", 1, std::nullopt, 0, 1 * kMs).Write("1-0", 1, std::nullopt, 1, true, 2 * kMs);
  CheckResult r = RunMutex(Final(log, 5));
  INFO(r.ToJson().dump(2));
  REQUIRE(r.valid == Validity::kInvalid);
  CHECK(r.details["anomaly_types"] == Json::array({"counter-ahead"}));
  CHECK(r.details["lost_updates"] == 0);
}

TEST_CASE("mutual-exclusion: without a resource-read the counter comes from the log", "[lock]") {
  LogBuilder log;
  log.Read("1-0", 1, std::nullopt, 0, 1 * kMs).Write("1-0", 1, std::nullopt, 1, true, 2 * kMs);
  log.Read("2-0", 2, std::nullopt, 1, 3 * kMs).Write("2-0", 2, std::nullopt, 2, true, 4 * kMs);
  CheckResult r = RunMutex(Final(log, std::nullopt));
  CHECK(r.valid == Validity::kValid);
  CHECK(r.details["counter_source"] == "resource-log");
  CHECK(r.details["final_counter"] == 2);
}

TEST_CASE("lock checkers: no resource-log means unknown, never valid", "[lock]") {
  SECTION("absent") {
    HistoryBuilder b;
    b.Invoke(0, lock_ops::kAcquire).Ok(0, Json{{"token", "t"}, {"fence", nullptr}});
    b.Invoke(0, lock_ops::kRelease, Json{{"token", "t"}}).Ok(0);
    for (const CheckResult& r : {RunMutex(b.history()), RunFencing(b.history())}) {
      INFO(r.ToJson().dump(2));
      CHECK(r.valid == Validity::kUnknown);
      CHECK(r.details["reason"] == "no-resource-log");
      CHECK(Contains(r.summary, "no resource-log op"));
    }
  }
  SECTION("never completed ok") {
    HistoryBuilder b;
    b.Invoke(kFinalProcess, lock_ops::kResourceLog).Info(kFinalProcess);
    for (const CheckResult& r : {RunMutex(b.history()), RunFencing(b.history())}) {
      CHECK(r.valid == Validity::kUnknown);
      CHECK(r.details["reason"] == "no-resource-log");
      CHECK(Contains(r.summary, "never completed ok"));
    }
  }
  SECTION("malformed") {
    HistoryBuilder b;
    AppendFinal(b, Json::array({{{"seq", 0}, {"kind", "write"}, {"t_ns", 1}}}), 0);
    for (const CheckResult& r : {RunMutex(b.history()), RunFencing(b.history())}) {
      CHECK(r.valid == Validity::kUnknown);
      CHECK(r.details["reason"] == "bad-resource-log");
      CHECK(Contains(r.summary, "entry 0: accepted must be a boolean"));
    }
    HistoryBuilder order;
    LogBuilder log;
    log.Read("a", 1, std::nullopt, 0, 1).Write("a", 1, std::nullopt, 1, true, 2);
    Json swapped = Json::array({log.entries()[1], log.entries()[0]});
    AppendFinal(order, swapped, 1);
    CheckResult r = RunMutex(order.history());
    CHECK(r.valid == Validity::kUnknown);
    CHECK(Contains(r.summary, "seq 0 does not follow seq 1"));
  }
}

TEST_CASE("mutual-exclusion: acknowledged writes missing from the log make it unknown", "[lock]") {
  HistoryBuilder b;
  b.Invoke(1, lock_ops::kIncrement, Json{{"cs", "1-0"}, {"fence", nullptr}});
  b.Ok(1, Json{{"cs", "1-0"}, {"read", 0}, {"wrote", 1}, {"accepted", true}});
  b.Invoke(2, lock_ops::kIncrement, Json{{"cs", "2-0"}, {"fence", nullptr}});
  b.Ok(2, Json{{"cs", "2-0"}, {"read", 1}, {"wrote", 2}, {"accepted", true}});
  LogBuilder log;  // the resource restarted and forgot 1-0
  log.Read("2-0", 2, std::nullopt, 1, 3 * kMs).Write("2-0", 2, std::nullopt, 2, true, 4 * kMs);
  AppendFinal(b, log.entries(), std::nullopt);
  REQUIRE(b.history().Validate().ok());
  CheckResult r = RunMutex(b.history());
  INFO(r.ToJson().dump(2));
  // Counter 2 from the log against 1 accepted write in it: the log is missing writes.
  CHECK(r.valid == Validity::kInvalid);
  CHECK(r.details["acknowledged_writes_missing_from_log"] == 1);
  CHECK(r.details["missing_from_log"] == Json::array({"1-0"}));

  // With a consistent (but incomplete) log the verdict is unknown, not valid.
  HistoryBuilder c;
  c.Invoke(1, lock_ops::kIncrement, Json{{"cs", "1-0"}, {"fence", nullptr}});
  c.Ok(1, Json{{"cs", "1-0"}, {"read", 0}, {"wrote", 1}, {"accepted", true}});
  LogBuilder empty;
  AppendFinal(c, empty.entries(), 0);
  r = RunMutex(c.history());
  INFO(r.ToJson().dump(2));
  CHECK(r.valid == Validity::kUnknown);
  CHECK(r.details["reason"] == "log-incomplete");
}

TEST_CASE("lock checkers: the time limit gives unknown on a huge log", "[lock]") {
  Json entries = Json::array();
  for (int64_t i = 0; i < 100'000; ++i) {
    const std::string cs = std::to_string(i / 2);
    entries.push_back({{"seq", i},
                       {"cs", cs},
                       {"process", 1},
                       {"kind", i % 2 == 0 ? "read" : "write"},
                       {"fence", i / 2},
                       {"value", (i + 1) / 2},
                       {"accepted", true},
                       {"t_ns", i}});
  }
  HistoryBuilder b;
  AppendFinal(b, entries, 50'000);
  CheckBudget budget;
  budget.time_limit = std::chrono::milliseconds(1);
  for (const CheckResult& r : {RunMutex(b.history(), budget), RunFencing(b.history(), budget)}) {
    INFO(r.summary);
    CHECK(r.valid == Validity::kUnknown);
    CHECK(r.details["reason"] == "time-limit");
  }
  // Unlimited, the same log is valid for both.
  CHECK(RunMutex(b.history()).valid == Validity::kValid);
  CHECK(RunFencing(b.history()).valid == Validity::kValid);
}

// ---- fencing ----

TEST_CASE("fencing: increasing fences are valid", "[lock]") {
  LogBuilder log;
  log.Read("1-0", 1, 3, 0, 1).Write("1-0", 1, 3, 1, true, 2);
  log.Read("2-0", 2, 3, 1, 3).Write("2-0", 2, 3, 2, true, 4);  // equal fences are fine
  log.Read("1-1", 1, 9, 2, 5).Write("1-1", 1, 9, 3, true, 6);
  CheckResult r = RunFencing(Final(log, 3));
  INFO(r.ToJson().dump(2));
  CHECK(r.valid == Validity::kValid);
  CHECK(r.details["fenced_accepted_writes"] == 3);
  CHECK(r.details["highest_fence"] == 9);
  CHECK(r.details["decrease_count"] == 0);
  CHECK(r.details["rejected_stale_writes"] == 0);
  CHECK_FALSE(r.details.contains("note"));
}

TEST_CASE("fencing: an accepted lower fence is invalid", "[lock]") {
  // An unfenced resource lets the stalled holder of fence 4 write after fence 7.
  LogBuilder log;
  log.Read("1-0", 1, 4, 0, 1'000 * kMs);
  log.Read("2-0", 2, 7, 0, 2'000 * kMs).Write("2-0", 2, 7, 1, true, 3'100 * kMs);
  log.Write("1-0", 1, 4, 1, true, 3'200 * kMs);
  log.Read("3-0", 3, 5, 1, 3'300 * kMs).Write("3-0", 3, 5, 2, true, 3'400 * kMs);
  const History h = Final(log, 2);
  CheckResult r = RunFencing(h);
  INFO(r.ToJson().dump(2));
  REQUIRE(r.valid == Validity::kInvalid);
  CHECK(r.details["decrease_count"] == 2);
  CHECK(r.details["anomaly_types"] == Json::array({"fence-decrease"}));
  const Json& a = r.details["anomalies"][0];
  CHECK(a["write"]["cs"] == "1-0");
  CHECK(a["write"]["fence"] == 4);
  CHECK(a["after"]["cs"] == "2-0");
  CHECK(a["after"]["fence"] == 7);
  CHECK(a["write"]["process"] == 1);
  CHECK(a["write"]["seq"] == 3);
  CHECK(a["after"]["process"] == 2);
  CHECK(a["after"]["seq"] == 2);
  CHECK(r.details["anomalies"][1]["write"]["cs"] == "3-0");
  CHECK(r.details["anomalies"].size() == 2);
  // The same log overlaps too.
  CHECK(RunMutex(h).valid == Validity::kInvalid);
}

TEST_CASE("fencing: stale writes rejected are counted, and valid", "[lock]") {
  LogBuilder log;
  log.Read("1-0", 1, 1, 0, 1).Read("2-0", 2, 2, 0, 2).Read("3-0", 3, 3, 0, 3);
  log.Write("3-0", 3, 3, 1, true, 4);
  log.Write("1-0", 1, 1, 1, false, 5);
  log.Write("2-0", 2, 2, 1, false, 6);
  log.Read("4-0", 4, std::nullopt, 1, 7).Write("4-0", 4, std::nullopt, 2, false, 8);
  CheckResult r = RunFencing(Final(log, 1));
  INFO(r.ToJson().dump(2));
  CHECK(r.valid == Validity::kValid);
  CHECK(r.details["rejected_stale_writes"] == 3);
  CHECK(r.details["rejected"].size() == 3);
  CHECK(r.details["rejected"][2]["fence"].is_null());
}

TEST_CASE("fencing: stale reads a fenced resource refused are counted apart", "[lock]") {
  LogBuilder log;
  log.Read("1-0", 1, 1, 0, 1).Read("2-0", 2, 2, 0, 2);
  log.Write("1-0", 1, 1, 1, false, 3);  // the old holder's write, fenced off by 2-0's read
  log.Write("2-0", 2, 2, 1, true, 4);
  Json entries = log.entries();
  Json stale_read = entries[0];
  stale_read["seq"] = 4;
  stale_read["cs"] = "1-1";
  stale_read["accepted"] = false;
  stale_read["t_ns"] = 5;
  entries.push_back(stale_read);
  HistoryBuilder b;
  AppendFinal(b, entries, 1);
  CheckResult r = RunFencing(b.history());
  INFO(r.ToJson().dump(2));
  CHECK(r.valid == Validity::kValid);
  CHECK(r.details["rejected_stale_writes"] == 1);
  CHECK(r.details["rejected_stale_reads"] == 1);
  CheckResult m = RunMutex(b.history());
  CHECK(m.valid == Validity::kValid);
}

TEST_CASE("fencing: a lock without fencing tokens has nothing to check", "[lock]") {
  LogBuilder log;
  log.Read("1-0", 1, std::nullopt, 0, 1).Write("1-0", 1, std::nullopt, 1, true, 2);
  log.Read("2-0", 2, std::nullopt, 1, 3).Write("2-0", 2, std::nullopt, 2, true, 4);
  CheckResult r = RunFencing(Final(log, 2));
  INFO(r.ToJson().dump(2));
  CHECK(r.valid == Validity::kValid);
  CHECK(r.details["anomalies"].empty());
  CHECK(r.details["highest_fence"].is_null());
}

TEST_CASE("fencing: accepted writes without a fence among fenced ones get a note", "[lock]") {
  LogBuilder log;
  log.Read("1-0", 1, 5, 0, 1).Write("1-0", 1, 5, 1, true, 2);
  log.Read("2-0", 2, std::nullopt, 1, 3).Write("2-0", 2, std::nullopt, 2, true, 4);
  CheckResult r = RunFencing(Final(log, 2));
  CHECK(r.valid == Validity::kValid);
  CHECK(r.details["unfenced_accepted_writes"] == 1);
  CHECK(Contains(r.details["note"].get<std::string>(), "1 accepted write carried no fence"));
}

// ---- simulated resources ----

// A resource serving critical sections in a given order of events, as the real one would:
// each read returns the counter, each write stores read+1 and is accepted unless fenced and
// stale.
struct SimCs {
  std::string id;
  int64_t process = 0;
  std::optional<int64_t> fence;
};
struct SimEvent {
  size_t cs = 0;
  bool is_write = false;
};

// A simulated resource that, fenced, checks the fences of writes only (weaker than ours,
// which also refuses stale reads: targets/resource/protocol.h) — the checkers must judge
// any resource's log, and this one lets injected overlaps through to be caught.
Json Serve(const std::vector<SimCs>& sections, const std::vector<SimEvent>& events, bool fenced,
           int64_t* counter_out, std::mt19937_64& rng) {
  int64_t counter = 0;
  std::optional<int64_t> highest;
  std::vector<int64_t> read(sections.size(), 0);
  LogBuilder log;
  int64_t t = 0;
  for (const SimEvent& e : events) {
    t += static_cast<int64_t>(rng() % 3);  // equal timestamps happen
    const SimCs& cs = sections[e.cs];
    if (!e.is_write) {
      read[e.cs] = counter;
      log.Read(cs.id, cs.process, cs.fence, counter, t);
      continue;
    }
    const bool stale = fenced && (!cs.fence || (highest && *cs.fence < *highest));
    const int64_t value = read[e.cs] + 1;
    if (!stale) {
      counter = value;
      if (cs.fence && (!highest || *cs.fence > *highest)) highest = cs.fence;
    }
    log.Write(cs.id, cs.process, cs.fence, value, !stale, t);
  }
  *counter_out = counter;
  return log.entries();
}

History SimHistory(const Json& entries, int64_t counter) {
  HistoryBuilder b;
  AppendFinal(b, entries, counter);
  return b.history();
}

// Critical sections one after another, fences increasing; with `zombies`, some stall after
// their read and write only after 1-3 later ones finished, or at the end (their writes are
// stale: a newer section's write was accepted just before).
std::vector<SimEvent> SerialSchedule(std::mt19937_64& rng, size_t n, bool zombies,
                                     std::vector<SimCs>* sections) {
  std::vector<SimEvent> events;
  std::vector<std::pair<size_t, int>> stalled;  // cs, sections left to wait
  for (size_t k = 0; k < n; ++k) {
    const int64_t process = static_cast<int64_t>(rng() % 5);
    sections->push_back(
        {std::to_string(process) + "-" + std::to_string(k), process, static_cast<int64_t>(k + 1)});
    events.push_back({k, false});
    if (zombies && k + 1 < n && rng() % 5 == 0) {
      stalled.emplace_back(k, 1 + static_cast<int>(rng() % 3));
    } else {
      events.push_back({k, true});
      for (auto& [cs, left] : stalled) {
        if (--left == 0) events.push_back({cs, true});
      }
      std::erase_if(stalled, [](const auto& s) { return s.second == 0; });
    }
  }
  // The last section never stalls, so every stalled write follows a newer accepted one.
  for (const auto& [cs, left] : stalled) events.push_back({cs, true});
  return events;
}

TEST_CASE("lock checkers: simulated correct resources pass, an injected overlap fails",
          "[lock][property]") {
  int injected = 0;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    const size_t n = 2 + rng() % 40;
    std::vector<SimCs> sections;
    const bool fenced = seed % 2 == 0;
    // Unfenced resources would accept a zombie's write: only fenced runs stall holders.
    std::vector<SimEvent> events = SerialSchedule(rng, n, /*zombies=*/fenced, &sections);
    int64_t counter = 0;
    const Json good_entries = Serve(sections, events, fenced, &counter, rng);
    const History good = SimHistory(good_entries, counter);
    CheckResult m = RunMutex(good);
    INFO(m.ToJson().dump());
    REQUIRE(m.valid == Validity::kValid);
    CheckResult f = RunFencing(good);
    INFO(f.ToJson().dump());
    REQUIRE(f.valid == Validity::kValid);

    // Inject: the next critical section reads before an accepted one writes. Both writes
    // must have been accepted (a stalled holder's stale write changes nothing).
    std::vector<bool> write_accepted(sections.size(), false);
    for (size_t i = 0; i < events.size(); ++i) {
      if (events[i].is_write) write_accepted[events[i].cs] = good_entries[i]["accepted"];
    }
    std::vector<size_t> spots;
    for (size_t i = 0; i + 1 < events.size(); ++i) {
      if (events[i].is_write && !events[i + 1].is_write && write_accepted[events[i].cs] &&
          write_accepted[events[i + 1].cs]) {
        spots.push_back(i);
      }
    }
    if (spots.empty()) continue;
    const size_t at = spots[rng() % spots.size()];
    std::swap(events[at], events[at + 1]);
    const Json bad_entries = Serve(sections, events, fenced, &counter, rng);
    const History bad = SimHistory(bad_entries, counter);
    CheckResult mb = RunMutex(bad);
    INFO(mb.ToJson().dump());
    REQUIRE(mb.valid == Validity::kInvalid);
    CHECK(mb.details["overlap_count"].get<int64_t>() >= 1);
    CHECK(mb.details["lost_updates"].get<int64_t>() >= 1);
    ++injected;
  }
  CHECK(injected > 150);
}

TEST_CASE("mutual-exclusion: an unfenced resource with a stalled holder overlaps",
          "[lock][property]") {
  int invalid = 0;
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    std::mt19937_64 rng(seed);
    std::vector<SimCs> sections;
    std::vector<SimEvent> events = SerialSchedule(rng, 30, /*zombies=*/true, &sections);
    int64_t counter = 0;
    Json entries = Serve(sections, events, /*fenced=*/false, &counter, rng);
    const bool stalled = [&] {
      for (size_t i = 0; i + 1 < events.size(); ++i) {
        if (!events[i].is_write && !events[i + 1].is_write) return true;
      }
      return false;
    }();
    CheckResult r = RunMutex(SimHistory(entries, counter));
    INFO("seed " << seed << ": " << r.summary);
    CHECK((r.valid == Validity::kInvalid) == stalled);
    if (stalled) ++invalid;
  }
  CHECK(invalid > 10);
}

TEST_CASE("mutual-exclusion: overlap and lost-update counts agree with brute force",
          "[lock][property]") {
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    const size_t n = 1 + rng() % 12;
    std::vector<SimCs> sections;
    for (size_t k = 0; k < n; ++k) {
      sections.push_back({"c" + std::to_string(k), static_cast<int64_t>(k), std::nullopt});
    }
    // Random interleaving: each cs reads, then writes later (or never).
    std::vector<SimEvent> events;
    std::vector<int> state(n, 0);  // 0 not started, 1 read, 2 done
    while (true) {
      std::vector<size_t> live;
      for (size_t k = 0; k < n; ++k) {
        if (state[k] < 2) live.push_back(k);
      }
      if (live.empty()) break;
      const size_t k = live[rng() % live.size()];
      if (state[k] == 1 && rng() % 10 == 0) {  // crashed after its read: no write
        state[k] = 2;
        continue;
      }
      events.push_back({k, state[k] == 1});
      ++state[k];
    }
    int64_t counter = 0;
    const Json entries = Serve(sections, events, /*fenced=*/false, &counter, rng);
    // Brute force over positions in the log.
    std::vector<std::pair<int64_t, int64_t>> spans(n, {-1, -1});
    int64_t writes = 0;
    for (size_t i = 0; i < events.size(); ++i) {
      auto& span = spans[events[i].cs];
      if (events[i].is_write) {
        span.second = static_cast<int64_t>(i);
        ++writes;
      } else {
        span.first = static_cast<int64_t>(i);
      }
    }
    int64_t pairs = 0;
    for (size_t a = 0; a < n; ++a) {
      for (size_t b = a + 1; b < n; ++b) {
        if (spans[a].second < 0 || spans[b].second < 0) continue;
        if (spans[a].first < spans[b].second && spans[b].first < spans[a].second) ++pairs;
      }
    }
    CheckResult r = RunMutex(SimHistory(entries, counter));
    INFO(r.ToJson().dump());
    CHECK(r.details["overlap_count"] == pairs);
    CHECK(r.details["lost_updates"] == writes - counter);
    CHECK((r.valid == Validity::kInvalid) == (pairs > 0 || writes != counter));
    // Without overlaps no update is lost.
    if (pairs == 0) CHECK(writes == counter);
  }
}

// ---- typed anomalies name the increments of the critical sections ----

// 5-2 reads 0 while 3-7 holds the resource; both write 1, both accepted.
LogBuilder OverlapLog() {
  LogBuilder log;
  log.Read("3-7", 3, 12, 0, 12'310 * kMs);
  log.Read("5-2", 5, 13, 0, 12'350 * kMs);
  log.Write("3-7", 3, 12, 1, true, 12'402 * kMs);
  log.Write("5-2", 5, 13, 1, true, 12'500 * kMs);
  return log;
}

// The ok value of an accepted increment of critical section `cs` that read 0.
Json Incremented(const std::string& cs, int64_t fence) {
  return {{"cs", cs}, {"fence", fence}, {"read", 0}, {"wrote", 1}, {"accepted", true}};
}

// The increments of 3-7 and 5-2 overlap in the history (events 0-3), then the final phase.
History OverlapWithIncrements(const LogBuilder& log, std::optional<int64_t> counter) {
  HistoryBuilder b;
  b.Invoke(3, lock_ops::kIncrement).Invoke(5, lock_ops::kIncrement);
  b.Ok(3, Incremented("3-7", 12)).Ok(5, Incremented("5-2", 13));
  AppendFinal(b, log.entries(), counter);
  REQUIRE(b.history().Validate().ok());
  return b.history();
}

TEST_CASE("mutual-exclusion: a typed overlap names both critical sections' increments", "[lock]") {
  const LogBuilder log = OverlapLog();
  const History h = OverlapWithIncrements(log, 1);
  CheckResult r = RunMutex(h);
  REQUIRE(r.valid == Validity::kInvalid);
  REQUIRE(r.anomalies.size() == 2);
  const coordcheck::Anomaly& overlap = r.anomalies[0];
  CHECK(overlap.type == "overlap");
  CHECK(overlap.explanation == r.details["anomalies"][0]["explanation"]);
  CHECK(overlap.ops == std::vector<int64_t>{0, 1});
  // The overlap in history time: the later invoke to the earlier completion.
  CHECK(overlap.start_ns == h.ops[1].time_ns);
  CHECK(overlap.end_ns == h.ops[2].time_ns);
  CHECK(r.anomalies[1].type == "lost-updates");
  CHECK(r.anomalies[1].ops == std::vector<int64_t>{0, 1});
  const Json j = r.ToJson();
  REQUIRE(j["anomalies"].size() == 2);
  CHECK(j["anomalies"][0]["ops"] == Json::array({0, 1}));
  CHECK(j["anomalies"][0]["interval_ns"] == Json::array({h.ops[1].time_ns, h.ops[2].time_ns}));
}

TEST_CASE("lock checkers: typed anomalies without the increments in the history name no op",
          "[lock]") {
  const LogBuilder log = OverlapLog();
  CheckResult r = RunMutex(Final(log, 2));
  REQUIRE(r.anomalies.size() == 1);
  CHECK(r.anomalies[0].ops.empty());
  CHECK_FALSE(r.anomalies[0].start_ns.has_value());
  CHECK_FALSE(r.ToJson()["anomalies"][0].contains("interval_ns"));
}

TEST_CASE("fencing: a typed fence decrease names the stale write's and the higher fence's ops",
          "[lock]") {
  LogBuilder log;
  log.Read("1-0", 1, 4, 0, 1'000 * kMs);
  log.Read("2-0", 2, 7, 0, 2'000 * kMs).Write("2-0", 2, 7, 1, true, 3'100 * kMs);
  log.Write("1-0", 1, 4, 1, true, 3'200 * kMs);
  HistoryBuilder b;
  b.Invoke(1, lock_ops::kIncrement).Invoke(2, lock_ops::kIncrement);
  b.Ok(2, Incremented("2-0", 7)).Ok(1, Incremented("1-0", 4));
  AppendFinal(b, log.entries(), 1);
  CheckResult r = RunFencing(b.history());
  REQUIRE(r.valid == Validity::kInvalid);
  REQUIRE(r.anomalies.size() == 1);
  CHECK(r.anomalies[0].type == "fence-decrease");
  CHECK(r.anomalies[0].ops == std::vector<int64_t>{0, 1});
  CHECK(r.anomalies[0].start_ns == b.history().ops[0].time_ns);
  CHECK(r.anomalies[0].end_ns == b.history().ops[3].time_ns);
}

}  // namespace
}  // namespace coordcheck::test
