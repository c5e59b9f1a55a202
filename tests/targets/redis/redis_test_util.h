// Helpers for the redis target tests: a cluster with RedisDb on its nodes (real
// redis-server processes, stopped by pid at the end), lock environments for it, RESP calls
// to one node's instance, the same cluster under the clock nemesis, and a fake TCP server
// for the RESP client's failure cases.
//
// Everything here reports through Catch2, so it is for test code only.
//
// Thread-safety: none needed (each test uses its own objects from one thread), except
// FakeServer, whose handler runs on its own thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "harness/control/cluster.h"
#include "nemesis/clock/clock_nemesis.h"
#include "targets/db.h"
#include "targets/lock/lock_client.h"
#include "targets/redis/db.h"
#include "targets/redis/resp.h"
#include "tests/support/loopback.h"
#include "tests/support/node_env.h"

namespace redistest {

using coordcheck::Result;
using coordcheck::Status;

using Clock = std::chrono::steady_clock;

inline std::chrono::milliseconds Ms(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

// A cluster of `nodes` nodes of `backend`; Start() sets up RedisDb on every node and waits
// until all answer. The destructor tears every node down (CHECKing it), then the cluster is
// destroyed and checked by nodetest::TestCluster.
class RedisCluster {
 public:
  RedisCluster(const std::string& backend, int nodes,
               coordcheck::redis::RedisDbOptions db_options = {});
  ~RedisCluster();

  coordcheck::control::Cluster& cluster() { return cluster_.cluster(); }
  coordcheck::control::Remote& remote(const std::string& node) { return cluster_.remote(node); }
  coordcheck::redis::RedisDb& db() { return db_; }
  // The DbEnv Start uses (nodes, dialer, seed filled in); set options or daemon_env first.
  coordcheck::DbEnv& env() { return env_; }
  std::vector<std::string> names() const { return cluster_.names(); }

  // Sets up every node (in parallel, as the runner does) and waits until ready; REQUIREs
  // success.
  void Start();
  // Sets up every node and returns the first error (or ok), without REQUIRE.
  coordcheck::Status TryStart();

  // A lock environment over the first `lock_nodes` nodes (all when 0).
  coordcheck::LockEnv LockEnvFor(int64_t ttl_ms, uint64_t seed, coordcheck::Json options = nullptr,
                                 size_t lock_nodes = 0);

  // One command to `node`'s instance on a fresh connection, bounded by `timeout`.
  coordcheck::Result<coordcheck::redis::Reply> Call(
      const std::string& node, const std::vector<std::string>& argv,
      std::chrono::milliseconds timeout = std::chrono::milliseconds(1000),
      bool* uncertain = nullptr);
  // True when `node` answers PING with PONG within `timeout`.
  bool Pings(const std::string& node,
             std::chrono::milliseconds timeout = std::chrono::milliseconds(1000));
  // GET key on `node`: the value, or "(nil)"; REQUIREs an answer.
  std::string Get(const std::string& node, const std::string& key);
  // The instance's port (from env().options).
  int port() const;

 private:
  nodetest::TestCluster cluster_;
  coordcheck::redis::RedisDb db_;
  coordcheck::DbEnv env_;
  bool started_ = false;
};

// Redis on every node of a `backend` cluster, each server under the clock nemesis' preload
// (DbEnv::daemon_env): the ClockNemesis, built with `options`, is set up before the servers
// start. The destructor tears the nemesis down (CHECKing it) before the cluster goes.
class ClockedRedis {
 public:
  ClockedRedis(const std::string& backend, int nodes, coordcheck::ClockNemesisOptions options = {});
  ~ClockedRedis();

  RedisCluster& redis() { return redis_; }
  coordcheck::ClockNemesis& nemesis() { return *nemesis_; }

 private:
  RedisCluster redis_;                                 // destroyed last
  std::unique_ptr<coordcheck::ClockNemesis> nemesis_;  // torn down first
};

// A TCP server on 127.0.0.1 (an ephemeral port) that accepts one connection and hands it
// to `handler` on its own thread; the connection is closed when the handler returns. With
// no handler it never accepts: connects still complete (the listen backlog) but nothing is
// ever read or answered.
class FakeServer {
 public:
  explicit FakeServer(std::function<void(int fd)> handler = nullptr);
  ~FakeServer();
  int port() const { return listener_.port(); }

 private:
  nodetest::LoopbackListener listener_;  // closed after the thread is joined
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Reads from `fd` until `bytes` bytes arrived or 2 s passed; returns them.
std::string ReadSome(int fd, size_t bytes);

// Lock-client helpers shared by the redis-lock and Redlock tests (any LockClient type).
// An opened client, REQUIREd to open.
template <class C>
std::unique_ptr<C> OpenLock(const coordcheck::LockEnv& env) {
  auto client = std::make_unique<C>();
  const coordcheck::Status s = client->Open(env);
  INFO(s.message());
  REQUIRE(s.ok());
  return client;
}

// A grant, REQUIREd within `within`, never uncertain.
inline coordcheck::Grant MustAcquire(coordcheck::LockClient& client,
                                     std::chrono::milliseconds within = std::chrono::milliseconds(1000)) {
  bool uncertain = true;
  auto grant = client.Acquire(Clock::now() + within, &uncertain);
  INFO(grant.message());
  REQUIRE(grant.ok());
  CHECK_FALSE(uncertain);
  return *grant;
}

// The definite error of an Acquire that must fail.
inline std::string MustFail(coordcheck::LockClient& client, std::chrono::milliseconds within) {
  bool uncertain = true;
  auto grant = client.Acquire(Clock::now() + within, &uncertain);
  REQUIRE_FALSE(grant.ok());
  CHECK_FALSE(uncertain);
  return grant.message();
}

}  // namespace redistest
