// PacketFault: a start-packet op's value (nemesis/ops.h), parsed once at the edge, and the
// iptables rules that perform it on one node.
//
//   {"nodes": ["n1", ...],   required, non-empty, distinct, nodes of the cluster
//    "loss": 0.2,            optional, probability 0..1 that a packet leaving is dropped
//    "delay_ms": 100,        optional, integer 0..60000 added to every packet leaving
//    "jitter_ms": 20,        optional, integer 0..60000: the delay is uniform in ±jitter
//    "seed": 7}              optional, non-negative integer for the jitter (default 0)
//
// At least one of loss, delay_ms or jitter_ms must be non-zero; any other key is an error
// (a misspelt "delay" must not silently inject nothing).
//
// Thread-safety: plain functions and value types.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "history/op.h"

namespace coordcheck {

inline constexpr int kMaxPacketDelayMs = 60000;

struct PacketFault {
  std::vector<std::string> nodes;  // where the fault applies (to packets they send)
  double loss = 0;                 // drop probability, 0..1; 0 = no loss rule
  int delay_ms = 0;                // mean added delay
  int jitter_ms = 0;               // half-width of the uniform spread around delay_ms
  uint64_t seed = 0;               // root of each node's jitter seed (NodeSeed)

  bool has_loss() const { return loss > 0; }
  bool has_delay() const { return delay_ms > 0 || jitter_ms > 0; }
};

// Parses and validates a start-packet value; `known_nodes` are the cluster's node names.
// The error says which field is wrong and why.
Result<PacketFault> ParsePacketFault(const Json& value,
                                              const std::vector<std::string>& known_nodes);

// The rules, in `iptables -S` syntax and in order (loss first), that perform `fault` inside
// `chain` on one node: a statistic-match DROP for loss and an NFQUEUE rule to queue
// `queue` (with --queue-bypass) for delay.
std::vector<std::string> PacketRules(const PacketFault& fault, const std::string& chain, int queue);

// The jitter seed of `node`'s coordcheck-netdelay: `seed` mixed with the node's name, so
// nodes differ and the same op replays the same way. Below 2^53, so JSON keeps it exact.
uint64_t NodeSeed(uint64_t seed, const std::string& node);

}  // namespace coordcheck
