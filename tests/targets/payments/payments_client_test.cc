// PaymentsClient against scripted fake services and a fake ledger on loopback: how each
// answer (or its absence) maps to ok / fail / info, that a timed-out connection is never
// reused, that a retry goes to the next service instance, drain's polling and its deadline,
// and which node the reads go to.
#include "targets/payments/client.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "targets/wire/json_line.h"
#include "targets/wire/wire.h"
#include "tests/support/loopback.h"
#include "tests/support/slack.h"

namespace coordcheck::payments {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

Clock::time_point In(int64_t ms) { return Clock::now() + std::chrono::milliseconds(ms); }

int64_t MsSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// What a fake node does with one request line.
struct Action {
  enum class Kind { kAnswer, kSilent, kClose };
  Kind kind = Kind::kAnswer;
  std::string line;  // kAnswer: the answer (without '\n')
  int delay_ms = 0;  // kAnswer: written this long after the request arrived
};

Action Answer(const Json& answer, int delay_ms = 0) {
  return Action{Action::Kind::kAnswer, wire::Dump(answer), delay_ms};
}
Action RawAnswer(std::string line) { return Action{Action::Kind::kAnswer, std::move(line), 0}; }
Action Silent() { return Action{Action::Kind::kSilent, "", 0}; }
Action Hangup() { return Action{Action::Kind::kClose, "", 0}; }

// A line-protocol server on 127.0.0.1 answering each request as `handler` says (called
// under a lock, in arrival order), one thread per connection; it records every request with
// the number of the connection it came on (1, 2, ...).
class FakeNode {
 public:
  using Handler = std::function<Action(const Json& request)>;

  explicit FakeNode(Handler handler) : handler_(std::move(handler)) {
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }
  ~FakeNode() {
    stop_ = true;
    acceptor_.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      threads.swap(threads_);
    }
    for (std::thread& t : threads) t.join();
  }
  FakeNode(const FakeNode&) = delete;
  FakeNode& operator=(const FakeNode&) = delete;

  int port() const { return listener_.port(); }
  std::vector<std::pair<int, Json>> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  int connections() {
    std::lock_guard<std::mutex> lock(mu_);
    return connections_;
  }

 private:
  void AcceptLoop() {
    while (!stop_) {
      pollfd p{listener_.fd(), POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      const int fd = accept4(listener_.fd(), nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard<std::mutex> lock(mu_);
      const int number = ++connections_;
      threads_.emplace_back([this, fd, number] { Serve(fd, number); });
    }
  }

  void Serve(int fd, int number) {
    wire::LineReader reader;
    std::string line;
    while (!stop_) {
      wire::IoResult io = reader.ReadLine(fd, In(20), &line);
      if (io.code == wire::IoCode::kTimeout) continue;
      if (!io.ok()) break;
      Action action;
      {
        std::lock_guard<std::mutex> lock(mu_);
        Json request = Json::parse(line, nullptr, false);
        requests_.emplace_back(number, request);
        action = handler_(request);
      }
      if (action.kind == Action::Kind::kClose) break;
      if (action.kind == Action::Kind::kSilent) continue;
      if (action.delay_ms > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(action.delay_ms));
      size_t sent = 0;
      wire::WriteAll(fd, action.line + "\n", In(1000), &sent);
    }
    close(fd);
  }

  nodetest::LoopbackListener listener_;
  Handler handler_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::thread acceptor_;
  std::vector<std::thread> threads_;
  std::vector<std::pair<int, Json>> requests_;
  int connections_ = 0;
};

// Routes "fake" addresses to loopback ports, checking the client asked for the port its
// role has (service_port or ledger_port); records every connect.
class RoutingDialer final : public control::Dialer {
 public:
  struct Route {
    int expected_port = 0;
    int real_port = 0;
  };
  Result<int> Connect(const std::string& address, int port,
                               std::chrono::milliseconds timeout) override {
    std::lock_guard<std::mutex> lock(mu_);
    connects.push_back(address);
    auto it = routes.find(address);
    if (it == routes.end()) return Result<int>::Error("no route to " + address);
    CHECK(port == it->second.expected_port);
    return wire::DialTcp("127.0.0.1", it->second.real_port, timeout);
  }

  std::map<std::string, Route> routes;
  std::vector<std::string> connects;

 private:
  std::mutex mu_;
};

constexpr int kServicePort = 7500;
constexpr int kLedgerPort = 7600;

PaymentsOptions FastOptions() {
  PaymentsOptions o;
  o.attempt_timeout_ms = 100;
  o.service_port = kServicePort;
  o.ledger_port = kLedgerPort;
  return o;
}

// A client environment with `nodes` at addresses "addr-<node>", routed by `dialer`.
ClientEnv Env(RoutingDialer* dialer, std::vector<std::string> nodes, int extra_nodes = 0) {
  ClientEnv env;
  env.dialer = dialer;
  env.nodes = std::move(nodes);
  env.extra_nodes = extra_nodes;
  for (const std::string& n : env.nodes) env.addresses[n] = "addr-" + n;
  env.concurrency = 4;
  return env;
}

void Route(RoutingDialer& dialer, const std::string& node, int expected_port, int real_port) {
  dialer.routes["addr-" + node] = RoutingDialer::Route{expected_port, real_port};
}

Op ChargeOp(const std::string& key, int64_t attempt, const std::string& account = "a1",
            int64_t amount = 5) {
  Op op;
  op.process = 3;
  op.f = "charge";
  op.key = key;
  op.value = Json{{"account", account}, {"amount", amount}, {"attempt", attempt}};
  return op;
}

Op FinalOp(const std::string& f) {
  Op op;
  op.process = 7;
  op.f = f;
  return op;
}

// A service that answers every charge with `answer` and records nothing else.
FakeNode::Handler Always(Json answer) {
  return [answer](const Json&) { return Answer(answer); };
}

TEST_CASE("payments client: an ok answer completes the charge ok with its charge id",
          "[payments][client]") {
  FakeNode service(Always({{"ok", true}, {"charge_id", "c-17"}, {"replayed", false}}));
  RoutingDialer dialer;
  Route(dialer, "n1", kServicePort, service.port());
  PaymentsClient client(Store::kSqlite, FastOptions());
  REQUIRE(client.Open(Env(&dialer, {"n1", "n2"}), "n1").ok());
  CHECK(client.layout().services == std::vector<std::string>{"n1"});
  CHECK(client.layout().ledger == "n2");

  const Op invoke = ChargeOp("p0-1", 1, "a3", 42);
  Op done = client.Invoke(invoke, In(2000));
  INFO(done.error);
  CHECK(done.type == OpType::kOk);
  CHECK(done.f == "charge");
  CHECK(done.key == "p0-1");
  CHECK(done.node == "n1");
  CHECK(done.value == Json{{"account", "a3"},
                           {"amount", 42},
                           {"attempt", 1},
                           {"charge_id", "c-17"},
                           {"replayed", false}});
  auto requests = service.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].second ==
        Json{{"op", "charge"}, {"key", "p0-1"}, {"account", "a3"}, {"amount", 42}});

  // A second charge reuses the connection.
  CHECK(client.Invoke(ChargeOp("p0-2", 1), In(2000)).type == OpType::kOk);
  CHECK(service.connections() == 1);
  client.Close();
}

TEST_CASE("payments client: a definite failure is fail, an indefinite one or garbage is info",
          "[payments][client]") {
  std::vector<Action> script = {
      Answer({{"ok", false}, {"definite", true}, {"error", "rolled back: card declined"}}),
      Answer({{"ok", false}, {"definite", false}, {"error", "commit outcome unknown"}}),
      Answer({{"ok", false}, {"error", "no definite field"}}),
      RawAnswer("this is not json"),
      Answer({{"ok", true}, {"replayed", false}}),  // ok without a charge id
      Hangup(),
  };
  size_t next = 0;
  FakeNode service([&](const Json&) { return script.at(next++); });
  RoutingDialer dialer;
  Route(dialer, "n1", kServicePort, service.port());
  PaymentsClient client(Store::kSqlite, FastOptions());
  REQUIRE(client.Open(Env(&dialer, {"n1", "n2"}), "n2").ok());

  Op declined = client.Invoke(ChargeOp("p1-1", 1), In(2000));
  CHECK(declined.type == OpType::kFail);
  CHECK(declined.error == "rolled back: card declined");
  CHECK(declined.value == ChargeOp("p1-1", 1).value);

  Op unknown = client.Invoke(ChargeOp("p1-2", 1), In(2000));
  CHECK(unknown.type == OpType::kInfo);
  CHECK(unknown.error == "commit outcome unknown");
  CHECK(unknown.value == ChargeOp("p1-2", 1).value);

  CHECK(client.Invoke(ChargeOp("p1-3", 1), In(2000)).type == OpType::kInfo);

  Op garbled = client.Invoke(ChargeOp("p1-4", 1), In(2000));
  CHECK(garbled.type == OpType::kInfo);
  CHECK(garbled.error.get<std::string>().find("unexpected answer") != std::string::npos);

  CHECK(client.Invoke(ChargeOp("p1-5", 1), In(2000)).type == OpType::kInfo);

  Op lost = client.Invoke(ChargeOp("p1-6", 1), In(2000));
  CHECK(lost.type == OpType::kInfo);
  CHECK(lost.error.get<std::string>().find("connection lost after sending") != std::string::npos);
}

TEST_CASE("payments client: no answer within the attempt timeout is info on a dropped connection",
          "[payments][client]") {
  // The first charge's answer comes late, after the client gave up on it; the second
  // charge's comes at once. A client reusing the connection would read the late one.
  int charges = 0;
  FakeNode service([&](const Json& request) {
    ++charges;
    const std::string id = "c-" + request["key"].get<std::string>();
    return Answer({{"ok", true}, {"charge_id", id}, {"replayed", false}}, charges == 1 ? 250 : 0);
  });
  RoutingDialer dialer;
  Route(dialer, "n1", kServicePort, service.port());
  PaymentsClient client(Store::kSqlite, FastOptions());
  REQUIRE(client.Open(Env(&dialer, {"n1", "n2"}), "n1").ok());

  const auto start = Clock::now();
  Op slow = client.Invoke(ChargeOp("p0-1", 1), In(5000));  // the op deadline is not the limit
  const int64_t took = MsSince(start);
  INFO(slow.error);
  CHECK(slow.type == OpType::kInfo);
  CHECK(slow.error.get<std::string>().find("no answer in time") != std::string::npos);
  CHECK(took >= 90);
  CHECK(took < 100 + testtime::kSlack.count());  // the attempt's timeout, not the op's 5 s

  Op retry = client.Invoke(ChargeOp("p0-1", 2), In(2000));
  INFO(retry.error);
  CHECK(retry.type == OpType::kOk);
  CHECK(retry.value["charge_id"] == "c-p0-1");
  CHECK(retry.value["attempt"] == 2);
  auto requests = service.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].first == 1);
  CHECK(requests[1].first == 2);  // a fresh connection
  CHECK(service.connections() == 2);
}

TEST_CASE("payments client: the op's deadline bounds an attempt shorter than its timeout",
          "[payments][client]") {
  FakeNode service([](const Json&) { return Silent(); });
  RoutingDialer dialer;
  Route(dialer, "n1", kServicePort, service.port());
  PaymentsOptions options = FastOptions();
  options.attempt_timeout_ms = 5000;
  PaymentsClient client(Store::kSqlite, options);
  REQUIRE(client.Open(Env(&dialer, {"n1", "n2"}), "n1").ok());
  const auto start = Clock::now();
  Op done = client.Invoke(ChargeOp("p0-1", 1), In(150));
  CHECK(done.type == OpType::kInfo);
  CHECK(MsSince(start) < 150 + testtime::kSlack.count());  // not the attempt's 5 s

  Op late = client.Invoke(ChargeOp("p0-2", 1), Clock::now() - 1ms);
  CHECK(late.type == OpType::kFail);
  CHECK(late.error.get<std::string>().find("deadline passed before the request was sent") !=
        std::string::npos);
}

TEST_CASE("payments client: a refused connection is fail, and the client recovers after it",
          "[payments][client]") {
  nodetest::LoopbackListener gone;
  const int port = gone.port();
  gone.Close();
  RoutingDialer dialer;
  Route(dialer, "n1", kServicePort, port);
  PaymentsClient client(Store::kSqlite, FastOptions());
  REQUIRE(client.Open(Env(&dialer, {"n1", "n2"}), "n1").ok());
  Op refused = client.Invoke(ChargeOp("p0-1", 1), In(2000));
  INFO(refused.error);
  CHECK(refused.type == OpType::kFail);
  CHECK(refused.node == "n1");
  CHECK(refused.error.get<std::string>().find("n1 (addr-n1:7500)") != std::string::npos);

  // The service comes back: the next attempt dials again.
  FakeNode service(Always({{"ok", true}, {"charge_id", "c-1"}, {"replayed", true}}));
  Route(dialer, "n1", kServicePort, service.port());
  Op retried = client.Invoke(ChargeOp("p0-1", 2), In(2000));
  CHECK(retried.type == OpType::kOk);
  CHECK(retried.value["replayed"] == true);
}

TEST_CASE("payments client: attempt i goes to the next service instance", "[payments][client]") {
  const Json ok = {{"ok", true}, {"charge_id", "c"}, {"replayed", false}};
  FakeNode s2(Always(ok)), s3(Always(ok)), ledger(Always(ok));
  RoutingDialer dialer;
  Route(dialer, "n2", kServicePort, s2.port());
  Route(dialer, "n3", kServicePort, s3.port());
  Route(dialer, "n4", kLedgerPort, ledger.port());
  const std::vector<std::string> nodes = {"n1", "n2", "n3", "n4"};  // n1 = PostgreSQL

  PaymentsClient from_n1(Store::kPostgres, FastOptions());
  REQUIRE(from_n1.Open(Env(&dialer, nodes), "n1").ok());
  CHECK(from_n1.layout().db == "n1");
  CHECK(from_n1.layout().services == std::vector<std::string>{"n2", "n3"});
  CHECK(from_n1.layout().ledger == "n4");
  CHECK(from_n1.Invoke(ChargeOp("p0-1", 1), In(2000)).node == "n2");
  CHECK(from_n1.Invoke(ChargeOp("p0-1", 2), In(2000)).node == "n3");
  CHECK(from_n1.Invoke(ChargeOp("p0-1", 3), In(2000)).node == "n2");
  CHECK(s2.requests().size() == 2);
  CHECK(s3.requests().size() == 1);

  // Another home node starts elsewhere.
  PaymentsClient from_n2(Store::kPostgres, FastOptions());
  REQUIRE(from_n2.Open(Env(&dialer, nodes), "n2").ok());
  Op first = from_n2.Invoke(ChargeOp("p1-1", 1), In(2000));
  CHECK(first.type == OpType::kOk);
  CHECK(first.node == "n3");
  CHECK(from_n2.Invoke(ChargeOp("p1-1", 2), In(2000)).node == "n2");
  CHECK(ledger.requests().empty());
}

TEST_CASE("payments client: drain polls until the outbox is empty", "[payments][client]") {
  std::vector<int> pending = {3, 2, 0};
  size_t polls = 0;
  FakeNode service([&](const Json& request) {
    CHECK(request == Json{{"op", "pending"}});
    const int p = pending.at(std::min(polls++, pending.size() - 1));
    return Answer({{"ok", true}, {"pending", p}, {"outbox", true}, {"charging", 0}});
  });
  RoutingDialer dialer;
  Route(dialer, "n1", kServicePort, service.port());
  PaymentsClient client(Store::kSqlite, FastOptions());
  REQUIRE(client.Open(Env(&dialer, {"n1", "n2"}), "n1").ok());
  const auto start = Clock::now();
  Op done = client.Invoke(FinalOp("drain"), In(3000));
  INFO(done.error);
  CHECK(done.type == OpType::kOk);
  CHECK(done.value == Json{{"pending", 0}, {"outbox", true}});
  CHECK(service.requests().size() == 3);
  CHECK(MsSince(start) >= 90);  // two pauses of ~50 ms between the polls
}

TEST_CASE("payments client: drain without an outbox is ok at once", "[payments][client]") {
  FakeNode service(Always({{"ok", true}, {"pending", 0}, {"outbox", false}, {"charging", 0}}));
  RoutingDialer dialer;
  Route(dialer, "n1", kServicePort, service.port());
  PaymentsClient client(Store::kSqlite, FastOptions());
  REQUIRE(client.Open(Env(&dialer, {"n1", "n2"}), "n1").ok());
  Op done = client.Invoke(FinalOp("drain"), In(3000));
  CHECK(done.type == OpType::kOk);
  CHECK(done.value == Json{{"pending", 0}, {"outbox", false}});
}

TEST_CASE("payments client: drain gives info at the deadline while events are pending",
          "[payments][client]") {
  FakeNode service(Always({{"ok", true}, {"pending", 5}, {"outbox", true}, {"charging", 0}}));
  RoutingDialer dialer;
  Route(dialer, "n1", kServicePort, service.port());
  PaymentsClient client(Store::kSqlite, FastOptions());
  REQUIRE(client.Open(Env(&dialer, {"n1", "n2"}), "n1").ok());
  const auto start = Clock::now();
  const auto deadline = In(1000);
  Op done = client.Invoke(FinalOp("drain"), deadline);
  INFO(done.error);
  CHECK(done.type == OpType::kInfo);
  CHECK(done.value == Json{{"pending", 5}, {"outbox", true}});
  CHECK(done.error.get<std::string>().find("5 undelivered") != std::string::npos);
  CHECK(Clock::now() < deadline + testtime::kSlack);  // it stops polling by the deadline
  CHECK(MsSince(start) >= 700);  // polled until ~200 ms before the deadline
  CHECK(service.requests().size() >= 8);
}

// A charge whose client gave up may still commit on its instance; if that came after
// read-service, its event would reach the ledger as one of no committed charge (seen under
// disk faults: a charge waiting 5 s on SQLite's lock committed between the final reads).
TEST_CASE("payments client: drain waits until no instance is still working on a charge",
          "[payments][client]") {
  std::vector<int> charging = {2, 1, 0};
  size_t polls = 0;
  FakeNode s2([&](const Json&) {
    const int c = charging.at(std::min(polls++, charging.size() - 1));
    return Answer({{"ok", true}, {"pending", 0}, {"outbox", true}, {"charging", c}});
  });
  FakeNode s3(Always({{"ok", true}, {"pending", 0}, {"outbox", true}, {"charging", 0}}));
  RoutingDialer dialer;
  Route(dialer, "n2", kServicePort, s2.port());
  Route(dialer, "n3", kServicePort, s3.port());
  PaymentsClient client(Store::kPostgres, FastOptions());
  REQUIRE(client.Open(Env(&dialer, {"n1", "n2", "n3", "n4"}), "n1").ok());
  Op done = client.Invoke(FinalOp("drain"), In(3000));
  INFO(done.error);
  CHECK(done.type == OpType::kOk);
  CHECK(done.value == Json{{"pending", 0}, {"outbox", true}});
  CHECK(s2.requests().size() == 3);  // until it reported no charge in progress
  CHECK(s3.requests().size() == 3);  // every instance, every round

  // Still working at the deadline: info, saying which instance.
  FakeNode busy(Always({{"ok", true}, {"pending", 0}, {"outbox", true}, {"charging", 1}}));
  Route(dialer, "n2", kServicePort, busy.port());
  PaymentsClient late(Store::kPostgres, FastOptions());
  REQUIRE(late.Open(Env(&dialer, {"n1", "n2", "n3", "n4"}), "n1").ok());
  Op info = late.Invoke(FinalOp("drain"), In(600));
  CHECK(info.type == OpType::kInfo);
  CHECK(info.error.get<std::string>().find("n2") != std::string::npos);
  CHECK(info.error.get<std::string>().find("still working on 1 charges") != std::string::npos);
}

TEST_CASE("payments client: an instance that does not answer keeps drain from ending",
          "[payments][client]") {
  // It may still be working on a charge: quiet is not known.
  FakeNode s3(Always({{"ok", true}, {"pending", 0}, {"outbox", true}, {"charging", 0}}));
  nodetest::LoopbackListener gone;
  const int port = gone.port();
  gone.Close();
  RoutingDialer dialer;
  Route(dialer, "n2", kServicePort, port);
  Route(dialer, "n3", kServicePort, s3.port());
  PaymentsClient client(Store::kPostgres, FastOptions());
  REQUIRE(client.Open(Env(&dialer, {"n1", "n2", "n3", "n4"}), "n1").ok());
  Op done = client.Invoke(FinalOp("drain"), In(600));
  INFO(done.error);
  CHECK(done.type == OpType::kInfo);
  CHECK(done.value == Json{{"pending", 0}, {"outbox", true}});  // n3's count was heard
  CHECK(s3.requests().size() >= 2);

  // Nothing answers at all: info with no count.
  dialer.routes.clear();
  PaymentsClient cut_off(Store::kPostgres, FastOptions());
  REQUIRE(cut_off.Open(Env(&dialer, {"n1", "n2", "n3", "n4"}), "n1").ok());
  Op none = cut_off.Invoke(FinalOp("drain"), In(500));
  CHECK(none.type == OpType::kInfo);
  CHECK(none.value == Json{{"pending", nullptr}, {"outbox", true}});
}

TEST_CASE("payments client: read-ledger goes to the ledger, read-service to a service",
          "[payments][client]") {
  const Json service_read = {{"ok", true},
                             {"charges", Json::array({Json::array({"c1", "p0-1", "a1", 5})})},
                             {"balances", {{"a1", 5}}}};
  const Json ledger_read = {{"ok", true},
                            {"events", Json::array({Json::array({"c1", "a1", 5, 2})})},
                            {"balances", {{"a1", 10}}}};
  FakeNode service(Always(service_read)), ledger(Always(ledger_read));
  RoutingDialer dialer;
  Route(dialer, "n1", kServicePort, service.port());
  Route(dialer, "n2", kLedgerPort, ledger.port());
  PaymentsClient client(Store::kSqlite, FastOptions());
  // An extra node at the end is not part of the layout.
  REQUIRE(client.Open(Env(&dialer, {"n1", "n2", "x1"}, 1), "n1").ok());
  CHECK(client.layout().ledger == "n2");

  Op ledger_done = client.Invoke(FinalOp("read-ledger"), In(2000));
  INFO(ledger_done.error);
  CHECK(ledger_done.type == OpType::kOk);
  CHECK(ledger_done.node == "n2");
  CHECK(ledger_done.value ==
        Json{{"events", ledger_read["events"]}, {"balances", ledger_read["balances"]}});
  REQUIRE(ledger.requests().size() == 1);
  CHECK(ledger.requests()[0].second == Json{{"op", "read"}});
  CHECK(service.requests().empty());

  Op service_done = client.Invoke(FinalOp("read-service"), In(2000));
  CHECK(service_done.type == OpType::kOk);
  CHECK(service_done.node == "n1");
  CHECK(service_done.value ==
        Json{{"charges", service_read["charges"]}, {"balances", service_read["balances"]}});
  CHECK(service.requests().size() == 1);
}

TEST_CASE("payments client: failed reads, unknown ops and bad setups", "[payments][client]") {
  FakeNode silent([](const Json&) { return Silent(); });
  nodetest::LoopbackListener gone;
  const int port = gone.port();
  gone.Close();
  RoutingDialer dialer;
  Route(dialer, "n1", kServicePort, port);
  Route(dialer, "n2", kLedgerPort, silent.port());
  PaymentsClient client(Store::kSqlite, FastOptions());
  REQUIRE(client.Open(Env(&dialer, {"n1", "n2"}), "n1").ok());

  CHECK(client.Invoke(FinalOp("read-service"), In(1000)).type == OpType::kFail);  // not sent
  Op ledger = client.Invoke(FinalOp("read-ledger"), In(300));
  CHECK(ledger.type == OpType::kInfo);  // sent, never answered
  CHECK(ledger.node == "n2");

  Op unknown = client.Invoke(FinalOp("refund"), In(1000));
  CHECK(unknown.type == OpType::kFail);
  CHECK(unknown.error.get<std::string>().find("unknown op") != std::string::npos);

  Op bad = ChargeOp("p0-1", 1);
  bad.value.erase("amount");
  CHECK(client.Invoke(bad, In(1000)).type == OpType::kFail);

  PaymentsClient pg(Store::kPostgres, FastOptions());
  CHECK_FALSE(pg.Open(Env(&dialer, {"n1", "n2"}), "n1").ok());          // needs 3 nodes
  CHECK_FALSE(pg.Open(Env(&dialer, {"n1", "n2", "x"}, 1), "n1").ok());  // x is extra
  CHECK_FALSE(client.Open(Env(&dialer, {"n1", "n2"}), "n9").ok());
  CHECK_FALSE(client.Open(Env(nullptr, {"n1", "n2"}), "n1").ok());
  ClientEnv no_address = Env(&dialer, {"n1", "n2"});
  no_address.addresses.erase("n2");
  CHECK_FALSE(client.Open(no_address, "n1").ok());
}

}  // namespace
}  // namespace coordcheck::payments
