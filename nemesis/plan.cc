#include "nemesis/plan.h"

#include <algorithm>

#include "nemesis/registry.h"

namespace coordcheck {
namespace {

// Why the target cannot take `p`, or nullopt.
std::optional<std::string> TargetMisses(const FaultPackage& p, const RunFacts& f) {
  const FaultNeeds& n = p.needs;
  if (f.nodes < n.min_nodes) {
    return f.target + " runs on " + std::to_string(f.nodes) + (f.nodes == 1 ? " node" : " nodes") +
           "; " + p.info.name + " needs at least " + std::to_string(n.min_nodes);
  }
  if (n.kill && !f.can_kill) return f.target + " cannot be killed and restarted";
  if (n.pause && !f.can_pause) return f.target + " cannot be paused";
  if (n.data_dir && !f.has_data_dir) {
    return f.target + " keeps no data in a folder of its own on each node";
  }
  return std::nullopt;
}

}  // namespace

Status CheckFaultFamilies(const std::vector<std::string>& families, const RunFacts& facts) {
  for (const std::string& name : families) {
    const FaultPackage* p = FindFaultPackage(name);
    if (p == nullptr) {
      return Status::Error("nemesis '" + name + "' is unknown (nemeses: " + FaultFamilyNames() + ")");
    }
    if (p->needs.client_pauses && !facts.client_pauses) {
      return Status::Error("nemesis '" + name + "' needs a workload whose clients can pause (lock), not " +
                           facts.workload);
    }
    if (p->needs.separate_network && !facts.backend.empty() &&
        !facts.capabilities.separate_network) {
      return Status::Error("nemesis '" + name + "' needs the netns backend: " + facts.backend +
             " nodes share one network");
    }
  }
  return Status::Ok();
}

FaultPlan PlanFaults(const std::vector<std::string>& requested, const RunFacts& facts) {
  FaultPlan plan;
  for (const std::string& name : requested) {
    if (std::find(plan.scheduled.begin(), plan.scheduled.end(), name) != plan.scheduled.end()) {
      continue;
    }
    const FaultPackage* p = FindFaultPackage(name);
    if (p == nullptr) continue;  // CheckFaultFamilies rejected it
    if (auto why = TargetMisses(*p, facts)) {
      plan.notes.push_back(name + ": not scheduled: " + *why);
      continue;
    }
    plan.scheduled.push_back(name);
  }
  return plan;
}

std::string NeedsText(const FaultNeeds& n) {
  std::vector<std::string> parts;
  if (n.separate_network) parts.push_back("nodes with their own network (netns)");
  if (n.client_pauses) parts.push_back("a workload whose clients pause (lock)");
  if (n.min_nodes > 1) parts.push_back(std::to_string(n.min_nodes) + "+ nodes");
  if (n.kill) parts.push_back("a killable target");
  if (n.pause) parts.push_back("a pausable target");
  if (n.data_dir) parts.push_back("a target with a data folder");
  std::string out;
  for (const auto& s : parts) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace coordcheck
