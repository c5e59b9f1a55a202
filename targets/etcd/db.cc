#include "targets/etcd/db.h"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <thread>

#include "targets/clock_reading.h"
#include "targets/etcd/gateway.h"
#include "targets/etcd/http.h"

namespace coordcheck::etcd {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kStatusAttempt = milliseconds(1000);
constexpr auto kReadyRetryPause = milliseconds(50);
constexpr auto kPrimaryTimeout = milliseconds(1500);
constexpr auto kObserveTimeout = milliseconds(2000);

// `n` decimal digits at s[at..]; -1 when they are not all digits.
int Digits(std::string_view s, size_t at, size_t n) {
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's
// days_from_civil).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::string DataDir(const control::Remote& node) { return node.root_dir() + "/etcd.data"; }
std::string LogPath(const control::Remote& node) { return node.root_dir() + "/etcd.log"; }

std::string Url(const std::string& address, int port) {
  return "http://" + address + ":" + std::to_string(port);
}

std::string Hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string NewToken() {
  std::random_device device;
  const uint64_t v = (uint64_t{device()} << 32) ^ device();
  return "coordcheck-" + Hex(v);
}

}  // namespace

std::optional<int64_t> ParseHttpDate(std::string_view date) {
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  //  0123456789012345678901234567890
  static constexpr std::array<std::string_view, 7> kDays = {"Mon", "Tue", "Wed", "Thu",
                                                            "Fri", "Sat", "Sun"};
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (date.size() != 29 || date.substr(3, 2) != ", " || date[7] != ' ' || date[11] != ' ' ||
      date[16] != ' ' || date[19] != ':' || date[22] != ':' || date.substr(25) != " GMT") {
    return std::nullopt;
  }
  if (std::find(kDays.begin(), kDays.end(), date.substr(0, 3)) == kDays.end()) {
    return std::nullopt;
  }
  const auto month = std::find(kMonths.begin(), kMonths.end(), date.substr(8, 3));
  if (month == kMonths.end()) return std::nullopt;
  const int day = Digits(date, 5, 2);
  const int year = Digits(date, 12, 4);
  const int hour = Digits(date, 17, 2);
  const int minute = Digits(date, 20, 2);
  const int second = Digits(date, 23, 2);
  if (day < 1 || day > 31 || year < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
      second < 0 || second > 60) {
    return std::nullopt;
  }
  const int m = static_cast<int>(month - kMonths.begin()) + 1;
  return DaysFromCivil(year, m, day) * 86400 + hour * 3600 + minute * 60 + second;
}

EtcdDb::EtcdDb() : token_(NewToken()) {}

Result<std::vector<std::string>> EtcdDb::ServerArgv(const control::Remote& node,
                                                    const DbEnv& env) const {
  using R = Result<std::vector<std::string>>;
  const std::string where = "node " + node.node() + ": etcd: ";
  if (!env.bug.empty()) return R::Error(where + "has no bug \"" + env.bug + "\" (known: none)");
  auto options = ParseEtcdOptions(env.options);
  if (!options.ok()) return R::Error(where + options.message());
  bool member = false;
  std::string initial_cluster;
  for (const control::NodeInfo& info : env.nodes) {
    if (info.name == node.node()) member = true;
    initial_cluster += (initial_cluster.empty() ? "" : ",") + info.name + "=" +
                       Url(info.address, options->peer_port);
  }
  if (!member) return R::Error(where + "not one of the run's nodes");
  const std::string client_url = Url(node.address(), options->client_port);
  const std::string peer_url = Url(node.address(), options->peer_port);
  return std::vector<std::string>{
      kBinary,         "--name",
      node.node(),     "--data-dir",
      DataDir(node),   "--listen-client-urls",
      client_url,      "--advertise-client-urls",
      client_url,      "--listen-peer-urls",
      peer_url,        "--initial-advertise-peer-urls",
      peer_url,        "--initial-cluster",
      initial_cluster, "--initial-cluster-state",
      "new",           "--initial-cluster-token",
      token_,          "--logger",
      "zap",
  };
}

Status EtcdDb::Setup(control::Remote& node, const DbEnv& env) {
  auto argv = ServerArgv(node, env);
  if (!argv.ok()) return argv.status();
  if (Status s = daemons_.CheckNotRunning(node); !s.ok()) return s;
  // A new cluster: no member state from an earlier Setup on this node may survive.
  control::ExecOptions options;
  options.timeout = std::chrono::seconds(10);
  auto removed = node.Exec({"rm", "-rf", "--", DataDir(node)}, options);
  if (!removed.ok() || !removed->success()) {
    return Status::Error("node " + node.node() + ": etcd: cannot remove " + DataDir(node) + ": " +
                         (removed.ok() ? removed->err : removed.message()));
  }
  return StartServer(node, env);
}

Status EtcdDb::StartServer(control::Remote& node, const DbEnv& env) {
  auto argv = ServerArgv(node, env);
  if (!argv.ok()) return argv.status();
  if (Status s = daemons_.CheckNotRunning(node); !s.ok()) return s;
  auto daemon =
      node.StartDaemon(daemons_.Spec(node.node(), env, std::move(argv).value(), LogPath(node)));
  if (!daemon.ok()) return daemon.status().Wrap("node " + node.node() + ": etcd: start");
  daemons_.Started(node.node(), *daemon);
  return Status::Ok();
}

Result<MemberStatus> EtcdDb::QueryStatus(const DbEnv& env, const control::NodeInfo& node,
                                         milliseconds timeout) {
  using R = Result<MemberStatus>;
  const std::string where = "node " + node.name + ": etcd: ";
  if (env.dialer == nullptr) return R::Error(where + "no dialer to reach the node");
  auto options = ParseEtcdOptions(env.options);
  if (!options.ok()) return R::Error(where + options.message());
  HttpClient http(*env.dialer, node.address, options->client_port);
  return QueryStatusWith(http, node.name, Clock::now() + timeout);
}

Result<MemberStatus> EtcdDb::QueryStatusWith(HttpClient& http, const std::string& node,
                                             Deadline deadline) {
  using R = Result<MemberStatus>;
  const std::string where = "node " + node + ": etcd: ";
  CallOutcome outcome;
  auto reply = Call(http, "maintenance/status", Json::object(), deadline, &outcome);
  if (!reply.ok()) return R::Error(where + reply.message());
  MemberStatus status;
  status.node = node;
  const Json header = reply->value("header", Json::object());
  const std::optional<uint64_t> member = Uint64Field(header, "member_id");
  auto leader = Uint64Field(*reply, "leader");
  auto term = Uint64Field(*reply, "raftTerm");
  if (!member || !leader || !term || *member == 0) {
    return R::Error(where + "maintenance/status: unexpected reply " + reply->dump());
  }
  status.member_id = *member;
  status.leader_id = *leader;
  status.raft_term = *term;
  return status;
}

Status EtcdDb::Ready(const DbEnv& env, milliseconds timeout) {
  if (env.nodes.empty()) return Status::Error("etcd: the cluster has no nodes");
  const auto deadline = Clock::now() + timeout;
  std::string problem;
  while (true) {
    problem.clear();
    std::vector<MemberStatus> statuses;
    for (const control::NodeInfo& node : env.nodes) {
      const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
      auto status = QueryStatus(env, node, std::clamp(left, milliseconds(1), kStatusAttempt));
      if (!status.ok()) {
        problem = status.message();
        break;
      }
      statuses.push_back(*status);
    }
    if (problem.empty()) {
      std::lock_guard<std::mutex> lock(mu_);
      for (const MemberStatus& s : statuses) members_[s.member_id] = s.node;
    }
    if (problem.empty()) {
      for (const MemberStatus& s : statuses) {
        if (s.leader_id == 0) {
          problem = "node " + s.node + ": etcd: no leader known to this member";
          break;
        }
        if (s.leader_id != statuses[0].leader_id) {
          problem = "node " + s.node + ": etcd: leader " + std::to_string(s.leader_id) +
                    ", but node " + statuses[0].node + " says " +
                    std::to_string(statuses[0].leader_id);
          break;
        }
      }
    }
    if (problem.empty()) return Status::Ok();
    if (Clock::now() + kReadyRetryPause >= deadline) {
      return Status::Error(problem + " (not ready after " + std::to_string(timeout.count()) +
                           " ms)");
    }
    std::this_thread::sleep_for(kReadyRetryPause);
  }
}

Result<std::string> EtcdDb::NodeOfMember(const DbEnv& env, uint64_t id,
                                         const std::vector<MemberStatus>& answering) {
  using R = Result<std::string>;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = members_.find(id); it != members_.end()) return it->second;
  }
  auto options = ParseEtcdOptions(env.options);
  if (!options.ok()) return R::Error("etcd: " + options.message());
  std::string problem = "no member answered cluster/member/list";
  for (const MemberStatus& asked : answering) {
    const control::NodeInfo* info = nullptr;
    for (const control::NodeInfo& n : env.nodes) {
      if (n.name == asked.node) info = &n;
    }
    if (info == nullptr) continue;
    HttpClient http(*env.dialer, info->address, options->client_port);
    CallOutcome outcome;
    auto reply =
        Call(http, "cluster/member/list", Json::object(), Clock::now() + kStatusAttempt, &outcome);
    if (!reply.ok()) {
      problem = "node " + asked.node + ": etcd: " + reply.message();
      continue;
    }
    auto members = reply->find("members");
    if (members == reply->end() || !members->is_array()) continue;
    std::lock_guard<std::mutex> lock(mu_);
    for (const Json& m : *members) {
      auto member_id = Uint64Field(m, "ID");
      auto name = m.find("name");
      if (!member_id || name == m.end() || !name->is_string()) continue;
      for (const control::NodeInfo& n : env.nodes) {
        if (n.name == name->get<std::string>()) members_[*member_id] = n.name;
      }
    }
    if (auto it = members_.find(id); it != members_.end()) return it->second;
    problem = "member " + std::to_string(id) + " is not in node " + asked.node +
              "'s member list under any node's name";
  }
  return R::Error("etcd: cannot name the leader's node: " + problem);
}

Result<std::string> EtcdDb::Primary(const DbEnv& env) {
  using R = Result<std::string>;
  if (env.nodes.empty()) return R::Error("etcd: the cluster has no nodes");
  if (env.dialer == nullptr) return R::Error("etcd: Primary needs a dialer");
  auto options = ParseEtcdOptions(env.options);
  if (!options.ok()) return R::Error("etcd: " + options.message());
  // Ask every member at once (a paused or cut-off member must not delay the others) and
  // stop waiting as soon as a majority names the same leader in the highest term seen.
  const size_t n = env.nodes.size();
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (const control::NodeInfo& node : env.nodes) {
    clients.push_back(
        std::make_unique<HttpClient>(*env.dialer, node.address, options->client_port));
  }
  std::mutex mu;
  std::condition_variable answered;
  std::vector<std::optional<Result<MemberStatus>>> answers(n);
  const Deadline deadline = Clock::now() + kPrimaryTimeout;
  std::vector<std::thread> threads;
  for (size_t i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      auto answer = QueryStatusWith(*clients[i], env.nodes[i].name, deadline);
      std::lock_guard<std::mutex> lock(mu);
      answers[i] = std::move(answer);
      answered.notify_all();
    });
  }
  // The most recent view wins: a member cut off from the others may still name an old
  // leader of an earlier term.
  auto best = [&]() -> const MemberStatus* {
    const MemberStatus* found = nullptr;
    for (const auto& a : answers) {
      if (a && a->ok() && (*a)->leader_id != 0 &&
          (found == nullptr || (*a)->raft_term > found->raft_term)) {
        found = &a->value();
      }
    }
    return found;
  };
  auto decided = [&] {
    size_t done = 0;
    size_t agree = 0;
    const MemberStatus* b = best();
    for (const auto& a : answers) {
      if (!a) continue;
      ++done;
      if (b != nullptr && a->ok() && (*a)->leader_id == b->leader_id &&
          (*a)->raft_term == b->raft_term) {
        ++agree;
      }
    }
    return done == n || agree > n / 2;
  };
  {
    std::unique_lock<std::mutex> lock(mu);
    answered.wait(lock, decided);
  }
  for (auto& client : clients) client->Abort();  // the members still being waited for
  for (std::thread& t : threads) t.join();

  std::vector<MemberStatus> answering;
  std::string errors;
  for (const auto& a : answers) {
    if (a && a->ok()) answering.push_back(a->value());
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const MemberStatus& s : answering) members_[s.member_id] = s.node;
  }
  const MemberStatus* leader = best();
  if (leader == nullptr) {
    for (const auto& a : answers) {
      if (a && !a->ok()) errors += (errors.empty() ? "" : "; ") + a->message();
    }
    return R::Error("etcd: no member knows a leader" + (errors.empty() ? "" : " (" + errors + ")"));
  }
  return NodeOfMember(env, leader->leader_id, answering);
}

Result<ClockReading> EtcdDb::ObserveClock(const control::NodeInfo& node, const DbEnv& env) {
  using R = Result<ClockReading>;
  const std::string where = "node " + node.name + ": etcd: clock: ";
  if (env.dialer == nullptr) return R::Error(where + "no dialer to reach the node");
  auto options = ParseEtcdOptions(env.options);
  if (!options.ok()) return R::Error(where + options.message());
  const Deadline deadline = Clock::now() + kObserveTimeout;
  HttpClient http(*env.dialer, node.address, options->client_port);
  constexpr std::string_view kPath = "/v3/maintenance/status";
  bool uncertain = false;
  // Connected first, so the timed round trip is one request and its response only.
  auto first = http.Post(kPath, "{}", deadline, &uncertain);
  if (!first.ok()) return R::Error(where + first.message());
  const int64_t before_ns = RealtimeNs();
  auto response = http.Post(kPath, "{}", deadline, &uncertain);
  const int64_t after_ns = RealtimeNs();
  if (!response.ok()) return R::Error(where + response.message());
  const std::string* date = response->Header("date");
  if (date == nullptr) {
    return R::Error(where + "the answer to POST " + std::string(kPath) + " (status " +
                    std::to_string(response->status) + ") has no Date header");
  }
  const std::optional<int64_t> seconds = ParseHttpDate(*date);
  if (!seconds) return R::Error(where + "cannot read the Date header \"" + *date + "\"");
  // The member's clock read second S somewhere in [S, S+1): take the middle, S + 0.5 s.
  const int64_t member_ns = *seconds * 1000000000 + 500000000;
  return ReadingOfRoundTrip(member_ns, before_ns, after_ns, /*resolution_ms=*/500,
                            "etcd HTTP Date header");
}

Status EtcdDb::Teardown(control::Remote& node) { return daemons_.Stop(node); }

std::vector<std::string> EtcdDb::LogFiles(control::Remote& node) { return {LogPath(node)}; }

Status EtcdDb::Kill(control::Remote& node) { return daemons_.Kill(node); }

Status EtcdDb::Start(control::Remote& node, const DbEnv& env) { return StartServer(node, env); }

Status EtcdDb::Pause(control::Remote& node) { return daemons_.Pause(node); }

Status EtcdDb::Resume(control::Remote& node) { return daemons_.Resume(node); }

}  // namespace coordcheck::etcd
