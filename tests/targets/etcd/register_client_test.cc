// EtcdRegisterClient, the `etcd` target's client: the register ops' mapping on a real
// single-member etcd (write then read, cas that matches and that does not, cas on an absent
// key with expected null, reads of absent keys, null as an absent key, a request etcd
// refuses), a read that is linearizable (no answer from a member cut off from its quorum,
// where a serializable read answers), and answers a gateway may give, canned by a
// TinyServer: errors that mean "not applied" fail, uncertain ones and answers that cannot be
// read are info; an unreachable or silent node is named.

#include <catch2/catch.hpp>
#include <string>

#include "harness/control/dialers.h"
#include "targets/etcd/gateway.h"
#include "targets/etcd/register_client.h"
#include "targets/etcd/target.h"
#include "tests/support/loopback.h"
#include "tests/targets/etcd/etcd_test_util.h"
#include "tests/targets/etcd/tiny_http_server.h"

namespace {

using coordcheck::ClientEnv;
using coordcheck::Json;
using coordcheck::Op;
using coordcheck::OpType;
using coordcheck::etcd::EtcdRegisterClient;
using etcdtest::EtcdCluster;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
namespace control = coordcheck::control;
namespace etcd = coordcheck::etcd;

ClientEnv EnvOf(EtcdCluster& c) {
  ClientEnv env;
  env.dialer = &c.cluster().dialer();
  for (const control::NodeInfo& n : c.env().nodes) {
    env.nodes.push_back(n.name);
    env.addresses[n.name] = n.address;
  }
  return env;
}

// A client at home on "n1" of 127.0.0.1:`port`.
ClientEnv LoopbackEnv(control::Dialer& dialer, int port) {
  ClientEnv env;
  env.dialer = &dialer;
  env.nodes = {"n1"};
  env.addresses["n1"] = "127.0.0.1";
  env.options = Json{{"client_port", port}, {"peer_port", port == 2380 ? 2381 : 2380}};
  return env;
}

Op Do(EtcdRegisterClient& client, const std::string& f, const Json& key, const Json& value,
      milliseconds timeout = milliseconds(5000)) {
  Op invoke;
  invoke.process = 0;
  invoke.f = f;
  invoke.key = key;
  invoke.value = value;
  Op done = client.Invoke(invoke, Clock::now() + timeout);
  INFO(f << " " << key.dump() << " " << value.dump() << " -> " << OpTypeName(done.type) << " "
         << done.value.dump() << " " << done.error.dump());
  CHECK(done.f == f);
  CHECK(done.key == key);
  CHECK(done.is_completion());
  return done;
}

std::string ErrorOf(const Op& op) {
  return op.error.is_string() ? op.error.get<std::string>() : "";
}

// The completion of one `f` op whose gateway call gets `answer` (a whole HTTP response).
Op WithCannedAnswer(const std::string& f, const Json& value, const std::string& answer) {
  etcdtest::TinyServer server([&](int fd, const etcdtest::Request&) {
    etcdtest::Send(fd, answer);
    return true;
  });
  control::LocalDialer dialer;
  EtcdRegisterClient client;
  REQUIRE(client.Open(LoopbackEnv(dialer, server.port()), "n1").ok());
  return Do(client, f, 7, value);
}

std::string GatewayError(int http_status, const std::string& reason, const std::string& message,
                         int code) {
  const std::string body = Json{{"error", message}, {"message", message}, {"code", code}}.dump();
  return "HTTP/1.1 " + std::to_string(http_status) + " " + reason +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

}  // namespace

TEST_CASE("etcd target: a real system's catalogue entry", "[etcd][register]") {
  const coordcheck::Target& target = etcd::EtcdTarget();
  CHECK(target.name() == "etcd");
  CHECK(target.bugs().empty());
  CHECK(target.client_ops() == std::vector<std::string>{"read", "write", "cas"});
  CHECK(target.default_nodes() == 3);
  CHECK(target.CheckNodes(3).ok());
  CHECK_FALSE(target.CheckNodes(8).ok());
  auto db = target.MakeDb();
  CHECK(db->killable() != nullptr);
  CHECK(db->pausable() != nullptr);
  CHECK(db->has_primary() != nullptr);
  CHECK(db->clock_observable() != nullptr);
  std::vector<std::string> options;
  for (const auto& o : target.options()) options.push_back(o.name);
  CHECK(options == std::vector<std::string>{"client_port", "peer_port"});
}

TEST_CASE("etcd register client: read, write and cas on one real member", "[etcd][register]") {
  EtcdCluster c("local", 1);
  c.Start();
  EtcdRegisterClient client;
  REQUIRE(client.Open(EnvOf(c), "n1").ok());

  // Absent keys read null; a cas expecting null creates the key, and only once.
  CHECK(Do(client, "read", 1, nullptr).type == OpType::kOk);
  CHECK(Do(client, "read", 1, nullptr).value.is_null());
  CHECK(Do(client, "cas", 1, Json::array({nullptr, 3})).type == OpType::kOk);
  CHECK(Do(client, "read", 1, nullptr).value == 3);
  Op again = Do(client, "cas", 1, Json::array({nullptr, 4}));
  CHECK(again.type == OpType::kFail);
  CHECK(again.error == "mismatch");

  // write then read; cas that matches (ok, echoing its value) and that does not (fail).
  Op written = Do(client, "write", 1, 2);
  CHECK(written.type == OpType::kOk);
  CHECK(written.value == 2);
  CHECK(Do(client, "read", 1, nullptr).value == 2);
  Op swapped = Do(client, "cas", 1, Json::array({2, 4}));
  CHECK(swapped.type == OpType::kOk);
  CHECK(swapped.value == Json::array({2, 4}));
  Op mismatch = Do(client, "cas", 1, Json::array({2, 0}));
  CHECK(mismatch.type == OpType::kFail);
  CHECK(mismatch.error == "mismatch");
  CHECK(mismatch.value == Json::array({2, 0}));
  CHECK(Do(client, "read", 1, nullptr).value == 4);

  // A cas expecting a value on an absent key does not match.
  CHECK(Do(client, "cas", 2, Json::array({0, 1})).error == "mismatch");
  CHECK(Do(client, "read", 2, nullptr).value.is_null());

  // 1 and "1" are different keys (as in kvd), each under the prefix as its JSON dump.
  CHECK(Do(client, "read", "1", nullptr).value.is_null());
  CHECK(Do(client, "write", "1", Json{{"any", "json"}}).type == OpType::kOk);
  CHECK(Do(client, "read", "1", nullptr).value == Json{{"any", "json"}});
  CHECK(Do(client, "read", 1, nullptr).value == 4);
  const Json stored =
      c.Call("n1", "kv/range", Json{{"key", etcd::Base64Encode("coordcheck/register/1")}});
  REQUIRE(stored.contains("kvs"));
  CHECK(etcd::Base64Decode(stored["kvs"][0]["value"].get<std::string>()) == "4");

  // null is an absent key: writing it deletes the key, a cas from null matches again.
  CHECK(Do(client, "write", 1, nullptr).type == OpType::kOk);
  CHECK(Do(client, "read", 1, nullptr).value.is_null());
  CHECK_FALSE(c.Call("n1", "kv/range", Json{{"key", etcd::Base64Encode("coordcheck/register/1")}})
                  .contains("kvs"));
  CHECK(Do(client, "cas", 1, Json::array({nullptr, 5})).type == OpType::kOk);
  CHECK(Do(client, "cas", 1, Json::array({5, nullptr})).type == OpType::kOk);
  CHECK(Do(client, "read", 1, nullptr).value.is_null());

  // A request etcd refuses before proposing it (over --max-request-bytes, 1.5 MiB):
  // InvalidArgument, certainly not applied.
  Op large = Do(client, "write", 3, std::string(1700 * 1024, 'x'));
  CHECK(large.type == OpType::kFail);
  CHECK(ErrorOf(large).find("request is too large") != std::string::npos);
  CHECK(ErrorOf(large).rfind("n1 (", 0) == 0);
  CHECK(Do(client, "read", 3, nullptr).value.is_null());

  // Ill-formed ops are refused without asking etcd.
  CHECK(Do(client, "cas", 1, 5).type == OpType::kFail);
  CHECK(Do(client, "increment", 1, nullptr).type == OpType::kFail);
}

TEST_CASE("etcd register client: reads are linearizable, not answered without a quorum",
          "[etcd][register]") {
  EtcdCluster c("local", 3);
  c.Start();
  EtcdRegisterClient client;
  REQUIRE(client.Open(EnvOf(c), "n1").ok());
  REQUIRE(Do(client, "write", 1, 7).type == OpType::kOk);
  // n1 alone: it still holds the value (a serializable read answers from it), but a
  // linearizable read needs the leader to confirm its leadership with a quorum.
  for (const char* node : {"n2", "n3"}) REQUIRE(c.db().Pause(c.remote(node)).ok());
  const Json serializable =
      c.Call("n1", "kv/range",
             Json{{"key", etcd::Base64Encode("coordcheck/register/1")}, {"serializable", true}});
  CHECK(serializable.contains("kvs"));
  const auto start = Clock::now();
  Op cut_off = Do(client, "read", 1, nullptr, milliseconds(1500));
  CHECK(cut_off.type == OpType::kInfo);
  CHECK(ErrorOf(cut_off).rfind("n1 (", 0) == 0);
  CHECK(Clock::now() - start >= milliseconds(1400));
  for (const char* node : {"n2", "n3"}) REQUIRE(c.db().Resume(c.remote(node)).ok());
  bool answered = false;
  for (int i = 0; i < 20 && !answered; ++i) {
    Op read = Do(client, "read", 1, nullptr);
    answered = read.type == OpType::kOk;
    if (answered) CHECK(read.value == 7);
  }
  CHECK(answered);
}

TEST_CASE("etcd register client: unreachable and silent nodes", "[etcd][register]") {
  control::LocalDialer dialer;
  SECTION("connection refused: fail, naming the node") {
    int port = 0;
    {
      nodetest::LoopbackListener gone;  // a port that was free a moment ago
      port = gone.port();
    }
    EtcdRegisterClient client;
    REQUIRE(client.Open(LoopbackEnv(dialer, port), "n1").ok());
    for (const char* f : {"read", "write", "cas"}) {
      Op op = Do(client, f, 1, std::string(f) == "cas" ? Json::array({1, 2}) : Json(1));
      CHECK(op.type == OpType::kFail);
      CHECK(ErrorOf(op).rfind("n1 (127.0.0.1:" + std::to_string(port) + "): ", 0) == 0);
      CHECK(ErrorOf(op).find("refused") != std::string::npos);
    }
  }
  SECTION("a node that takes the request and never answers: info at the deadline") {
    nodetest::LoopbackListener silent;  // connects complete, nobody reads
    EtcdRegisterClient client;
    REQUIRE(client.Open(LoopbackEnv(dialer, silent.port()), "n1").ok());
    Op op = Do(client, "cas", 1, Json::array({1, 2}), milliseconds(300));
    CHECK(op.type == OpType::kInfo);
    CHECK(ErrorOf(op).rfind("n1 (127.0.0.1:", 0) == 0);
  }
  SECTION("Open checks the node and the options") {
    EtcdRegisterClient client;
    CHECK_FALSE(client.Open(LoopbackEnv(dialer, 2379), "n9").ok());
    ClientEnv bad = LoopbackEnv(dialer, 2379);
    bad.options = Json{{"client_port", 2379}, {"peer_port", 2379}};
    CHECK_FALSE(client.Open(bad, "n1").ok());
  }
}

TEST_CASE("etcd register client: gateway answers, certain and uncertain", "[etcd][register]") {
  SECTION("Unavailable (request timed out: the proposal may still commit) is info") {
    Op op = WithCannedAnswer(
        "write", 1, GatewayError(503, "Service Unavailable", "etcdserver: request timed out", 14));
    CHECK(op.type == OpType::kInfo);
    CHECK(ErrorOf(op).find("request timed out") != std::string::npos);
  }
  SECTION("ResourceExhausted (too many requests: refused before proposing) is fail") {
    Op op = WithCannedAnswer(
        "cas", Json::array({1, 2}),
        GatewayError(429, "Too Many Requests", "etcdserver: too many requests", 8));
    CHECK(op.type == OpType::kFail);
    CHECK(ErrorOf(op).find("too many requests") != std::string::npos);
  }
  SECTION("an answer without etcd's header is info") {
    CHECK(WithCannedAnswer("write", 1, etcdtest::Ok("{}")).type == OpType::kInfo);
    CHECK(WithCannedAnswer("cas", Json::array({1, 2}), etcdtest::Ok("{\"succeeded\":true}")).type ==
          OpType::kInfo);
  }
  SECTION("a stored value that is not JSON is info, never a guessed value") {
    const std::string key = etcd::Base64Encode(EtcdRegisterClient::EtcdKey(7));
    const Json reply{{"header", {{"revision", "2"}}},
                     {"kvs", Json::array({{{"key", key}, {"value", etcd::Base64Encode("{x")}}})},
                     {"count", "1"}};
    CHECK(WithCannedAnswer("read", nullptr, etcdtest::Ok(reply.dump())).type == OpType::kInfo);
  }
  SECTION("a txn answer without \"succeeded\" is a compare that failed") {
    Op op = WithCannedAnswer("cas", Json::array({1, 2}),
                             etcdtest::Ok("{\"header\":{\"revision\":\"3\"}}"));
    CHECK(op.type == OpType::kFail);
    CHECK(op.error == "mismatch");
  }
}
