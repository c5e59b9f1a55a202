// HostCluster: a Cluster whose nodes live on this machine (the local and netns backends).
// It owns the run's ledger, the node directories <state_dir>/<run_id>/<node>/, one
// HostRemote per node and a HostNetwork that supplies addresses, namespaces and the
// Dialer; everything backend-specific is in the HostNetwork.
//
// Create: the run id and the network's reservations are picked with the ledger
// directory locked, and the ledger is created before anything else; on a later error
// everything is undone. Destroy: stop daemons (SIGTERM, 1.5 s grace, SIGKILL), detach
// recorded mounts still there, tear the network down (kill what is left inside, delete
// namespaces), remove the directories, and remove the ledger last — only when every step
// succeeded, so that a failed teardown stays on record for CleanLeftovers once this
// process is gone.
//
// Thread-safety: as Cluster.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/control/cluster.h"
#include "harness/control/host_network.h"
#include "harness/control/host_remote.h"
#include "harness/control/ledger.h"

namespace coordcheck::control {

class HostCluster final : public Cluster {
 public:
  // `options` are validated by the caller (node count, state dir filled in).
  static Result<std::unique_ptr<Cluster>> Create(const ClusterOptions& options,
                                                 std::unique_ptr<HostNetwork> network);
  ~HostCluster() override;

  const std::string& run_id() const override { return run_id_; }
  const std::string& backend() const override { return network_->backend(); }
  Capabilities capabilities() const override { return network_->capabilities(); }
  const std::vector<NodeInfo>& nodes() const override { return nodes_; }
  Remote& remote(const std::string& node) override;
  Dialer& dialer() override { return network_->dialer(); }
  Status Destroy() override;

 private:
  HostCluster(std::string state_dir, std::unique_ptr<HostNetwork> network)
      : state_dir_(std::move(state_dir)), network_(std::move(network)) {}
  Status Open();
  Status Build(int count);

  const std::string state_dir_;
  std::unique_ptr<HostNetwork> network_;
  std::string run_id_;
  std::string run_dir_;
  std::unique_ptr<Ledger> ledger_;
  std::vector<NodeInfo> nodes_;
  std::vector<std::unique_ptr<HostRemote>> remotes_;
  std::map<std::string, HostRemote*> by_name_;
  bool destroyed_ = false;
};

}  // namespace coordcheck::control
