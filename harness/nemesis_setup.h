// Building a run's nemesis from its config: which fault families apply (nemesis/plan.h),
// each family's nemesis made by its package (nemesis/package.h) and composed into one, plus
// the adapters that let faults act through the target's Db and the clients' fault board.
//
// Thread-safety: single-threaded set-up code; the objects follow their own headers.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/control/cluster.h"
#include "harness/test_config.h"
#include "workloads/workload.h"
#include "nemesis/client_pause/client_pause_nemesis.h"
#include "nemesis/clock/clock_nemesis.h"
#include "nemesis/compose.h"
#include "nemesis/plan.h"
#include "nemesis/process/process_control.h"
#include "targets/client_faults.h"
#include "targets/db.h"

namespace coordcheck {

// ProcessControl through a target's Db (its Killable, Pausable and HasPrimary abilities).
class DbProcessControl final : public ProcessControl {
 public:
  DbProcessControl(Db* db, control::Cluster* cluster, const DbEnv* env);
  bool can_kill() const override { return killable_ != nullptr; }
  bool can_pause() const override { return pausable_ != nullptr; }
  bool has_primary() const override { return primary_ != nullptr; }
  Status Kill(const std::string& node) override;
  Status Start(const std::string& node) override;
  Status Pause(const std::string& node) override;
  Status Resume(const std::string& node) override;
  Result<std::string> Primary() override;

 private:
  control::Cluster* cluster_;
  const DbEnv* env_;
  Killable* killable_;
  Pausable* pausable_;
  HasPrimary* primary_;
};

// The clients' fault board (targets/client_faults.h) as the client-pause nemesis's board.
class ClientBoardAdapter final : public ClientPauseBoard {
 public:
  explicit ClientBoardAdapter(ClientFaultBoard* board) : board_(board) {}
  void PostPause(int thread, int64_t ms) override { board_->PostPause(thread, ms); }
  void Clear() override { board_->Clear(); }

 private:
  ClientFaultBoard* board_;
};

// The facts of a (validated) test config the fault families' needs are checked against:
// backend capabilities, the workload, the target's name and node count. Whether the target
// can be killed or paused is its Db's to say: the run fills those in.
RunFacts FaultFacts(const TestConfig& config, const Workload& workload);

struct RunNemesis {
  std::unique_ptr<ComposeNemesis> nemesis;  // null when no faults are scheduled
  // Environment entries each node's target processes must carry (clock faults).
  std::map<std::string, std::vector<std::string>> daemon_env;
};

struct NemesisSetup {
  std::vector<std::string> families;  // PlanFaults' scheduled
  // What the families' nemeses act on (FaultContext's cluster is the one passed below).
  FaultContext context;
};

// Builds and sets up the nemesis for `setup.families`. Setup happens here, before the target
// starts, so that clock files and firewall chains exist when its processes do.
Result<RunNemesis> SetUpNemesis(NemesisSetup setup, control::Cluster& cluster);

}  // namespace coordcheck
