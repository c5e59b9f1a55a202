#include "nemesis/partition/grudge.h"

#include <algorithm>
#include <cstddef>
#include <set>
#include <utility>

namespace coordcheck::nemesis {
namespace {


// SplitMix64 (Steele, Lea, Flood 2014): tiny, and the same stream on every platform.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound); the modulo bias is below bound / 2^64.
  size_t Below(size_t bound) { return static_cast<size_t>(Next() % bound); }

 private:
  uint64_t state_;
};

std::vector<std::string> Shuffled(std::vector<std::string> nodes, SplitMix64& rng) {
  for (size_t i = nodes.size(); i > 1; --i) std::swap(nodes[i - 1], nodes[rng.Below(i)]);
  return nodes;
}

// Each node drops every node outside what `sees` says it sees (a node missing from `sees`
// sees everyone). Produces the normalized form.
Grudge FromSight(const std::vector<std::string>& nodes,
                 const std::map<std::string, std::set<std::string>>& sees) {
  Grudge grudge;
  for (const std::string& a : nodes) {
    auto it = sees.find(a);
    if (it == sees.end()) continue;
    std::vector<std::string> dropped;
    for (const std::string& b : nodes) {
      if (b != a && it->second.count(b) == 0) dropped.push_back(b);
    }
    if (!dropped.empty()) grudge[a] = std::move(dropped);
  }
  return grudge;
}

// Every node sees exactly the nodes of its own component.
Grudge FromComponents(const std::vector<std::string>& nodes,
                      const std::vector<std::vector<std::string>>& components) {
  std::map<std::string, std::set<std::string>> sees;
  for (const auto& component : components) {
    std::set<std::string> members(component.begin(), component.end());
    for (const std::string& node : component) sees[node] = members;
  }
  return FromSight(nodes, sees);
}

// The first `first` nodes and the rest.
std::vector<std::vector<std::string>> Split(const std::vector<std::string>& nodes, size_t first) {
  return {std::vector<std::string>(nodes.begin(), nodes.begin() + static_cast<ptrdiff_t>(first)),
          std::vector<std::string>(nodes.begin() + static_cast<ptrdiff_t>(first), nodes.end())};
}

// The first ceil(n/2) nodes of `order` against the rest.
Grudge Halves(const std::vector<std::string>& nodes, const std::vector<std::string>& order) {
  return FromComponents(nodes, Split(order, (order.size() + 1) / 2));
}

Grudge MajoritiesRing(const std::vector<std::string>& nodes, SplitMix64& rng) {
  const std::vector<std::string> ring = Shuffled(nodes, rng);
  const size_t n = ring.size();
  const size_t window = n / 2 + 1;  // a majority
  const size_t before = window / 2;
  std::map<std::string, std::set<std::string>> sees;
  for (size_t i = 0; i < n; ++i) {
    std::set<std::string>& seen = sees[ring[i]];
    for (size_t k = 0; k < window; ++k) seen.insert(ring[(i + n - before + k) % n]);
  }
  return FromSight(nodes, sees);
}

Grudge Bridge(const std::vector<std::string>& nodes, SplitMix64& rng) {
  const std::vector<std::string> shuffled = Shuffled(nodes, rng);
  auto groups = Split(shuffled, shuffled.size() / 2);
  const std::string bridge = groups[1].front();
  std::map<std::string, std::set<std::string>> sees;
  for (const auto& group : groups) {
    std::set<std::string> members(group.begin(), group.end());
    members.insert(bridge);
    for (const std::string& node : group) sees[node] = members;
  }
  sees.erase(bridge);
  return FromSight(nodes, sees);
}

Grudge OneWay(const std::vector<std::string>& nodes, SplitMix64& rng) {
  const std::vector<std::string> shuffled = Shuffled(nodes, rng);
  const size_t n = shuffled.size();
  const size_t a = 1 + rng.Below(n - 1);
  const size_t b = 1 + rng.Below(n - a);
  std::set<std::string> from(shuffled.begin() + static_cast<ptrdiff_t>(a),
                             shuffled.begin() + static_cast<ptrdiff_t>(a + b));
  Grudge grudge;
  std::vector<std::string> dropped;
  for (const std::string& node : nodes) {
    if (from.count(node) != 0) dropped.push_back(node);
  }
  for (size_t i = 0; i < a; ++i) grudge[shuffled[i]] = dropped;
  return grudge;
}

size_t MinimumNodes(const std::string& kind) {
  if (kind == "majority-minority" || kind == "majorities-ring" || kind == "bridge") return 3;
  return 2;
}

}  // namespace

const std::vector<std::string>& GrudgeKinds() {
  static const std::vector<std::string> kinds = {
      "halves",          "random-halves", "isolate", "majority-minority",
      "majorities-ring", "bridge",        "one-way"};
  return kinds;
}

Result<Grudge> MakeGrudge(const std::vector<std::string>& nodes, const std::string& kind,
                          uint64_t seed) {
  const auto& kinds = GrudgeKinds();
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
    std::string known;
    for (const std::string& k : kinds) known += (known.empty() ? "" : ", ") + k;
    return Result<Grudge>::Error("unknown partition kind '" + kind + "' (known: " + known + ")");
  }
  if (nodes.size() < MinimumNodes(kind)) {
    return Result<Grudge>::Error("partition kind " + kind + " needs at least " +
                                 std::to_string(MinimumNodes(kind)) + " nodes, got " +
                                 std::to_string(nodes.size()));
  }
  SplitMix64 rng(seed);
  if (kind == "halves") return Halves(nodes, nodes);
  if (kind == "random-halves") return Halves(nodes, Shuffled(nodes, rng));
  if (kind == "isolate") return IsolateGrudge(nodes, nodes[rng.Below(nodes.size())]);
  if (kind == "majority-minority") {
    const std::vector<std::string> shuffled = Shuffled(nodes, rng);
    return FromComponents(nodes, Split(shuffled, (shuffled.size() - 1) / 2));
  }
  if (kind == "majorities-ring") return MajoritiesRing(nodes, rng);
  if (kind == "bridge") return Bridge(nodes, rng);
  return OneWay(nodes, rng);
}

Result<Grudge> IsolateGrudge(const std::vector<std::string>& nodes, const std::string& node) {
  if (std::find(nodes.begin(), nodes.end(), node) == nodes.end()) {
    return Result<Grudge>::Error("cannot isolate node " + node + ": it is not one of the nodes");
  }
  std::vector<std::string> rest;
  for (const std::string& other : nodes) {
    if (other != node) rest.push_back(other);
  }
  return FromComponents(nodes, {{node}, rest});
}

Result<Grudge> ParseGrudge(const Json& json, const std::vector<std::string>& nodes) {
  if (!json.is_object()) {
    return Result<Grudge>::Error("a grudge must be an object mapping nodes to node lists, got " +
                                 json.dump());
  }
  const std::set<std::string> known(nodes.begin(), nodes.end());
  std::map<std::string, std::set<std::string>> drops;
  for (const auto& [node, list] : json.items()) {
    if (known.count(node) == 0) {
      return Result<Grudge>::Error("grudge names unknown node " + node);
    }
    if (!list.is_array()) {
      return Result<Grudge>::Error("grudge of node " + node + " must be an array of nodes, got " +
                                   list.dump());
    }
    for (const Json& other : list) {
      if (!other.is_string()) {
        return Result<Grudge>::Error("grudge of node " + node + " lists a non-string " +
                                     other.dump());
      }
      const std::string name = other.get<std::string>();
      if (known.count(name) == 0) {
        return Result<Grudge>::Error("grudge of node " + node + " names unknown node " + name);
      }
      if (name == node) {
        return Result<Grudge>::Error("node " + node + " cannot hold a grudge against itself");
      }
      drops[node].insert(name);
    }
  }
  Grudge grudge;
  for (const std::string& a : nodes) {
    auto it = drops.find(a);
    if (it == drops.end() || it->second.empty()) continue;
    std::vector<std::string>& list = grudge[a];
    for (const std::string& b : nodes) {
      if (it->second.count(b) != 0) list.push_back(b);
    }
  }
  return grudge;
}

Json GrudgeToJson(const Grudge& grudge) {
  Json json = Json::object();
  for (const auto& [node, list] : grudge) json[node] = list;
  return json;
}

bool Drops(const Grudge& grudge, const std::string& a, const std::string& b) {
  auto it = grudge.find(a);
  return it != grudge.end() &&
         std::find(it->second.begin(), it->second.end(), b) != it->second.end();
}

}  // namespace coordcheck::nemesis
