// The payments workload's checkers (workloads/payments/idempotency.h, workloads/payments/outbox.h): for each
// anomaly a hand-written history they must reject, naming the key and the ops; for each
// valid shape one they must accept; the unknown verdicts (no final read, malformed ops, the
// time limit, events still in flight); a history read from a JSONL file; and seeded
// simulations of a correct service — they must pass, an injected anomaly must fail.
#include <unistd.h>
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "workloads/payments/idempotency.h"
#include "workloads/payments/outbox.h"
#include "workloads/payments/ops.h"
#include "history/jsonl.h"

namespace coordcheck::test {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kFinal = 1000;  // the final phase's first process (each op gets its own)

// One logical payment: its idempotency key, account and amount.
struct Pay {
  std::string key;
  std::string account;
  int64_t amount = 0;
};

// A payments history written by hand, one event per call (times 1000 * (index + 1) ns).
// Completions copy the outstanding invoke's f and key; a charge's ok value repeats the
// invoke's value plus charge_id and replayed, fail and info repeat it with an error.
class Payments {
 public:
  // Invokes attempt `attempt` of `p` on `process`; returns the op's index (its invoke).
  int64_t Charge(int64_t process, const Pay& p, int64_t attempt) {
    return Invoke(process, payment_ops::kCharge,
                  {{"account", p.account}, {"amount", p.amount}, {"attempt", attempt}}, p.key);
  }
  Payments& Ok(int64_t process, const std::string& charge_id, bool replayed = false) {
    Json v = Open(process).value;
    v["charge_id"] = charge_id;
    v["replayed"] = replayed;
    return Complete(process, OpType::kOk, std::move(v));
  }
  Payments& Fail(int64_t process, const std::string& error = "rolled back") {
    return Complete(process, OpType::kFail, Open(process).value, error);
  }
  Payments& Info(int64_t process, const std::string& error = "timeout") {
    return Complete(process, OpType::kInfo, Open(process).value, error);
  }

  // The final phase. Each returns the op's index; `type` is the completion's (kInvoke: the
  // op never completes).
  int64_t Drain(OpType type, int64_t pending, bool outbox = true) {
    const int64_t process = final_process_++;
    const int64_t op = Invoke(process, payment_ops::kDrain, nullptr);
    if (type == OpType::kOk || type == OpType::kInfo) {
      Complete(process, type, {{"pending", pending}, {"outbox", outbox}});
    } else if (type == OpType::kFail) {
      Complete(process, type, nullptr);
    }
    return op;
  }
  int64_t ReadService(const Json& charges, const Json& balances, OpType type = OpType::kOk) {
    return Final(payment_ops::kReadService, {{"charges", charges}, {"balances", balances}}, type);
  }
  // Read-service with the balances its charges add up to.
  int64_t ReadService(const Json& charges) { return ReadService(charges, BalancesOf(charges)); }
  int64_t ReadLedger(const Json& events, const Json& balances, OpType type = OpType::kOk) {
    return Final(payment_ops::kReadLedger, {{"events", events}, {"balances", balances}}, type);
  }
  // Read-ledger with the balances its events add up to.
  int64_t ReadLedger(const Json& events) { return ReadLedger(events, LedgerBalancesOf(events)); }

  // Appends a raw event (for malformed values).
  int64_t Invoke(int64_t process, const std::string& f, Json value, Json key = nullptr) {
    REQUIRE(open_.count(process) == 0);
    open_[process] = h_.ops.size();
    Add(process, OpType::kInvoke, f, std::move(key), std::move(value), nullptr);
    return static_cast<int64_t>(h_.ops.size()) - 1;
  }
  Payments& Complete(int64_t process, OpType type, Json value, Json error = nullptr) {
    const Op& invoke = Open(process);
    const std::string f = invoke.f;
    const Json key = invoke.key;
    open_.erase(process);
    Add(process, type, f, key, std::move(value), std::move(error));
    return *this;
  }

  const History& history() const { return h_; }
  int64_t next() const { return static_cast<int64_t>(h_.ops.size()); }

  // {A: sum of N} over [[C, key, A, N], ...].
  static Json BalancesOf(const Json& charges) {
    Json b = Json::object();
    for (const Json& c : charges) {
      const std::string account = c[2];
      b[account] = b.value(account, int64_t{0}) + c[3].get<int64_t>();
    }
    return b;
  }
  // {A: sum of N * applications} over [[E, A, N, applications], ...].
  static Json LedgerBalancesOf(const Json& events) {
    Json b = Json::object();
    for (const Json& e : events) {
      const std::string account = e[1];
      b[account] = b.value(account, int64_t{0}) + e[2].get<int64_t>() * e[3].get<int64_t>();
    }
    return b;
  }
  // Each charge's event, applied `applications` times.
  static Json EventsOf(const Json& charges, int64_t applications = 1) {
    Json events = Json::array();
    for (const Json& c : charges) events.push_back({c[0], c[2], c[3], applications});
    return events;
  }

 private:
  const Op& Open(int64_t process) {
    auto it = open_.find(process);
    REQUIRE(it != open_.end());
    return h_.ops[it->second];
  }
  int64_t Final(const char* f, Json value, OpType type) {
    const int64_t process = final_process_++;
    const int64_t op = Invoke(process, f, nullptr);
    if (type != OpType::kInvoke) Complete(process, type, type == OpType::kOk ? value : Json());
    return op;
  }
  void Add(int64_t process, OpType type, const std::string& f, Json key, Json value, Json error) {
    Op op;
    op.time_ns = 1000 * (next() + 1);
    op.process = process;
    op.type = type;
    op.f = f;
    op.key = std::move(key);
    op.value = std::move(value);
    op.error = std::move(error);
    h_.Append(std::move(op));
  }

  History h_;
  std::map<int64_t, size_t> open_;
  int64_t final_process_ = kFinal;
};

Json Charge(const std::string& id, const Pay& p) { return {id, p.key, p.account, p.amount}; }

CheckResult RunIdem(const History& h, CheckBudget budget = {}) {
  INFO("history invalid: " << h.Validate().message());
  REQUIRE(h.Validate().ok());
  return IdempotencyChecker().Check(h, budget);
}

CheckResult RunOutbox(const History& h, CheckBudget budget = {}) {
  REQUIRE(h.Validate().ok());
  return OutboxChecker().Check(h, budget);
}

// `prefix` followed by `n` ("c-" and 7 give "c-7"), built without the operator+ chains that
// trip GCC 12's -Wrestrict false positive at -O3.
std::string Name(const char* prefix, int64_t n) {
  std::string out = prefix;
  out += std::to_string(n);
  return out;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The anomalies of `type` in a result.
std::vector<Json> Of(const CheckResult& r, const std::string& type) {
  std::vector<Json> out;
  for (const Json& a : r.details["anomalies"]) {
    if (a["type"] == type) out.push_back(a);
  }
  return out;
}

const Pay kP1{"p1-0", "a1", 40};
const Pay kP2{"p2-0", "a2", 25};
const Pay kP3{"p3-7", "a2", 40};

// ---- idempotency: valid shapes ----

TEST_CASE("idempotency: a retried key acknowledged once with a replayed answer is valid",
          "[payments]") {
  Payments b;
  b.Charge(1, kP1, 1);
  b.Info(1, "timeout");  // applied, but the client never heard
  b.Charge(2, kP1, 2);
  b.Ok(2, "c-1", true);  // the retry gets the stored response
  b.Charge(3, kP2, 1);
  b.Ok(3, "c-2");
  const Json charges = {Charge("c-1", kP1), Charge("c-2", kP2)};
  b.ReadService(charges);
  CheckResult r = RunIdem(b.history());
  INFO(r.ToJson().dump(2));
  CHECK(r.valid == Validity::kValid);
  CHECK(r.details["keys"] == 2);
  CHECK(r.details["acknowledged_keys"] == 2);
  CHECK(r.details["effective_keys"] == 2);
  CHECK(r.details["retried_keys"] == 1);
  CHECK(r.details["attempts"] == 3);
  CHECK(r.details["ok_attempts"] == 2);
  CHECK(r.details["info_attempts"] == 1);
  CHECK(r.details["replayed_responses"] == 1);
  CHECK(r.details["charges"] == 2);
  CHECK(r.details["duplicate_charges"] == 0);
  CHECK(r.details["lost_charges"] == 0);
  CHECK(r.details["balance_mismatches"] == 0);
  CHECK(r.details["accounts"] == 2);
  CHECK(r.details["anomaly_types"].empty());
  CHECK(r.details["anomalies"].empty());
  CHECK(r.anomalies.empty());
}

TEST_CASE("idempotency: an unacknowledged key may take effect once or never", "[payments]") {
  Payments b;
  // p1: only info attempts (the last never completes), took effect once.
  b.Charge(1, kP1, 1);
  b.Info(1);
  b.Charge(2, kP1, 2);  // never completed: info
  // p2: only info attempts, never took effect.
  b.Charge(3, kP2, 1);
  b.Info(3, "connection lost");
  // p3: every attempt failed, no charge.
  b.Charge(4, kP3, 1);
  b.Fail(4);
  b.Charge(5, kP3, 2);
  b.Fail(5, "refused before sending");
  b.ReadService(Json::array({Charge("c-1", kP1)}));
  CheckResult r = RunIdem(b.history());
  INFO(r.ToJson().dump(2));
  CHECK(r.valid == Validity::kValid);
  CHECK(r.details["keys"] == 3);
  CHECK(r.details["acknowledged_keys"] == 0);
  CHECK(r.details["effective_keys"] == 1);
  CHECK(r.details["info_attempts"] == 3);
  CHECK(r.details["fail_attempts"] == 2);
  CHECK(r.details["retried_keys"] == 2);
}

TEST_CASE("idempotency: no charge attempts and an empty read is valid", "[payments]") {
  Payments b;
  b.ReadService(Json::array(), Json::object());
  CheckResult r = RunIdem(b.history());
  INFO(r.ToJson().dump(2));
  CHECK(r.valid == Validity::kValid);
  CHECK(r.details["keys"] == 0);
  CHECK(r.details["charges"] == 0);
  // Accounts listed with a zero balance are fine too.
  Payments z;
  z.ReadService(Json::array(), {{"a1", 0}});
  CHECK(RunIdem(z.history()).valid == Validity::kValid);
}

// ---- idempotency: anomalies ----

TEST_CASE("idempotency: an acknowledged key charged twice is a duplicate-charge", "[payments]") {
  Payments b;
  const int64_t first = b.Charge(1, kP3, 1);
  b.Info(1, "timeout");
  const int64_t second = b.Charge(2, kP3, 2);
  b.Ok(2, "c-9f");
  const Json charges = {Charge("c-9f", kP3), Charge("c-1a", kP3)};
  const int64_t read = b.ReadService(charges);
  CheckResult r = RunIdem(b.history());
  INFO(r.ToJson().dump(2));
  REQUIRE(r.valid == Validity::kInvalid);
  CHECK(r.details["anomaly_types"] == Json::array({"duplicate-charge", "balance-mismatch"}));
  CHECK(r.details["duplicate_charges"] == 1);
  CHECK(r.details["duplicate_keys"] == 1);
  CHECK(r.details["balance_mismatches"] == 1);
  const std::vector<Json> dup = Of(r, "duplicate-charge");
  REQUIRE(dup.size() == 1);
  CHECK(dup[0]["key"] == "p3-7");
  CHECK(dup[0]["acknowledged"] == true);
  CHECK(dup[0]["charges"] == Json::array({"c-9f", "c-1a"}));
  CHECK(dup[0]["attempts"] == Json::array({first, second}));
  CHECK(dup[0]["read"] == read);
  CHECK(dup[0]["charge_count"] == 2);
  const std::string words = dup[0]["explanation"];
  const std::vector<Json> bal = Of(r, "balance-mismatch");
  REQUIRE(bal.size() == 1);
  CHECK(bal[0]["account"] == "a2");
  CHECK(bal[0]["balance"] == 80);
  CHECK(bal[0]["expected"] == 40);
  CHECK(bal[0]["difference"] == 40);
  CHECK(bal[0]["extra_charges"] == 1);
  CHECK(bal[0]["unexplained"] == 0);
  CHECK(bal[0]["keys"] == Json::array({"p3-7"}));
  CHECK(bal[0]["extra_amount"] == 40);
  // The terminal line names the payment and the account.
  CHECK(Contains(r.summary, "p3-7"));
  CHECK(Contains(r.summary, "a2"));
  // Typed: the duplicate names its attempts, then the read; it is dated by the attempts (the
  // first invoke to the retry's ok).
  REQUIRE(r.anomalies.size() == 2);
  const coordcheck::Anomaly& typed = r.anomalies[0];
  CHECK(typed.type == "duplicate-charge");
  CHECK(typed.explanation == words);
  CHECK(typed.ops == std::vector<int64_t>{first, second, read});
  CHECK(typed.start_ns == b.history().ops[first].time_ns);
  CHECK(typed.end_ns == b.history().ops[second + 1].time_ns);
  CHECK(r.anomalies[1].type == "balance-mismatch");
  CHECK(r.anomalies[1].ops == std::vector<int64_t>{read});
  CHECK(r.ToJson()["anomalies"][0]["ops"] == Json::array({first, second, read}));
}

TEST_CASE("idempotency: an unacknowledged key charged twice is a duplicate-charge", "[payments]") {
  Payments b;
  const int64_t first = b.Charge(1, kP1, 1);
  b.Info(1);
  const int64_t second = b.Charge(2, kP1, 2);
  b.Info(2);
  b.ReadService({Charge("c-1", kP1), Charge("c-2", kP1), Charge("c-3", kP1)});
  CheckResult r = RunIdem(b.history());
  INFO(r.ToJson().dump(2));
  REQUIRE(r.valid == Validity::kInvalid);
  const std::vector<Json> dup = Of(r, "duplicate-charge");
  REQUIRE(dup.size() == 1);
  CHECK(dup[0]["key"] == "p1-0");
  CHECK(dup[0]["acknowledged"] == false);
  CHECK(dup[0]["charge_count"] == 3);
  CHECK(dup[0]["attempts"] == Json::array({first, second}));
  CHECK(r.details["duplicate_charges"] == 2);
  CHECK(Of(r, "balance-mismatch")[0]["difference"] == 80);
  CHECK(Contains(r.summary, "p1-0"));
}

TEST_CASE("idempotency: an acknowledged key never charged is a lost-charge", "[payments]") {
  Payments b;
  const int64_t op = b.Charge(1, kP1, 1);
  b.Ok(1, "c-1");
  b.Charge(2, kP2, 1);
  b.Ok(2, "c-2");
  const int64_t read = b.ReadService(Json::array({Charge("c-2", kP2)}));
  CheckResult r = RunIdem(b.history());
  INFO(r.ToJson().dump(2));
  REQUIRE(r.valid == Validity::kInvalid);
  CHECK(r.details["anomaly_types"] == Json::array({"lost-charge", "balance-mismatch"}));
  CHECK(r.details["lost_charges"] == 1);
  const std::vector<Json> lost = Of(r, "lost-charge");
  REQUIRE(lost.size() == 1);
  CHECK(lost[0]["key"] == "p1-0");
  CHECK(lost[0]["attempts"] == Json::array({op}));
  CHECK(lost[0]["charge_ids"] == Json::array({"c-1"}));
  CHECK(lost[0]["read"] == read);
  const std::vector<Json> bal = Of(r, "balance-mismatch");
  REQUIRE(bal.size() == 1);
  CHECK(bal[0]["account"] == "a1");  // missing from the read's balances: 0
  CHECK(bal[0]["balance"] == 0);
  CHECK(bal[0]["expected"] == 40);
  CHECK(bal[0]["difference"] == -40);
  CHECK(bal[0]["lost_charges"] == 1);
  CHECK(bal[0]["lost_amount"] == 40);
}

TEST_CASE("idempotency: a key whose every attempt failed but was charged is failed-but-charged",
          "[payments]") {
  Payments b;
  const int64_t first = b.Charge(1, kP1, 1);
  b.Fail(1, "rolled back");
  const int64_t second = b.Charge(2, kP1, 2);
  b.Fail(2, "rolled back");
  b.ReadService(Json::array({Charge("c-1", kP1)}));
  CheckResult r = RunIdem(b.history());
  INFO(r.ToJson().dump(2));
  REQUIRE(r.valid == Validity::kInvalid);
  CHECK(r.details["anomaly_types"] == Json::array({"failed-but-charged"}));
  CHECK(r.details["failed_but_charged"] == 1);
  const Json& a = r.details["anomalies"][0];
  CHECK(a["key"] == "p1-0");
  CHECK(a["attempts"] == Json::array({first, second}));
  CHECK(a["charges"] == Json::array({"c-1"}));
  REQUIRE(r.anomalies.size() == 1);
  CHECK(r.anomalies[0].type == "failed-but-charged");
  CHECK(r.anomalies[0].ops.at(0) == first);
  CHECK(r.anomalies[0].ops.at(1) == second);
}

TEST_CASE(
    "idempotency: ok attempts disagreeing with each other or the charge are "
    "inconsistent-response",
    "[payments]") {
  SECTION("two answers") {
    Payments b;
    const int64_t first = b.Charge(1, kP1, 1);
    b.Ok(1, "c-1");
    const int64_t second = b.Charge(2, kP1, 2);
    b.Ok(2, "c-2", true);
    b.ReadService(Json::array({Charge("c-1", kP1)}));
    CheckResult r = RunIdem(b.history());
    INFO(r.ToJson().dump(2));
    REQUIRE(r.valid == Validity::kInvalid);
    CHECK(r.details["anomaly_types"] == Json::array({"inconsistent-response"}));
    CHECK(r.details["inconsistent_responses"] == 1);
    const Json& a = r.details["anomalies"][0];
    CHECK(a["key"] == "p1-0");
    CHECK(a["responses"][0]["op"] == first);
    CHECK(a["responses"][1]["op"] == second);
    CHECK(a["responses"][1]["charge_id"] == "c-2");
    CHECK(a["responses"][1]["replayed"] == true);
    CHECK(a["responses"][0]["charge_id"] == "c-1");
  }
  SECTION("an answer that is not the committed charge") {
    Payments b;
    const int64_t op = b.Charge(1, kP1, 1);
    b.Ok(1, "c-x");
    b.ReadService(Json::array({Charge("c-1", kP1)}));
    CheckResult r = RunIdem(b.history());
    INFO(r.ToJson().dump(2));
    REQUIRE(r.valid == Validity::kInvalid);
    CHECK(r.details["anomaly_types"] == Json::array({"inconsistent-response"}));
    const Json& a = r.details["anomalies"][0];
    CHECK(a["responses"] == Json::array({{{"op", op}, {"charge_id", "c-x"}, {"replayed", false}}}));
    CHECK(a["charges"] == Json::array({"c-1"}));
  }
}

TEST_CASE("idempotency: a charge no attempt asked for is an unknown-charge", "[payments]") {
  Payments b;
  b.Charge(1, kP1, 1);
  b.Ok(1, "c-1");
  const Pay ghost{"zz-9", "a1", 30};
  const int64_t read = b.ReadService({Charge("c-1", kP1), Charge("c-5", ghost)});
  CheckResult r = RunIdem(b.history());
  INFO(r.ToJson().dump(2));
  REQUIRE(r.valid == Validity::kInvalid);
  CHECK(r.details["anomaly_types"] == Json::array({"unknown-charge", "balance-mismatch"}));
  CHECK(r.details["unknown_charges"] == 1);
  const Json a = Of(r, "unknown-charge")[0];
  CHECK(a["key"] == "zz-9");
  CHECK(a["charge_id"] == "c-5");
  CHECK(a["read"] == read);
  CHECK(a["amount"] == 30);
  const Json bal = Of(r, "balance-mismatch")[0];
  CHECK(bal["difference"] == 30);
  CHECK(bal["unknown_charges"] == 1);
}

TEST_CASE("idempotency: a charge with another account or amount is a wrong-charge", "[payments]") {
  Payments b;
  const int64_t op = b.Charge(1, kP1, 1);
  b.Ok(1, "c-1");
  b.ReadService(Json::array({Json{"c-1", "p1-0", "a1", 50}}));
  CheckResult r = RunIdem(b.history());
  INFO(r.ToJson().dump(2));
  REQUIRE(r.valid == Validity::kInvalid);
  CHECK(r.details["anomaly_types"] == Json::array({"wrong-charge", "balance-mismatch"}));
  const Json a = Of(r, "wrong-charge")[0];
  CHECK(a["key"] == "p1-0");
  CHECK(a["amount"] == 50);
  CHECK(a["expected_amount"] == 40);
  CHECK(a["attempts"] == Json::array({op}));
  CHECK(a["charge_id"] == "c-1");
  CHECK(a["account"] == "a1");
  CHECK(a["expected_account"] == "a1");
  const Json bal = Of(r, "balance-mismatch")[0];
  CHECK(bal["difference"] == 10);
  CHECK(bal["wrong_charges"] == 1);
  CHECK(bal["wrong_amount"] == 10);
}

TEST_CASE("idempotency: a balance that disagrees with the payments is a balance-mismatch",
          "[payments]") {
  Payments b;
  b.Charge(1, kP1, 1);
  b.Ok(1, "c-1");
  b.Charge(2, kP2, 1);
  b.Ok(2, "c-2");
  // The charges are right; the service's balances are not: a1 is off by 5, a2 is missing.
  b.ReadService({Charge("c-1", kP1), Charge("c-2", kP2)}, {{"a1", 45}, {"a9", 0}});
  CheckResult r = RunIdem(b.history());
  INFO(r.ToJson().dump(2));
  REQUIRE(r.valid == Validity::kInvalid);
  CHECK(r.details["anomaly_types"] == Json::array({"balance-mismatch"}));
  CHECK(r.details["balance_mismatches"] == 2);
  CHECK(r.details["accounts"] == 3);
  const std::vector<Json> bal = Of(r, "balance-mismatch");
  REQUIRE(bal.size() == 2);
  CHECK(bal[0]["account"] == "a1");
  CHECK(bal[0]["difference"] == 5);
  CHECK(bal[0]["unexplained"] == 5);
  CHECK(bal[0]["committed"] == 40);
  CHECK(bal[1]["account"] == "a2");
  CHECK(bal[1]["balance"] == 0);
  CHECK(bal[1]["difference"] == -25);
}

TEST_CASE("idempotency: the anomalies listed stop at 100, the counts do not", "[payments]") {
  Payments b;
  Json charges = Json::array();
  for (int i = 0; i < 150; ++i) {
    const Pay p{Name("p-", i), "a1", 1};
    b.Charge(i, p, 1);
    b.Ok(i, Name("c-", i));
    charges.push_back(Charge(Name("c-", i), p));
    charges.push_back(Charge(Name("d-", i), p));
  }
  b.ReadService(charges);
  CheckResult r = RunIdem(b.history());
  REQUIRE(r.valid == Validity::kInvalid);
  CHECK(r.details["duplicate_charges"] == 150);
  CHECK(r.details["duplicate_keys"] == 150);
  CHECK(r.details["anomalies"].size() == 100);
  CHECK(r.details["anomalies_truncated"] == true);
  CHECK(r.details["anomaly_types"] == Json::array({"duplicate-charge", "balance-mismatch"}));
  // The terminal line names the first keys only.
  CHECK(Contains(r.summary, "p-0"));
  CHECK_FALSE(Contains(r.summary, "p-99"));
}

// ---- idempotency: unknown ----

TEST_CASE("idempotency: without an ok read-service the verdict is unknown", "[payments]") {
  SECTION("absent") {
    Payments b;
    b.Charge(1, kP1, 1);
    b.Ok(1, "c-1");
    CheckResult r = RunIdem(b.history());
    CHECK(r.valid == Validity::kUnknown);
    CHECK(r.details["reason"] == "no-read-service");
    CHECK(Contains(r.summary, "no read-service op"));
    CHECK(r.details["attempts"] == 1);  // the counts so far
  }
  SECTION("its read was info") {
    Payments b;
    b.Charge(1, kP1, 1);
    b.Ok(1, "c-1");
    b.ReadService({Charge("c-1", kP1)}, {{"a1", 40}}, OpType::kInfo);
    CheckResult r = RunIdem(b.history());
    CHECK(r.valid == Validity::kUnknown);
    CHECK(r.details["reason"] == "no-read-service");
    CHECK(Contains(r.summary, "never completed ok"));
  }
  SECTION("a retried read: the last ok one counts") {
    Payments b;
    b.Charge(1, kP1, 1);
    b.Ok(1, "c-1");
    b.ReadService(Json::array(), Json::object());  // stale: before c-1 was visible
    b.ReadService(Json::array({Charge("c-1", kP1)}));
    b.ReadService(Json::array(), Json::object(), OpType::kInfo);
    CHECK(RunIdem(b.history()).valid == Validity::kValid);
  }
}

TEST_CASE("idempotency: a malformed payment op gives unknown naming its index", "[payments]") {
  SECTION("amount not an integer") {
    Payments b;
    b.Charge(1, kP1, 1);
    b.Ok(1, "c-1");
    const int64_t bad = b.Invoke(2, payment_ops::kCharge,
                                 {{"account", "a1"}, {"amount", "40"}, {"attempt", 1}}, "p2-0");
    b.Info(2);
    b.ReadService(Json::array({Charge("c-1", kP1)}));
    CheckResult r = RunIdem(b.history());
    INFO(r.summary);
    CHECK(r.valid == Validity::kUnknown);
    CHECK(r.details["reason"] == "malformed");
    CHECK(Contains(r.summary, Name("charge at index ", bad) + Name(" (line ", bad + 1) + ")"));
    CHECK(Contains(r.summary, "\"amount\" must be an integer >= 1, got \"40\""));
  }
  SECTION("no key") {
    Payments b;
    b.Invoke(1, payment_ops::kCharge, {{"account", "a1"}, {"amount", 4}, {"attempt", 1}});
    b.ReadService(Json::array(), Json::object());
    CheckResult r = RunIdem(b.history());
    CHECK(r.valid == Validity::kUnknown);
    CHECK(Contains(r.summary, "charge at index 0 (line 1): the key"));
  }
  SECTION("a retry with another amount") {
    Payments b;
    b.Charge(1, kP1, 1);
    b.Info(1);
    b.Charge(2, Pay{kP1.key, kP1.account, 41}, 2);
    b.Info(2);
    b.ReadService(Json::array(), Json::object());
    CheckResult r = RunIdem(b.history());
    CHECK(r.valid == Validity::kUnknown);
    CHECK(Contains(r.summary, "charge at index 2 (line 3): key p1-0 charges 41"));
    CHECK(Contains(r.summary, "its first attempt (op 0) charged 40"));
  }
  SECTION("an ok without a charge id") {
    Payments b;
    b.Charge(1, kP1, 1);
    b.Complete(1, OpType::kOk, {{"replayed", false}});
    b.ReadService(Json::array(), Json::object());
    CheckResult r = RunIdem(b.history());
    CHECK(r.valid == Validity::kUnknown);
    CHECK(
        Contains(r.summary, "charge at index 1 (line 2): the ok value's \"charge_id\" is missing"));
  }
  SECTION("read-service's charges") {
    Payments b;
    b.Charge(1, kP1, 1);
    b.Ok(1, "c-1");
    const int64_t read =
        b.ReadService({Charge("c-1", kP1), Json{"c-2", "p1-0", "a1"}}, {{"a1", 40}});
    CheckResult r = RunIdem(b.history());
    CHECK(r.valid == Validity::kUnknown);
    CHECK(r.details["reason"] == "malformed");
    CHECK(Contains(r.summary, Name("read-service at index ", read + 1)));
    CHECK(Contains(r.summary, "charges[1] must be an array [charge_id, key, account, amount]"));
  }
  SECTION("read-service's balances") {
    Payments b;
    b.ReadService(Json::array(), {{"a1", "zero"}});
    CheckResult r = RunIdem(b.history());
    CHECK(r.valid == Validity::kUnknown);
    CHECK(Contains(r.summary, "balances[\"a1\"] must be an integer"));
  }
}

// A correct history of `n` payments, one attempt each, all ok.
Payments Large(int n) {
  Payments b;
  Json charges = Json::array();
  for (int i = 0; i < n; ++i) {
    const Pay p{Name("p-", i), Name("a", i % 5), 1 + i % 100};
    b.Charge(i, p, 1);
    b.Ok(i, Name("c-", i));
    charges.push_back(Charge(Name("c-", i), p));
  }
  b.Drain(OpType::kOk, 0);
  b.ReadService(charges);
  b.ReadLedger(Payments::EventsOf(charges));
  return b;
}

TEST_CASE("payment checkers: the time limit gives unknown, never a guess", "[payments]") {
  const Payments b = Large(100'000);
  CheckBudget budget;
  budget.time_limit = std::chrono::milliseconds(1);
  for (const CheckResult& r : {RunIdem(b.history(), budget), RunOutbox(b.history(), budget)}) {
    INFO(r.summary);
    CHECK(r.valid == Validity::kUnknown);
    CHECK(r.details["reason"] == "time-limit");
  }
  CHECK(RunIdem(b.history()).valid == Validity::kValid);
  CHECK(RunOutbox(b.history()).valid == Validity::kValid);
}

// ---- outbox ----

TEST_CASE("outbox: every committed charge's event applied once, drained, is valid", "[payments]") {
  Payments b;
  b.Charge(1, kP1, 1);
  b.Ok(1, "c-1");
  b.Charge(2, kP2, 1);
  b.Ok(2, "c-2");
  const Json charges = {Charge("c-1", kP1), Charge("c-2", kP2)};
  const int64_t drain = b.Drain(OpType::kOk, 0);
  const int64_t service = b.ReadService(charges);
  const int64_t ledger = b.ReadLedger(Payments::EventsOf(charges));
  CheckResult r = RunOutbox(b.history());
  INFO(r.ToJson().dump(2));
  CHECK(r.valid == Validity::kValid);
  CHECK(r.details["drained"] == true);
  CHECK(r.details["outbox"] == true);
  CHECK(r.details["drain_op"] == drain);
  CHECK(r.details["read_service_op"] == service);
  CHECK(r.details["read_ledger_op"] == ledger);
  CHECK(r.details["events"] == 2);
  CHECK(r.details["committed_charges"] == 2);
  CHECK(r.details["duplicate_events"] == 0);
  CHECK(r.details["phantom_events"] == 0);
  CHECK(r.details["lost_events"] == 0);
  CHECK(r.details["undelivered"] == 0);
  CHECK(r.details["anomalies"].empty());
  CHECK(r.details["drained"] == true);
}

TEST_CASE("outbox: duplicates count only at the consumer", "[payments]") {
  // The service charged p1-0 twice (idempotency's business); the ledger applied each
  // committed charge's event once, and a deduplicated redelivery of c-2 left no trace.
  Payments b;
  b.Charge(1, kP1, 1);
  b.Info(1);
  b.Charge(2, kP1, 2);
  b.Ok(2, "c-2");
  const Json charges = {Charge("c-1", kP1), Charge("c-2", kP1)};
  b.Drain(OpType::kOk, 0);
  b.ReadService(charges);
  b.ReadLedger(Payments::EventsOf(charges));
  CheckResult outbox = RunOutbox(b.history());
  INFO(outbox.ToJson().dump(2));
  CHECK(outbox.valid == Validity::kValid);
  CHECK(outbox.details["duplicate_events"] == 0);
  CheckResult idem = RunIdem(b.history());
  CHECK(idem.valid == Validity::kInvalid);
  CHECK(idem.details["duplicate_charges"] == 1);
}

TEST_CASE("outbox: an event applied twice is a duplicate-event", "[payments]") {
  Payments b;
  b.Charge(1, kP3, 1);
  b.Ok(1, "c-9f");
  const Json charges = Json::array({Charge("c-9f", kP3)});
  b.Drain(OpType::kOk, 0);
  const int64_t service = b.ReadService(charges);
  const int64_t ledger = b.ReadLedger(Payments::EventsOf(charges, 2));
  CheckResult r = RunOutbox(b.history());
  INFO(r.ToJson().dump(2));
  REQUIRE(r.valid == Validity::kInvalid);
  CHECK(r.details["anomaly_types"] == Json::array({"duplicate-event", "ledger-balance-mismatch"}));
  CHECK(r.details["duplicate_events"] == 1);
  CHECK(r.details["duplicate_applications"] == 1);
  const Json a = Of(r, "duplicate-event")[0];
  CHECK(a["charge_id"] == "c-9f");
  CHECK(a["key"] == "p3-7");
  CHECK(a["applications"] == 2);
  CHECK(a["read"] == ledger);
  CHECK(a["account"] == "a2");
  CHECK(a["amount"] == 40);
  REQUIRE_FALSE(r.anomalies.empty());
  CHECK(r.anomalies[0].ops == std::vector<int64_t>{ledger, service});
  const Json bal = Of(r, "ledger-balance-mismatch")[0];
  CHECK(bal["account"] == "a2");
  CHECK(bal["balance"] == 80);
  CHECK(bal["expected"] == 40);
  CHECK(bal["duplicate_applications"] == 1);
  CHECK(bal["duplicate_amount"] == 40);
  CHECK(Contains(r.summary, "c-9f"));
}

TEST_CASE("outbox: an event of no committed charge is a phantom-event", "[payments]") {
  Payments b;
  b.Charge(1, kP1, 1);
  b.Fail(1);  // rolled back, yet its event went out
  b.Drain(OpType::kOk, 0);
  b.ReadService(Json::array(), Json::object());
  const int64_t ledger = b.ReadLedger(Json::array({Json{"c-1", "a1", 40, 1}}));
  CheckResult r = RunOutbox(b.history());
  INFO(r.ToJson().dump(2));
  REQUIRE(r.valid == Validity::kInvalid);
  CHECK(r.details["anomaly_types"] == Json::array({"phantom-event", "ledger-balance-mismatch"}));
  CHECK(r.details["phantom_events"] == 1);
  const Json a = Of(r, "phantom-event")[0];
  CHECK(a["charge_id"] == "c-1");
  CHECK(a["read"] == ledger);
  CHECK(a["applications"] == 1);
  CHECK(Of(r, "ledger-balance-mismatch")[0]["phantom_amount"] == 40);
}

TEST_CASE("outbox: a committed charge never applied after a drain is a lost-event", "[payments]") {
  Payments b;
  b.Charge(1, kP1, 1);
  b.Ok(1, "c-1");
  b.Charge(2, kP2, 1);
  b.Ok(2, "c-2");
  const Json charges = {Charge("c-1", kP1), Charge("c-2", kP2)};
  const int64_t drain = b.Drain(OpType::kOk, 0);
  b.ReadService(charges);
  b.ReadLedger({Json{"c-1", "a1", 40, 1}, Json{"c-2", "a2", 25, 0}});  // c-2 never applied
  CheckResult r = RunOutbox(b.history());
  INFO(r.ToJson().dump(2));
  REQUIRE(r.valid == Validity::kInvalid);
  CHECK(r.details["anomaly_types"] == Json::array({"lost-event", "ledger-balance-mismatch"}));
  CHECK(r.details["lost_events"] == 1);
  CHECK(r.details["undelivered"] == 0);
  const Json a = Of(r, "lost-event")[0];
  CHECK(a["charge_id"] == "c-2");
  CHECK(a["key"] == "p2-0");
  CHECK(r.details["drained"] == true);
  CHECK(r.details["drain_op"] == drain);
  CHECK(r.details["drain_pending"] == 0);
  const Json bal = Of(r, "ledger-balance-mismatch")[0];
  CHECK(bal["account"] == "a2");
  CHECK(bal["difference"] == -25);
  CHECK(bal["lost_events"] == 1);

  // Without an outbox (a dual write), ok with nothing pending judges lost events too.
  Payments d;
  d.Charge(1, kP1, 1);
  d.Ok(1, "c-1");
  d.Drain(OpType::kOk, 0, false);
  d.ReadService(Json::array({Charge("c-1", kP1)}));
  d.ReadLedger(Json::array(), Json::object());
  CheckResult dual = RunOutbox(d.history());
  INFO(dual.ToJson().dump(2));
  REQUIRE(dual.valid == Validity::kInvalid);
  CHECK(dual.details["outbox"] == false);
  CHECK(Of(dual, "lost-event").size() == 1);
}

TEST_CASE("outbox: an event with another amount is a wrong-event", "[payments]") {
  Payments b;
  b.Charge(1, kP1, 1);
  b.Ok(1, "c-1");
  b.Drain(OpType::kOk, 0);
  b.ReadService(Json::array({Charge("c-1", kP1)}));
  b.ReadLedger(Json::array({Json{"c-1", "a1", 45, 1}}));
  CheckResult r = RunOutbox(b.history());
  INFO(r.ToJson().dump(2));
  REQUIRE(r.valid == Validity::kInvalid);
  CHECK(r.details["anomaly_types"] == Json::array({"wrong-event", "ledger-balance-mismatch"}));
  CHECK(Of(r, "wrong-event")[0]["charge_amount"] == 40);
  CHECK(Of(r, "ledger-balance-mismatch")[0]["wrong_amount"] == 5);
}

TEST_CASE("outbox: a ledger balance off its events is a ledger-balance-mismatch", "[payments]") {
  Payments b;
  b.Charge(1, kP1, 1);
  b.Ok(1, "c-1");
  const Json charges = Json::array({Charge("c-1", kP1)});
  b.Drain(OpType::kOk, 0);
  b.ReadService(charges);
  b.ReadLedger(Payments::EventsOf(charges), {{"a1", 39}});
  CheckResult r = RunOutbox(b.history());
  INFO(r.ToJson().dump(2));
  REQUIRE(r.valid == Validity::kInvalid);
  CHECK(r.details["anomaly_types"] == Json::array({"ledger-balance-mismatch"}));
  const Json& bal = r.details["anomalies"][0];
  CHECK(bal["difference"] == -1);
  CHECK(bal["unexplained"] == -1);
  CHECK(bal["applied"] == 40);
}

TEST_CASE("outbox: undelivered events without a drain give unknown, not invalid", "[payments]") {
  Payments b;
  b.Charge(1, kP1, 1);
  b.Ok(1, "c-1");
  b.Charge(2, kP2, 1);
  b.Ok(2, "c-2");
  const Json charges = {Charge("c-1", kP1), Charge("c-2", kP2)};
  SECTION("drain info") {
    const int64_t drain = b.Drain(OpType::kInfo, 1);
    b.ReadService(charges);
    b.ReadLedger(Json::array({Json{"c-1", "a1", 40, 1}}));  // c-2 still in the outbox
    CheckResult r = RunOutbox(b.history());
    INFO(r.ToJson().dump(2));
    CHECK(r.valid == Validity::kUnknown);
    CHECK(r.details["reason"] == "undelivered");
    CHECK(r.details["undelivered"] == 1);
    CHECK(r.details["undelivered_charges"] == Json::array({"c-2"}));
    CHECK(r.details["lost_events"] == 0);
    CHECK(r.details["drained"] == false);
    CHECK(r.details["drain_op"] == drain);
    CHECK(r.details["drain_pending"] == 1);
    CHECK(r.details["ledger_balance_mismatches"] == 0);
    CHECK(r.details["anomalies"].empty());
    CHECK(r.details["undelivered"] == 1);
  }
  SECTION("no drain op") {
    b.ReadService(charges);
    b.ReadLedger(Json::array({Json{"c-1", "a1", 40, 1}}));
    CheckResult r = RunOutbox(b.history());
    CHECK(r.valid == Validity::kUnknown);
    CHECK(r.details["reason"] == "undelivered");
    CHECK(Contains(r.summary, "the history has no drain op"));
  }
  SECTION("a drain that ended after the ledger was read") {
    const int64_t read_ledger = b.next();
    b.Invoke(kFinal - 1, payment_ops::kReadLedger, nullptr);
    b.Drain(OpType::kOk, 0);
    b.Complete(kFinal - 1, OpType::kOk,
               {{"events", Json::array({Json{"c-1", "a1", 40, 1}})}, {"balances", {{"a1", 40}}}});
    b.ReadService(charges);
    CheckResult r = RunOutbox(b.history());
    INFO(r.ToJson().dump(2));
    CHECK(r.valid == Validity::kUnknown);
    CHECK(r.details["read_ledger_op"] == read_ledger);
    CHECK(r.details["drained"] == false);
  }
  SECTION("a real anomaly still makes it invalid") {
    b.Drain(OpType::kInfo, 1);
    b.ReadService(charges);
    b.ReadLedger(Json::array({Json{"c-1", "a1", 40, 2}}));
    CheckResult r = RunOutbox(b.history());
    CHECK(r.valid == Validity::kInvalid);
    CHECK(r.details["undelivered"] == 1);
    CHECK(r.details["anomaly_types"] ==
          Json::array({"duplicate-event", "ledger-balance-mismatch"}));
  }
}

TEST_CASE("outbox: a drain that timed out with nothing missing is valid", "[payments]") {
  Payments b;
  b.Charge(1, kP1, 1);
  b.Ok(1, "c-1");
  const Json charges = Json::array({Charge("c-1", kP1)});
  b.Drain(OpType::kInfo, 3);
  b.ReadService(charges);
  b.ReadLedger(Payments::EventsOf(charges));
  CheckResult r = RunOutbox(b.history());
  INFO(r.ToJson().dump(2));
  CHECK(r.valid == Validity::kValid);
  CHECK(r.details["drained"] == false);
  CHECK(r.details["undelivered"] == 0);
}

TEST_CASE("outbox: without ok final reads, or with malformed ones, the verdict is unknown",
          "[payments]") {
  const Json charges = Json::array({Charge("c-1", kP1)});
  SECTION("no read-service") {
    Payments b;
    b.Drain(OpType::kOk, 0);
    b.ReadLedger(Payments::EventsOf(charges));
    CheckResult r = RunOutbox(b.history());
    CHECK(r.valid == Validity::kUnknown);
    CHECK(r.details["reason"] == "no-read-service");
  }
  SECTION("read-ledger info") {
    Payments b;
    b.Drain(OpType::kOk, 0);
    b.ReadService(charges);
    b.ReadLedger(Payments::EventsOf(charges), Json::object(), OpType::kInfo);
    CheckResult r = RunOutbox(b.history());
    CHECK(r.valid == Validity::kUnknown);
    CHECK(r.details["reason"] == "no-read-ledger");
    CHECK(Contains(r.summary, "never completed ok"));
  }
  SECTION("malformed event") {
    Payments b;
    b.Drain(OpType::kOk, 0);
    b.ReadService(charges);
    const int64_t read = b.ReadLedger(Json::array({Json{"c-1", "a1", 40, "once"}}), {{"a1", 40}});
    CheckResult r = RunOutbox(b.history());
    CHECK(r.valid == Validity::kUnknown);
    CHECK(r.details["reason"] == "malformed");
    CHECK(Contains(r.summary, Name("read-ledger at index ", read + 1) + Name(" (line ", read + 2) +
                                  "): events[0] item 3 of [charge_id, account, amount, "
                                  "applications] must be an integer, got \"once\""));
  }
  SECTION("malformed drain") {
    Payments b;
    const int64_t drain = b.Invoke(kFinal - 1, payment_ops::kDrain, nullptr);
    b.Complete(kFinal - 1, OpType::kOk, {{"pending", "none"}});
    b.ReadService(charges);
    b.ReadLedger(Payments::EventsOf(charges));
    CheckResult r = RunOutbox(b.history());
    CHECK(r.valid == Validity::kUnknown);
    CHECK(Contains(r.summary, Name("drain at index ", drain + 1)));
  }
  SECTION("malformed charges do not matter to the outbox") {
    Payments b;
    b.Invoke(1, payment_ops::kCharge, {{"account", 7}}, "p1-0");
    b.Info(1);
    b.Drain(OpType::kOk, 0);
    b.ReadService(charges);
    b.ReadLedger(Payments::EventsOf(charges));
    CHECK(RunOutbox(b.history()).valid == Validity::kValid);
    CHECK(RunIdem(b.history()).valid == Validity::kUnknown);
  }
}

// ---- offline: a history file ----

// A fresh directory under the temp directory, removed with its files.
struct TempDir {
  TempDir() : path(fs::temp_directory_path() / (Name("coordcheck-payments-test-", ::getpid()))) {
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  fs::path path;
};

TEST_CASE("payment checkers: a history.jsonl read from disk is checked offline", "[payments]") {
  // p1-0 timed out, was retried and charged twice; p2-0 once. Every event reached the ledger
  // once, after a clean drain.
  const std::string text =
      R"({"index":0,"time":1000,"process":0,"type":"invoke","f":"charge","key":"p1-0","value":{"account":"a1","amount":40,"attempt":1}}
{"index":1,"time":2000,"process":1,"type":"invoke","f":"charge","key":"p2-0","value":{"account":"a2","amount":25,"attempt":1}}
{"index":2,"time":3000,"process":1,"type":"ok","f":"charge","key":"p2-0","value":{"account":"a2","amount":25,"attempt":1,"charge_id":"c-2","replayed":false}}
{"index":3,"time":4000,"process":0,"type":"info","f":"charge","key":"p1-0","value":{"account":"a1","amount":40,"attempt":1},"error":"timeout"}
{"index":4,"time":5000,"process":2,"type":"invoke","f":"charge","key":"p1-0","value":{"account":"a1","amount":40,"attempt":2}}
{"index":5,"time":6000,"process":2,"type":"ok","f":"charge","key":"p1-0","value":{"account":"a1","amount":40,"attempt":2,"charge_id":"c-3","replayed":false}}
{"index":6,"time":7000,"process":"nemesis","type":"info","f":"start-partition","value":{"n1":["n2"]}}
{"index":7,"time":8000,"process":9,"type":"invoke","f":"drain","value":null}
{"index":8,"time":9000,"process":9,"type":"ok","f":"drain","value":{"pending":0,"outbox":true}}
{"index":9,"time":10000,"process":9,"type":"invoke","f":"read-service","value":null}
{"index":10,"time":11000,"process":9,"type":"ok","f":"read-service","value":{"charges":[["c-1","p1-0","a1",40],["c-2","p2-0","a2",25],["c-3","p1-0","a1",40]],"balances":{"a1":80,"a2":25}}}
{"index":11,"time":12000,"process":9,"type":"invoke","f":"read-ledger","value":null}
{"index":12,"time":13000,"process":9,"type":"ok","f":"read-ledger","value":{"events":[["c-1","a1",40,1],["c-2","a2",25,1],["c-3","a1",40,1]],"balances":{"a1":80,"a2":25}}}
)";
  TempDir dir;
  const fs::path file = dir.path / "history.jsonl";
  {
    std::ofstream out(file, std::ios::binary);
    out << text;
  }
  History h;
  const Status error = ReadHistoryFile(file.string(), &h);
  INFO(error.message());
  REQUIRE(error.ok());
  REQUIRE(h.size() == 13);

  CheckResult idem = IdempotencyChecker().Check(h, CheckBudget{});
  INFO(idem.ToJson().dump(2));
  REQUIRE(idem.valid == Validity::kInvalid);
  const Json& dup = idem.details["anomalies"][0];
  CHECK(dup["type"] == "duplicate-charge");
  CHECK(dup["key"] == "p1-0");
  CHECK(dup["attempts"] == Json::array({0, 4}));
  CHECK(dup["read"] == 9);

  CheckResult outbox = OutboxChecker().Check(h, CheckBudget{});
  INFO(outbox.ToJson().dump(2));
  CHECK(outbox.valid == Validity::kValid);
  CHECK(outbox.details["events"] == 3);

  // Composed as a run composes them: invalid wins.
  std::vector<std::unique_ptr<Checker>> both;
  both.push_back(std::make_unique<IdempotencyChecker>());
  both.push_back(std::make_unique<OutboxChecker>());
  CheckResult composed = ComposeChecker(std::move(both)).Check(h, CheckBudget{});
  CHECK(composed.valid == Validity::kInvalid);
  CHECK(composed.details["idempotency"]["verdict"] == "invalid");
  CHECK(composed.details["outbox"]["verdict"] == "valid");
}

// ---- simulations ----

// A correct idempotent service with an outbox: `n` payments of 1-3 attempts, each ok, info
// (applied or not, at random) or fail; the stored response answers every attempt after the
// first applied one. Returns the history's parts so a test can break them.
struct Sim {
  Payments b;
  Json charges = Json::array();
  std::vector<std::string> acked_keys;
};

Sim Simulate(uint64_t seed, int n) {
  std::mt19937_64 rng(seed);
  auto pick = [&](int k) { return static_cast<int>(rng() % static_cast<uint64_t>(k)); };
  Sim s;
  int64_t process = 0;
  int64_t next_id = 0;
  for (int i = 0; i < n; ++i) {
    const Pay p{Name("p", i % 4) + Name("-", i), Name("a", 1 + pick(3)), 1 + pick(100)};
    const int attempts = 1 + pick(3);
    std::string applied;  // the charge id once the payment took effect
    bool acked = false;
    for (int a = 1; a <= attempts; ++a) {
      s.b.Charge(process, p, a);
      const int outcome = pick(3);
      if (outcome == 0) {  // ok: applies now or replays the stored response
        const bool replay = !applied.empty();
        if (!replay) applied = Name("c-", next_id++);
        s.b.Ok(process, applied, replay);
        acked = true;
      } else if (outcome == 1) {  // info: may or may not have applied
        if (applied.empty() && pick(2) == 0) applied = Name("c-", next_id++);
        s.b.Info(process);
      } else {
        s.b.Fail(process);
      }
      ++process;  // a fresh process per attempt keeps every history well formed
    }
    if (!applied.empty()) s.charges.push_back(Charge(applied, p));
    if (acked) s.acked_keys.push_back(p.key);
  }
  return s;
}

void Finish(Sim& s, const Json& events) {
  s.b.Drain(OpType::kOk, 0);
  s.b.ReadService(s.charges);
  s.b.ReadLedger(events);
}

TEST_CASE("payment checkers: simulated correct services pass, injected anomalies fail",
          "[payments]") {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    INFO("seed " << seed);
    {
      Sim s = Simulate(seed, 300);
      Finish(s, Payments::EventsOf(s.charges));
      CheckResult idem = RunIdem(s.b.history());
      INFO(idem.summary);
      CHECK(idem.valid == Validity::kValid);
      CheckResult outbox = RunOutbox(s.b.history());
      INFO(outbox.summary);
      CHECK(outbox.valid == Validity::kValid);
    }
    {  // a second charge for one acknowledged key
      Sim s = Simulate(seed, 300);
      REQUIRE_FALSE(s.acked_keys.empty());
      const std::string key = s.acked_keys[seed % s.acked_keys.size()];
      for (const Json& c : Json(s.charges)) {
        if (c[1] == key) s.charges.push_back({"dup-" + c[0].get<std::string>(), c[1], c[2], c[3]});
      }
      Finish(s, Payments::EventsOf(s.charges));
      CheckResult r = RunIdem(s.b.history());
      REQUIRE(r.valid == Validity::kInvalid);
      REQUIRE(Of(r, "duplicate-charge").size() == 1);
      CHECK(Of(r, "duplicate-charge")[0]["key"] == key);
      CHECK(r.details["duplicate_charges"] == 1);
      CHECK(RunOutbox(s.b.history()).valid == Validity::kValid);
    }
    {  // an acknowledged key's charge dropped, and one event applied twice
      Sim s = Simulate(seed, 300);
      const std::string key = s.acked_keys[(seed * 7) % s.acked_keys.size()];
      Json kept = Json::array();
      for (const Json& c : s.charges) {
        if (c[1] != key) kept.push_back(c);
      }
      s.charges = kept;
      Json events = Payments::EventsOf(s.charges);
      events[0][3] = 2;
      Finish(s, events);
      CheckResult r = RunIdem(s.b.history());
      REQUIRE(r.valid == Validity::kInvalid);
      CHECK(Of(r, "lost-charge").at(0)["key"] == key);
      CheckResult o = RunOutbox(s.b.history());
      REQUIRE(o.valid == Validity::kInvalid);
      CHECK(o.details["duplicate_events"] == 1);
      CHECK(Of(o, "duplicate-event").at(0)["charge_id"] == events[0][0]);
    }
  }
}

// ---- typed anomalies ----

TEST_CASE("outbox: a typed lost-event names the reads and the drain", "[payments]") {
  Payments b;
  b.Charge(1, kP1, 1);
  b.Ok(1, "c-1");
  const int64_t drain = b.Drain(OpType::kOk, 0);
  const int64_t service = b.ReadService(Json::array({Charge("c-1", kP1)}));
  const int64_t ledger = b.ReadLedger(Json::array(), Json::object());
  CheckResult r = RunOutbox(b.history());
  INFO(r.ToJson().dump(2));
  REQUIRE(r.valid == Validity::kInvalid);
  REQUIRE_FALSE(r.anomalies.empty());
  CHECK(r.anomalies[0].type == "lost-event");
  CHECK(r.anomalies[0].ops == std::vector<int64_t>{ledger, service, drain});
  CHECK(r.anomalies[0].start_ns.has_value());
}

}  // namespace
}  // namespace coordcheck::test
