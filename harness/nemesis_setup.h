// Building a run's nemesis from its config: the fault families named by --nemesis, each
// performed by its nemesis (partitions, packet faults, clock skew, process faults), composed
// into one, plus the adapter that lets process faults act through the target's Db.
//
// Thread-safety: single-threaded set-up code; the objects follow their own headers.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/control/cluster.h"
#include "nemesis/clock/clock_nemesis.h"
#include "nemesis/compose.h"
#include "nemesis/process_control.h"
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
  control::Status Kill(const std::string& node) override;
  control::Status Start(const std::string& node) override;
  control::Status Pause(const std::string& node) override;
  control::Status Resume(const std::string& node) override;
  control::Result<std::string> Primary() override;

 private:
  control::Cluster* cluster_;
  const DbEnv* env_;
  Killable* killable_;
  Pausable* pausable_;
  HasPrimary* primary_;
};

struct RunNemesis {
  std::unique_ptr<ComposeNemesis> nemesis;  // null when no faults were asked for
  // Environment entries each node's target processes must carry (clock faults).
  std::map<std::string, std::vector<std::string>> daemon_env;
};

// "pause-client" {"ms": D} or {"thread": T, "ms": D}: posts a client pause on the board
// (targets/client_faults.h) for the first client to enter a critical section, or for client
// thread T; the client takes it inside its next critical section. Completion: info, the
// value plus "posted": true; a malformed value is named in error.
class ClientPauseNemesis final : public Nemesis {
 public:
  ClientPauseNemesis(ClientFaultBoard* board, int client_threads)
      : board_(board), client_threads_(client_threads) {}
  std::vector<std::string> fs() const override;
  control::Status Setup() override { return control::Status::Ok(); }
  Op Invoke(const Op& invoke) override;
  // Pauses not taken yet are dropped: nothing stays stalled.
  control::Status Teardown() override;

 private:
  ClientFaultBoard* board_;
  int client_threads_;
};

struct NemesisSetup {
  std::vector<std::string> families;  // validated names
  // The target's nodes: faults name only these (not a lock target's resource node).
  std::vector<std::string> target_nodes;
  std::string bin_dir;
  ProcessControl* process_control = nullptr;
  // client-pause: the board the clients read, and how many client threads there are.
  ClientFaultBoard* client_faults = nullptr;
  int client_threads = 0;
  // clock: reads the target's own clock on a node (null = the target's is not observable).
  std::function<control::Result<TargetClockSample>(const std::string& node)> target_clock;
};

// Builds and sets up the nemesis for `setup.families`. Setup happens here, before the target
// starts, so that clock files and firewall chains exist when its processes do.
control::Result<RunNemesis> SetUpNemesis(const NemesisSetup& setup, control::Cluster& cluster);

}  // namespace coordcheck
