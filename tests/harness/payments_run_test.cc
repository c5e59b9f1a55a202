// The payments workload end to end, as root on real network namespaces with the real payments
// service and ledger on SQLite and on a real PostgreSQL: the correct service and outbox stay
// valid under kills, partitions and pauses (the faults really happened, retries really
// overlapped), and every broken variant is caught on every seed tried, its anomalies naming
// the payments (idempotency keys) or events involved.
#include <cstdlib>
#include <set>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "history/jsonl.h"
#include "tests/harness/run_util.h"
#include "tests/support/node_env.h"

namespace coordcheck::testing {
namespace {

using Json = nlohmann::json;
using nodetest::RequireRoot;

constexpr char kFaults[] = "kill,pause,partition";

using PayRun = FinishedRun;

// `run -w payments -t TARGET [--bug BUG]` for `seconds` under kills, pauses and partitions.
PayRun RunPayments(const std::string& target, const std::string& bug, uint64_t seed,
                   int seconds = 10) {
  std::vector<std::string> args = {"run",
                                   "-w",
                                   "payments",
                                   "-t",
                                   target,
                                   "--nemesis",
                                   kFaults,
                                   "--nemesis-interval",
                                   "1.5",
                                   "--time-limit",
                                   std::to_string(seconds),
                                   "--seed",
                                   std::to_string(seed)};
  if (!bug.empty()) {
    args.push_back("--bug");
    args.push_back(bug);
  }
  return RunAndLoad("pay-" + target + "-" + (bug.empty() ? "ok" : bug), args);
}

const Json& Details(const PayRun& r, const char* checker) {
  return r.results["checkers"][checker]["details"];
}

void CheckValid(const PayRun& r) {
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.results["checkers"]["idempotency"]["valid"] == true);
  CHECK(r.results["checkers"]["outbox"]["valid"] == true);
  // Work was done and acknowledged, and some of it the hard way: retried across faults.
  CHECK(Details(r, "idempotency")["acknowledged_keys"].get<int64_t>() > 50);
  CHECK(Details(r, "idempotency")["retried_keys"].get<int64_t>() >= 1);
  CHECK(CountOps(r.history, "charge", OpType::kInfo) >= 1);
  CHECK(Details(r, "outbox")["drained"] == true);
  CHECK(Details(r, "outbox")["events"].get<int64_t>() > 50);
  // The faults happened: something was killed and restarted, paused and resumed, cut off
  // and healed (a fault that failed completes as info too, with an error: not counted).
  for (const char* f : {"kill", "start", "pause", "resume", "start-partition", "stop-partition"}) {
    INFO("fault " << f);
    CHECK(DoneFaults(r.history.ops, f) >= 1);
  }
  CHECK(std::system(("xmllint --noout " + r.dir + "/junit.xml").c_str()) == 0);
}

// The run is invalid through `checker`, with an anomaly of `type` naming what it is about.
void CheckCaught(const PayRun& r, const char* checker, const std::string& type) {
  INFO(r.out);
  CHECK(r.code == 1);
  const Json& d = Details(r, checker);
  INFO(d.dump().substr(0, 3000));
  CHECK(r.results["checkers"][checker]["valid"] == false);
  REQUIRE(d.contains("anomalies"));
  bool named = false;
  for (const Json& a : d["anomalies"]) {
    if (a.value("type", "") != type) continue;
    // An idempotency anomaly names its payment's key; an outbox anomaly its event (the
    // charge id it was emitted for).
    auto names = [&](const char* field) {
      return a.contains(field) && a[field].is_string() && !a[field].get<std::string>().empty();
    };
    named = named || names(type.find("event") == std::string::npos ? "key" : "charge_id");
    CHECK(a.value("explanation", "").size() > 20);
  }
  CHECK(named);
  const std::string junit = ReadFile(r.dir + "/junit.xml");
  CHECK(junit.find("<failure type=\"invalid\"") != std::string::npos);
}

void CaughtOnEverySeed(const std::string& target, const std::string& bug, const char* checker,
                       const std::string& type, std::initializer_list<uint64_t> seeds) {
  RequireRoot();
  for (uint64_t seed : seeds) {
    INFO(target << " --bug " << bug << " seed " << seed);
    CheckCaught(RunPayments(target, bug, seed), checker, type);
  }
}

}  // namespace

TEST_CASE(
    "payments: the correct service and outbox on SQLite stay valid under kills, pauses and "
    "partitions") {
  RequireRoot();
  for (uint64_t seed : {1, 2}) {
    INFO("seed " << seed);
    CheckValid(RunPayments("payments", "", seed));
  }
}

TEST_CASE(
    "payments: the correct service and outbox on PostgreSQL with two instances stay valid under "
    "kills, pauses and partitions") {
  RequireRoot();
  for (uint64_t seed : {1, 2}) {
    INFO("seed " << seed);
    PayRun r = RunPayments("payments-pg", "", seed);
    CheckValid(r);
    // Two instances served charges.
    std::set<std::string> nodes;
    for (const Op& op : r.history.ops)
      if (op.f == "charge" && op.type == OpType::kOk && !op.node.empty()) nodes.insert(op.node);
    CHECK(nodes.size() >= 2);
  }
}

TEST_CASE("payments: no-key is caught charging twice") {
  CaughtOnEverySeed("payments", "no-key", "idempotency", "duplicate-charge", {1, 2});
  CaughtOnEverySeed("payments-pg", "no-key", "idempotency", "duplicate-charge", {1});
}

TEST_CASE("payments: check-then-insert is caught charging twice") {
  CaughtOnEverySeed("payments", "check-then-insert", "idempotency", "duplicate-charge", {1, 2});
  CaughtOnEverySeed("payments-pg", "check-then-insert", "idempotency", "duplicate-charge", {1});
}

TEST_CASE("payments: effect-before-key is caught charging twice") {
  CaughtOnEverySeed("payments", "effect-before-key", "idempotency", "duplicate-charge", {1, 2});
  CaughtOnEverySeed("payments-pg", "effect-before-key", "idempotency", "duplicate-charge", {1});
}

TEST_CASE("payments: short-key-ttl is caught charging twice") {
  CaughtOnEverySeed("payments", "short-key-ttl", "idempotency", "duplicate-charge", {1, 2});
  CaughtOnEverySeed("payments-pg", "short-key-ttl", "idempotency", "duplicate-charge", {1});
}

TEST_CASE("payments: publish-then-commit is caught leaving phantom events") {
  CaughtOnEverySeed("payments", "publish-then-commit", "outbox", "phantom-event", {1, 2});
  CaughtOnEverySeed("payments-pg", "publish-then-commit", "outbox", "phantom-event", {1});
}

TEST_CASE("payments: commit-then-publish is caught losing events") {
  CaughtOnEverySeed("payments", "commit-then-publish", "outbox", "lost-event", {1, 2});
  CaughtOnEverySeed("payments-pg", "commit-then-publish", "outbox", "lost-event", {1});
}

TEST_CASE("payments: a non-deduplicating consumer is caught applying events twice") {
  CaughtOnEverySeed("payments", "non-dedup-consumer", "outbox", "duplicate-event", {1, 2});
  CaughtOnEverySeed("payments-pg", "non-dedup-consumer", "outbox", "duplicate-event", {1});
}

}  // namespace coordcheck::testing
