#include "tests/targets/redis/redis_test_util.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <future>

#include "targets/redis/options.h"

namespace redistest {

namespace control = coordcheck::control;
using coordcheck::redis::Reply;
using coordcheck::redis::RespConnection;

RedisCluster::RedisCluster(const std::string& backend, int nodes,
                           coordcheck::redis::RedisDbOptions db_options)
    : cluster_(backend, nodes), db_(std::move(db_options)) {
  env_.nodes = cluster().nodes();
  env_.dialer = &cluster().dialer();
  env_.seed = 42;
}

RedisCluster::~RedisCluster() {
  for (const std::string& node : cluster_.names()) {
    const Status s = db_.Teardown(remote(node));
    INFO("teardown " << node << ": " << s.message());
    CHECK(s.ok());
  }
}

Status RedisCluster::TryStart() {
  started_ = true;
  std::vector<std::future<Status>> setups;
  for (const std::string& node : cluster_.names()) {
    setups.push_back(
        std::async(std::launch::async, [this, node] { return db_.Setup(remote(node), env_); }));
  }
  Status first;
  for (auto& setup : setups) {
    Status s = setup.get();
    if (first.ok() && !s.ok()) first = s;
  }
  if (!first.ok()) return first;
  return db_.Ready(env_, std::chrono::seconds(10));
}

void RedisCluster::Start() {
  const Status s = TryStart();
  INFO(s.message());
  REQUIRE(s.ok());
}

int RedisCluster::port() const {
  auto options = coordcheck::redis::ParseRedisOptions(env_.options);
  return options.ok() ? options->port : 6379;
}

coordcheck::LockEnv RedisCluster::LockEnvFor(int64_t ttl_ms, uint64_t seed,
                                             coordcheck::Json options, size_t lock_nodes) {
  coordcheck::LockEnv env;
  env.dialer = &cluster().dialer();
  for (const control::NodeInfo& node : cluster().nodes()) {
    if (lock_nodes != 0 && env.nodes.size() == lock_nodes) break;
    env.nodes.push_back(node.name);
    env.addresses.push_back(node.address);
  }
  env.node = env.nodes[0];
  env.ttl_ms = ttl_ms;
  env.seed = seed;
  env.options = std::move(options);
  return env;
}

Result<Reply> RedisCluster::Call(const std::string& node,
                                          const std::vector<std::string>& argv,
                                          std::chrono::milliseconds timeout, bool* uncertain) {
  RespConnection connection(&cluster().dialer(), node, remote(node).address(), port());
  bool maybe = false;
  auto reply = connection.Call(argv, Clock::now() + timeout, &maybe);
  if (uncertain != nullptr) *uncertain = maybe;
  return reply;
}

bool RedisCluster::Pings(const std::string& node, std::chrono::milliseconds timeout) {
  auto reply = Call(node, {"PING"}, timeout);
  return reply.ok() && reply->type == Reply::Type::kSimple && reply->text == "PONG";
}

std::string RedisCluster::Get(const std::string& node, const std::string& key) {
  auto reply = Call(node, {"GET", key});
  INFO("GET " << key << " on " << node << ": " << reply.message());
  REQUIRE(reply.ok());
  return reply->is_nil() ? "(nil)" : reply->text;
}

ClockedRedis::ClockedRedis(const std::string& backend, int nodes,
                           coordcheck::ClockNemesisOptions options)
    : redis_(backend, nodes) {
  nemesis_ =
      std::make_unique<coordcheck::ClockNemesis>(redis_.cluster(), CC_BIN_DIR, std::move(options));
  const Status setup = nemesis_->Setup();
  INFO(setup.message());
  REQUIRE(setup.ok());
  for (const std::string& node : redis_.names()) {
    redis_.env().daemon_env[node] = nemesis_->DaemonEnv(node);
  }
  redis_.Start();
}

ClockedRedis::~ClockedRedis() {
  const Status teardown = nemesis_->Teardown();
  CHECK(teardown.message() == "");
}

FakeServer::FakeServer(std::function<void(int fd)> handler) : listener_(/*backlog=*/8) {
  if (!handler) return;
  thread_ = std::thread([this, handler = std::move(handler)] {
    while (!stop_) {
      pollfd p{listener_.fd(), POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      const int fd = accept4(listener_.fd(), nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      handler(fd);
      close(fd);
      return;
    }
  });
}

FakeServer::~FakeServer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::string ReadSome(int fd, size_t bytes) {
  std::string got;
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  while (got.size() < bytes && Clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 20) <= 0) continue;
    char buf[4096];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

}  // namespace redistest
