#include "targets/payments/db.h"

#include <signal.h>

#include <algorithm>
#include <sstream>
#include <string_view>
#include <thread>

#include "targets/payments/bugs.h"
#include "targets/payments/line_link.h"
#include "targets/wire/wire.h"

namespace coordcheck::payments {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kPostgresPort = 5432;
constexpr auto kPingAttempt = milliseconds(1000);
constexpr auto kReadyRetryPause = milliseconds(100);

std::string LogPath(const control::Remote& node, const std::string& what) {
  return node.root_dir() + "/" + what + ".log";
}
// Every durable file of a node lives in its data folder (DiskBacked): the disk faults mount
// their filesystem there.
std::string DataPath(const control::Remote& node) { return node.root_dir() + "/data"; }

std::string PgData(const control::Remote& node) { return DataPath(node) + "/pgdata"; }

std::vector<std::string> AsPostgres(std::vector<std::string> argv) {
  std::vector<std::string> out = {"/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres",
                                  "--init-groups"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

Status Run(control::Remote& node, const std::vector<std::string>& argv, const std::string& what,
           const control::ExecOptions& options = {}) {
  auto r = node.Exec(argv, options);
  if (!r.ok()) return r.status().Wrap("node " + node.node() + ": " + what);
  if (!r->success()) {
    std::string out = r->err.empty() ? r->out : r->err;
    if (out.size() > 600) out = out.substr(0, 600) + "...";
    return Status::Error("node " + node.node() + ": " + what + " failed (exit " +
                         std::to_string(r->exit_code) + (r->timed_out ? ", timed out" : "") +
                         "): " + out);
  }
  return Status::Ok();
}

std::vector<std::string> TargetNodes(const DbEnv& env) {
  std::vector<std::string> names;
  for (const control::NodeInfo& n : env.nodes) names.push_back(n.name);
  return names;
}

std::string AddressOf(const DbEnv& env, const std::string& node) {
  for (const control::NodeInfo& n : env.nodes)
    if (n.name == node) return n.address;
  return "";
}

// PostgreSQL's postmaster forks a process per connection and its helpers (checkpointer,
// startup, walwriter, ...), and each child calls setsid() as it starts, so that the
// postmaster can signal a child's own group. Signalling the daemon's process group therefore
// reaches the postmaster alone: a killed postmaster left its startup process replaying the
// WAL, attached to the shared memory, and the restarted server refused to start ("pre-existing
// shared memory block is still in use"); a paused one left its backends serving. A fault must
// reach them all, as a crash or a frozen machine would. The postmaster is stopped first: it
// forks nothing while stopped and reaps nothing, so every pid listed as its child stays that
// child's until the postmaster goes (a child that exits stays a zombie).
Result<std::vector<std::string>> PostgresChildren(control::Remote& node,
                                                  const control::Daemon& postmaster) {
  using R = Result<std::vector<std::string>>;
  auto r = node.Exec({"/usr/bin/pgrep", "-P", std::to_string(postmaster.pid)});
  if (!r.ok()) {
    return R::Error(r.status().Wrap("node " + node.node() + ": postgres: list children").message());
  }
  if (r->exit_code == 1) return std::vector<std::string>{};  // no child
  if (!r->success()) {
    return R::Error("node " + node.node() + ": postgres: pgrep -P " +
                    std::to_string(postmaster.pid) + " exited " + std::to_string(r->exit_code) +
                    ": " + r->err);
  }
  std::vector<std::string> pids;
  std::istringstream lines(r->out);
  for (std::string pid; lines >> pid;) pids.push_back(pid);
  return pids;
}

// `kill -s SIGNAL pids` on `node`; ok also when some had exited.
Status SignalPids(control::Remote& node, const std::vector<std::string>& pids,
                  const char* signal) {
  if (pids.empty()) return Status::Ok();
  std::vector<std::string> argv = {"/bin/kill", "-s", signal};
  argv.insert(argv.end(), pids.begin(), pids.end());
  auto r = node.Exec(argv);
  if (!r.ok()) return r.status().Wrap("node " + node.node() + ": postgres: kill -s " + signal);
  return Status::Ok();  // a child that exited by itself needs no signal (kill then exits 1)
}

// Polls the state of each of `pids` until every one's is in `done` (ps's state letter; a
// pid no longer listed is done too), sending `signal` again meanwhile, at most `wait`: a
// signal returns before it took effect (a process in the middle of I/O stops or dies when
// that ends), and faults are done only once they took effect.
Status WaitPidStates(control::Remote& node, const std::vector<std::string>& pids,
                     std::string_view done, const char* signal, std::chrono::seconds wait,
                     const std::string& what) {
  if (pids.empty()) return Status::Ok();
  std::string list;
  for (const std::string& pid : pids) list += (list.empty() ? "" : ",") + pid;
  const auto deadline = Clock::now() + wait;
  while (true) {
    auto r = node.Exec({"/bin/ps", "-o", "stat=", "-p", list});
    if (r.ok() && (r->exit_code == 0 || r->exit_code == 1)) {
      std::istringstream states(r->out);
      bool all = true;
      for (std::string state; states >> state;) all = all && done.find(state[0]) != done.npos;
      if (all) return Status::Ok();
    }
    if (Clock::now() >= deadline) {
      return Status::Error("node " + node.node() + ": postgres: children " + list + " " + what +
                           " " + std::to_string(wait.count()) + " s after SIG" + signal);
    }
    SignalPids(node, pids, signal);
    std::this_thread::sleep_for(milliseconds(20));
  }
}

// Waits until none of `pids` is alive (a zombie is gone all but its pid), SIGKILLing
// stragglers, at most 10 s.
Status WaitPidsGone(control::Remote& node, const std::vector<std::string>& pids) {
  return WaitPidStates(node, pids, "Z", "KILL", std::chrono::seconds(10), "still alive");
}

}  // namespace

Result<PaymentsDb::Role> PaymentsDb::RoleOf(const std::string& node, const DbEnv& env) const {
  const Layout layout = Layout::Of(store_, TargetNodes(env));
  if (node == layout.db) return Role::kDatabase;
  if (node == layout.ledger) return Role::kLedger;
  if (std::find(layout.services.begin(), layout.services.end(), node) != layout.services.end()) {
    return Role::kService;
  }
  return Result<Role>::Error("node " + node + ": not one of the payments target's nodes");
}

Result<PaymentsDb::Role> PaymentsDb::KnownRole(const std::string& node) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = roles_.find(node);
  if (it == roles_.end()) return Result<Role>::Error("node " + node + ": payments: not set up");
  return it->second;
}

NodeDaemons& PaymentsDb::DaemonsOf(Role role) {
  return role == Role::kDatabase ? postgres_ : role == Role::kService ? services_ : ledgers_;
}

Status PaymentsDb::InstallPostgres(control::Remote& node) {
  // Debian's server: the newest /usr/lib/postgresql/<version>/bin with a postgres binary.
  auto listing = node.Exec({"/bin/ls", "/usr/lib/postgresql"});
  if (!listing.ok()) return listing.status().Wrap("node " + node.node() + ": postgres");
  int best = -1;
  size_t at = 0;
  const std::string& out = listing->out;
  while (at < out.size()) {
    size_t end = out.find('\n', at);
    if (end == std::string::npos) end = out.size();
    const std::string name = out.substr(at, end - at);
    at = end + 1;
    if (!name.empty() && std::all_of(name.begin(), name.end(), ::isdigit)) {
      best = std::max(best, std::stoi(name));
    }
  }
  if (best < 0) {
    return Status::Error("node " + node.node() +
                         ": PostgreSQL's server is not installed (no /usr/lib/postgresql/<version>;"
                         " apt-get install postgresql)");
  }
  const std::string bin = "/usr/lib/postgresql/" + std::to_string(best) + "/bin";
  const std::string data = PgData(node);
  if (Status s = Run(node, {"/usr/bin/install", "-d", "-o", "postgres", "-g", "postgres", "-m",
                            "0700", data},
                     "postgres: create " + data);
      !s.ok()) {
    return s;
  }
  if (Status s = Run(node,
                     // Not --no-sync: under the disk faults, what initdb wrote and did not
                     // sync would be dropped at the first crash, and the cluster with it.
                     AsPostgres({bin + "/initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E",
                                 "UTF8", "--no-instructions"}),
                     "postgres: initdb", control::ExecOptions{milliseconds(60000), "", {}});
      !s.ok()) {
    if (s.message().find("Permission denied") == std::string::npos) return s;
    return Status::Error(s.message() +
                         " (PostgreSQL runs as the user postgres, which must be able to enter "
                         "every directory above " + data + ": use a state directory such as "
                         "/run/coordcheck)");
  }
  control::ExecOptions append;
  append.input = "host all all 0.0.0.0/0 trust\n";
  if (Status s = Run(node, {"/usr/bin/tee", "-a", data + "/pg_hba.conf"}, "postgres: pg_hba.conf",
                     append);
      !s.ok()) {
    return s;
  }
  // Durable like the rest of the cluster (initdb synced it): the disk faults drop what was
  // not synced, and a lost line would refuse every service.
  if (Status s = Run(node, {"/usr/bin/sync", data + "/pg_hba.conf"}, "postgres: sync pg_hba.conf");
      !s.ok()) {
    return s;
  }
  std::lock_guard<std::mutex> lock(mu_);
  pg_bin_[node.node()] = bin;
  return Status::Ok();
}

Status PaymentsDb::StartRole(control::Remote& node, Role role, const DbEnv& env) {
  auto options = ParsePaymentsOptions(env.workload_options);
  if (!options.ok()) return options.status().Wrap("node " + node.node() + ": payments");
  Bug bug;
  if (!ParseBug(env.bug, &bug)) {
    return Status::Error("node " + node.node() + ": payments: unknown bug \"" + env.bug + "\"");
  }
  const Layout layout = Layout::Of(store_, TargetNodes(env));
  NodeDaemons& daemons = DaemonsOf(role);
  if (Status s = daemons.CheckNotRunning(node); !s.ok()) return s;
  std::vector<std::string> argv;
  std::string log;
  if (role == Role::kDatabase) {
    std::string bin;
    {
      std::lock_guard<std::mutex> lock(mu_);
      bin = pg_bin_[node.node()];
    }
    argv = AsPostgres({bin + "/postgres", "-D", PgData(node), "-p", std::to_string(kPostgresPort),
                       "-c", "listen_addresses=" + node.address(), "-c",
                       "unix_socket_directories=", "-c", "max_connections=300", "-c",
                       "shared_buffers=64MB", "-c", "log_min_messages=warning",
                       // A partitioned service's connection must not hold its transaction's
                       // row locks for the kernel's default two hours of keepalive silence.
                       "-c", "tcp_keepalives_idle=2", "-c", "tcp_keepalives_interval=1", "-c",
                       "tcp_keepalives_count=3", "-c", "tcp_user_timeout=3000", "-c",
                       "idle_in_transaction_session_timeout=10000"});
    log = LogPath(node, "postgres");
  } else if (role == Role::kService) {
    std::string database;
    if (store_ == Store::kSqlite) {
      database = "sqlite:" + DataPath(node) + "/payments.db";
    } else {
      database = "postgres:host=" + AddressOf(env, layout.db) + " port=" +
                 std::to_string(kPostgresPort) + " user=postgres dbname=postgres";
    }
    argv = {node.root_dir() + "/bin/coordcheck-payments",
            "--node", node.node(),
            "--listen", wire::JoinHostPort(node.address(), options->service_port),
            "--database", database,
            "--ledger", wire::JoinHostPort(AddressOf(env, layout.ledger), options->ledger_port),
            "--work-ms", std::to_string(options->work_ms),
            "--slow-every", std::to_string(options->slow_every),
            "--slow-ms", std::to_string(options->slow_ms),
            "--short-key-ttl-ms", std::to_string(options->short_key_ttl_ms),
            "--relay-interval-ms", std::to_string(options->relay_interval_ms)};
    if (bug != Bug::kNone && bug != Bug::kNonDedupConsumer) {
      argv.push_back("--bug");
      argv.push_back(env.bug);
    }
    log = LogPath(node, "payments");
  } else {
    argv = {node.root_dir() + "/bin/coordcheck-ledger", "--node", node.node(), "--listen",
            wire::JoinHostPort(node.address(), options->ledger_port), "--database",
            DataPath(node) + "/ledger.db", "--slow-every",
            std::to_string(options->ledger_slow_every), "--slow-ms",
            std::to_string(options->slow_ms)};
    if (bug == Bug::kNonDedupConsumer) argv.push_back("--no-dedup");
    log = LogPath(node, "ledger");
  }
  auto daemon = node.StartDaemon(daemons.Spec(node.node(), env, argv, log));
  if (!daemon.ok()) return daemon.status().Wrap("node " + node.node() + ": start");
  daemons.Started(node.node(), *daemon);
  return Status::Ok();
}

Status PaymentsDb::Setup(control::Remote& node, const DbEnv& env) {
  auto role = RoleOf(node.node(), env);
  if (!role.ok()) return role.status();
  {
    std::lock_guard<std::mutex> lock(mu_);
    roles_[node.node()] = *role;
  }
  if (*role == Role::kDatabase) {
    if (Status s = InstallPostgres(node); !s.ok()) return s;
  } else {
    if (Status s = Run(node, {"/usr/bin/mkdir", "-p", DataPath(node)}, "create the data folder");
        !s.ok()) {
      return s;
    }
    const char* binary = *role == Role::kService ? "coordcheck-payments" : "coordcheck-ledger";
    const std::string local = env.bin_dir + "/" + binary;
    if (Status s = node.Upload(local, node.root_dir() + "/bin/" + binary, 0755); !s.ok()) {
      return s.Wrap("node " + node.node() + ": upload " + local);
    }
  }
  return StartRole(node, *role, env);
}

std::string PaymentsDb::DataDir(const control::Remote& node) const { return DataPath(node); }

Status PaymentsDb::Ready(const DbEnv& env, milliseconds timeout) {
  auto options = ParsePaymentsOptions(env.workload_options);
  if (!options.ok()) return options.status();
  const Layout layout = Layout::Of(store_, TargetNodes(env));
  DialFn dial;
  if (env.dialer != nullptr) {
    dial = [d = env.dialer](const std::string& host, int port, milliseconds t) {
      return d->Connect(host, port, t);
    };
  }
  const auto deadline = Clock::now() + timeout;
  // The ledger first, then every service instance (whose ping reaches its database).
  std::vector<std::pair<std::string, int>> servers = {{layout.ledger, options->ledger_port}};
  for (const std::string& s : layout.services) servers.emplace_back(s, options->service_port);
  for (const auto& [name, port] : servers) {
    LineLink link(AddressOf(env, name), port, dial);
    while (true) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      LinkReply r = link.Call({{"op", "ping"}}, std::clamp(left, milliseconds(1), kPingAttempt));
      if (r.ok && r.answer.value("ok", false) == true) break;
      if (Clock::now() + kReadyRetryPause >= deadline) {
        const std::string why = r.ok ? r.answer.value("error", r.answer.dump()) : r.error;
        return Status::Error("node " + name + ": " +
                             (name == layout.ledger ? "ledger" : "payments service") + " at " +
                             link.where() + " not ready after " + std::to_string(timeout.count()) +
                             " ms: " + why);
      }
      link.Close();
      std::this_thread::sleep_for(kReadyRetryPause);
    }
  }
  return Status::Ok();
}

Status PaymentsDb::Kill(control::Remote& node) {
  auto role = KnownRole(node.node());
  if (!role.ok()) return role.status();
  NodeDaemons& daemons = DaemonsOf(*role);
  auto postmaster = daemons.Of(node.node());
  if (*role != Role::kDatabase || !postmaster.ok()) return daemons.Kill(node);
  // Stopped, listed, killed children first; the postmaster last (see PostgresChildren).
  node.SignalDaemon(*postmaster, SIGSTOP);  // fails only when it is gone already
  auto children = PostgresChildren(node, *postmaster);
  if (children.ok()) SignalPids(node, *children, "KILL");
  Status s = daemons.Kill(node);
  if (!children.ok()) return s.ok() ? children.status() : s;
  Status gone = WaitPidsGone(node, *children);
  return s.ok() ? gone : s;
}

Status PaymentsDb::Start(control::Remote& node, const DbEnv& env) {
  auto role = RoleOf(node.node(), env);
  if (!role.ok()) return role.status();
  return StartRole(node, *role, env);
}

Status PaymentsDb::Pause(control::Remote& node) {
  auto role = KnownRole(node.node());
  if (!role.ok()) return role.status();
  NodeDaemons& daemons = DaemonsOf(*role);
  if (Status s = daemons.Pause(node); !s.ok() || *role != Role::kDatabase) return s;
  // The postmaster is stopped: now its children (PostgresChildren).
  auto postmaster = daemons.Of(node.node());
  if (!postmaster.ok()) return postmaster.status();
  auto children = PostgresChildren(node, *postmaster);
  if (!children.ok()) return children.status();
  if (Status s = SignalPids(node, *children, "STOP"); !s.ok()) return s;
  // Stopped (T), or exited meanwhile (Z: the stopped postmaster does not reap it).
  return WaitPidStates(node, *children, "TtZ", "STOP", std::chrono::seconds(2), "not stopped");
}

Status PaymentsDb::Resume(control::Remote& node) {
  auto role = KnownRole(node.node());
  if (!role.ok()) return role.status();
  NodeDaemons& daemons = DaemonsOf(*role);
  if (*role == Role::kDatabase) {
    // Children first, while the postmaster is still stopped and forks nothing.
    auto postmaster = daemons.Of(node.node());
    if (!postmaster.ok()) return postmaster.status();
    auto children = PostgresChildren(node, *postmaster);
    if (!children.ok()) return children.status();
    if (Status s = SignalPids(node, *children, "CONT"); !s.ok()) return s;
  }
  return daemons.Resume(node);
}

Status PaymentsDb::Teardown(control::Remote& node) {
  auto role = KnownRole(node.node());
  if (!role.ok()) return Status::Ok();  // never set up
  NodeDaemons& daemons = DaemonsOf(*role);
  auto postmaster = daemons.Of(node.node());
  if (*role != Role::kDatabase || !postmaster.ok()) return daemons.Stop(node);
  // A clean shutdown ends every child; if it had to be cut short by SIGKILL, the children
  // listed before are killed too (a later one ends when it sees the postmaster gone). Paused
  // children are resumed first, as Stop resumes the postmaster.
  auto children = PostgresChildren(node, *postmaster);
  if (children.ok()) SignalPids(node, *children, "CONT");
  Status s = daemons.Stop(node);
  if (children.ok()) {
    SignalPids(node, *children, "KILL");
    if (Status gone = WaitPidsGone(node, *children); s.ok()) s = gone;
  }
  return s;
}

std::vector<std::string> PaymentsDb::LogFiles(control::Remote& node) {
  auto role = KnownRole(node.node());
  if (!role.ok()) return {};
  switch (*role) {
    case Role::kDatabase:
      return {LogPath(node, "postgres")};
    case Role::kService:
      return {LogPath(node, "payments")};
    case Role::kLedger:
      return {LogPath(node, "ledger")};
  }
  return {};
}

}  // namespace coordcheck::payments
