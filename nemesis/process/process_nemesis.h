// ProcessNemesis: process faults on the target — kill/start (SIGKILL, then a restart with
// the data kept) and pause/resume (SIGSTOP/SIGCONT) — through the ProcessControl the harness
// adapts from the target's Db. The kill and pause families (nemesis/kill, nemesis/pause) each
// make one that handles only their own ops.
//
// Ops (nemesis/ops.h): kill, start, pause, resume with value {"nodes": [...]} or
// {"target": "primary"}; start null restarts every node it killed, resume null resumes every
// node it paused. The completion's value lists the nodes acted on; nodes that failed are
// named in `error` (the others still count as done). Teardown resumes what is paused and
// restarts what is killed.
//
// Thread-safety: as Nemesis (one nemesis thread; Teardown not concurrent with Invoke).
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "nemesis/nemesis.h"
#include "nemesis/package.h"
#include "nemesis/process/process_control.h"

namespace coordcheck {

// The nodes a process fault op names: {"nodes": [...]} (each one of `nodes`),
// {"target": "primary"} (asked of `control`), or null: `if_null`. Else an error.
Result<std::vector<std::string>> FaultNodes(ProcessControl& control, const Op& op,
                                                     const std::vector<std::string>& nodes,
                                                     const std::set<std::string>& if_null);

// The value of a scheduled process fault: {"target": "primary"} a quarter of the time when
// the target has one, else {"nodes": PickNodes(...)}. For the kill, pause and restart steps.
Json ProcessFaultTargets(gen::Rng& rng, const FaultScheduleOptions& options);

// Runs `act` on each of `nodes` in turn and completes `done`: value {"nodes": those it
// succeeded on}, error the failures' messages joined by "; " (the others still count as done).
void ActOnNodes(const std::vector<std::string>& nodes, Op* done,
                const std::function<Status(const std::string& node)>& act);

// Runs `undo` on every node of `nodes`, removing those it succeeds on; keeps going after a
// failure and returns the first.
Status UndoAll(std::set<std::string>* nodes,
                        const std::function<Status(const std::string& node)>& undo);

// A crash-restart of `node`: Kill, then `while_down` (if any), then Start — also when
// `while_down` failed. `down` holds the node from the kill until it is started again (so a
// Teardown can start it). Returns the first error.
Status CrashRestart(ProcessControl& control, const std::string& node,
                    std::set<std::string>* down,
                    const std::function<Status()>& while_down = nullptr);

// Which pairs of ops a ProcessNemesis handles.
struct ProcessFaults {
  bool kill = true;   // kill / start
  bool pause = true;  // pause / resume
};

// The package of the kill or pause family (`faults` names exactly one): a step starts the
// fault on ProcessFaultTargets and stops it; the heal stops it everywhere; the nemesis is a
// ProcessNemesis of those ops only. Needs a target that can be killed / paused.
FaultPackage ProcessFaultPackage(const FaultInfo& info, ProcessFaults faults);

class ProcessNemesis final : public Nemesis {
 public:
  // `nodes`: every node of the cluster, to validate names.
  ProcessNemesis(ProcessControl* control, std::vector<std::string> nodes,
                 ProcessFaults faults = {});

  std::vector<std::string> fs() const override;
  Status Setup() override;
  Op Invoke(const Op& invoke) override;
  Status Teardown() override;

 private:
  ProcessControl* control_;
  std::vector<std::string> nodes_;
  ProcessFaults faults_;
  std::set<std::string> killed_;
  std::set<std::string> paused_;
};

}  // namespace coordcheck
