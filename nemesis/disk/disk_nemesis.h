// DiskNemesis: crashes that lose what the target did not fsync. Each of the target's nodes
// gets its data folder (DiskBacked) mounted on coordcheck-syncfs (syncfs.h: what is held
// back, what a drop forgets) before the target starts; a fault kills the node's processes
// (ProcessControl::Kill), drops what was not synced, and starts them again.
//
// Layout on each node (<root> = the node's root_dir()):
//   <data>                          the target's data folder, the mount point
//   <root>/syncfs/backing, /trash   the durable contents, and unsynced unlinks
//   <root>/syncfs/ctl.sock          the daemon's control socket
//   <root>/syncfs.log               the daemon's log
//   <root>/bin/coordcheck-syncfs    the helper, uploaded by Setup
// Setup records every mount in the cluster's ledger (Remote::RecordMount) before making
// it, starts the daemon "syncfs" and waits until it answers; the data folder must be empty
// (Setup runs before the target's). Teardown starts nodes left down, then stops each daemon
// (SIGTERM: it writes everything cached back to the backing folder, commits the entries and
// unmounts, lazily, as the target may still hold files open) and detaches the mount
// (`umount -l`) if a dead daemon left it.
//
// Ops (nemesis/ops.h): lose-unsynced {"nodes": [...]} or {"target": "primary"};
// torn-write, the same plus "seed": S (the prefix length of each node's last unsynced write
// is drawn from S). Every node is killed first, then each `coordcheck-syncfs ctl drop
// [--torn S]`, then each started — also when its drop failed: the nodes crash together, as a
// power failure takes them (one at a time, a replicated target would hand each back what it
// lost). Completion: info, {"nodes": nodes done, "dropped": {node: the
// daemon's answer}}; failures named in `error`.
//
// Thread-safety: as Nemesis.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "harness/control/cluster.h"
#include "nemesis/nemesis.h"
#include "nemesis/process/process_control.h"

namespace coordcheck {

struct DiskNemesisOptions {
  // Bound on one control request (drop, status). Default 10 s.
  std::chrono::milliseconds ctl_timeout{10000};
  // How long a new mount may take to answer. Default 5 s.
  std::chrono::milliseconds mount_timeout{5000};
  // SIGTERM grace before the daemon is SIGKILLed at Teardown. Default 5 s.
  std::chrono::milliseconds stop_grace{5000};
};

// The helper's file name in bin_dir and on the nodes.
inline constexpr const char* kSyncfsProgram = "coordcheck-syncfs";

class DiskNemesis final : public Nemesis {
 public:
  // `nodes`: the target's nodes; `data_dirs`: each one's data folder. `cluster` and
  // `control` must outlive this.
  DiskNemesis(control::Cluster& cluster, ProcessControl* control, std::vector<std::string> nodes,
              std::map<std::string, std::string> data_dirs, std::string bin_dir,
              DiskNemesisOptions options = {});

  std::vector<std::string> fs() const override;
  Status Setup() override;
  Op Invoke(const Op& invoke) override;
  Status Teardown() override;

 private:
  Status Mount(const std::string& node);
  Status Unmount(const std::string& node);
  // Runs `coordcheck-syncfs ctl ... args` on `node`; the daemon's answer.
  Result<Json> Ctl(const std::string& node, const std::vector<std::string>& args,
                   std::chrono::milliseconds wait = std::chrono::milliseconds(0));
  // Runs argv on `node`; an error naming node and command unless it exits 0.
  Result<control::ExecResult> Run(const std::string& node, const std::vector<std::string>& argv,
                                  std::chrono::milliseconds timeout);
  std::string Dir(const std::string& node) const;  // <root>/syncfs
  std::string Program(const std::string& node) const;

  control::Cluster& cluster_;
  ProcessControl* control_;
  const std::vector<std::string> nodes_;
  const std::map<std::string, std::string> data_dirs_;
  const std::string bin_dir_;
  const DiskNemesisOptions options_;
  std::map<std::string, control::Daemon> mounted_;  // node -> its syncfs daemon
  std::set<std::string> down_;                      // killed, not started again
};

}  // namespace coordcheck
