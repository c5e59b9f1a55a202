// Cluster: the N nodes of one run, created at its start and destroyed at its end.
//
// Backends:
//   netns — each node a network namespace with its own address on a bridge that lives in
//           a namespace of ours (needs root). Node addresses 10.77.0.11, .12, ... exist
//           only there; the controller reaches them through the Dialer (setns per socket).
//   local — processes on this machine on loopback addresses 127.77.R.11, .12, ... (R picked
//           per run so concurrent runs never share an address); no root needed.
//
// Everything a cluster creates (namespaces, directories, daemons) is first written to a
// ledger file under the state directory, with names that carry the "cc" prefix and the run
// id, so `coordcheck clean` (CleanLeftovers) can remove what a SIGKILLed run left and
// never touches anything else. Destroy() undoes everything and removes the ledger.
//
// Thread-safety: remote() and dialer() may be used from several threads; Create and
// Destroy are not concurrent with anything else.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "harness/control/dialer.h"
#include "harness/control/remote.h"
#include "harness/control/state_dir.h"
#include "base/status.h"

namespace coordcheck::control {

struct ClusterOptions {
  // "netns" or "local".
  std::string backend = "netns";
  // Number of nodes, named n1..nN. 1..200.
  int nodes = 5;
  // Where ledgers and node directories live. Empty = DefaultStateDir(). Created 0700 when
  // missing; Create refuses one that CheckStateDir refuses (state_dir.h).
  std::string state_dir;
};

// A backend as `list`, the config checks and the fault families know it.
struct BackendInfo {
  std::string name;         // "netns"
  std::string description;  // one line for `list`
  bool needs_root = false;  // creating its nodes needs root
};

// Every backend, in a stable order (the catalogue `list` and the config checks read).
const std::vector<BackendInfo>& AllBackends();

// "netns" when running as root, else "local".
std::string DefaultBackend();

// What a backend's nodes offer the faults. Faults ask for these, never for a backend's name.
struct Capabilities {
  // Each node has a network stack of its own (a namespace, a machine): firewall rules and
  // packet queues set inside a node act on that node's traffic only. False for the local
  // backend, whose nodes share the controller's loopback.
  bool separate_network = false;
  // The controller reaches a node's files under its root_dir() directly (the same
  // filesystem), so a file a node's processes read can be written without running anything
  // on the node. False on real machines.
  bool shared_filesystem = false;
};

// The capabilities of the backend named `backend`, before any cluster exists (to validate a
// test's config); an error names the known backends.
Result<Capabilities> BackendCapabilities(const std::string& backend);

struct NodeInfo {
  std::string name;     // "n1"
  std::string address;  // "10.77.0.11"
};

class Cluster {
 public:
  // Creates the nodes (writing the ledger first). On error everything created so far is
  // removed again and the message names the step and node.
  static Result<std::unique_ptr<Cluster>> Create(const ClusterOptions& options);

  virtual ~Cluster() = default;  // implementations call Destroy()

  // A short id unique among live runs ("a3f9c2"); part of every name the cluster creates.
  virtual const std::string& run_id() const = 0;
  virtual const std::string& backend() const = 0;
  virtual Capabilities capabilities() const = 0;
  virtual const std::vector<NodeInfo>& nodes() const = 0;
  // The node's Remote. `node` must be one of nodes().
  virtual Remote& remote(const std::string& node) = 0;
  virtual Dialer& dialer() = 0;

  // Stops every daemon still running, removes the nodes (namespaces, interfaces,
  // directories) and finally the ledger. Idempotent; keeps going after a failed step and
  // returns the first error.
  virtual Status Destroy() = 0;
};

// What CleanLeftovers found and removed.
struct CleanReport {
  std::vector<std::string> removed;  // one line per thing removed ("netns cc-a3f9c2-n1")
  std::vector<std::string> errors;   // one line per thing that could not be removed
  int runs_skipped_alive = 0;        // ledgers whose controller is still running
  // Namespaces named as a cluster's (cc-RUN_ID-ctl, cc-RUN_ID-nK) whose run has no ledger in
  // this state directory: made with another --state-dir, or their ledger was deleted with
  // its folder. Left alone (nothing says the run is dead), named so a person can decide.
  std::vector<std::string> unowned;
};

// Removes what runs that are no longer alive left behind, as recorded in the ledgers under
// `state_dir` (empty = DefaultStateDir()): processes (by pid, checked against the start
// time recorded with it, and every process inside one of our namespaces), namespaces,
// mounts (detached: Remote::RecordMount), directories, then the ledger itself. Ledgers of live controllers are left alone. A state
// directory that CheckStateDir refuses is not read at all (one error says why).
CleanReport CleanLeftovers(const std::string& state_dir = "");

}  // namespace coordcheck::control
