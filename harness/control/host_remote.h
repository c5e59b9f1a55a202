// HostRemote: a node that lives on this machine — a directory of its own and, for the
// netns backend, a network namespace that its commands and daemons enter before exec.
// The local and netns backends differ only in the namespace descriptor they hand in.
//
// Daemons are direct children of the controller. They are reaped by pid only
// (waitpid(pid, WNOHANG) in DaemonAlive, StopDaemon, SignalDaemon), so a zombie never
// counts as alive and a daemon's pid cannot be reused while we might still signal it.
// Each daemon's pid and start time are appended to the cluster's ledger before it runs.
//
// Commands run with the node's root_dir() as working directory.
//
// Thread-safety: every Remote method may be called from several threads at once.
// TerminateDaemons, StopDaemons and Close are for Cluster::Destroy, which runs alone.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "harness/control/ledger.h"
#include "harness/control/remote.h"
#include "harness/control/unique_fd.h"

namespace coordcheck::control {

class HostRemote final : public Remote {
 public:
  // `netns` is the node's network namespace (invalid: the controller's own). `ledger`
  // must outlive this object.
  HostRemote(std::string node, std::string address, std::string root_dir, UniqueFd netns,
             Ledger* ledger);

  const std::string& node() const override { return node_; }
  const std::string& address() const override { return address_; }
  const std::string& root_dir() const override { return root_dir_; }

  Result<ExecResult> Exec(const std::vector<std::string>& argv,
                          const ExecOptions& options) override;
  Result<Daemon> StartDaemon(const DaemonSpec& spec) override;
  Status SignalDaemon(const Daemon& daemon, int signal) override;
  Status StopDaemon(const Daemon& daemon, std::chrono::milliseconds grace) override;
  bool DaemonAlive(const Daemon& daemon) override;
  Status Upload(const std::string& local_path, const std::string& remote_path, int mode) override;
  Status Download(const std::string& remote_path, const std::string& local_path) override;
  Status RecordMount(const std::string& path) override;

  // Sends SIGTERM and SIGCONT to every running daemon's process group.
  void TerminateDaemons();
  // Waits for every daemon until `grace_deadline`, SIGKILLs the groups of those still
  // running, and reaps them all. The error names daemons that would not go away.
  Status StopDaemons(std::chrono::steady_clock::time_point grace_deadline);
  // Detaches every recorded mount that is still mounted (after the daemons are gone). The
  // error names those that could not be detached.
  Status DetachMounts();
  // Closes the namespace descriptor; every later call fails.
  void Close();

 private:
  struct DaemonRecord {
    std::string name;
    uint64_t start_time = 0;
    bool reaped = false;
  };

  Status Error(const std::string& what) const;
  // Reaps `pid` if it has exited (first SIGKILLing what is left of its process group when
  // `kill_group`, while the zombie still holds the group id); true when it is gone.
  // Needs mu_.
  bool ReapIfExited(pid_t pid, DaemonRecord& record, bool kill_group);
  // The record of a daemon started here, or an error naming it. Needs mu_.
  Result<DaemonRecord*> Find(const Daemon& daemon);
  // Waits for the daemon to exit until `grace_deadline`, then SIGKILLs its group; reaps.
  Status WaitGone(pid_t pid, std::chrono::steady_clock::time_point grace_deadline,
                  const std::string& name);

  const std::string node_;
  const std::string address_;
  const std::string root_dir_;
  UniqueFd netns_;
  Ledger* const ledger_;
  std::atomic<bool> closed_{false};

  std::mutex mu_;
  std::map<pid_t, DaemonRecord> daemons_;  // guarded by mu_
  std::set<std::string> starting_;         // names being started; guarded by mu_
  std::set<std::string> mounts_;           // RecordMount's paths; guarded by mu_
};

}  // namespace coordcheck::control
