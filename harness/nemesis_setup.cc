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
      killable_(db->killable()),
      pausable_(db->pausable()),
      primary_(db->has_primary()) {}

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

std::vector<std::string> ClientPauseNemesis::fs() const { return {"pause-client"}; }

Op ClientPauseNemesis::Invoke(const Op& invoke) {
  Op done = invoke;
  done.type = OpType::kInfo;
  const Json& v = invoke.value;
  const bool any = v.is_object() && !v.contains("thread");
  if (!v.is_object() || !v.contains("ms") || !v["ms"].is_number_integer() ||
      v["ms"].get<int64_t>() < 0 || (!any && !v["thread"].is_number_integer())) {
    done.value = nullptr;
    done.error = "pause-client: expected {\"ms\": D} or {\"thread\": T, \"ms\": D}, got " + v.dump();
    return done;
  }
  const int64_t thread = any ? ClientFaultBoard::kAnyThread : v["thread"].get<int64_t>();
  if (board_ == nullptr || (!any && (thread < 0 || thread >= client_threads_))) {
    done.value = nullptr;
    done.error = "pause-client: no client thread " + std::to_string(thread) + " (there are " +
                 std::to_string(client_threads_) + ")";
    return done;
  }
  board_->PostPause(static_cast<int>(thread), v["ms"].get<int64_t>());
  done.value = v;
  done.value["posted"] = true;
  return done;
}

control::Status ClientPauseNemesis::Teardown() {
  if (board_ != nullptr) board_->Clear();
  return control::Status::Ok();
}

control::Result<RunNemesis> SetUpNemesis(const NemesisSetup& setup, control::Cluster& cluster) {
  const auto& families = setup.families;
  auto has = [&](const char* f) {
    return std::find(families.begin(), families.end(), f) != families.end();
  };
  RunNemesis out;
  std::vector<std::unique_ptr<Nemesis>> parts;
  ClockNemesis* clock = nullptr;
  if (has("partition")) {
    nemesis::PartitionOptions options;
    options.nodes = setup.target_nodes;
    parts.push_back(std::make_unique<nemesis::PartitionNemesis>(
        cluster, nemesis::PartitionNemesis::PrimaryOf(setup.process_control), options));
  }
  if (has("packet")) parts.push_back(std::make_unique<PacketNemesis>(cluster, setup.bin_dir));
  if (has("clock")) {
    ClockNemesisOptions options;
    options.target_clock = setup.target_clock;
    auto c = std::make_unique<ClockNemesis>(cluster, setup.bin_dir, options);
    clock = c.get();
    parts.push_back(std::move(c));
  }
  if (has("pause") || has("kill")) {
    parts.push_back(std::make_unique<ProcessNemesis>(setup.process_control, setup.target_nodes));
  }
  if (has("client-pause")) {
    parts.push_back(std::make_unique<ClientPauseNemesis>(setup.client_faults, setup.client_threads));
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
