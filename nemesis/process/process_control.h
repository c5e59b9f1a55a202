// ProcessControl: what the process faults and the targeted partition need from a target,
// without the nemesis knowing targets (shared/DESIGN.md: nemesis depends on history and
// control only). The harness adapts a target's Db (Killable, Pausable, HasPrimary) to it.
//
// Thread-safety: called from the nemesis thread and from teardown, never concurrently.
#pragma once

#include <string>

#include "base/status.h"

namespace coordcheck {

class ProcessControl {
 public:
  virtual ~ProcessControl() = default;
  // Which abilities the target has (a fault it lacks completes with an error saying so).
  virtual bool can_kill() const = 0;
  virtual bool can_pause() const = 0;
  virtual bool has_primary() const = 0;
  // SIGKILL the target's processes on `node` / start them again with their data.
  virtual Status Kill(const std::string& node) = 0;
  virtual Status Start(const std::string& node) = 0;
  // SIGSTOP / SIGCONT the target's processes on `node`.
  virtual Status Pause(const std::string& node) = 0;
  virtual Status Resume(const std::string& node) = 0;
  // The node the target considers its primary or leader now.
  virtual Result<std::string> Primary() = 0;
};

}  // namespace coordcheck
