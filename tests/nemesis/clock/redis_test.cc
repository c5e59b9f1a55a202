// Redis under the preload (jemalloc reads the clock from inside malloc's initialisation,
// which deadlocks libfaketime): it starts, answers, and its key expiry follows the node's
// skewed clock. redis-cli runs on the node through Remote::Exec, without the preload.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "nemesis/ops.h"
#include "tests/nemesis/clock/clock_test_util.h"
#include "tests/support/node_env.h"

namespace {

using clocktest::ClockCluster;
using coordcheck::Json;
namespace control = coordcheck::control;
namespace fault = coordcheck::fault;

constexpr const char* kRedisServer = "/usr/bin/redis-server";
constexpr const char* kRedisCli = "/usr/bin/redis-cli";
constexpr int kPort = 6379;

class RedisCli {
 public:
  RedisCli(control::Remote& node) : node_(node) {}

  // The reply as redis-cli prints it ("OK", "(nil)", "(integer) 5", "\"v\""); "" when
  // redis-cli itself failed (connection refused while redis starts, say).
  std::string Call(const std::vector<std::string>& command) {
    std::vector<std::string> argv = {kRedisCli,       "--no-raw", "-h",
                                     node_.address(), "-p",       std::to_string(kPort)};
    argv.insert(argv.end(), command.begin(), command.end());
    control::ExecOptions options;
    options.timeout = std::chrono::seconds(5);
    auto result = node_.Exec(argv, options);
    if (!result.ok() || !result->success()) return "";
    std::string out = result->out;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out.rfind("Could not connect", 0) == 0 ? "" : out;
  }

  int64_t Pttl(const std::string& key) {
    const std::string reply = Call({"PTTL", key});
    INFO("PTTL " << key << ": " << reply);
    REQUIRE(reply.rfind("(integer) ", 0) == 0);
    return std::stoll(reply.substr(10));
  }

 private:
  control::Remote& node_;
};

void RedisScenario(const std::string& backend) {
  ClockCluster c(backend, 3);
  control::Remote& n1 = c.remote("n1");
  const std::string dir = n1.root_dir() + "/redis";
  std::filesystem::create_directories(dir);
  control::DaemonSpec spec;
  spec.name = "redis";
  spec.argv = {kRedisServer,
               "--port",
               std::to_string(kPort),
               "--bind",
               n1.address(),
               "--save",
               "",
               "--appendonly",
               "no",
               "--daemonize",
               "no",
               "--protected-mode",
               "no",
               "--dir",
               dir};
  spec.env = c.nemesis().DaemonEnv("n1");
  auto daemon = n1.StartDaemon(spec);
  INFO(daemon.message());
  REQUIRE(daemon.ok());

  RedisCli cli(n1);
  const bool up =
      nodetest::WaitUntil([&] { return cli.Call({"PING"}) == "PONG"; }, std::chrono::seconds(5));
  INFO("redis log: " << nodetest::ReadFile(n1.root_dir() + "/redis.log"));
  REQUIRE(up);  // no deadlock at start-up

  // +10 s: a key with 5 s to live has expired at once.
  REQUIRE(cli.Call({"SET", "k", "v", "NX", "PX", "5000"}) == "OK");
  CHECK(cli.Pttl("k") > 4000);
  REQUIRE(c.Invoke(fault::kBumpClock, Json{{"n1", 10000}}).error.is_null());
  CHECK(cli.Call({"GET", "k"}) == "(nil)");
  CHECK(cli.Call({"EXISTS", "k"}) == "(integer) 0");

  // Back to 0, then -3 s: the remaining TTL grows by about 3 s instead.
  REQUIRE(c.Invoke(fault::kResetClock, nullptr).error.is_null());
  REQUIRE(cli.Call({"SET", "k2", "v", "NX", "PX", "5000"}) == "OK");
  const int64_t before = cli.Pttl("k2");
  REQUIRE(c.Invoke(fault::kBumpClock, Json{{"n1", -3000}}).error.is_null());
  const int64_t after = cli.Pttl("k2");
  INFO("PTTL before " << before << " after " << after);
  CHECK(after > before + 2500);
  CHECK(after <= 8000);
  CHECK(cli.Call({"GET", "k2"}) == "\"v\"");

  CHECK(n1.StopDaemon(*daemon).ok());
}

TEST_CASE("redis-server starts under the preload and expires keys by the skewed clock (local)",
          "[nemesis][clock]") {
  RedisScenario("local");
}

TEST_CASE("redis-server starts under the preload and expires keys by the skewed clock (netns)",
          "[nemesis][clock][root]") {
  nodetest::RequireRoot();
  RedisScenario("netns");
}

}  // namespace
