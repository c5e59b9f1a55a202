// Grudges: which node drops which nodes' packets during a partition (Jepsen's
// nemesis/grudge). Pure functions of the node list, a kind and a seed; no I/O.
//
// A grudge maps a node A to the nodes B whose packets A drops. A node "sees" every node it
// does not drop, itself included. Grudges are kept normalized: only nodes that drop
// someone appear as keys, each list is in node-list order (n1, n2, ..., n10, not string
// order), without duplicates and never naming the node itself.
//
// Kinds (n = number of nodes; each needs the minimum given in brackets):
//   halves            [2] the first ceil(n/2) nodes against the rest, cut both ways
//   random-halves     [2] the same after a seeded shuffle
//   isolate           [2] one random node cut off from all others, both ways
//   majority-minority [3] a random minority of floor((n-1)/2) nodes against the rest
//   majorities-ring   [3] nodes on a shuffled ring; each sees the window of the
//                         floor(n/2)+1 ring neighbours centred on itself, so each sees a
//                         majority, no node sees all, and the majorities differ
//   bridge            [3] a shuffle split in two groups of floor(n/2) and ceil(n/2) nodes
//                         cut from each other, except the first node of the second group
//                         (the bridge), which sees everyone and whom everyone sees
//   one-way           [2] a random non-empty set A drops packets from a random non-empty
//                         disjoint set B; B keeps receiving from A (an asymmetric cut)
// The same nodes, kind and seed always give the same grudge (a SplitMix64 stream of our
// own, independent of the standard library's distributions).
//
// Thread-safety: plain functions on values.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "history/op.h"

namespace coordcheck::nemesis {

using Grudge = std::map<std::string, std::vector<std::string>>;

// The kinds MakeGrudge knows, in the order listed above.
const std::vector<std::string>& GrudgeKinds();

// The grudge of `kind` over `nodes` (distinct names), its random choices drawn from
// `seed`. Errors: unknown kind (the message lists the known ones), too few nodes.
Result<Grudge> MakeGrudge(const std::vector<std::string>& nodes, const std::string& kind,
                                   uint64_t seed);

// `node` cut off from all other nodes, both ways. Error when `node` is not in `nodes`.
Result<Grudge> IsolateGrudge(const std::vector<std::string>& nodes,
                                      const std::string& node);

// Validates and normalizes an explicit grudge given as JSON ({"n1": ["n2", ...], ...}).
// Errors name the offending node: unknown node names (as key or in a list), a node
// holding a grudge against itself, values that are not arrays of strings.
Result<Grudge> ParseGrudge(const Json& json, const std::vector<std::string>& nodes);

// The grudge as a JSON object (node -> array of nodes).
Json GrudgeToJson(const Grudge& grudge);

// True when `a` drops packets from `b` under `grudge`.
bool Drops(const Grudge& grudge, const std::string& a, const std::string& b);

}  // namespace coordcheck::nemesis
