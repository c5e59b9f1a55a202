// HostNetwork: how the nodes of a cluster on this machine get addresses and are reached —
// the only part in which the local and netns backends differ. HostCluster owns one and
// never branches on which.
//
//   local — addresses 127.77.R.(10+K) on the controller's loopback, R picked so that no
//           live run under the same state directory uses it; plain loopback dialing.
//   netns — namespaces cc-<run>-ctl (bridge br0, 10.77.0.1/24) and cc-<run>-nK (eth0,
//           10.77.0.(10+K)/24, joined to br0 by a veth v-nK); nothing is added to the
//           root namespace; the dialer makes its sockets inside cc-<run>-ctl.
//
// Thread-safety: Address, NodeNamespace and dialer() may be called from several threads
// once Create has returned; Reserve, Create and Destroy run alone.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/control/cluster.h"
#include "harness/control/dialer.h"
#include "harness/control/ledger.h"
#include "base/status.h"
#include "harness/control/unique_fd.h"

namespace coordcheck::control {

class HostNetwork {
 public:
  virtual ~HostNetwork() = default;

  virtual const std::string& backend() const = 0;
  virtual Capabilities capabilities() const = 0;
  // Checks what the backend needs and picks what must differ from the runs alive under
  // `state_dir`, adding it to the ledger `header`. Called with the ledger directory locked.
  virtual Status Reserve(const std::string& state_dir, nlohmann::json& header) = 0;
  // True when none of the names this backend would create for `run_id` exists.
  virtual bool NamesFree(const std::string& run_id) const = 0;
  // Creates the network of nodes n1..n<count>, recording each thing in `ledger` first.
  virtual Status Create(const std::string& run_id, int count, Ledger& ledger) = 0;
  // Node K's address (K from 1).
  virtual std::string Address(int node) const = 0;
  // A descriptor of node K's network namespace, or an invalid one when the node shares
  // the controller's.
  virtual Result<UniqueFd> NodeNamespace(int node) = 0;
  virtual Dialer& dialer() = 0;
  // Stops the dialer, kills every process still inside the network and removes it.
  // Idempotent; keeps going after a failed step and returns the first error.
  virtual Status Destroy() = 0;
};

std::unique_ptr<HostNetwork> MakeLocalNetwork();
std::unique_ptr<HostNetwork> MakeNetnsNetwork();

}  // namespace coordcheck::control
