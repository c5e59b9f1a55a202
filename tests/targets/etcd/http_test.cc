// HttpClient against a tiny in-test HTTP server on 127.0.0.1: keep-alive, Content-Length
// and chunked bodies (as etcd's gateway sends them, trailer included), interim responses,
// servers that close or never answer (uncertain at the deadline), refused connects and
// passed deadlines (certain), Abort from another thread; and the gateway's encodings.

#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <string>
#include <thread>

#include "harness/control/dialers.h"
#include "targets/etcd/gateway.h"
#include "targets/etcd/http.h"
#include "tests/support/node_env.h"
#include "tests/support/slack.h"
#include "tests/targets/etcd/tiny_http_server.h"

namespace {

using coordcheck::Json;
using coordcheck::control::LocalDialer;
using coordcheck::etcd::CallOutcome;
using coordcheck::etcd::HttpClient;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
namespace etcd = coordcheck::etcd;
using etcdtest::Ok;
using etcdtest::Request;
using etcdtest::Send;
using etcdtest::TinyServer;

// Echoes the request body back, with Content-Length, keeping the connection.
bool Echo(int fd, const Request& request) {
  Send(fd, Ok(request.body));
  return true;
}

Clock::time_point In(milliseconds ms) { return Clock::now() + ms; }

TEST_CASE("http: keep-alive carries many POSTs on one connection", "[etcd][http]") {
  TinyServer server(Echo);
  LocalDialer dialer;
  HttpClient http(dialer, "127.0.0.1", server.port());
  for (int i = 0; i < 5; ++i) {
    bool uncertain = true;
    const std::string body = "{\"n\":" + std::to_string(i) + "}";
    auto response = http.Post("/v3/kv/range", body, In(milliseconds(2000)), &uncertain);
    INFO(response.message());
    REQUIRE(response.ok());
    CHECK_FALSE(uncertain);
    CHECK(response->status == 200);
    CHECK(response->reason == "OK");
    CHECK(response->body == body);
    REQUIRE(response->Header("content-type") != nullptr);
    CHECK(*response->Header("content-type") == "application/json");
  }
  CHECK(http.connections_opened() == 1);
  CHECK(server.accepted() == 1);
  CHECK(server.requests() == 5);
}

TEST_CASE("http: the request carries the path, Content-Length and the body", "[etcd][http]") {
  std::mutex mu;
  Request seen;
  TinyServer server([&](int fd, const Request& request) {
    {
      std::lock_guard<std::mutex> lock(mu);
      seen = request;
    }
    Send(fd, Ok("{}"));
    return true;
  });
  LocalDialer dialer;
  HttpClient http(dialer, "127.0.0.1", server.port());
  bool uncertain = false;
  REQUIRE(http.Post("/v3/lease/grant", "{\"TTL\":5}", In(milliseconds(2000)), &uncertain).ok());
  std::lock_guard<std::mutex> lock(mu);
  CHECK(seen.head.rfind("POST /v3/lease/grant HTTP/1.1\r\n", 0) == 0);
  CHECK(seen.head.find("Content-Length: 9") != std::string::npos);
  CHECK(seen.head.find("Content-Type: application/json") != std::string::npos);
  CHECK(seen.body == "{\"TTL\":5}");
}

TEST_CASE("http: chunked bodies with extensions and a trailer, as etcd's gateway sends",
          "[etcd][http]") {
  TinyServer server([](int fd, const Request&) {
    // What etcd 3.4 sends for an error (404, chunked, a trailer) and a stream message,
    // split into several writes.
    Send(fd,
         "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
         "Trailer: Grpc-Trailer-Content-Type\r\nTransfer-Encoding: chunked\r\n\r\n");
    Send(fd, "6c\r\n{\"error\":\"etcdserver: requested lease not found\",");
    Send(fd, "\"message\":\"etcdserver: requested lease not found\",\"code\":5}\r\n");
    Send(fd, "3;ext=1\r\n\n\n\n\r\n0\r\nGrpc-Trailer-Content-Type: application/grpc\r\n\r\n");
    return true;
  });
  LocalDialer dialer;
  HttpClient http(dialer, "127.0.0.1", server.port());
  for (int i = 0; i < 2; ++i) {  // the connection stays usable after a chunked body
    bool uncertain = true;
    auto response = http.Post("/v3/lease/revoke", "{}", In(milliseconds(2000)), &uncertain);
    INFO(response.message());
    REQUIRE(response.ok());
    CHECK_FALSE(uncertain);
    CHECK(response->status == 404);
    CHECK(response->body ==
          "{\"error\":\"etcdserver: requested lease not found\",\"message\":\"etcdserver: "
          "requested lease not found\",\"code\":5}\n\n\n");
    REQUIRE(response->Header("grpc-trailer-content-type") != nullptr);
    CHECK(*response->Header("grpc-trailer-content-type") == "application/grpc");
  }
  CHECK(http.connections_opened() == 1);

  // Through the gateway layer: a definite NotFound with its code.
  CallOutcome outcome;
  auto reply =
      etcd::Call(http, "lease/revoke", Json{{"ID", "1"}}, In(milliseconds(2000)), &outcome);
  REQUIRE_FALSE(reply.ok());
  CHECK(reply.message().find("requested lease not found (code 5)") != std::string::npos);
  CHECK(outcome.grpc_code == etcd::kGrpcNotFound);
  CHECK(outcome.http_status == 404);
  CHECK_FALSE(outcome.uncertain);
}

TEST_CASE("http: a server that never answers makes the call uncertain at the deadline",
          "[etcd][http]") {
  TinyServer server([](int, const Request&) { return true; });  // reads, never writes
  LocalDialer dialer;
  HttpClient http(dialer, "127.0.0.1", server.port());
  bool uncertain = false;
  const auto start = Clock::now();
  auto response = http.Post("/v3/lock/lock", "{}", In(milliseconds(300)), &uncertain);
  const auto took = Clock::now() - start;
  REQUIRE_FALSE(response.ok());
  CHECK(uncertain);
  CHECK(response.message().find("request sent") != std::string::npos);
  CHECK(response.message().find("timed out") != std::string::npos);
  CHECK(response.message().find("127.0.0.1:" + std::to_string(server.port()) +
                                " POST /v3/lock/lock") != std::string::npos);
  CHECK(took >= milliseconds(290));
  CHECK(took < milliseconds(300) + testtime::kSlack);
}

TEST_CASE("http: a connection closed after the request is uncertain, the next call reconnects",
          "[etcd][http]") {
  std::atomic<int> calls{0};
  TinyServer server([&](int fd, const Request& request) {
    if (calls++ == 0) return false;  // close without answering
    return Echo(fd, request);
  });
  LocalDialer dialer;
  HttpClient http(dialer, "127.0.0.1", server.port());
  bool uncertain = false;
  auto lost = http.Post("/v3/kv/put", "{}", In(milliseconds(2000)), &uncertain);
  REQUIRE_FALSE(lost.ok());
  CHECK(uncertain);
  CHECK(lost.message().find("connection closed by the server") != std::string::npos);
  auto again = http.Post("/v3/kv/put", "{\"a\":1}", In(milliseconds(2000)), &uncertain);
  REQUIRE(again.ok());
  CHECK_FALSE(uncertain);
  CHECK(again->body == "{\"a\":1}");
  CHECK(http.connections_opened() == 2);
}

TEST_CASE("http: a keep-alive connection the server closed while idle is replaced",
          "[etcd][http]") {
  // Answers, then closes: the client finds the idle connection dead before sending.
  TinyServer server([](int fd, const Request& request) {
    Echo(fd, request);
    return false;
  });
  LocalDialer dialer;
  HttpClient http(dialer, "127.0.0.1", server.port());
  for (int i = 0; i < 3; ++i) {
    bool uncertain = true;
    // Let the FIN arrive before the next call.
    if (i > 0) std::this_thread::sleep_for(milliseconds(20));
    auto response = http.Post("/v3/kv/range", "{}", In(milliseconds(2000)), &uncertain);
    INFO(response.message());
    REQUIRE(response.ok());
    CHECK_FALSE(uncertain);
  }
  CHECK(http.connections_opened() == 3);
}

TEST_CASE("http: Connection: close, 100 Continue, and a body that runs to the end",
          "[etcd][http]") {
  SECTION("Connection: close makes the next call reconnect") {
    TinyServer server([](int fd, const Request& request) {
      Send(fd, Ok(request.body, "Connection: close\r\n"));
      return true;  // the client must not reuse it even though we keep it open
    });
    LocalDialer dialer;
    HttpClient http(dialer, "127.0.0.1", server.port());
    bool uncertain = false;
    REQUIRE(http.Post("/x", "1", In(milliseconds(2000)), &uncertain).ok());
    REQUIRE(http.Post("/x", "2", In(milliseconds(2000)), &uncertain).ok());
    CHECK(http.connections_opened() == 2);
  }
  SECTION("interim responses are skipped") {
    TinyServer server([](int fd, const Request&) {
      Send(fd, "HTTP/1.1 100 Continue\r\n\r\n" + Ok("{\"final\":true}"));
      return true;
    });
    LocalDialer dialer;
    HttpClient http(dialer, "127.0.0.1", server.port());
    bool uncertain = false;
    auto response = http.Post("/x", "1", In(milliseconds(2000)), &uncertain);
    REQUIRE(response.ok());
    CHECK(response->status == 200);
    CHECK(response->body == "{\"final\":true}");
  }
  SECTION("no length: the body ends with the connection") {
    TinyServer server([](int fd, const Request&) {
      Send(fd, "HTTP/1.1 503 Service Unavailable\r\n\r\nbusy, try later");
      return false;
    });
    LocalDialer dialer;
    HttpClient http(dialer, "127.0.0.1", server.port());
    bool uncertain = false;
    auto response = http.Post("/x", "1", In(milliseconds(2000)), &uncertain);
    REQUIRE(response.ok());
    CHECK(response->status == 503);
    CHECK(response->body == "busy, try later");
    // Through the gateway layer a 5xx page that is not JSON is uncertain.
    CallOutcome outcome;
    auto reply = etcd::Call(http, "kv/put", Json::object(), In(milliseconds(2000)), &outcome);
    REQUIRE_FALSE(reply.ok());
    CHECK(outcome.uncertain);
    CHECK(outcome.http_status == 503);
    CHECK(http.connections_opened() == 2);
  }
  SECTION("a malformed status line is uncertain") {
    TinyServer server([](int fd, const Request&) {
      Send(fd, "HTTX/9 what\r\n\r\n");
      return true;
    });
    LocalDialer dialer;
    HttpClient http(dialer, "127.0.0.1", server.port());
    bool uncertain = false;
    auto response = http.Post("/x", "1", In(milliseconds(2000)), &uncertain);
    REQUIRE_FALSE(response.ok());
    CHECK(uncertain);
    CHECK(response.message().find("malformed status line") != std::string::npos);
  }
}

TEST_CASE("http: failures before anything is sent are certain", "[etcd][http]") {
  LocalDialer dialer;
  SECTION("connection refused") {
    int port = 0;
    {
      TinyServer server(Echo);  // a port that was free a moment ago
      port = server.port();
    }
    HttpClient http(dialer, "127.0.0.1", port);
    bool uncertain = true;
    auto response = http.Post("/x", "{}", In(milliseconds(1000)), &uncertain);
    REQUIRE_FALSE(response.ok());
    CHECK_FALSE(uncertain);
    CHECK(response.message().find("refused") != std::string::npos);
  }
  SECTION("deadline already passed") {
    TinyServer server(Echo);
    HttpClient http(dialer, "127.0.0.1", server.port());
    bool uncertain = true;
    auto response = http.Post("/x", "{}", Clock::now() - milliseconds(1), &uncertain);
    REQUIRE_FALSE(response.ok());
    CHECK_FALSE(uncertain);
    CHECK(response.message().find("deadline passed before sending") != std::string::npos);
    CHECK(server.accepted() == 0);
  }
}

TEST_CASE("http: Abort from another thread ends a waiting call at once", "[etcd][http]") {
  std::atomic<bool> received{false};
  TinyServer server([&](int, const Request&) {  // never answers
    received = true;
    return true;
  });
  LocalDialer dialer;
  HttpClient http(dialer, "127.0.0.1", server.port());
  std::atomic<int64_t> aborted_at_ns{0};
  std::thread aborter([&] {
    // Once the request has reached the server, the call is waiting for the answer.
    nodetest::WaitUntil([&] { return received.load(); }, std::chrono::seconds(10));
    aborted_at_ns = Clock::now().time_since_epoch().count();
    http.Abort();
  });
  bool uncertain = false;
  auto response = http.Post("/v3/lease/keepalive", "{}", In(milliseconds(5000)), &uncertain);
  aborter.join();
  REQUIRE(received.load());
  REQUIRE_FALSE(response.ok());
  CHECK(uncertain);
  CHECK(response.message().find("aborted") != std::string::npos);
  // At the Abort, not at the 5 s deadline.
  CHECK(Clock::now().time_since_epoch() - Clock::duration(aborted_at_ns.load()) < testtime::kSlack);
  // Later calls fail before sending until Close.
  auto after = http.Post("/x", "{}", In(milliseconds(1000)), &uncertain);
  REQUIRE_FALSE(after.ok());
  CHECK_FALSE(uncertain);
  http.Close();
  CHECK(http.connections_opened() == 1);
}

TEST_CASE("gateway: base64 and 64-bit integers as strings", "[etcd][http]") {
  CHECK(etcd::Base64Encode("") == "");
  CHECK(etcd::Base64Encode("f") == "Zg==");
  CHECK(etcd::Base64Encode("fo") == "Zm8=");
  CHECK(etcd::Base64Encode("foo") == "Zm9v");
  CHECK(etcd::Base64Encode("mylock") == "bXlsb2Nr");
  const std::string binary("\x00\xff\x10 z", 5);
  CHECK(etcd::Base64Decode(etcd::Base64Encode(binary)) == binary);
  CHECK(etcd::Base64Decode("bXlsb2NrLzIwODdhMjE2YjZhY2M2MDc=") == "mylock/2087a216b6acc607");
  CHECK_FALSE(etcd::Base64Decode("Zg=").has_value());
  CHECK_FALSE(etcd::Base64Decode("Z=g=").has_value());
  CHECK_FALSE(etcd::Base64Decode("Zm9*").has_value());

  const Json reply = Json::parse(
      R"({"ID":"2344020349507388935","TTL":"10","n":7,"bad":"x1","member":"15534692384254201323"})");
  CHECK(etcd::Int64Field(reply, "ID") == 2344020349507388935);
  CHECK(etcd::Int64Field(reply, "TTL") == 10);
  CHECK(etcd::Int64Field(reply, "n") == 7);
  CHECK(etcd::Int64Field(reply, "absent") == 0);  // proto3 omits zero values
  CHECK_FALSE(etcd::Int64Field(reply, "bad").has_value());
  CHECK_FALSE(etcd::Int64Field(reply, "member").has_value());  // beyond int64
  CHECK(etcd::Uint64Field(reply, "member") == 15534692384254201323ULL);
}

}  // namespace
