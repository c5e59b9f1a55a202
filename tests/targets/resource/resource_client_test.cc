// ResourceClient's outcomes against fake servers in the test process: a silent server and a
// lost connection are uncertain, a refused connect is a certain failure; every call returns
// by its deadline.
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

#include "targets/resource/client.h"
#include "targets/wire/wire.h"
#include "tests/support/loopback.h"
#include "tests/support/slack.h"
#include "tests/targets/resource/resource_fixture.h"

namespace coordcheck::test {
namespace {

using Clock = std::chrono::steady_clock;
using resource::Outcome;
using resource::Reply;
using resource::ResourceClient;

class TcpDialer final : public control::Dialer {
 public:
  Result<int> Connect(const std::string& address, int port,
                               std::chrono::milliseconds timeout) override {
    return wire::DialTcp(address, port, timeout);
  }
};

// Accepts one connection, reads one line, answers `answer` (if not empty) and closes.
std::thread AnswerOnce(int listen_fd, std::string answer) {
  return std::thread([listen_fd, answer] {
    int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    wire::LineReader reader;
    std::string line;
    if (reader.ReadLine(fd, In(3000), &line).ok() && !answer.empty()) {
      size_t sent = 0;
      wire::WriteAll(fd, answer + "\n", In(3000), &sent);
    }
    close(fd);
  });
}

TEST_CASE("resource client: a silent server gives uncertain by the deadline",
          "[resource][client]") {
  nodetest::LoopbackListener silent;  // the kernel completes the connect; nobody ever answers
  TcpDialer dialer;
  ResourceClient client;
  REQUIRE(client.Open(&dialer, "127.0.0.1", silent.port()).ok());
  for (int i = 0; i < 2; ++i) {
    const auto start = Clock::now();
    Reply r = i == 0 ? client.Read("1-0", 1, 3, In(300)) : client.Write("1-0", 1, 3, 1, In(300));
    const auto took = Clock::now() - start;
    INFO(r.error);
    CHECK(r.outcome == Outcome::kUncertain);
    CHECK(r.uncertain());
    CHECK(r.error.find("no answer by the deadline") != std::string::npos);
    CHECK(took >= std::chrono::milliseconds(290));
    CHECK(took < std::chrono::milliseconds(300) + testtime::kSlack);
  }
}

TEST_CASE("resource client: nothing listening is a certain failure", "[resource][client]") {
  nodetest::LoopbackListener gone;
  const int port = gone.port();
  gone.Close();
  TcpDialer dialer;
  ResourceClient client;
  REQUIRE(client.Open(&dialer, "127.0.0.1", port).ok());
  Reply r = client.Write("1-0", 1, 3, 1, In(1000));
  INFO(r.error);
  CHECK(r.failed());
  CHECK(r.error.find("127.0.0.1:" + std::to_string(port)) != std::string::npos);

  Reply late = client.Read("1-0", 1, 3, Clock::now() - std::chrono::milliseconds(1));
  CHECK(late.failed());
  CHECK(late.error.find("deadline passed before the request was sent") != std::string::npos);

  ResourceClient unopened;
  CHECK(unopened.Ping(In(100)).failed());
  CHECK_FALSE(unopened.Open(nullptr, "127.0.0.1", port).ok());
  CHECK_FALSE(unopened.Open(&dialer, "127.0.0.1", 0).ok());
}

TEST_CASE("resource client: a lost connection or a garbled answer is uncertain",
          "[resource][client]") {
  nodetest::LoopbackListener server;
  TcpDialer dialer;
  ResourceClient client;
  REQUIRE(client.Open(&dialer, "127.0.0.1", server.port()).ok());

  std::thread closes = AnswerOnce(server.fd(), "");
  Reply lost = client.Write("1-0", 1, 3, 1, In(3000));
  closes.join();
  INFO(lost.error);
  CHECK(lost.uncertain());
  CHECK(lost.error.find("connection lost after sending") != std::string::npos);

  std::thread garbles = AnswerOnce(server.fd(), "{\"type\":\"maybe\"}");
  Reply garbled = client.Read("1-0", 1, 3, In(3000));
  garbles.join();
  INFO(garbled.error);
  CHECK(garbled.uncertain());
  CHECK(garbled.error.find("unexpected answer") != std::string::npos);

  std::thread wrong_id = AnswerOnce(server.fd(), R"({"id":999,"type":"ok","value":1})");
  Reply mismatched = client.Read("1-0", 1, 3, In(3000));
  wrong_id.join();
  CHECK(mismatched.uncertain());

  // The client dropped each broken connection: the next call dials afresh and succeeds.
  std::thread answers = AnswerOnce(server.fd(), R"({"id":4,"type":"ok","value":41})");
  Reply fine = client.Read("1-0", 1, 3, In(3000));
  answers.join();
  INFO(fine.error);
  CHECK(fine.ok());
  CHECK(fine.value == 41);
}

}  // namespace
}  // namespace coordcheck::test
