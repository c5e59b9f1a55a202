// PartitionNemesis: network partitions as iptables rules inside the nodes (Jepsen's
// partitioner). Handles start-partition and stop-partition (nemesis/ops.h).
//
// Every rule lives in a chain of our own, kPartitionChain in the filter table, that Setup
// creates on every node together with one jump to it at the top of INPUT (so the cut also
// applies to established connections). A grudge "A drops B" becomes rules in A's chain
// matching B's address as source:
//   drop   -s B -j DROP                     (connects hang until the client's timeout)
//   reject -p tcp -s B -j REJECT --reject-with tcp-reset, then -s B -j REJECT
//          (TCP sees a reset, everything else an ICMP port-unreachable)
// start-partition first heals, then applies the new grudge; each node's flush and new
// rules go in one `iptables-restore --noflush` (one atomic transaction per node), nodes in
// parallel. stop-partition flushes our chain everywhere. Teardown removes the jump and the
// chain from every node Setup touched, checking with `iptables -S` that they are gone.
// Rules of anyone else are never touched, and nothing ever runs in the controller's own
// network namespace.
//
// Why REJECT is not always fast: a TCP connect from X to Y fails fast only when Y rejects
// X's SYN and X still accepts Y's reset. When X drops Y (whatever Y does) the reply never
// reaches X's socket and the connect hangs, in either mode.
//
// Only argv commands run on nodes (iptables, iptables-restore in PATH), so the nemesis
// works over any Remote: network namespaces now, SSH machines later. The local backend's
// nodes share one network namespace, so Setup refuses it.
//
// Op values accepted (start-partition):
//   {"kind": K, "seed": S, "mode": M}    K one of GrudgeKinds(); S an integer (required for
//                                       every kind but "halves"; negative values are taken
//                                       modulo 2^64); M "drop" (default) or "reject"
//   {"kind": "isolate-primary", "mode": M}   isolates the node the primary callback names
//   {"grudge": {"n1": ["n2"], ...}, "mode": M}   an explicit grudge (no kind)
// Completions (type info, the invoke's process and f):
//   start-partition: the invoke's value plus "grudge" (normalized, as applied), "rules"
//                    (count of rules added), "mode" (as applied) and for isolate-primary
//                    "primary"; on failure "error" names the node and quotes iptables, and
//                    whatever was applied has been healed again
//   stop-partition:  {"healed": [every node whose chain was flushed]}
//
// Thread-safety: Invoke, Setup and Teardown serialize on an internal mutex; the runner
// calls them from one thread at a time anyway (nemesis/nemesis.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "harness/control/cluster.h"
#include "base/status.h"
#include "history/op.h"
#include "nemesis/nemesis.h"
#include "nemesis/partition/grudge.h"
#include "nemesis/process/process_control.h"

namespace coordcheck::nemesis {

inline constexpr const char* kPartitionChain = "coordcheck-part";
inline constexpr const char* kIsolatePrimary = "isolate-primary";

enum class CutMode { kDrop, kReject };

// A start-partition value, parsed once.
struct PartitionRequest {
  std::string kind;  // a GrudgeKinds() entry, kIsolatePrimary, or empty (explicit grudge)
  uint64_t seed = 0;
  CutMode mode = CutMode::kDrop;
  // The grudge to apply, normalized: the kind's or the explicit one. Empty for
  // kIsolatePrimary, whose grudge is known only once the primary is.
  Grudge grudge;
};

// Parses and validates a start-partition value against the cluster's node names and
// computes its grudge. Errors say what is wrong (unknown kind, mode or node, missing seed,
// too few nodes for the kind, both kind and grudge given).
Result<PartitionRequest> ParsePartitionRequest(const Json& value,
                                                        const std::vector<std::string>& nodes);

struct PartitionOptions {
  // Limit of every command run on a node. Default 10 s.
  std::chrono::milliseconds exec_timeout{10000};
  // How many nodes are worked on at once. Default 16.
  int parallelism = 16;
  // The nodes partitions are made among (kinds, grudges, heal); empty = every node of the
  // cluster. The others are never touched (a lock target's resource node, say).
  std::vector<std::string> nodes;
};

class PartitionNemesis final : public Nemesis {
 public:
  // Names the node the target considers its primary now; null when the target has none.
  using PrimaryFn = std::function<Result<std::string>()>;

  // `cluster` must outlive the nemesis. A null `primary` makes isolate-primary complete
  // with an error.
  PartitionNemesis(control::Cluster& cluster, PrimaryFn primary, PartitionOptions options = {});

  // The primary callback of a target's ProcessControl: null when `process` is null or has
  // no primary. `process` must outlive the callback.
  static PrimaryFn PrimaryOf(ProcessControl* process);

  std::vector<std::string> fs() const override;
  Status Setup() override;
  Op Invoke(const Op& invoke) override;
  Status Teardown() override;

 private:
  // Runs `step` for every node index in `which` (at most options_.parallelism at once)
  // and returns each one's status, indexed like nodes_.
  std::vector<Status> ForNodes(const std::vector<size_t>& which,
                                        const std::function<Status(size_t)>& step);
  std::vector<size_t> AllNodes() const;
  // iptables-restore --noflush with `rules` (lines without *filter/COMMIT) on node `i`.
  Status Restore(size_t i, const std::string& rules);
  // `iptables -w -S` on node `i`.
  Result<std::string> ListRules(size_t i);
  // Removes the jump(s) and the chain from node `i` if present and checks they are gone.
  Status RemoveChain(size_t i);
  // Flushes our chain on every node; the statuses are indexed like nodes_.
  std::vector<Status> FlushAll();
  // Rules (restore lines) for node `i` under `grudge`; adds their number to `*count`.
  std::string RulesFor(size_t i, const Grudge& grudge, CutMode mode, int64_t* count) const;

  Op StartPartition(const Op& invoke);
  Op StopPartition(const Op& invoke);

  control::Cluster& cluster_;
  const PrimaryFn primary_;
  const PartitionOptions options_;
  const std::vector<control::NodeInfo> nodes_;
  std::vector<std::string> names_;

  std::mutex mu_;              // serializes Setup, Invoke and Teardown
  bool ready_ = false;         // Setup succeeded and Teardown has not run since
  std::vector<char> touched_;  // our chain may exist on this node (indexed like nodes_)
};

}  // namespace coordcheck::nemesis
