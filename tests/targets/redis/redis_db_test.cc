// RedisDb on real clusters: setup, ready and teardown of real redis-server processes;
// kill (the node stops answering) and start (it answers again, empty); pause (a PING times
// out, uncertain; a command sent meanwhile runs after resume) and resume; the daemon env
// reaching the server; validation of options, bugs and the server binary.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "targets/redis/db.h"
#include "tests/targets/redis/redis_test_util.h"

namespace {

using coordcheck::Result;
using coordcheck::Status;

namespace control = coordcheck::control;
using coordcheck::redis::RedisDbOptions;
using coordcheck::redis::RespConnection;
using redistest::Clock;
using redistest::Ms;
using std::chrono::milliseconds;

std::string ProcFile(int64_t pid, const std::string& name) {
  std::string text = nodetest::ReadFile("/proc/" + std::to_string(pid) + "/" + name);
  for (char& ch : text) {
    if (ch == '\0') ch = '\n';
  }
  return text;
}

void Lifecycle(const std::string& backend) {
  redistest::RedisCluster c(backend, 3);
  c.env().daemon_env["n2"] = {"COORDCHECK_REDIS_TEST=marker-17"};
  c.Start();
  for (const std::string& node : c.names()) {
    INFO(node);
    CHECK(c.Pings(node));
    auto daemon = c.db().DaemonOf(node);
    REQUIRE(daemon.ok());
    const std::string cmdline = ProcFile(daemon->pid, "cmdline");
    INFO(cmdline);
    CHECK(cmdline.rfind("/usr/bin/redis-server\n--bind\n" + c.remote(node).address() + "\n", 0) ==
          0);
    // The daemon env reaches the server, on its node only.
    const bool marked =
        ProcFile(daemon->pid, "environ").find("\nCOORDCHECK_REDIS_TEST=marker-17\n") !=
        std::string::npos;
    CHECK(marked == (node == "n2"));
    // Its log is redis's stdout.
    const std::vector<std::string> logs = c.db().LogFiles(c.remote(node));
    REQUIRE(logs == std::vector<std::string>{c.remote(node).root_dir() + "/redis.log"});
    CHECK(nodetest::ReadFile(logs[0]).find("Ready to accept connections") != std::string::npos);
  }
  // Independent instances: a key on n1 is not on n2.
  REQUIRE(c.Call("n1", {"SET", "k", "v"}).ok());
  CHECK(c.Get("n1", "k") == "v");
  CHECK(c.Get("n2", "k") == "(nil)");

  auto n1 = c.db().DaemonOf("n1");
  REQUIRE(n1.ok());
  REQUIRE(c.db().Teardown(c.remote("n1")).ok());
  CHECK_FALSE(c.remote("n1").DaemonAlive(*n1));
  bool uncertain = true;
  auto after = c.Call("n1", {"PING"}, milliseconds(300), &uncertain);
  CHECK_FALSE(after.ok());
  CHECK_FALSE(uncertain);  // refused: nothing sent
  CHECK_FALSE(c.db().DaemonOf("n1").ok());
  CHECK(c.db().Teardown(c.remote("n1")).ok());  // again: nothing to do
}

TEST_CASE("redis db: setup, ready and teardown on 3 nodes (local)", "[redis][db]") {
  Lifecycle("local");
}

TEST_CASE("redis db: setup, ready and teardown on 3 nodes (netns)", "[redis][db][root]") {
  nodetest::RequireRoot();
  Lifecycle("netns");
}

TEST_CASE("redis db: Kill stops answers, Start brings the node back empty", "[redis][db]") {
  redistest::RedisCluster c("local", 3);
  c.Start();
  REQUIRE(c.Call("n2", {"SET", "lock", "token"}).ok());
  // A connection made before the kill: after the restart it is replaced, not uncertain.
  RespConnection old(&c.cluster().dialer(), "n2", c.remote("n2").address(), c.port());
  bool uncertain = true;
  REQUIRE(old.Call({"PING"}, Clock::now() + milliseconds(500), &uncertain).ok());

  auto before = c.db().DaemonOf("n2");
  REQUIRE(before.ok());
  REQUIRE(c.db().Kill(c.remote("n2")).ok());
  CHECK_FALSE(c.remote("n2").DaemonAlive(*before));
  auto down = c.Call("n2", {"PING"}, milliseconds(300), &uncertain);
  CHECK_FALSE(down.ok());
  CHECK_FALSE(uncertain);
  CHECK(down.message().find("n2 (") == 0);
  CHECK(c.Pings("n1"));
  CHECK(c.Pings("n3"));
  CHECK(c.db().Kill(c.remote("n2")).ok());  // already down

  const auto start = Clock::now();
  REQUIRE(c.db().Start(c.remote("n2"), c.env()).ok());
  INFO("Start took " << Ms(Clock::now() - start).count() << " ms");
  CHECK(c.Pings("n2"));                   // Start returns once it answers
  CHECK(c.Get("n2", "lock") == "(nil)");  // nothing persisted: the lock key is gone
  auto reply = old.Call({"GET", "lock"}, Clock::now() + milliseconds(500), &uncertain);
  INFO(reply.message());
  REQUIRE(reply.ok());
  CHECK(reply->is_nil());
  CHECK_FALSE(c.db().Start(c.remote("n2"), c.env()).ok());  // already running
}

TEST_CASE("redis db: Pause makes calls time out uncertain, Resume runs what was sent",
          "[redis][db]") {
  redistest::RedisCluster c("local", 3);
  c.Start();
  REQUIRE(c.db().Pause(c.remote("n1")).ok());
  bool uncertain = false;
  const auto start = Clock::now();
  auto ping = c.Call("n1", {"PING"}, milliseconds(200), &uncertain);
  CHECK(Ms(Clock::now() - start) >= milliseconds(200));
  CHECK_FALSE(ping.ok());
  CHECK(uncertain);
  CHECK(ping.message().find("no reply by the deadline") != std::string::npos);
  // A write sent during the pause: uncertain now, done after the resume.
  auto set = c.Call("n1", {"SET", "k", "late"}, milliseconds(100), &uncertain);
  CHECK_FALSE(set.ok());
  CHECK(uncertain);
  CHECK(c.Pings("n2"));
  REQUIRE(c.db().Resume(c.remote("n1")).ok());
  CHECK(c.Pings("n1"));
  CHECK(nodetest::WaitUntil([&] { return c.Get("n1", "k") == "late"; }));
}

TEST_CASE("redis db: Setup rejects unknown options, bugs and a missing server, naming them",
          "[redis][db]") {
  SECTION("unknown option") {
    redistest::RedisCluster c("local", 3);
    c.env().options = {{"port", 6380}, {"prot", 1}};
    const Status s = c.TryStart();
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find("node n") == 0);
    CHECK(s.message().find("unknown redis option \"prot\" (redis knows: port, renew, "
                           "instance_timeout_ms)") != std::string::npos);
  }
  SECTION("ill-typed option") {
    redistest::RedisCluster c("local", 3);
    c.env().options = {{"port", "6379"}};
    const Status s = c.TryStart();
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find("\"port\" must be an integer in 1..65535, got \"6379\"") !=
          std::string::npos);
  }
  SECTION("bug") {
    redistest::RedisCluster c("local", 3);
    c.env().bug = "lost-writes";
    const Status s = c.TryStart();
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find("no bug variants (got \"lost-writes\")") != std::string::npos);
  }
  SECTION("server binary") {
    RedisDbOptions options;
    options.server_path = "/nonexistent/redis-server";
    redistest::RedisCluster c("local", 3, options);
    const Status s = c.TryStart();
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find("node n") == 0);
    CHECK(s.message().find("/nonexistent/redis-server is not an executable file") !=
          std::string::npos);
  }
  SECTION("a server that exits is reported with its log") {
    redistest::RedisCluster c("local", 3);
    c.env().options = {{"port", 6391}};
    // n3's address and port taken (bound, not listening): redis there cannot bind.
    const int taken = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(taken >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(6391);
    REQUIRE(inet_pton(AF_INET, c.remote("n3").address().c_str(), &addr.sin_addr) == 1);
    REQUIRE(bind(taken, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    const Status s = c.TryStart();
    close(taken);
    INFO(s.message());
    REQUIRE_FALSE(s.ok());
    CHECK(s.message().find("node n3: redis: /usr/bin/redis-server (pid ") == 0);
    CHECK(s.message().find("exited; the end of " + c.remote("n3").root_dir() + "/redis.log") !=
          std::string::npos);
    CHECK(s.message().find("Address already in use") != std::string::npos);
  }
}

}  // namespace
