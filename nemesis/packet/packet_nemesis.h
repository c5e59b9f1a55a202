// PacketNemesis: packet loss and delay on the packets chosen nodes send (start-packet,
// stop-packet in nemesis/ops.h) — what `tc netem` would do, built from what these kernels
// have (shared/PLATFORM.md): an iptables statistic-match DROP for loss, and an NFQUEUE rule
// whose packets coordcheck-netdelay (netdelay_main.cc) holds for the delay.
//
// Where the rules live, on every node: a chain of our own, `coordcheck-pkt` in the mangle
// table, reached by one jump appended to POSTROUTING for packets leaving `interface`
// (eth0: the node's loopback is untouched). Setup creates chain and jump and uploads
// coordcheck-netdelay to <root_dir>/bin; faults only add rules to our chain; heals flush
// it; Teardown removes jump and chain. No other rule is ever touched.
//
// Why mangle POSTROUTING: a packet accepted by an NFQUEUE verdict does not return to the
// chain that queued it; it goes on with the next table (or hook) in netfilter's order,
// skipping the rest of that table's rules. Queued from filter OUTPUT it would skip any
// DROP added there after our jump (measured: such a DROP let queued packets through); from
// mangle POSTROUTING, the last place before the wire, it has passed every filter rule, so
// loss and delay act after partitions, as netem would. The jump is appended, so a foreign
// rule earlier in mangle POSTROUTING that ACCEPTs a packet also exempts it from our faults.
//
// Ops and completions (type info; `error` set when something failed):
//   start-packet  value: PacketFault (packet_fault.h). First heals whatever is active,
//                 then on each listed node starts coordcheck-netdelay if there is delay
//                 (a Remote daemon "netdelay", log <root_dir>/netdelay.log, which must
//                 report its queue bound) and adds the rules (loss first). Completion
//                 value: the request plus
//                   "applied": {node: {"rules": [...], "queue": N, "pid": P, "seed": S}}
//                 (queue, pid and seed only with delay). When any node fails, everything
//                 is healed again, `error` names the node and "applied" is absent.
//   stop-packet   value ignored. Flushes our chain and stops netdelay on every node.
//                 Completion value {"healed": [nodes]}; nodes that failed are left out and
//                 named in `error`. If a node's netdelay had exited by itself (its delay
//                 then stopped early: --queue-bypass lets packets through), the value also
//                 has "netdelay_ended_early": [nodes] — its log says why. start-packet's
//                 own first heal reports that as "previous_netdelay_ended_early".
//
// Known difference from netem: a DROP in netfilter is reported to a local UDP sender
// (sendto fails with EPERM) while netem's loss is silent; TCP treats both as loss.
//
// Backends: needs nodes with network namespaces of their own (netns) or real machines;
// with the `local` backend every node is the controller's own namespace, so Setup fails.
//
// Thread-safety: as Nemesis; a mutex also serializes Invoke and Teardown.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "harness/control/cluster.h"
#include "nemesis/nemesis.h"
#include "nemesis/packet/packet_fault.h"

namespace coordcheck {

struct PacketNemesisOptions {
  // The interface whose outgoing packets are faulted. Default "eth0" (netns nodes).
  std::string interface = "eth0";
  // The NFQUEUE queue number netdelay binds on each node (namespaces do not share queues).
  int queue = 7700;
  // Limit of each command run on a node (iptables, the bind check). Default 5 s.
  std::chrono::milliseconds exec_timeout{5000};
  // How long netdelay may take to bind its queue. Default 2 s.
  std::chrono::milliseconds bind_timeout{2000};
  // SIGTERM grace before netdelay is SIGKILLed. Default 2 s.
  std::chrono::milliseconds stop_grace{2000};
};

// The chain of ours on every node.
inline constexpr const char* kPacketChain = "coordcheck-pkt";
// The helper's file name in bin_dir and on the nodes.
inline constexpr const char* kNetdelayProgram = "coordcheck-netdelay";

class PacketNemesis final : public Nemesis {
 public:
  // `bin_dir` holds coordcheck-netdelay (COORDCHECK_BIN_DIR). `cluster` must outlive this.
  PacketNemesis(control::Cluster& cluster, std::string bin_dir, PacketNemesisOptions options = {});

  std::vector<std::string> fs() const override;
  Status Setup() override;
  Op Invoke(const Op& invoke) override;
  Status Teardown() override;

 private:
  struct NodeState {
    bool chain = false;  // Setup (maybe partly) created our chain and jump here
    std::optional<control::Daemon> netdelay;
  };

  Status SetUpNode(const std::string& node);
  // Removes our jump and chain, then stops netdelay. Keeps going; returns the first error.
  Status TearDownNode(const std::string& node);
  Status RemoveChain(const std::string& node);
  // Flushes our chain and stops netdelay on every node; `report` (if given) gets "healed"
  // and "netdelay_ended_early". Keeps going after a failure; the error names every node
  // that failed.
  Status Heal(Json* report);
  // `netdelay_ended` says whether the node's netdelay had exited by itself.
  Status HealNode(const std::string& node, bool* netdelay_ended);
  Result<Json> ApplyNode(const std::string& node, const PacketFault& fault);
  Status StopNetdelay(const std::string& node);
  // Runs argv on `node`, bounded by `timeout` (default options_.exec_timeout); an error
  // naming the node and the command unless it exits 0.
  Result<control::ExecResult> Run(
      const std::string& node, const std::vector<std::string>& argv, const std::string& input = "",
      std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  // What `node`'s netdelay log ends with, for error messages.
  std::string NetdelayLogTail(const std::string& node);
  std::string NetdelayPath(const std::string& node);
  std::string NetdelayLog(const std::string& node);
  std::string NetdelayReadyFile(const std::string& node);

  control::Cluster& cluster_;
  const std::string bin_dir_;
  const PacketNemesisOptions options_;
  std::vector<std::string> node_names_;

  std::mutex mu_;
  bool set_up_ = false;                     // guarded by mu_
  std::map<std::string, NodeState> state_;  // guarded by mu_
};

}  // namespace coordcheck
