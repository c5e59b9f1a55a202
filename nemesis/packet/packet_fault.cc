#include "nemesis/packet/packet_fault.h"

#include <algorithm>
#include <charconv>
#include <set>

namespace coordcheck {
namespace {


// A non-negative integer no larger than `max`, or an error naming `field`.
Result<int64_t> Integer(const Json& value, const char* field, int64_t max) {
  if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() > max) {
    return Result<int64_t>::Error(std::string(field) + " must be an integer from 0 to " +
                                  std::to_string(max) + " (got " + value.dump() + ")");
  }
  return value.get<int64_t>();
}

std::string ShortestText(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

}  // namespace

Result<PacketFault> ParsePacketFault(const Json& value,
                                     const std::vector<std::string>& known_nodes) {
  using R = Result<PacketFault>;
  if (!value.is_object()) {
    return R::Error(
        "start-packet value must be an object {\"nodes\": [...], \"loss\": P, "
        "\"delay_ms\": D, \"jitter_ms\": J} (got " +
        value.dump() + ")");
  }
  PacketFault fault;
  for (const auto& [key, field] : value.items()) {
    if (key == "nodes") {
      if (!field.is_array() || field.empty()) return R::Error("nodes must be a non-empty list");
      std::set<std::string> seen;
      for (const Json& n : field) {
        if (!n.is_string() || std::find(known_nodes.begin(), known_nodes.end(),
                                        n.get<std::string>()) == known_nodes.end()) {
          return R::Error("unknown node " + n.dump());
        }
        if (!seen.insert(n.get<std::string>()).second) {
          return R::Error("node " + n.dump() + " is listed twice");
        }
        fault.nodes.push_back(n.get<std::string>());
      }
    } else if (key == "loss") {
      if (!field.is_number() || !(field.get<double>() >= 0 && field.get<double>() <= 1)) {
        return R::Error("loss must be a probability from 0 to 1 (got " + field.dump() + ")");
      }
      fault.loss = field.get<double>();
    } else if (key == "delay_ms" || key == "jitter_ms") {
      auto ms = Integer(field, key.c_str(), kMaxPacketDelayMs);
      if (!ms.ok()) return ms.status();
      (key == "delay_ms" ? fault.delay_ms : fault.jitter_ms) = static_cast<int>(*ms);
    } else if (key == "seed") {
      if (!field.is_number_unsigned() &&
          !(field.is_number_integer() && field.get<int64_t>() >= 0)) {
        return R::Error("seed must be a non-negative integer (got " + field.dump() + ")");
      }
      fault.seed = field.get<uint64_t>();
    } else {
      return R::Error("unknown field \"" + key +
                      "\" in start-packet (expected nodes, loss, delay_ms, jitter_ms, seed)");
    }
  }
  if (fault.nodes.empty()) return R::Error("start-packet needs \"nodes\"");
  if (!fault.has_loss() && !fault.has_delay()) {
    return R::Error("start-packet needs loss > 0, delay_ms > 0 or jitter_ms > 0");
  }
  return fault;
}

std::vector<std::string> PacketRules(const PacketFault& fault, const std::string& chain,
                                     int queue) {
  std::vector<std::string> rules;
  if (fault.has_loss()) {
    rules.push_back("-A " + chain + " -m statistic --mode random --probability " +
                    ShortestText(fault.loss) + " -j DROP");
  }
  if (fault.has_delay()) {
    rules.push_back("-A " + chain + " -j NFQUEUE --queue-num " + std::to_string(queue) +
                    " --queue-bypass");
  }
  return rules;
}

uint64_t NodeSeed(uint64_t seed, const std::string& node) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a of the name, then SplitMix64's finalizer
  for (unsigned char c : node) h = (h ^ c) * 0x100000001b3ull;
  uint64_t z = seed ^ h;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return (z ^ (z >> 31)) >> 11;  // 53 bits: exact as a JSON number in every reader
}

}  // namespace coordcheck
