// KvdClient's mapping of what the server (or the network) did to ok / fail / info, against
// fake servers that answer, stay silent, hang up or talk nonsense.

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "targets/kvd/client.h"
#include "targets/kvd/protocol.h"
#include "targets/wire/wire.h"
#include "tests/support/slack.h"
#include "tests/targets/kvd_test_cluster.h"

namespace coordcheck::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

int Listen(const std::string& address, int port) {
  auto fd = wire::ListenTcp(address, port);
  INFO(fd.message());
  REQUIRE(fd.ok());
  return *fd;
}

// A fake kvd serving one connection at a time: each request line is answered with
// handler(line), or the connection is closed when the handler returns nullopt.
class FakeServer {
 public:
  using Handler = std::function<std::optional<std::string>(const std::string& line)>;

  FakeServer(const std::string& address, int port, Handler handler)
      : listen_fd_(Listen(address, port)), handler_(std::move(handler)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~FakeServer() {
    stop_ = true;
    thread_.join();
    close(listen_fd_);
  }
  int connections() const { return connections_; }
  std::vector<Json> ids() {
    std::lock_guard<std::mutex> lock(mu_);
    return ids_;
  }

 private:
  void Run() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      ++connections_;
      wire::LineReader reader;
      while (!stop_) {
        std::string line;
        wire::IoResult io = reader.ReadLine(fd, Clock::now() + milliseconds(20), &line);
        if (io.code == wire::IoCode::kTimeout) continue;
        if (!io.ok()) break;
        {
          std::lock_guard<std::mutex> lock(mu_);
          ids_.push_back(Json::parse(line, nullptr, false).value("id", Json()));
        }
        std::optional<std::string> answer = handler_(line);
        if (!answer) break;
        size_t sent = 0;
        wire::WriteAll(fd, *answer + "\n", Clock::now() + milliseconds(1000), &sent);
      }
      close(fd);
    }
  }

  int listen_fd_;
  Handler handler_;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::mutex mu_;
  std::vector<Json> ids_;
  std::thread thread_;
};

// Answers like a kvd primary that holds `value` for every key.
std::optional<std::string> Answer(const std::string& line, const std::string& type, Json value,
                                  Json error = nullptr) {
  kvd::Request request;
  std::string parse_error;
  REQUIRE(kvd::ParseRequest(line, &request, &parse_error));
  return kvd::EncodeResponse({request.id, type, std::move(value), std::move(error)});
}

Op MakeOp(const std::string& f, Json key, Json value) {
  Op op;
  op.process = 3;
  op.f = f;
  op.key = std::move(key);
  op.value = std::move(value);
  op.node = "n1";
  return op;
}

Deadline In(int ms) { return Clock::now() + milliseconds(ms); }

struct Fixture {
  AddressBlock block = PickAddressBlock();
  LoopbackDialer dialer;
  ClientEnv env;
  kvd::KvdClient client;
  Fixture() {
    env.dialer = &dialer;
    env.addresses = {{"n1", block.address(90)}};
    env.options = {{"port", block.port}};
    REQUIRE(client.Open(env, "n1").ok());
  }
  std::unique_ptr<FakeServer> Serve(FakeServer::Handler handler) {
    return std::make_unique<FakeServer>(block.address(90), block.port, std::move(handler));
  }
};

TEST_CASE("kvd client: ok and fail answers", "[kvd][client]") {
  Fixture fx;
  auto server = fx.Serve([](const std::string& line) {
    Json request = Json::parse(line);
    if (request["f"] == "read") return Answer(line, "ok", 42);
    if (request["f"] == "write") return Answer(line, "ok", nullptr);
    if (request["value"][0] == 1) return Answer(line, "ok", nullptr);
    return Answer(line, "fail", nullptr, "mismatch");
  });
  Op read = fx.client.Invoke(MakeOp("read", "k", nullptr), In(2000));
  CHECK(read.type == OpType::kOk);
  CHECK(read.value == 42);
  CHECK(read.f == "read");
  CHECK(read.key == "k");
  CHECK(read.process == 3);
  Op write = fx.client.Invoke(MakeOp("write", "k", 5), In(2000));
  CHECK(write.type == OpType::kOk);
  CHECK(write.value == 5);
  Op cas = fx.client.Invoke(MakeOp("cas", 7, Json{1, 2}), In(2000));
  CHECK(cas.type == OpType::kOk);
  CHECK(cas.value == Json{1, 2});
  Op miss = fx.client.Invoke(MakeOp("cas", 7, Json{0, 2}), In(2000));
  CHECK(miss.type == OpType::kFail);
  CHECK(miss.value == Json{0, 2});
  CHECK(miss.error == "mismatch");
  // One connection, a fresh id per request.
  CHECK(server->connections() == 1);
  std::vector<Json> ids = server->ids();
  REQUIRE(ids.size() == 4);
  for (size_t i = 1; i < ids.size(); ++i) CHECK(ids[i] != ids[i - 1]);
}

TEST_CASE("kvd client: a server that never answers gives info at the deadline", "[kvd][client]") {
  Fixture fx;
  int silent = Listen(fx.block.address(90), fx.block.port);  // never accepts, never answers
  const auto start = Clock::now();
  Op op = fx.client.Invoke(MakeOp("write", "k", 1), In(300));
  const auto took = Clock::now() - start;
  close(silent);
  CHECK(op.type == OpType::kInfo);
  CHECK(op.value == 1);
  CHECK(op.error.dump().find("no answer by the deadline") != std::string::npos);
  CHECK(took >= milliseconds(295));
  CHECK(took < milliseconds(300) + testtime::kSlack);
}

TEST_CASE("kvd client: connect refused is a fail that names the node", "[kvd][client]") {
  Fixture fx;
  Op op = fx.client.Invoke(MakeOp("write", "k", 1), In(2000));
  CHECK(op.type == OpType::kFail);
  CHECK(op.error.dump().find("n1 (" + fx.block.address(90)) != std::string::npos);
  CHECK(op.error.dump().find("refused") != std::string::npos);
}

TEST_CASE("kvd client: a deadline that already passed fails without connecting", "[kvd][client]") {
  Fixture fx;
  auto server = fx.Serve([](const std::string& line) { return Answer(line, "ok", nullptr); });
  Op op = fx.client.Invoke(MakeOp("write", "k", 1), Clock::now() - milliseconds(1));
  CHECK(op.type == OpType::kFail);
  std::this_thread::sleep_for(milliseconds(50));
  CHECK(server->connections() == 0);
}

TEST_CASE("kvd client: uncertain answers are info and the next op uses a fresh connection",
          "[kvd][client]") {
  Fixture fx;
  std::atomic<const char*> current{"ok"};
  std::atomic<int> served{0};
  auto server = fx.Serve([&](const std::string& line) -> std::optional<std::string> {
    ++served;
    const std::string mode = current.load();
    if (mode == "close") return std::nullopt;
    if (mode == "garbage") return std::string("hello");
    if (mode == "wrong-id") return kvd::EncodeResponse({Json(-5), "ok", 1, nullptr});
    if (mode == "info") return Answer(line, "info", nullptr, "primary connection lost");
    if (mode == "bad-type") return Answer(line, "maybe", nullptr);
    return Answer(line, "ok", 9);
  });
  int expected_connections = 1;
  for (const char* mode : {"close", "garbage", "wrong-id", "info", "bad-type"}) {
    current = mode;
    INFO("server behaviour: " << mode);
    Op op = fx.client.Invoke(MakeOp("cas", "k", Json{1, 2}), In(2000));
    CHECK(op.type == OpType::kInfo);
    CHECK(op.value == Json{1, 2});
    CHECK_FALSE(op.error.is_null());
    current = "ok";
    Op next = fx.client.Invoke(MakeOp("read", "k", nullptr), In(2000));
    CHECK(next.type == OpType::kOk);
    CHECK(next.value == 9);
    ++expected_connections;
    CHECK(server->connections() == expected_connections);
  }
  CHECK(served == 10);
}

TEST_CASE("kvd client: Open checks the node and the options", "[kvd][client]") {
  LoopbackDialer dialer;
  kvd::KvdClient client;
  ClientEnv env;
  env.dialer = &dialer;
  env.addresses = {{"n1", "127.0.0.1"}};
  CHECK(client.Open(env, "n1").ok());
  Status unknown = client.Open(env, "n9");
  CHECK_FALSE(unknown.ok());
  CHECK(unknown.message().find("n9") != std::string::npos);
  env.options = {{"prot", 7000}};
  Status typo = client.Open(env, "n1");
  CHECK_FALSE(typo.ok());
  CHECK(typo.message().find("unknown kvd option \"prot\"") != std::string::npos);
  env.options = {{"port", "7000"}};
  CHECK_FALSE(client.Open(env, "n1").ok());
  env.dialer = nullptr;
  env.options = nullptr;
  CHECK_FALSE(client.Open(env, "n1").ok());
}

}  // namespace
}  // namespace coordcheck::test
