// The RESP client: the parser on every reply type and on broken input, the encoder, calls
// against a real redis-server (every reply type, binary values, error replies), and the
// failure cases that decide certain vs uncertain (refused, deadline passed, a silent
// server, a server that closes mid-request or answers garbage).
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <string>

#include "harness/control/dialers.h"
#include "targets/redis/resp.h"
#include "tests/support/slack.h"
#include "tests/targets/redis/redis_test_util.h"

namespace {

using coordcheck::redis::EncodeCommand;
using coordcheck::redis::ParseReply;
using coordcheck::redis::ParseStatus;
using coordcheck::redis::Reply;
using coordcheck::redis::RespConnection;
using redistest::Clock;
using redistest::Ms;
using std::chrono::milliseconds;

Reply ParseAll(const std::string& input) {
  Reply reply;
  size_t consumed = 0;
  std::string error;
  INFO("input: " << input);
  REQUIRE(ParseReply(input, &reply, &consumed, &error) == ParseStatus::kComplete);
  CHECK(consumed == input.size());
  // Every proper prefix is incomplete, never invalid.
  for (size_t cut = 0; cut < input.size(); ++cut) {
    Reply partial;
    size_t used = 0;
    INFO("prefix of " << cut << " bytes");
    CHECK(ParseReply(std::string_view(input).substr(0, cut), &partial, &used, &error) ==
          ParseStatus::kIncomplete);
  }
  return reply;
}

std::string InvalidBecause(const std::string& input) {
  Reply reply;
  size_t consumed = 0;
  std::string error;
  INFO("input: " << input);
  CHECK(ParseReply(input, &reply, &consumed, &error) == ParseStatus::kInvalid);
  return error;
}

TEST_CASE("RESP parser decodes every reply type", "[redis][resp]") {
  CHECK(ParseAll("+OK\r\n") == Reply::Simple("OK"));
  CHECK(ParseAll("+OK\r\n").is_ok());
  CHECK(ParseAll("-ERR unknown command 'FOO'\r\n") == Reply::Error("ERR unknown command 'FOO'"));
  CHECK(ParseAll(":0\r\n") == Reply::Integer(0));
  CHECK(ParseAll(":-42\r\n") == Reply::Integer(-42));
  CHECK(ParseAll(":9223372036854775807\r\n") == Reply::Integer(INT64_MAX));
  CHECK(ParseAll("$3\r\nabc\r\n") == Reply::Bulk("abc"));
  CHECK(ParseAll("$0\r\n\r\n") == Reply::Bulk(""));
  CHECK(ParseAll(std::string("$6\r\na\r\nb\0c\r\n", 12)) ==
        Reply::Bulk(std::string("a\r\nb\0c", 6)));
  CHECK(ParseAll("$-1\r\n").is_nil());
  CHECK(ParseAll("*-1\r\n").is_nil());
  CHECK(ParseAll("*0\r\n") == Reply::Array({}));
  CHECK(ParseAll("*3\r\n:1\r\n$1\r\nx\r\n*2\r\n+a\r\n$-1\r\n") ==
        Reply::Array({Reply::Integer(1), Reply::Bulk("x"),
                      Reply::Array({Reply::Simple("a"), Reply::Nil()})}));

  // A reply followed by the next one: only the first is consumed.
  Reply reply;
  size_t consumed = 0;
  std::string error;
  REQUIRE(ParseReply("+A\r\n+B\r\n", &reply, &consumed, &error) == ParseStatus::kComplete);
  CHECK(reply == Reply::Simple("A"));
  CHECK(consumed == 4);
}

TEST_CASE("RESP parser rejects what is not RESP2", "[redis][resp]") {
  CHECK(InvalidBecause("?x\r\n").find("unknown reply type byte 0x3f") != std::string::npos);
  CHECK(InvalidBecause(":12a\r\n").find("bad integer") != std::string::npos);
  CHECK(InvalidBecause(":\r\n").find("bad integer") != std::string::npos);
  CHECK(InvalidBecause("$-2\r\n").find("bad bulk length") != std::string::npos);
  CHECK(InvalidBecause("$3\r\nabcd\r\n").find("not followed by CRLF") != std::string::npos);
  CHECK(InvalidBecause("$999999999999\r\n").find("bad bulk length") != std::string::npos);
  CHECK(InvalidBecause("*x\r\n").find("bad array length") != std::string::npos);
  CHECK(InvalidBecause("*1\r\n!\r\n").find("unknown reply type") != std::string::npos);
  CHECK(InvalidBecause(std::string(40, '*') + "1\r\n").find("bad array length") !=
        std::string::npos);
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "*1\r\n";
  CHECK(InvalidBecause(deep + ":1\r\n").find("nested deeper than 32") != std::string::npos);
  CHECK(InvalidBecause("+" + std::string(70000, 'x')).find("longer than") != std::string::npos);
}

TEST_CASE("RESP commands are arrays of bulk strings", "[redis][resp]") {
  CHECK(EncodeCommand({"PING"}) == "*1\r\n$4\r\nPING\r\n");
  CHECK(EncodeCommand({"SET", "k", "", std::string("a\r\n\0", 4)}) ==
        std::string("*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n$4\r\na\r\n\0\r\n", 36));
  CHECK(Reply::Error("ERR x").ToString() == "(error) ERR x");
  CHECK(Reply::Array({Reply::Integer(1), Reply::Bulk("v"), Reply::Nil()}).ToString() ==
        "[(integer) 1, \"v\", (nil)]");
}

TEST_CASE("RESP client against redis-server: every reply type", "[redis][resp]") {
  redistest::RedisCluster c("local", 3);
  c.Start();
  RespConnection conn(&c.cluster().dialer(), "n1", c.remote("n1").address(), c.port());
  auto call = [&](const std::vector<std::string>& argv) {
    bool uncertain = true;
    auto reply = conn.Call(argv, Clock::now() + milliseconds(1000), &uncertain);
    INFO(reply.message());
    REQUIRE(reply.ok());
    CHECK_FALSE(uncertain);
    return *reply;
  };
  CHECK(call({"PING"}) == Reply::Simple("PONG"));
  CHECK(call({"SET", "k", "v1"}).is_ok());
  CHECK(call({"GET", "k"}) == Reply::Bulk("v1"));
  CHECK(call({"GET", "missing"}).is_nil());
  CHECK(call({"INCR", "n"}) == Reply::Integer(1));
  CHECK(call({"INCRBY", "n", "-5"}) == Reply::Integer(-4));
  const std::string binary("a\r\nb\0c$-1\r\n", 11);
  CHECK(call({"SET", "bin", binary}).is_ok());
  CHECK(call({"GET", "bin"}) == Reply::Bulk(binary));
  CHECK(call({"RPUSH", "l", "x", "y"}) == Reply::Integer(2));
  CHECK(call({"LRANGE", "l", "0", "-1"}) == Reply::Array({Reply::Bulk("x"), Reply::Bulk("y")}));
  CHECK(call({"EVAL", "return {1, 'two', {3}, redis.status_reply('ok')}", "0"}) ==
        Reply::Array({Reply::Integer(1), Reply::Bulk("two"), Reply::Array({Reply::Integer(3)}),
                      Reply::Simple("ok")}));
  // An error reply is an answer: certain, and the connection stays usable.
  const Reply error = call({"NOSUCHCOMMAND", "x"});
  CHECK(error.is_error());
  CHECK(error.text.rfind("ERR unknown command", 0) == 0);
  CHECK(call({"INCR", "k"}).text.find("not an integer") != std::string::npos);
  CHECK(conn.connected());
  CHECK(call({"PING"}) == Reply::Simple("PONG"));
  CHECK(conn.where() == "n1 (" + c.remote("n1").address() + ":6379)");
}

TEST_CASE("RESP client: nothing sent is certain", "[redis][resp]") {
  coordcheck::control::LocalDialer dialer;
  SECTION("connection refused") {
    int port = 0;
    {
      redistest::FakeServer closed;  // bound, then closed: nothing listens on the port
      port = closed.port();
    }
    RespConnection conn(&dialer, "n9", "127.0.0.1", port);
    bool uncertain = true;
    auto reply = conn.Call({"PING"}, Clock::now() + milliseconds(500), &uncertain);
    REQUIRE_FALSE(reply.ok());
    CHECK_FALSE(uncertain);
    CHECK(reply.message().find("n9 (127.0.0.1:" + std::to_string(port) + ")") == 0);
    CHECK(reply.message().find("refused") != std::string::npos);
  }
  SECTION("deadline already passed") {
    redistest::FakeServer silent;
    RespConnection conn(&dialer, "n9", "127.0.0.1", silent.port());
    bool uncertain = true;
    auto reply = conn.Call({"PING"}, Clock::now(), &uncertain);
    REQUIRE_FALSE(reply.ok());
    CHECK_FALSE(uncertain);
    CHECK(reply.message().find("deadline passed before the command was sent") != std::string::npos);
  }
}

TEST_CASE("RESP client: a silent server makes the call uncertain at the deadline",
          "[redis][resp]") {
  coordcheck::control::LocalDialer dialer;
  redistest::FakeServer silent;  // accepts through the backlog, never reads or answers
  RespConnection conn(&dialer, "n9", "127.0.0.1", silent.port());
  bool uncertain = false;
  const auto start = Clock::now();
  auto reply = conn.Call({"SET", "k", "v"}, start + milliseconds(200), &uncertain);
  const auto took = Ms(Clock::now() - start);
  REQUIRE_FALSE(reply.ok());
  CHECK(uncertain);
  CHECK(reply.message().find("no reply by the deadline") != std::string::npos);
  CHECK(took >= milliseconds(200));
  CHECK(took < milliseconds(200) + testtime::kSlack);
  CHECK_FALSE(conn.connected());  // a late reply can never be taken for the next one's
}

TEST_CASE("RESP client: lost connections and broken replies are uncertain", "[redis][resp]") {
  coordcheck::control::LocalDialer dialer;
  std::string received;
  SECTION("closed after reading the command") {
    {
      redistest::FakeServer server([&](int fd) { received = redistest::ReadSome(fd, 14); });
      RespConnection conn(&dialer, "n9", "127.0.0.1", server.port());
      bool uncertain = false;
      auto reply = conn.Call({"PING"}, Clock::now() + milliseconds(2000), &uncertain);
      REQUIRE_FALSE(reply.ok());
      CHECK(uncertain);
      CHECK(reply.message().find("closed by the server before its reply") != std::string::npos);
    }
    CHECK(received == "*1\r\n$4\r\nPING\r\n");
  }
  SECTION("half a reply, then silence") {
    redistest::FakeServer server([](int fd) {
      redistest::ReadSome(fd, 14);
      send(fd, "$5\r\nab", 6, MSG_NOSIGNAL);
      redistest::ReadSome(fd, 1);  // waits until the client gives up
    });
    RespConnection conn(&dialer, "n9", "127.0.0.1", server.port());
    bool uncertain = false;
    auto reply = conn.Call({"PING"}, Clock::now() + milliseconds(150), &uncertain);
    REQUIRE_FALSE(reply.ok());
    CHECK(uncertain);
    CHECK(reply.message().find("no reply by the deadline") != std::string::npos);
  }
  SECTION("garbage") {
    redistest::FakeServer server([](int fd) {
      redistest::ReadSome(fd, 14);
      send(fd, "hello\r\n", 7, MSG_NOSIGNAL);
      redistest::ReadSome(fd, 1);
    });
    RespConnection conn(&dialer, "n9", "127.0.0.1", server.port());
    bool uncertain = false;
    auto reply = conn.Call({"PING"}, Clock::now() + milliseconds(2000), &uncertain);
    REQUIRE_FALSE(reply.ok());
    CHECK(uncertain);
    CHECK(reply.message().find("unparsable reply: unknown reply type byte 0x68") !=
          std::string::npos);
    CHECK_FALSE(conn.connected());
  }
}

}  // namespace
