// EtcdDb: the lifecycle of a real etcd cluster (Debian's /usr/bin/etcd, 3.4) on the nodes
// of a run — every node in DbEnv::nodes is a member.
//
// Setup starts `/usr/bin/etcd` on the node as daemon "etcd": member name = node name, data
// in <root_dir>/etcd.data (removed first: Setup starts a new cluster), log at
// <root_dir>/etcd.log, client URL http://ADDRESS:client_port, peer URL
// http://ADDRESS:peer_port, the initial cluster of all nodes and a cluster token unique to
// this EtcdDb, with the environment DbEnv::daemon_env names for the node (Go reads the
// clock without libc, so a clock preload there has no effect; it is passed all the same).
// Ready waits until every member answers POST /v3/maintenance/status and all name the same
// nonzero leader. Teardown sends SIGTERM and SIGKILL after a short grace (etcd can take
// seconds to stop as the last member). Kill (SIGKILL, waits until gone) and Start (same
// data dir: the member rejoins) keep the data; Pause sends SIGSTOP and returns once every
// thread is stopped, Resume sends SIGCONT. Primary() is the node of the leader that the
// answering members report with the highest raft term; all members are asked at once, and
// Primary returns as soon as a majority agrees on it (or all answered, or 1.5 s passed).
// ObserveClock reads the member's own wall clock from the Date header of its answer to
// POST /v3/maintenance/status (method "etcd HTTP Date header"): a connection is opened
// with a first request, then the second is timed between two readings of the controller's
// CLOCK_REALTIME. Date has a resolution of one second — a Date of second S means the
// member's clock read somewhere in [S, S+1) — so offset = S + 0.5 s - the midpoint, and
// error = 500 ms + half the round trip. Bounded by 2 s. This is the clock etcd's own code
// reads (Go, without libc), so a clock preload leaves it unmoved.
//
// Options (EtcdOptions): "client_port", "peer_port"; unknown names are rejected by Setup.
// etcd has no bug variants: a non-empty DbEnv::bug is rejected.
//
// Why Pause waits: SIGSTOP only queues a stop, and a thread woken by a request could still
// answer before it is stopped; Pause returns once /proc/PID/task/*/stat shows every thread
// in state T (read with Remote::Exec, so it works on any backend).
//
// Errors name the node.
//
// Thread-safety: all methods may be called concurrently for different nodes (the daemon
// handles and the member-id cache are mutex-protected).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "targets/db.h"
#include "targets/etcd/http.h"
#include "targets/etcd/options.h"
#include "targets/node_daemons.h"

namespace coordcheck::etcd {

// One member's answer to maintenance/status.
struct MemberStatus {
  std::string node;
  uint64_t member_id = 0;
  uint64_t leader_id = 0;  // 0 = no leader known to this member
  uint64_t raft_term = 0;
};

// The seconds since the Unix epoch of an HTTP date in the preferred format (RFC 9110
// IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT", what Go's net/http sends); nullopt for
// anything else.
std::optional<int64_t> ParseHttpDate(std::string_view date);

class EtcdDb final : public Db,
                     public Killable,
                     public Pausable,
                     public HasPrimary,
                     public ClockObservable {
 public:
  static constexpr const char* kBinary = "/usr/bin/etcd";
  static constexpr const char* kDaemonName = "etcd";

  EtcdDb();

  Status Setup(control::Remote& node, const DbEnv& env) override;
  Status Ready(const DbEnv& env, std::chrono::milliseconds timeout) override;
  Status Teardown(control::Remote& node) override;
  std::vector<std::string> LogFiles(control::Remote& node) override;

  Status Kill(control::Remote& node) override;
  Status Start(control::Remote& node, const DbEnv& env) override;

  Status Pause(control::Remote& node) override;
  Status Resume(control::Remote& node) override;

  Result<std::string> Primary(const DbEnv& env) override;

  Result<ClockReading> ObserveClock(const control::NodeInfo& node,
                                             const DbEnv& env) override;

  // etcd's argv on `node` (exposed for tests and the run log).
  Result<std::vector<std::string>> ServerArgv(const control::Remote& node,
                                                       const DbEnv& env) const;
  // The running etcd's daemon handle on `node`, or an error naming the node.
  Result<control::Daemon> DaemonOf(const std::string& node) { return daemons_.Of(node); }
  // One maintenance/status call to `node` bounded by `timeout`.
  static Result<MemberStatus> QueryStatus(const DbEnv& env, const control::NodeInfo& node,
                                                   std::chrono::milliseconds timeout);
  // The same over `http`, bounded by `deadline`.
  static Result<MemberStatus> QueryStatusWith(HttpClient& http, const std::string& node,
                                                       Deadline deadline);
  // The cluster token this EtcdDb gives its members.
  const std::string& token() const { return token_; }

 private:
  Status StartServer(control::Remote& node, const DbEnv& env);
  // The node whose member id is `id`: from the cache, else from cluster/member/list asked
  // of the nodes in `answering`.
  Result<std::string> NodeOfMember(const DbEnv& env, uint64_t id,
                                            const std::vector<MemberStatus>& answering);

  const std::string token_;
  // Stop waits 1.5 s after SIGTERM, then kills (a clean etcd shutdown may take 7 s).
  NodeDaemons daemons_{kDaemonName, std::chrono::milliseconds(1500)};
  std::mutex mu_;
  std::map<uint64_t, std::string> members_;  // member id -> node (ids survive restarts); mu_
};

}  // namespace coordcheck::etcd
