// FaultPackage: one fault family as one value (Jepsen's nemesis/combined.clj packages) —
// its data (FaultInfo: name, description, colour, op names), what it needs of a run, one
// step of the fault schedule, the ops of the final heal, and a factory for the Nemesis that
// performs its ops. Each family's folder defines its package in package.cc; the registry
// (nemesis/families.h, nemesis/registry.h) lists them.
//
// Needs come in two kinds, checked at two times (nemesis/plan.h):
//   of the test's config (backend capabilities, the workload): unmet, the config is rejected
//     before anything starts — the user asked for something the chosen backend or workload
//     cannot do and should choose again;
//   of the target (its node count, whether it can be killed or paused): unmet, the family is
//     not scheduled and the run's notes say why — one fault list is applied across targets
//     (`coordcheck compare` runs redis-lock, redlock and etcd-lock with the same --nemesis).
//
// Contract: step and heal are pure (all randomness from the Rng passed in, so a schedule is a
// function of its seed); make_nemesis only constructs (the harness calls Setup).
//
// Thread-safety: immutable values; the functions are reentrant.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "generators/generator.h"
#include "harness/control/cluster.h"
#include "nemesis/fault_info.h"
#include "nemesis/nemesis.h"
#include "nemesis/process/process_control.h"

namespace coordcheck {

class ClientPauseBoard;    // nemesis/client_pause/client_pause_nemesis.h
struct TargetClockSample;  // nemesis/clock/clock_nemesis.h

// What a family needs of a run. Defaults: nothing.
struct FaultNeeds {
  // Of the backend (config): nodes with networks of their own (Capabilities).
  bool separate_network = false;
  // Of the workload (config): clients that take client pauses.
  bool client_pauses = false;
  // Of the target: at least this many of its nodes; that it can be killed / paused.
  int min_nodes = 1;
  bool kill = false;
  bool pause = false;
  // Of the target: that it keeps its durable data in a folder on each node (DiskBacked).
  bool data_dir = false;
};

// What is known of a run when its families are checked and planned.
struct RunFacts {
  // The config's, known before anything runs. backend empty = not chosen yet (the default
  // is picked later): its needs are then left to the nemesis' own set-up.
  std::string backend;
  control::Capabilities capabilities;
  std::string workload;
  bool client_pauses = false;  // the workload's clients take client pauses
  // The target's, known once its Db exists (PlanFaults only).
  std::string target;
  int nodes = 0;  // the target's own nodes
  bool can_kill = false;
  bool can_pause = false;
  bool has_data_dir = false;  // the target's durable data lives in a folder on each node
};

// What the schedule's steps draw on (nemesis/schedule.h).
struct FaultScheduleOptions {
  // Families to schedule (registry names; PlanFaults' `scheduled`). Empty = no faults.
  std::vector<std::string> families;
  // The nodes faults may name (the target's: n1..nN).
  std::vector<std::string> nodes;
  // Mean time between schedule steps (ns). Default 10 s.
  int64_t interval_ns = 10'000'000'000;
  // Whether a fault may start while the previous one still runs (two at a time, of different
  // families: a clock bump and the partition that isolates the bumped leader). Default false:
  // one fault at a time.
  bool overlap = false;
  // Whether the target reports a primary (enables faults aimed at the primary).
  bool has_primary = false;
  // client-pause: how long each pause lasts (ms). Default 4 s.
  int64_t client_pause_ms = 4000;
};

// One schedule step: the ops that start a fault, and those that stop it after a wait.
struct FaultStep {
  std::vector<gen::Invocation> start;
  std::vector<gen::Invocation> stop;
};

// What a family's nemesis acts on; the harness fills it in.
struct FaultContext {
  control::Cluster* cluster = nullptr;
  // The target's nodes: faults name only these (not a lock target's resource node).
  std::vector<std::string> target_nodes;
  // Where coordcheck's helpers are (the clock preload, coordcheck-netdelay).
  std::string bin_dir;
  ProcessControl* process_control = nullptr;
  // client-pause: the board the clients read, and how many client threads there are.
  ClientPauseBoard* client_board = nullptr;
  int client_threads = 0;
  // clock: reads the target's own clock on a node (null = the target's is not observable).
  std::function<Result<TargetClockSample>(const std::string& node)> target_clock;
  // disk: each target node's data folder (DiskBacked), by node name; empty when the target
  // has none.
  std::map<std::string, std::string> data_dirs;
};

struct FaultPackage {
  const FaultInfo& info;
  FaultNeeds needs;
  // One step of the schedule, its random choices from `rng`.
  std::function<FaultStep(gen::Rng& rng, const FaultScheduleOptions& options)> step;
  // The final heal: these f, each with value null, in order (empty: nothing to heal).
  std::vector<std::string> heal;
  std::function<std::unique_ptr<Nemesis>(const FaultContext& context)> make_nemesis;
};

// A fault op (a nemesis invocation) for a step.
inline gen::Invocation FaultStepOp(std::string f, Json value = nullptr) {
  return gen::MakeOp(std::move(f), std::move(value));
}

// A random set of `nodes` of one shape: one, a minority, a majority or (allow_all) all;
// sorted. For the steps of several families.
Json PickNodes(gen::Rng& rng, const std::vector<std::string>& nodes, bool allow_all = true);

}  // namespace coordcheck
