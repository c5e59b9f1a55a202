#include "harness/nemesis_setup.h"

#include <algorithm>

#include "nemesis/registry.h"

namespace coordcheck {

DbProcessControl::DbProcessControl(Db* db, control::Cluster* cluster, const DbEnv* env)
    : cluster_(cluster),
      env_(env),
      killable_(db->killable()),
      pausable_(db->pausable()),
      primary_(db->has_primary()) {}

Status DbProcessControl::Kill(const std::string& node) {
  if (!killable_) return Status::Error("the target cannot be killed");
  return killable_->Kill(cluster_->remote(node));
}

Status DbProcessControl::Start(const std::string& node) {
  if (!killable_) return Status::Error("the target cannot be restarted");
  return killable_->Start(cluster_->remote(node), *env_);
}

Status DbProcessControl::Pause(const std::string& node) {
  if (!pausable_) return Status::Error("the target cannot be paused");
  return pausable_->Pause(cluster_->remote(node));
}

Status DbProcessControl::Resume(const std::string& node) {
  if (!pausable_) return Status::Error("the target cannot be resumed");
  return pausable_->Resume(cluster_->remote(node));
}

Result<std::string> DbProcessControl::Primary() {
  if (!primary_) return Result<std::string>::Error("the target reports no primary");
  return primary_->Primary(*env_);
}

RunFacts FaultFacts(const TestConfig& config, const Workload& workload) {
  RunFacts facts;
  facts.backend = config.backend;
  if (!config.backend.empty()) {
    if (auto caps = control::BackendCapabilities(config.backend); caps.ok()) {
      facts.capabilities = *caps;
    }
  }
  facts.workload = config.workload;
  facts.client_pauses = workload.client_pause_ms(config.workload_options) > 0;
  facts.target = config.target;
  facts.nodes = config.nodes;
  return facts;
}

Result<RunNemesis> SetUpNemesis(NemesisSetup setup, control::Cluster& cluster) {
  RunNemesis out;
  setup.context.cluster = &cluster;
  // Set up in registry order (torn down in reverse), whatever the order asked.
  std::vector<std::unique_ptr<Nemesis>> parts;
  const std::vector<std::string>& asked = setup.families;
  for (const FaultPackage* package : AllFaultPackages()) {
    if (std::find(asked.begin(), asked.end(), package->info.name) == asked.end()) continue;
    parts.push_back(package->make_nemesis(setup.context));
  }
  if (parts.empty()) return out;
  out.nemesis = std::make_unique<ComposeNemesis>(std::move(parts));
  if (auto st = out.nemesis->Setup(); !st.ok()) return st.Wrap("nemesis set-up");
  for (const auto& n : cluster.nodes()) {
    std::vector<std::string> env = out.nemesis->DaemonEnv(n.name);
    if (!env.empty()) out.daemon_env[n.name] = std::move(env);
  }
  return out;
}

}  // namespace coordcheck
