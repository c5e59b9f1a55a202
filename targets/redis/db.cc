#include "targets/redis/db.h"

#include <algorithm>
#include <charconv>
#include <string_view>
#include <thread>

#include "targets/clock_reading.h"
#include "targets/redis/options.h"
#include "targets/redis/resp.h"

namespace coordcheck::redis {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kPingAttempt = milliseconds(1000);
constexpr auto kRetryPause = milliseconds(10);
constexpr auto kCheckTimeout = milliseconds(10000);
constexpr auto kObserveTimeout = milliseconds(2000);

// A non-negative decimal integer in a bulk string; false otherwise.
bool ParseCount(const Reply& reply, int64_t* out) {
  if (reply.type != Reply::Type::kBulk || reply.text.empty()) return false;
  const char* end = reply.text.data() + reply.text.size();
  auto [ptr, ec] = std::from_chars(reply.text.data(), end, *out);
  return ec == std::errc() && ptr == end && *out >= 0;
}

std::string LogPath(const control::Remote& node) { return node.root_dir() + "/redis.log"; }

std::string Where(const std::string& node) { return "node " + node + ": redis: "; }

// One PING on a fresh connection, bounded by `deadline`.
Status Ping(control::Dialer& dialer, const control::NodeInfo& node, int port,
            Clock::time_point deadline) {
  RespConnection connection(&dialer, node.name, node.address, port);
  bool uncertain = false;
  auto reply = connection.Call({"PING"}, deadline, &uncertain);
  if (!reply.ok()) return reply.status();
  if (reply->type != Reply::Type::kSimple || reply->text != "PONG") {
    return Status::Error(connection.where() + ": PING answered " + reply->ToString());
  }
  return Status::Ok();
}

}  // namespace

RedisDb::RedisDb(RedisDbOptions options) : options_(std::move(options)) {}

Result<std::vector<std::string>> RedisDb::ServerArgv(const control::Remote& node,
                                                     const DbEnv& env) const {
  using R = Result<std::vector<std::string>>;
  if (!env.bug.empty()) {
    return R::Error(Where(node.node()) + "there are no bug variants (got \"" + env.bug + "\")");
  }
  auto options = ParseRedisOptions(env.options);
  if (!options.ok()) return R::Error(Where(node.node()) + options.message());
  return std::vector<std::string>{options_.server_path,
                                  "--bind",
                                  node.address(),
                                  "--port",
                                  std::to_string(options->port),
                                  "--save",
                                  "",
                                  "--appendonly",
                                  "no",
                                  "--daemonize",
                                  "no",
                                  "--protected-mode",
                                  "no",
                                  "--dir",
                                  node.root_dir(),
                                  "--logfile",
                                  "",
                                  "--set-proc-title",
                                  "no"};
}

Status RedisDb::CheckServer(control::Remote& node) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (server_checked_) return Status::Ok();
  }
  control::ExecOptions exec;
  exec.timeout = kCheckTimeout;
  auto test = node.Exec({"test", "-x", options_.server_path}, exec);
  if (!test.ok()) return test.status().Wrap(Where(node.node()) + "cannot check the server binary");
  if (!test->success()) {
    return Status::Error(Where(node.node()) + options_.server_path +
                         " is not an executable file (is redis-server installed?)");
  }
  std::lock_guard<std::mutex> lock(mu_);
  server_checked_ = true;
  return Status::Ok();
}

Status RedisDb::Setup(control::Remote& node, const DbEnv& env) {
  if (auto argv = ServerArgv(node, env); !argv.ok()) return argv.status();
  if (Status s = CheckServer(node); !s.ok()) return s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    remotes_[node.node()] = &node;
  }
  return StartServer(node, env);
}

Status RedisDb::StartServer(control::Remote& node, const DbEnv& env) {
  auto argv = ServerArgv(node, env);
  if (!argv.ok()) return argv.status();
  if (Status s = daemons_.CheckNotRunning(node); !s.ok()) return s;
  auto daemon =
      node.StartDaemon(daemons_.Spec(node.node(), env, std::move(argv).value(), LogPath(node)));
  if (!daemon.ok()) {
    return daemon.status().Wrap(Where(node.node()) + "start " + options_.server_path);
  }
  daemons_.Started(node.node(), *daemon);
  return Status::Ok();
}

std::string RedisDb::LogTail(control::Remote& node) {
  control::ExecOptions exec;
  exec.timeout = kCheckTimeout;
  auto tail = node.Exec({"tail", "-n", "5", LogPath(node)}, exec);
  if (!tail.ok() || tail->out.empty()) return "";
  std::string out = tail->out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return "; the end of " + LogPath(node) + ": " + out;
}

Status RedisDb::WaitServing(const control::NodeInfo& node, const DbEnv& env,
                            Clock::time_point deadline) {
  if (env.dialer == nullptr) return Status::Error(Where(node.name) + "no dialer to reach it");
  auto options = ParseRedisOptions(env.options);
  if (!options.ok()) return Status::Error(Where(node.name) + options.message());
  const auto start = Clock::now();
  while (true) {
    Status last =
        Ping(*env.dialer, node, options->port, std::min(deadline, Clock::now() + kPingAttempt));
    if (last.ok()) return Status::Ok();
    // A server that exited (port taken, bad argument) will never answer: say why at once.
    control::Remote* remote = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = remotes_.find(node.name); it != remotes_.end()) remote = it->second;
    }
    const auto daemon = daemons_.Of(node.name);
    if (remote != nullptr && daemon.ok() && !remote->DaemonAlive(*daemon)) {
      return Status::Error(Where(node.name) + options_.server_path + " (pid " +
                           std::to_string(daemon->pid) + ") exited" + LogTail(*remote));
    }
    if (Clock::now() + kRetryPause >= deadline) {
      const auto waited = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
      return Status::Error(Where(node.name) + "not answering PING after " +
                           std::to_string(waited.count()) + " ms: " + last.message());
    }
    std::this_thread::sleep_for(kRetryPause);
  }
}

Status RedisDb::Ready(const DbEnv& env, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (const control::NodeInfo& node : env.nodes) {
    if (Status s = WaitServing(node, env, deadline); !s.ok()) return s;
  }
  return Status::Ok();
}

Status RedisDb::Teardown(control::Remote& node) { return daemons_.Stop(node); }

std::vector<std::string> RedisDb::LogFiles(control::Remote& node) { return {LogPath(node)}; }

Status RedisDb::Kill(control::Remote& node) { return daemons_.Kill(node); }

Status RedisDb::Start(control::Remote& node, const DbEnv& env) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    remotes_[node.node()] = &node;
  }
  if (Status s = StartServer(node, env); !s.ok()) return s;
  if (env.dialer == nullptr) return Status::Ok();  // nothing to probe it with
  return WaitServing({node.node(), node.address()}, env, Clock::now() + options_.start_timeout);
}

Status RedisDb::Pause(control::Remote& node) { return daemons_.Pause(node); }

Result<ClockReading> RedisDb::ObserveClock(const control::NodeInfo& node, const DbEnv& env) {
  using R = Result<ClockReading>;
  if (env.dialer == nullptr) return R::Error(Where(node.name) + "no dialer to reach it");
  auto options = ParseRedisOptions(env.options);
  if (!options.ok()) return R::Error(Where(node.name) + options.message());
  const auto deadline = Clock::now() + kObserveTimeout;
  RespConnection connection(env.dialer, node.name, node.address, options->port);
  bool uncertain = false;
  // Connected first, so the timed round trip is TIME and its reply only.
  auto ping = connection.Call({"PING"}, deadline, &uncertain);
  if (!ping.ok()) return R::Error(Where(node.name) + "clock: " + ping.message());
  const int64_t before_ns = RealtimeNs();
  auto reply = connection.Call({"TIME"}, deadline, &uncertain);
  const int64_t after_ns = RealtimeNs();
  if (!reply.ok()) return R::Error(Where(node.name) + "clock: TIME: " + reply.message());
  int64_t seconds = 0;
  int64_t micros = 0;
  if (reply->type != Reply::Type::kArray || reply->elements.size() != 2 ||
      !ParseCount(reply->elements[0], &seconds) || !ParseCount(reply->elements[1], &micros) ||
      micros >= 1000000 || seconds > int64_t{1} << 40) {
    return R::Error(Where(node.name) + "clock: TIME answered " + reply->ToString());
  }
  const int64_t server_ns = seconds * 1000000000 + micros * 1000;
  return ReadingOfRoundTrip(server_ns, before_ns, after_ns, /*resolution_ms=*/1, "redis TIME");
}

Status RedisDb::Resume(control::Remote& node) { return daemons_.Resume(node); }

}  // namespace coordcheck::redis
