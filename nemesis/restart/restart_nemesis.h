// RestartNemesis: a crash-restart of the target's processes — SIGKILL, then started again
// at once with their data — through ProcessControl. Unlike the kill family, which leaves
// nodes down until the schedule's stop, the node is back when the op completes: it tests
// recovery from a crash (lost in-memory state, reconnecting clients) without an outage.
//
// Op "restart" {"nodes": [...]} or {"target": "primary"}. Completion: info, {"nodes": the
// nodes restarted}; nodes that could not be killed or started are named in `error`. A node
// killed but not started again is remembered: Teardown starts it.
//
// Thread-safety: as Nemesis.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "nemesis/nemesis.h"
#include "nemesis/process/process_control.h"

namespace coordcheck {

class RestartNemesis final : public Nemesis {
 public:
  // `nodes`: the target's nodes, to validate names.
  RestartNemesis(ProcessControl* control, std::vector<std::string> nodes)
      : control_(control), nodes_(std::move(nodes)) {}

  std::vector<std::string> fs() const override { return {"restart"}; }
  Status Setup() override;
  Op Invoke(const Op& invoke) override;
  Status Teardown() override;

 private:
  ProcessControl* control_;
  std::vector<std::string> nodes_;
  std::set<std::string> down_;  // killed, not started again
};

}  // namespace coordcheck
