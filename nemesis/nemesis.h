// Nemesis: the fault injector (Jepsen's nemesis protocol). The runner hands it the fault
// ops a generator routes to the nemesis thread; it performs each and returns the
// completion, an `info` op whose value says exactly what was done (which nodes, which
// rules, which offset). Teardown heals everything it ever did, also after an exception or
// a signal.
//
// Each fault family (nemesis/package.h) makes one; the harness composes them (compose.h).
//
// Thread-safety: Invoke is called from the runner's one nemesis thread; Setup and Teardown
// from the controller's main thread, never concurrently with Invoke; DaemonEnv from any.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "history/op.h"

namespace coordcheck {

class Nemesis {
 public:
  virtual ~Nemesis() = default;
  // The fault functions (op f values) this nemesis handles.
  virtual std::vector<std::string> fs() const = 0;
  virtual Status Setup() = 0;
  // Performs the fault op `invoke` (process kNemesisProcess) and returns its completion
  // (type info, the same f, value describing what was done; error when it failed).
  virtual Op Invoke(const Op& invoke) = 0;
  // Undoes every fault still in effect. Bounded; returns what could not be undone.
  virtual Status Teardown() = 0;
  // Entries ("NAME=value") the environment of every target process on `node` must carry
  // for this nemesis's faults to reach it (clock faults: the preload); after Setup. Any
  // thread. Default none.
  virtual std::vector<std::string> DaemonEnv(const std::string& node) const {
    (void)node;
    return {};
  }
};

}  // namespace coordcheck
