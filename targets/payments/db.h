// PaymentsDb: the payments targets' lifecycle on their nodes (layout.h): PostgreSQL on the
// database node (payments-pg), the payments service on each service node, the ledger on the
// ledger node. Every node's process can be killed (SIGKILL; restarted with its data), and
// paused (SIGSTOP of its whole process group — a PostgreSQL server with all its backends).
//
// PostgreSQL is Debian's server (/usr/lib/postgresql/<version>/bin), run as the `postgres`
// user (it refuses root) through setpriv, which execs it: the daemon's pid is the
// postmaster's. Its cluster is initdb'ed into the node's directory, listens on the node's
// address only (no Unix socket), and trusts connections (the nodes' network is private).
// Killing it kills its whole process group and waits until no backend is left, so the restart
// finds no shared memory still attached; the restart runs crash recovery.
//
// Each node's durable files are in <root_dir>/data (DiskBacked): pgdata, or the service's
// or the ledger's SQLite file. initdb syncs the cluster it writes (no --no-sync) and the
// pg_hba.conf line we add is synced: the disk faults drop whatever was not.
//
// Thread-safety: see Db (per-node state is behind a mutex).
#pragma once

#include <mutex>
#include <string>

#include "targets/db.h"
#include "targets/node_daemons.h"
#include "targets/payments/layout.h"
#include "workloads/payments/options.h"

namespace coordcheck::payments {

class PaymentsDb final : public Db, public Killable, public Pausable, public DiskBacked {
 public:
  explicit PaymentsDb(Store store) : store_(store) {}

  Status Setup(control::Remote& node, const DbEnv& env) override;
  Status Ready(const DbEnv& env, std::chrono::milliseconds timeout) override;
  Status Teardown(control::Remote& node) override;
  std::vector<std::string> LogFiles(control::Remote& node) override;

  Status Kill(control::Remote& node) override;
  Status Start(control::Remote& node, const DbEnv& env) override;
  Status Pause(control::Remote& node) override;
  Status Resume(control::Remote& node) override;

  // <root_dir>/data: PostgreSQL's cluster (pgdata), the service's or the ledger's SQLite file.
  std::string DataDir(const control::Remote& node) const override;

 private:
  enum class Role { kDatabase, kService, kLedger };
  // `node`'s role in env's layout, or an error naming the node.
  Result<Role> RoleOf(const std::string& node, const DbEnv& env) const;
  // The role recorded at Setup (faults and teardown have no DbEnv).
  Result<Role> KnownRole(const std::string& node);
  NodeDaemons& DaemonsOf(Role role);
  // Starts the role's process on `node` (Setup has installed it).
  Status StartRole(control::Remote& node, Role role, const DbEnv& env);
  Status InstallPostgres(control::Remote& node);

  const Store store_;
  NodeDaemons postgres_{"postgres"};
  NodeDaemons services_{"payments"};
  NodeDaemons ledgers_{"ledger"};
  std::mutex mu_;
  std::map<std::string, Role> roles_;             // guarded by mu_
  std::map<std::string, std::string> pg_bin_;     // node -> PostgreSQL's bin dir; guarded by mu_
};

}  // namespace coordcheck::payments
