// Test doubles and a fixture for the kvd tests: a Remote that runs daemons as local child
// processes, a loopback Dialer, and a TestCluster that deploys coordcheck-kvd with the real
// KvdDb onto N such nodes at 127.78.R.11.. (R and the port picked per test process so
// concurrent ctest processes do not collide).
//
// Every process a LocalRemote starts is SIGKILLed and reaped by its destructor at the
// latest, and dies with the test process (PR_SET_PDEATHSIG): no server outlives a test.
// A TestCluster's directory is /tmp/coordcheck-kvd-test-PID-XXXXXX; the next TestCluster
// removes those of processes that no longer exist.
//
// Thread-safety: LocalRemote and LoopbackDialer are thread-safe; a TestCluster is driven by
// the test's main thread (its clients may be used from worker threads).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "harness/control/dialer.h"
#include "harness/control/remote.h"
#include "targets/client.h"
#include "targets/db.h"
#include "targets/kvd/db.h"

namespace coordcheck::test {

class LoopbackDialer final : public control::Dialer {
 public:
  Result<int> Connect(const std::string& address, int port,
                               std::chrono::milliseconds timeout) override;
};

// A node whose daemons are children of the test process; `root_dir` must exist.
class LocalRemote final : public control::Remote {
 public:
  LocalRemote(std::string node, std::string address, std::string root_dir);
  ~LocalRemote() override;

  const std::string& node() const override { return node_; }
  const std::string& address() const override { return address_; }
  const std::string& root_dir() const override { return root_dir_; }

  // Runs argv in the node directory with stdin from /dev/null (no input, no env).
  Result<control::ExecResult> Exec(const std::vector<std::string>& argv,
                                            const control::ExecOptions& options) override;
  Result<control::Daemon> StartDaemon(const control::DaemonSpec& spec) override;
  Status SignalDaemon(const control::Daemon& daemon, int signal) override;
  Status StopDaemon(const control::Daemon& daemon,
                             std::chrono::milliseconds grace) override;
  bool DaemonAlive(const control::Daemon& daemon) override;
  Status Upload(const std::string& local_path, const std::string& remote_path,
                         int mode) override;
  Status Download(const std::string& remote_path, const std::string& local_path) override;

  // The wait status of an exited daemon, nullopt while it runs.
  std::optional<int> WaitStatus(int64_t pid);
  // The pid of the daemon started last, 0 if none.
  int64_t last_pid();

 private:
  // Reaps `pid` if it has exited. Requires mu_.
  void ReapLocked(int64_t pid);

  const std::string node_;
  const std::string address_;
  const std::string root_dir_;
  std::mutex mu_;
  std::map<int64_t, std::optional<int>> children_;  // pid -> wait status once exited
  int64_t last_pid_ = 0;
};

// A block of loopback addresses "127.78.R.1".."127.78.R.254" and a port free on the ones
// tests use (.11-.20 for nodes, .90-.99 for fake servers), picked per test process.
struct AddressBlock {
  std::string prefix;  // "127.78.R."
  int port = 0;
  std::string address(int host) const { return prefix + std::to_string(host); }
};
AddressBlock PickAddressBlock();

struct TestClusterOptions {
  int nodes = 3;
  std::string bug;
  Json options = Json::object();  // kvd options; "port" is set by the cluster
  uint64_t seed = 1;
};

class TestCluster {
 public:
  explicit TestCluster(TestClusterOptions options);
  ~TestCluster();  // tears down every node, removes the directory

  // Setup on every node, then Ready (5 s).
  Status Start();

  kvd::KvdDb& db() { return db_; }
  const DbEnv& env() const { return env_; }
  ClientEnv client_env() {
    ClientEnv env;
    env.dialer = &dialer_;
    env.addresses = addresses_;
    env.options = env_.options;
    return env;
  }
  LoopbackDialer& dialer() { return dialer_; }
  LocalRemote& remote(int i) { return *remotes_[static_cast<size_t>(i)]; }
  const std::string& name(int i) const { return env_.nodes[static_cast<size_t>(i)].name; }
  const std::string& address(int i) const { return env_.nodes[static_cast<size_t>(i)].address; }
  int port() const { return block_.port; }
  int size() const { return static_cast<int>(remotes_.size()); }
  // Every node's kvd.log, for failure messages.
  std::string Logs() const;

 private:
  std::string dir_;
  AddressBlock block_;
  LoopbackDialer dialer_;
  std::vector<std::unique_ptr<LocalRemote>> remotes_;
  std::map<std::string, std::string> addresses_;
  DbEnv env_;
  kvd::KvdDb db_;
};

// One request on a fresh connection to address:port; the response line (or "" on an I/O
// error, with the reason in *error).
std::string RawCall(const std::string& address, int port, const std::string& line,
                    std::string* error = nullptr);

}  // namespace coordcheck::test
