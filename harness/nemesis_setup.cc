#include "harness/nemesis_setup.h"

#include <algorithm>

#include "nemesis/clock/clock_nemesis.h"
#include "nemesis/packet/packet_nemesis.h"
#include "nemesis/partition/partition_nemesis.h"
#include "nemesis/process_nemesis.h"

namespace coordcheck {

DbProcessControl::DbProcessControl(Db* db, control::Cluster* cluster, const DbEnv* env)
    : cluster_(cluster),
      env_(env),
      killable_(dynamic_cast<Killable*>(db)),
      pausable_(dynamic_cast<Pausable*>(db)),
      primary_(dynamic_cast<HasPrimary*>(db)) {}

control::Status DbProcessControl::Kill(const std::string& node) {
  if (!killable_) return control::Status::Error("the target cannot be killed");
  return killable_->Kill(cluster_->remote(node));
}

control::Status DbProcessControl::Start(const std::string& node) {
  if (!killable_) return control::Status::Error("the target cannot be restarted");
  return killable_->Start(cluster_->remote(node), *env_);
}

control::Status DbProcessControl::Pause(const std::string& node) {
  if (!pausable_) return control::Status::Error("the target cannot be paused");
  return pausable_->Pause(cluster_->remote(node));
}

control::Status DbProcessControl::Resume(const std::string& node) {
  if (!pausable_) return control::Status::Error("the target cannot be resumed");
  return pausable_->Resume(cluster_->remote(node));
}

control::Result<std::string> DbProcessControl::Primary() {
  if (!primary_) return control::Result<std::string>::Error("the target reports no primary");
  return primary_->Primary(*env_);
}

control::Result<RunNemesis> SetUpNemesis(const std::vector<std::string>& families,
                                         control::Cluster& cluster, const std::string& bin_dir,
                                         ProcessControl* process_control) {
  auto has = [&](const char* f) {
    return std::find(families.begin(), families.end(), f) != families.end();
  };
  RunNemesis out;
  std::vector<std::unique_ptr<Nemesis>> parts;
  ClockNemesis* clock = nullptr;
  if (has("partition")) {
    parts.push_back(std::make_unique<nemesis::PartitionNemesis>(
        cluster, nemesis::PartitionNemesis::PrimaryOf(process_control)));
  }
  if (has("packet")) parts.push_back(std::make_unique<PacketNemesis>(cluster, bin_dir));
  if (has("clock")) {
    auto c = std::make_unique<ClockNemesis>(cluster, bin_dir);
    clock = c.get();
    parts.push_back(std::move(c));
  }
  if (has("pause") || has("kill")) {
    std::vector<std::string> nodes;
    for (const auto& n : cluster.nodes()) nodes.push_back(n.name);
    parts.push_back(std::make_unique<ProcessNemesis>(process_control, nodes));
  }
  if (parts.empty()) return out;
  out.nemesis = std::make_unique<ComposeNemesis>(std::move(parts));
  if (auto st = out.nemesis->Setup(); !st.ok()) return st.Wrap("nemesis set-up");
  if (clock != nullptr) {
    for (const auto& n : cluster.nodes()) out.daemon_env[n.name] = clock->DaemonEnv(n.name);
  }
  return out;
}

}  // namespace coordcheck
