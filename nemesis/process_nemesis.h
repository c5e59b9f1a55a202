// ProcessNemesis: process faults on the target — kill/start (SIGKILL, then a restart with
// the data kept) and pause/resume (SIGSTOP/SIGCONT) — through the ProcessControl the harness
// adapts from the target's Db.
//
// Ops (nemesis/ops.h): kill, start, pause, resume with value {"nodes": [...]} or
// {"target": "primary"}; start null restarts every node it killed, resume null resumes every
// node it paused. The completion's value lists the nodes acted on; nodes that failed are
// named in `error` (the others still count as done). Teardown resumes what is paused and
// restarts what is killed.
//
// Thread-safety: as Nemesis (one nemesis thread; Teardown not concurrent with Invoke).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "nemesis/nemesis.h"
#include "nemesis/process_control.h"

namespace coordcheck {

class ProcessNemesis final : public Nemesis {
 public:
  // `nodes`: every node of the cluster, to validate names.
  ProcessNemesis(ProcessControl* control, std::vector<std::string> nodes);

  std::vector<std::string> fs() const override;
  control::Status Setup() override;
  Op Invoke(const Op& invoke) override;
  control::Status Teardown() override;

 private:
  // The nodes an op names, or an error.
  control::Result<std::vector<std::string>> Targets(const Op& op,
                                                    const std::set<std::string>& if_null);

  ProcessControl* control_;
  std::vector<std::string> nodes_;
  std::set<std::string> killed_;
  std::set<std::string> paused_;
};

}  // namespace coordcheck
