// Generated histories for every model (tests/support/sim_history.h):
// - a simulated correct object must give valid, with a witness that replays;
// - an injected anomaly must give invalid, with details that hold up;
// - on small histories (<= kBruteForceMaxOps ops), including random ones that are
//   mostly not linearizable, the verdict must equal brute force's;
// - budgets: a 1 ms time limit or a small memory limit on a hard history gives
//   unknown with the limit as reason, and no check overruns its time limit by
//   more than kBudgetSlack;
// - search sizes (node counts, not times) for shapes that once blew up.
//
// Seeds: each test runs COORDCHECK_PROPERTY_SEEDS seeds per model (default
// kDefaultSeeds, which keeps the suite fast) starting at
// COORDCHECK_PROPERTY_FIRST_SEED (default 1). A failure prints its seed; rerun
// it alone with COORDCHECK_PROPERTY_FIRST_SEED=<seed> COORDCHECK_PROPERTY_SEEDS=1.

#include <chrono>
#include <cstdlib>
#include <random>
#include <string>

#include <catch2/catch.hpp>

#include "checkers/linearizable.h"
#include "history/jsonl.h"
#include "tests/checkers/check_util.h"
#include "tests/support/brute_force.h"
#include "tests/support/history_builder.h"
#include "tests/support/sim_history.h"
#include "tests/support/slack.h"

namespace coordcheck::test {
namespace {

constexpr int kDefaultSeeds = 25;
// Stop a model's seeds after this many failures: the first few say enough.
constexpr int kMaxReportedFailures = 5;

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  return std::strtoll(text, nullptr, 10);
}

int Seeds() {
  return static_cast<int>(std::max<int64_t>(1, EnvInt("COORDCHECK_PROPERTY_SEEDS", kDefaultSeeds)));
}
uint64_t FirstSeed() { return static_cast<uint64_t>(EnvInt("COORDCHECK_PROPERTY_FIRST_SEED", 1)); }

// splitmix64: child seeds from (seed, salt), so each model and test draws its own
// stream from the one printed seed.
uint64_t Mix(uint64_t seed, uint64_t salt) {
  uint64_t z = seed * 0x9E3779B97F4A7C15ull + salt + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

int64_t Range(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
}

// A random initial state the model accepts (nullopt = the default).
std::optional<Json> RandomInit(SimModel model, std::mt19937_64& rng) {
  const int64_t r = Range(rng, 0, 2);
  if (r == 0) return std::nullopt;
  switch (model) {
    case SimModel::kRegister:
    case SimModel::kCasRegister:
      return r == 1 ? Json(nullptr) : Json(0);  // an explicit null is "no value"
    case SimModel::kKv:
      return r == 1 ? Json("") : Json("s");
    case SimModel::kMutex:
      return Json(r == 2);
    case SimModel::kSet:
      return r == 1 ? Json::array() : Json::array({0});
    case SimModel::kQueue:
      return r == 1 ? Json::array() : Json::array({100, 101});
    case SimModel::kCounter:
      return r == 1 ? Json(0) : Json(10);
    case SimModel::kMultiRegister:
      return Json::object({{"x", 0}, {"y", 0}});
  }
  return std::nullopt;
}

// Simulation options for `seed`: up to 8 processes and 100 ops, or (small) at
// most 5 client ops, so that with an anomaly script the history stays within
// brute force's reach. Queues stay smaller: the checker's search for a queue
// grows exponentially with concurrency and with info enqueues nobody dequeues
// (see the queue test below), and the default run must stay fast.
SimOptions RandomOptions(SimModel model, uint64_t seed, bool small) {
  std::mt19937_64 rng(Mix(seed, static_cast<uint64_t>(model) + (small ? 100 : 0)));
  SimOptions o;
  o.model = model;
  o.seed = rng();
  o.processes = static_cast<int>(small ? Range(rng, 1, 3) : Range(rng, 2, 8));
  o.ops = static_cast<int>(small ? Range(rng, 1, 5) : Range(rng, 10, 100));
  if (!small && model == SimModel::kQueue) {
    o.processes = static_cast<int>(Range(rng, 2, 4));
    o.ops = static_cast<int>(Range(rng, 10, 30));
  }
  o.values = static_cast<int>(Range(rng, 2, 5));
  o.keys = static_cast<int>(Range(rng, 1, 3));
  o.info_probability = static_cast<double>(Range(rng, 0, 15)) / 100;
  o.fail_probability = static_cast<double>(Range(rng, 0, 10)) / 100;
  o.pending_probability = static_cast<double>(Range(rng, 0, 50)) / 100;
  o.init = RandomInit(model, rng);
  return o;
}

std::string Describe(SimModel model, uint64_t seed, const SimOptions& o, const SimHistory& sim) {
  return "seed " + std::to_string(seed) + " model " + std::string(SimModelName(model)) +
         " anomaly " + std::string(AnomalyName(o.anomaly)) + " (" + sim.note + ") processes " +
         std::to_string(o.processes) + " ops " + std::to_string(o.ops) + " init " +
         (sim.init ? sim.init->dump() : "(default)") + "\n" + HistoryText(sim.history);
}

TEST_CASE("property: simulated correct histories are valid", "[property]") {
  for (SimModel model : kAllSimModels) {
    int failures = 0;
    for (int i = 0; i < Seeds() && failures < kMaxReportedFailures; ++i) {
      const uint64_t seed = FirstSeed() + static_cast<uint64_t>(i);
      const SimOptions o = RandomOptions(model, seed, false);
      const SimHistory sim = Simulate(o);
      INFO(Describe(model, seed, o, sim));
      REQUIRE(sim.linearizable);
      // Every other seed with phases cut short: best-first phases must agree.
      const CheckResult result =
          RunLinearizable(sim.history, sim.model, sim.init, seed % 2 == 0 ? 50'000 : 1);
      INFO("summary " << result.summary << "\ndetails " << result.details.dump());
      const bool ok = result.valid == Validity::kValid;
      CHECK(ValidityName(result.valid) == "valid");
      if (ok) CheckWitness(sim.history, sim.model, sim.init, result);
      if (!ok) ++failures;
    }
  }
}

TEST_CASE("property: injected anomalies are invalid", "[property]") {
  for (SimModel model : kAllSimModels) {
    int failures = 0;
    const std::vector<Anomaly> anomalies = AnomaliesFor(model);
    for (int i = 0; i < Seeds() && failures < kMaxReportedFailures; ++i) {
      const uint64_t seed = FirstSeed() + static_cast<uint64_t>(i);
      SimOptions o = RandomOptions(model, seed, false);
      o.anomaly = anomalies[seed % anomalies.size()];
      const SimHistory sim = Simulate(o);
      INFO(Describe(model, seed, o, sim));
      REQUIRE_FALSE(sim.linearizable);
      const CheckResult result =
          RunLinearizable(sim.history, sim.model, sim.init, seed % 2 == 0 ? 50'000 : 1);
      INFO("summary " << result.summary << "\ndetails " << result.details.dump());
      const bool ok = result.valid == Validity::kInvalid;
      CHECK(ValidityName(result.valid) == "invalid");
      if (ok) CheckInvalidDetails(sim.history, sim.model, sim.init, result);
      if (!ok) ++failures;
    }
  }
}

// Replaces results at random, so most histories are no longer linearizable:
// read values, dequeued elements, set members, counter values, txn reads; and
// ok <-> fail for ops whose completion type carries the result.
void Scramble(History* history, SimModel model, std::mt19937_64& rng) {
  for (Op& e : history->ops) {
    if (e.is_nemesis() || e.type == OpType::kInvoke || e.type == OpType::kInfo) continue;
    if (Range(rng, 0, 1) == 0) continue;
    const bool read = e.f == "read" || e.f == "get";
    if (e.type == OpType::kOk && read) {
      switch (model) {
        case SimModel::kRegister:
        case SimModel::kCasRegister: {
          const int64_t v = Range(rng, -1, 3);
          e.value = v < 0 ? Json(nullptr) : Json(v);
          break;
        }
        case SimModel::kKv: {
          static const char* const kStrings[] = {"", "v0", "v1", "0", "v01", "s"};
          e.value = kStrings[Range(rng, 0, 5)];
          break;
        }
        case SimModel::kSet: {
          Json members = Json::array();
          for (int v = 0; v < 4; ++v) {
            if (Range(rng, 0, 1) == 1) members.push_back(v);
          }
          e.value = members;
          break;
        }
        case SimModel::kCounter:
          e.value = Range(rng, -2, 8);
          break;
        default:
          break;
      }
    } else if (e.type == OpType::kOk && e.f == "dequeue") {
      const int64_t v = Range(rng, -1, 3);
      e.value = v < 0 ? Json(nullptr) : Json(v);
    } else if (e.type == OpType::kOk && e.f == "txn") {
      for (Json& mop : e.value) {
        if (mop[0] == "read")
          mop[2] = Range(rng, 0, 2) == 0 ? Json(nullptr) : Json(Range(rng, 0, 2));
      }
    } else if (!read && e.f != "dequeue" && e.f != "txn") {
      e.type = e.type == OpType::kOk ? OpType::kFail : OpType::kOk;
    }
  }
}

TEST_CASE("property: the checker agrees with brute force on small histories", "[property]") {
  int valid = 0;
  int invalid = 0;
  for (SimModel model : kAllSimModels) {
    int failures = 0;
    const std::vector<Anomaly> anomalies = AnomaliesFor(model);
    for (int i = 0; i < Seeds() && failures < kMaxReportedFailures; ++i) {
      const uint64_t seed = FirstSeed() + static_cast<uint64_t>(i);
      SimOptions o = RandomOptions(model, seed, true);
      // Modes: 0 correct, 1 anomaly, 2 and 3 scrambled results.
      const uint64_t mode = Mix(seed, 7) % 4;
      if (mode == 1) o.anomaly = anomalies[seed % anomalies.size()];
      SimHistory sim = Simulate(o);
      if (mode >= 2) {
        std::mt19937_64 rng(Mix(seed, 9));
        Scramble(&sim.history, model, rng);
      }
      INFO("mode " << mode << " " << Describe(model, seed, o, sim));
      const BruteForceResult brute = BruteForceCheck(sim.history, sim.model, sim.init);
      REQUIRE(brute.error == "");
      if (mode == 0) CHECK(brute.valid);
      if (mode == 1) CHECK_FALSE(brute.valid);
      // The default search, and one whose phases are cut after 1, 2, 4, ...
      // iterations so best-first phases and restarts decide too.
      for (uint64_t first_phase : {uint64_t{50'000}, uint64_t{1}}) {
        const CheckResult result = RunLinearizable(sim.history, sim.model, sim.init, first_phase);
        INFO("first phase " << first_phase << " summary " << result.summary << "\ndetails "
                            << result.details.dump());
        const Validity expected = brute.valid ? Validity::kValid : Validity::kInvalid;
        const bool ok = result.valid == expected;
        CHECK(ValidityName(result.valid) == ValidityName(expected));
        if (ok && brute.valid) CheckWitness(sim.history, sim.model, sim.init, result);
        if (ok && !brute.valid) CheckInvalidDetails(sim.history, sim.model, sim.init, result);
        if (!ok) ++failures;
      }
      (brute.valid ? valid : invalid)++;
    }
  }
  // The comparison has power only if both verdicts are common.
  const int total = valid + invalid;
  INFO(valid << " valid, " << invalid << " invalid");
  CHECK(valid * 5 >= total);
  CHECK(invalid * 5 >= total);
}

// `values` values, each written by two info writes of their own process (open
// ended: they may take effect at any time, or never), then one process reads
// every value in turn, `cycles` times. Two cycles are valid (each value's two
// writes serve one cycle each); a third needs a third write of the first value,
// so the history is invalid. A search that tells the two writes of a value apart
// tries 2^values ways to use them; one that merges equal info ops does not.
History CyclingReads(int values, int cycles) {
  HistoryBuilder b;
  int64_t process = 0;
  for (int copy = 0; copy < 2; ++copy) {
    for (int v = 0; v < values; ++v) {
      b.Invoke(process, "write", v).Info(process);
      ++process;
    }
  }
  for (int c = 0; c < cycles; ++c) {
    for (int v = 0; v < values; ++v) b.Invoke(process, "read").Ok(process, v);
  }
  return b.history();
}

TEST_CASE("property: cycling reads exhaust info writes", "[property][budget]") {
  ExpectValid(CyclingReads(6, 2), "register");
  ExpectInvalid(CyclingReads(6, 3), "register");
  ExpectValid(CyclingReads(2, 2), "register");  // 8 ops: brute force agrees, too
  ExpectInvalid(CyclingReads(2, 3), "register");
}

// n processes write 0..n-1, all concurrently, all ok; then one process reads 5
// and then 7. No write can take effect between the two reads, so the history is
// invalid, but a search that tracks which writes are linearized must try the
// subsets of the n writes: about 2^n configurations.
History ConcurrentWritesThenTwoReads(int n) {
  HistoryBuilder b;
  for (int p = 0; p < n; ++p) b.Invoke(p, "write", p);
  for (int p = 0; p < n; ++p) b.Ok(p);
  b.Invoke(n, "read").Ok(n, 5);
  b.Invoke(n, "read").Ok(n, 7);
  return b.history();
}

TEST_CASE("property: concurrent writes then two reads", "[property][budget]") {
  ExpectInvalid(ConcurrentWritesThenTwoReads(10), "register");
  HistoryBuilder valid;
  for (int p = 0; p < 10; ++p) valid.Invoke(p, "write", p);
  for (int p = 0; p < 10; ++p) valid.Ok(p);
  valid.Invoke(10, "read").Ok(10, 5).Invoke(10, "read").Ok(10, 5);
  ExpectValid(valid.history(), "register");
}

CheckResult CheckTimed(const History& history, const std::string& model,
                       const std::optional<Json>& init, const CheckBudget& budget,
                       std::chrono::milliseconds* elapsed) {
  LinearizableOptions options;
  options.model = model;
  options.init = init;
  const auto start = std::chrono::steady_clock::now();
  CheckResult result = LinearizableChecker(options).Check(history, budget);
  *elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  return result;
}

// "Never exceeds its budget by more than a small constant" (checker.h), as a loaded machine
// lets a test see it: these hard histories take minutes without the budget.
constexpr std::chrono::milliseconds kBudgetSlack = testtime::kSlack;

TEST_CASE("budget: a 1 ms time limit gives unknown (time-limit)", "[budget]") {
  CheckBudget budget;
  budget.time_limit = std::chrono::milliseconds(1);
  std::chrono::milliseconds elapsed{};
  const CheckResult result =
      CheckTimed(ConcurrentWritesThenTwoReads(24), "register", std::nullopt, budget, &elapsed);
  INFO("summary " << result.summary << "\ndetails " << result.details.dump() << "\nelapsed "
                  << elapsed.count() << " ms");
  CHECK(ValidityName(result.valid) == "unknown");
  CHECK(result.details.value("reason", "") == "time-limit");
  CHECK(elapsed < budget.time_limit + kBudgetSlack);
}

TEST_CASE("budget: a memory limit gives unknown (memory-limit)", "[budget]") {
  // 64 KiB trips at once; 16 MiB only after a real part of the search.
  for (const uint64_t limit : {uint64_t{64} << 10, uint64_t{16} << 20}) {
    CheckBudget budget;
    budget.memory_limit_bytes = limit;
    budget.time_limit = std::chrono::milliseconds(30'000);  // backstop only
    std::chrono::milliseconds elapsed{};
    const CheckResult result =
        CheckTimed(ConcurrentWritesThenTwoReads(24), "register", std::nullopt, budget, &elapsed);
    INFO("memory limit " << limit << " bytes\nsummary " << result.summary << "\ndetails "
                         << result.details.dump() << "\nelapsed " << elapsed.count() << " ms");
    CHECK(ValidityName(result.valid) == "unknown");
    CHECK(result.details.value("reason", "") == "memory-limit");
    CHECK(elapsed.count() < 30'000);
  }
}

// Found by the property test (queue seed 5026 with COORDCHECK_PROPERTY_FIRST_SEED
// =5001): a linearizable queue history (4 processes, 27 ops, 6 info enqueues
// nobody dequeues) whose search takes over 10 s, so a 1 s limit must stop it.
// Checker revisions before 89165eb overran such limits by 50-80% (releasing
// the search's states after the deadline).
constexpr char kSlowQueue[] = R"(
{"index":0,"time":5,"process":3,"type":"invoke","f":"enqueue","value":0}
{"index":1,"time":21,"process":1,"type":"invoke","f":"enqueue","value":1}
{"index":2,"time":36,"process":2,"type":"invoke","f":"enqueue","value":2}
{"index":3,"time":49,"process":0,"type":"invoke","f":"enqueue","value":3}
{"index":4,"time":82,"process":3,"type":"info","f":"enqueue","value":0}
{"index":5,"time":89,"process":4,"type":"invoke","f":"dequeue","value":null}
{"index":6,"time":114,"process":0,"type":"ok","f":"enqueue","value":3}
{"index":7,"time":137,"process":2,"type":"fail","f":"enqueue","value":2}
{"index":8,"time":148,"process":0,"type":"invoke","f":"enqueue","value":4}
{"index":9,"time":167,"process":1,"type":"info","f":"enqueue","value":1}
{"index":10,"time":177,"process":5,"type":"invoke","f":"enqueue","value":5}
{"index":11,"time":178,"process":4,"type":"info","f":"dequeue","value":null}
{"index":12,"time":190,"process":2,"type":"invoke","f":"enqueue","value":6}
{"index":13,"time":215,"process":6,"type":"invoke","f":"enqueue","value":7}
{"index":14,"time":265,"process":6,"type":"ok","f":"enqueue","value":7}
{"index":15,"time":289,"process":0,"type":"ok","f":"enqueue","value":4}
{"index":16,"time":298,"process":6,"type":"invoke","f":"dequeue","value":null}
{"index":17,"time":299,"process":5,"type":"info","f":"enqueue","value":5}
{"index":18,"time":313,"process":7,"type":"invoke","f":"dequeue","value":null}
{"index":19,"time":332,"process":0,"type":"invoke","f":"enqueue","value":8}
{"index":20,"time":376,"process":2,"type":"fail","f":"enqueue","value":6}
{"index":21,"time":377,"process":6,"type":"ok","f":"dequeue","value":4}
{"index":22,"time":381,"process":2,"type":"invoke","f":"enqueue","value":9}
{"index":23,"time":382,"process":6,"type":"invoke","f":"enqueue","value":10}
{"index":24,"time":384,"process":0,"type":"info","f":"enqueue","value":8}
{"index":25,"time":385,"process":7,"type":"ok","f":"dequeue","value":3}
{"index":26,"time":422,"process":8,"type":"invoke","f":"enqueue","value":11}
{"index":27,"time":437,"process":7,"type":"invoke","f":"enqueue","value":12}
{"index":28,"time":483,"process":2,"type":"ok","f":"enqueue","value":9}
{"index":29,"time":489,"process":2,"type":"invoke","f":"enqueue","value":13}
{"index":30,"time":495,"process":6,"type":"ok","f":"enqueue","value":10}
{"index":31,"time":506,"process":8,"type":"ok","f":"enqueue","value":11}
{"index":32,"time":513,"process":7,"type":"ok","f":"enqueue","value":12}
{"index":33,"time":522,"process":7,"type":"invoke","f":"enqueue","value":14}
{"index":34,"time":562,"process":7,"type":"ok","f":"enqueue","value":14}
{"index":35,"time":598,"process":2,"type":"ok","f":"enqueue","value":13}
{"index":36,"time":609,"process":7,"type":"invoke","f":"dequeue","value":null}
{"index":37,"time":644,"process":2,"type":"invoke","f":"dequeue","value":null}
{"index":38,"time":740,"process":2,"type":"ok","f":"dequeue","value":5}
{"index":39,"time":743,"process":2,"type":"invoke","f":"enqueue","value":15}
{"index":40,"time":755,"process":7,"type":"fail","f":"dequeue","value":null}
{"index":41,"time":793,"process":7,"type":"invoke","f":"enqueue","value":16}
{"index":42,"time":859,"process":2,"type":"ok","f":"enqueue","value":15}
{"index":43,"time":958,"process":7,"type":"ok","f":"enqueue","value":16}
{"index":44,"time":960,"process":7,"type":"invoke","f":"dequeue","value":null}
{"index":45,"time":1024,"process":7,"type":"ok","f":"dequeue","value":7}
{"index":46,"time":1064,"process":7,"type":"invoke","f":"dequeue","value":null}
{"index":47,"time":1242,"process":7,"type":"info","f":"dequeue","value":null}
{"index":48,"time":1285,"process":9,"type":"invoke","f":"enqueue","value":17}
{"index":49,"time":1374,"process":9,"type":"info","f":"enqueue","value":17}
{"index":50,"time":1390,"process":10,"type":"invoke","f":"enqueue","value":18}
{"index":51,"time":1453,"process":10,"type":"info","f":"enqueue","value":18}
{"index":52,"time":1459,"process":11,"type":"invoke","f":"enqueue","value":19}
{"index":53,"time":1608,"process":11,"type":"info","f":"enqueue","value":19})";

TEST_CASE("budget: the time limit holds for a queue history", "[budget]") {
  History history;
  REQUIRE(ReadHistoryString(kSlowQueue + 1, &history).ok());
  CheckBudget budget;
  budget.time_limit = std::chrono::milliseconds(1000);
  std::chrono::milliseconds elapsed{};
  const CheckResult result = CheckTimed(history, "queue", Json::array(), budget, &elapsed);
  INFO("summary " << result.summary << "\nelapsed " << elapsed.count() << " ms");
  CHECK(result.valid != Validity::kInvalid);  // linearizable by construction
  CHECK(elapsed < budget.time_limit + kBudgetSlack);
}

// Found by the property test (queue seed 15 of an earlier run, 53 ops), reduced
// with removals that keep it linearizable: 19 ops, 4 of them info enqueues whose
// values nobody dequeues. Without those 4 the search takes 122 nodes; with them
// about 175,000 (1.5 s). The queue model now treats values no ok dequeue
// returns as one placeholder value.
constexpr char kSlowQueueValid[] = R"(
{"index":0,"time":1000,"process":1,"type":"invoke","f":"dequeue","value":null}
{"index":1,"time":2000,"process":1,"type":"ok","f":"dequeue","value":100}
{"index":2,"time":3000,"process":3,"type":"invoke","f":"dequeue","value":null}
{"index":3,"time":4000,"process":3,"type":"ok","f":"dequeue","value":101}
{"index":4,"time":5000,"process":0,"type":"invoke","f":"enqueue","value":105}
{"index":5,"time":6000,"process":0,"type":"info","f":"enqueue","value":105}
{"index":6,"time":7000,"process":4,"type":"invoke","f":"enqueue","value":115}
{"index":7,"time":8000,"process":4,"type":"ok","f":"enqueue","value":115}
{"index":8,"time":9000,"process":3,"type":"invoke","f":"enqueue","value":119}
{"index":9,"time":10000,"process":6,"type":"invoke","f":"enqueue","value":120}
{"index":10,"time":11000,"process":5,"type":"invoke","f":"enqueue","value":121}
{"index":11,"time":12000,"process":3,"type":"ok","f":"enqueue","value":119}
{"index":12,"time":13000,"process":6,"type":"ok","f":"enqueue","value":120}
{"index":13,"time":14000,"process":4,"type":"invoke","f":"enqueue","value":122}
{"index":14,"time":15000,"process":5,"type":"info","f":"enqueue","value":121}
{"index":15,"time":16000,"process":7,"type":"invoke","f":"enqueue","value":123}
{"index":16,"time":17000,"process":3,"type":"invoke","f":"enqueue","value":124}
{"index":17,"time":18000,"process":1,"type":"invoke","f":"enqueue","value":125}
{"index":18,"time":19000,"process":4,"type":"ok","f":"enqueue","value":122}
{"index":19,"time":20000,"process":7,"type":"info","f":"enqueue","value":123}
{"index":20,"time":21000,"process":8,"type":"invoke","f":"enqueue","value":126}
{"index":21,"time":22000,"process":1,"type":"ok","f":"enqueue","value":125}
{"index":22,"time":23000,"process":3,"type":"ok","f":"enqueue","value":124}
{"index":23,"time":24000,"process":6,"type":"invoke","f":"enqueue","value":127}
{"index":24,"time":25000,"process":8,"type":"ok","f":"enqueue","value":126}
{"index":25,"time":26000,"process":8,"type":"invoke","f":"enqueue","value":128}
{"index":26,"time":27000,"process":8,"type":"info","f":"enqueue","value":128}
{"index":27,"time":28000,"process":4,"type":"invoke","f":"dequeue","value":null}
{"index":28,"time":29000,"process":6,"type":"ok","f":"enqueue","value":127}
{"index":29,"time":30000,"process":4,"type":"ok","f":"dequeue","value":115}
{"index":30,"time":31000,"process":6,"type":"invoke","f":"enqueue","value":129}
{"index":31,"time":32000,"process":6,"type":"ok","f":"enqueue","value":129}
{"index":32,"time":33000,"process":6,"type":"invoke","f":"dequeue","value":null}
{"index":33,"time":34000,"process":6,"type":"ok","f":"dequeue","value":120}
{"index":34,"time":35000,"process":6,"type":"invoke","f":"enqueue","value":131}
{"index":35,"time":36000,"process":6,"type":"ok","f":"enqueue","value":131}
{"index":36,"time":37000,"process":6,"type":"invoke","f":"dequeue","value":null}
{"index":37,"time":38000,"process":6,"type":"ok","f":"dequeue","value":119})";

TEST_CASE("queue: unobserved info enqueues do not blow up the search", "[property]") {
  History history;
  REQUIRE(ReadHistoryString(kSlowQueueValid + 1, &history).ok());
  CheckBudget budget;
  budget.time_limit = kCheckTimeLimit;
  std::chrono::milliseconds elapsed{};
  const CheckResult result =
      CheckTimed(history, "queue", Json::array({100, 101}), budget, &elapsed);
  INFO("summary " << result.summary << "\nelapsed " << elapsed.count() << " ms");
  CHECK(ValidityName(result.valid) == "valid");
  // Counted, not timed: values no ok dequeue returns are one placeholder, so
  // the orders of those enqueues are one state (about 175,000 nodes before).
  CHECK(result.details["search_nodes"].get<uint64_t>() < 2000);
}

}  // namespace
}  // namespace coordcheck::test
