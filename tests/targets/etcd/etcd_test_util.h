// Helpers for the etcd target's tests: a real etcd cluster on a nodetest::TestCluster,
// deployed by EtcdDb (Setup on every node in parallel, then Ready) and torn down on
// destruction with a check that no etcd process is left; direct gateway calls; LockEnvs.
//
// Thread-safety: none needed, except Call, which may run on several threads at once.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "history/op.h"
#include "targets/db.h"
#include "targets/etcd/db.h"
#include "targets/lock/lock_client.h"
#include "tests/support/node_env.h"

namespace etcdtest {

using coordcheck::Result;
using coordcheck::Status;

namespace control = coordcheck::control;
using coordcheck::Json;

// Prints a measured figure ("figure: NAME = VALUE UNIT") for the report.
void Figure(const std::string& name, double value, const std::string& unit);

double MsSince(std::chrono::steady_clock::time_point start);

class EtcdCluster {
 public:
  EtcdCluster(const std::string& backend, int nodes = 3);
  ~EtcdCluster();
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  // Setup on every node at once, then Ready (REQUIREd); returns the milliseconds taken.
  double Start(std::chrono::milliseconds ready_timeout = std::chrono::seconds(15));

  control::Cluster& cluster() { return cluster_.cluster(); }
  control::Remote& remote(const std::string& node) { return cluster_.remote(node); }
  coordcheck::etcd::EtcdDb& db() { return *db_; }
  // The env Start uses (daemon_env may be filled in before Start).
  coordcheck::DbEnv& env() { return env_; }
  std::vector<std::string> names() const { return cluster_.names(); }
  const control::NodeInfo& info(const std::string& node) const;

  // One gateway call to `node` on a fresh connection (5 s limit); the reply, or a
  // Result error.
  Result<Json> TryCall(const std::string& node, const std::string& method,
                                const Json& request);
  // The same, REQUIRing success.
  Json Call(const std::string& node, const std::string& method, const Json& request);

  // A LockEnv for a client at home on `node`.
  coordcheck::LockEnv LockEnvFor(const std::string& node, int64_t ttl_ms,
                                 const std::string& lock_name = "cc-test-lock");
  // Every etcd log, for failure messages.
  std::string Logs();
  // Pids of processes on this machine whose command line carries this cluster's token.
  std::vector<int> EtcdPids() const;

 private:
  nodetest::TestCluster cluster_;
  std::unique_ptr<coordcheck::etcd::EtcdDb> db_;
  coordcheck::DbEnv env_;
};

}  // namespace etcdtest
