// The kvd server's protocol, forwarding, persistence and signals, deployed by the real
// KvdDb onto local test nodes.

#include <signal.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "targets/kvd/client.h"
#include "targets/kvd/protocol.h"
#include "targets/wire/wire.h"
#include "tests/targets/kvd_test_cluster.h"

namespace coordcheck::test {
namespace {

using std::chrono::milliseconds;

void RequireStarted(TestCluster& cluster) {
  Status started = cluster.Start();
  if (!started.ok()) FAIL(started.message() << "\n" << cluster.Logs());
}

// One request to node i on a fresh connection; the parsed response.
kvd::Response Call(TestCluster& cluster, int i, const Json& request) {
  std::string error;
  std::string line = RawCall(cluster.address(i), cluster.port(), request.dump(), &error);
  INFO("request " << request.dump() << " to " << cluster.name(i) << ": " << error);
  kvd::Response response;
  std::string parse_error;
  REQUIRE(kvd::ParseResponse(line, &response, &parse_error));
  return response;
}

Json Read(TestCluster& cluster, int i, const Json& key) {
  kvd::Response r = Call(cluster, i, {{"id", 1}, {"f", "read"}, {"key", key}});
  REQUIRE(r.type == "ok");
  return r.value;
}

Op MakeOp(const std::string& f, Json key, Json value) {
  Op op;
  op.f = f;
  op.key = std::move(key);
  op.value = std::move(value);
  return op;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

TEST_CASE("kvd server: protocol on the primary and through followers", "[kvd]") {
  TestCluster cluster({});
  RequireStarted(cluster);

  SECTION("ping answers with the node and its role") {
    for (int i = 0; i < cluster.size(); ++i) {
      kvd::Response r = Call(cluster, i, {{"id", 7}, {"f", "ping"}});
      CHECK(r.type == "ok");
      CHECK(r.id == 7);
      CHECK(r.value["node"] == cluster.name(i));
      CHECK(r.value["role"] == (i == 0 ? "primary" : "follower"));
    }
  }
  SECTION("read of an unset key is null, on every node") {
    for (int i = 0; i < cluster.size(); ++i) CHECK(Read(cluster, i, "unset").is_null());
  }
  SECTION("write then read, through a follower and on the primary") {
    kvd::Response w = Call(cluster, 1, {{"id", 2}, {"f", "write"}, {"key", "a"}, {"value", 3}});
    CHECK(w.type == "ok");
    CHECK(w.id == 2);
    for (int i = 0; i < cluster.size(); ++i) CHECK(Read(cluster, i, "a") == 3);
  }
  SECTION("cas ok when the value matches, fail with mismatch when not") {
    REQUIRE(Call(cluster, 0, {{"id", 1}, {"f", "write"}, {"key", "c"}, {"value", 3}}).type == "ok");
    kvd::Response ok = Call(cluster, 2, {{"id", 1}, {"f", "cas"}, {"key", "c"}, {"value", {3, 4}}});
    CHECK(ok.type == "ok");
    kvd::Response miss =
        Call(cluster, 1, {{"id", 1}, {"f", "cas"}, {"key", "c"}, {"value", {3, 1}}});
    CHECK(miss.type == "fail");
    CHECK(miss.error == "mismatch");
    CHECK(Read(cluster, 0, "c") == 4);
    kvd::Response unset =
        Call(cluster, 0, {{"id", 1}, {"f", "cas"}, {"key", "none"}, {"value", {0, 1}}});
    CHECK(unset.type == "fail");
    kvd::Response from_null =
        Call(cluster, 1, {{"id", 1}, {"f", "cas"}, {"key", "none"}, {"value", {nullptr, 1}}});
    CHECK(from_null.type == "ok");
    CHECK(Read(cluster, 2, "none") == 1);
  }
  SECTION("keys are JSON dumps: 1 and \"1\" differ; no key is a key too") {
    REQUIRE(Call(cluster, 1, {{"id", 1}, {"f", "write"}, {"key", 1}, {"value", 7}}).type == "ok");
    CHECK(Read(cluster, 0, 1) == 7);
    CHECK(Read(cluster, 0, "1").is_null());
    REQUIRE(Call(cluster, 2, {{"id", 1}, {"f", "write"}, {"value", "x"}}).type == "ok");
    CHECK(Call(cluster, 1, {{"id", 1}, {"f", "read"}}).value == "x");
  }
  SECTION("bad requests fail, on the primary and through a follower") {
    for (int i = 0; i < 2; ++i) {
      CHECK(Call(cluster, i, {{"id", 1}, {"f", "frobnicate"}, {"key", "a"}}).type == "fail");
      CHECK(Call(cluster, i, {{"id", 1}, {"f", "cas"}, {"key", "a"}, {"value", 3}}).type == "fail");
      CHECK(Call(cluster, i, {{"id", 1}, {"f", "read"}, {"key", {1, 2}}}).type == "fail");
      CHECK(Call(cluster, i, {{"id", 1}, {"f", "replicate"}, {"key", "a"}}).type == "fail");
      kvd::Response garbage;
      std::string error;
      REQUIRE(kvd::ParseResponse(RawCall(cluster.address(i), cluster.port(), "{nope"), &garbage,
                                 &error));
      CHECK(garbage.type == "fail");
      CHECK(garbage.id.is_null());
    }
  }
  SECTION("pipelined requests on one connection are answered in order") {
    auto fd = wire::DialTcp(cluster.address(1), cluster.port(), milliseconds(2000));
    REQUIRE(fd.ok());
    std::string lines;
    for (int id = 1; id <= 50; ++id) {
      lines += kvd::EncodeRequest(id, id % 2 == 0 ? "read" : "write", "p", id) + "\n";
    }
    size_t sent = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    REQUIRE(wire::WriteAll(*fd, lines, deadline, &sent).ok());
    wire::LineReader reader;
    for (int id = 1; id <= 50; ++id) {
      std::string line;
      REQUIRE(reader.ReadLine(*fd, deadline, &line).ok());
      kvd::Response r;
      std::string error;
      REQUIRE(kvd::ParseResponse(line, &r, &error));
      CHECK(r.id == id);
      CHECK(r.type == "ok");
      if (id % 2 == 0) CHECK(r.value == id - 1);
    }
    close(*fd);
  }
}

TEST_CASE("kvd server: a killed primary keeps its data, and followers fail while it is down",
          "[kvd]") {
  TestCluster cluster({});
  RequireStarted(cluster);
  auto env = cluster.client_env();
  kvd::KvdClient via_n2;
  REQUIRE(via_n2.Open(env, "n2").ok());
  const auto deadline = [] { return std::chrono::steady_clock::now() + std::chrono::seconds(2); };
  for (int k = 0; k < 20; ++k) {
    REQUIRE(via_n2.Invoke(MakeOp("write", k, k * 10), deadline()).type == OpType::kOk);
  }
  REQUIRE(via_n2.Invoke(MakeOp("cas", 5, Json{50, 55}), deadline()).type == OpType::kOk);

  const int64_t old_pid = cluster.remote(0).last_pid();
  REQUIRE(cluster.db().Kill(cluster.remote(0)).ok());
  CHECK_FALSE(cluster.remote(0).DaemonAlive({"n1", "kvd", old_pid}));
  auto status = cluster.remote(0).WaitStatus(old_pid);
  REQUIRE(status.has_value());
  CHECK(WIFSIGNALED(*status));
  CHECK(WTERMSIG(*status) == SIGKILL);

  // Nothing reaches the primary: the follower knows the op did not happen.
  Op down = via_n2.Invoke(MakeOp("write", 1, 99), deadline());
  CHECK(down.type == OpType::kFail);
  CHECK(down.error.dump().find("primary unreachable") != std::string::npos);

  SECTION("restart on the same data dir") {}
  SECTION("restart after a torn last log entry") {
    std::ofstream log(cluster.remote(0).root_dir() + "/data/data.jsonl", std::ios::app);
    log << "{\"k\":3,\"v\":";
  }
  REQUIRE(cluster.db().Start(cluster.remote(0), cluster.env()).ok());
  Status ready = cluster.db().Ready(cluster.env(), std::chrono::seconds(5));
  if (!ready.ok()) FAIL(ready.message() << "\n" << cluster.Logs());
  for (int k = 0; k < 20; ++k) {
    INFO("key " << k);
    CHECK(Read(cluster, 0, k) == (k == 5 ? 55 : k * 10));
    CHECK(Read(cluster, 2, k) == (k == 5 ? 55 : k * 10));
  }
  // The log keeps growing after a replay, and a second restart sees both generations.
  REQUIRE(via_n2.Invoke(MakeOp("write", 1, 111), deadline()).type == OpType::kOk);
  REQUIRE(cluster.db().Kill(cluster.remote(0)).ok());
  REQUIRE(cluster.db().Start(cluster.remote(0), cluster.env()).ok());
  REQUIRE(cluster.db().Ready(cluster.env(), std::chrono::seconds(5)).ok());
  CHECK(Read(cluster, 1, 1) == 111);
  CHECK(Read(cluster, 1, 2) == 20);
  CHECK(Slurp(cluster.remote(0).root_dir() + "/kvd.log").find("entries replayed") !=
        std::string::npos);
}

TEST_CASE("kvd server: a paused primary gives info, never fail, also through a follower", "[kvd]") {
  TestClusterOptions options;
  options.options = {{"forward_timeout_ms", 300}};
  TestCluster cluster(options);
  RequireStarted(cluster);
  auto env = cluster.client_env();
  kvd::KvdClient via_n1, via_n2;
  REQUIRE(via_n1.Open(env, "n1").ok());
  REQUIRE(via_n2.Open(env, "n2").ok());
  const auto in = [](int ms) { return std::chrono::steady_clock::now() + milliseconds(ms); };
  REQUIRE(via_n1.Invoke(MakeOp("write", "k", 1), in(2000)).type == OpType::kOk);
  REQUIRE(via_n2.Invoke(MakeOp("read", "k", nullptr), in(2000)).type == OpType::kOk);

  REQUIRE(cluster.db().Pause(cluster.remote(0)).ok());
  Op direct = via_n1.Invoke(MakeOp("write", "k", 2), in(300));
  CHECK(direct.type == OpType::kInfo);
  Op forwarded = via_n2.Invoke(MakeOp("cas", "k", Json{1, 3}), in(3000));
  CHECK(forwarded.type == OpType::kInfo);
  CHECK(forwarded.error.dump().find("no answer from primary") != std::string::npos);
  REQUIRE(cluster.db().Resume(cluster.remote(0)).ok());

  // Both clients reconnect. The ops sent during the pause take effect late (that is why
  // they had to be info): write 2 then cas [1, 3] fails, or cas first then write 2.
  Op after;
  const auto give_up = in(3000);
  do {
    after = via_n2.Invoke(MakeOp("read", "k", nullptr), in(2000));
    REQUIRE(after.type == OpType::kOk);
  } while (after.value != 2 && std::chrono::steady_clock::now() < give_up);
  CHECK(after.value == 2);
  CHECK(via_n1.Invoke(MakeOp("cas", "k", Json{2, 4}), in(2000)).type == OpType::kOk);
}

TEST_CASE("kvd server: SIGTERM stops it cleanly", "[kvd]") {
  TestCluster cluster({});
  RequireStarted(cluster);
  const int64_t pid = cluster.remote(1).last_pid();
  REQUIRE(cluster.db().Teardown(cluster.remote(1)).ok());
  auto status = cluster.remote(1).WaitStatus(pid);
  REQUIRE(status.has_value());
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
  std::string log = Slurp(cluster.remote(1).root_dir() + "/kvd.log");
  CHECK(log.find("follower listening on") != std::string::npos);
  CHECK(log.find("stopping on signal") != std::string::npos);
}

TEST_CASE("kvd server: bad flags are rejected with a message", "[kvd]") {
  auto run = [](const std::string& args, std::string* out) {
    std::string command = std::string(COORDCHECK_KVD_BINARY) + " " + args + " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) out->append(buffer, n);
    int status = pclose(pipe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  std::string out;
  CHECK(run("--node n1 --listen 127.0.0.1:1 --primary 127.0.0.1:1 --bug nope", &out) == 1);
  CHECK(out.find("unknown bug \"nope\"") != std::string::npos);
  out.clear();
  CHECK(run("--node n1 --listen 127.0.0.1:1", &out) == 2);
  CHECK(out.find("required") != std::string::npos);
  out.clear();
  CHECK(run("--node n1 --listen nowhere --primary 127.0.0.1:1 --data-dir /tmp", &out) == 1);
  CHECK(out.find("bad --listen") != std::string::npos);
  out.clear();
  CHECK(run("--frobnicate 3", &out) == 2);
}

}  // namespace
}  // namespace coordcheck::test
