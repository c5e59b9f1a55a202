// Target: a system under test as the harness knows it — a name, its deliberately broken
// variants (bugs), and factories for its Db lifecycle and its Clients.
//
// Targets are listed explicitly in targets/registry.cc (no static-initialisation tricks).
//
// Thread-safety: Target objects are immutable; MakeClient may be called from any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "targets/client.h"
#include "targets/db.h"

namespace coordcheck {

struct BugInfo {
  std::string name;         // "follower-reads"
  std::string description;  // one sentence: what is broken and what it should cause
};

class Target {
 public:
  virtual ~Target() = default;
  virtual std::string name() const = 0;
  virtual std::string description() const = 0;
  virtual std::vector<BugInfo> bugs() const = 0;
  // Workloads this target's client supports ("register").
  virtual std::vector<std::string> workloads() const = 0;
  // One Db per run.
  virtual std::unique_ptr<Db> MakeDb() const = 0;
  // One Client per logical process.
  virtual std::unique_ptr<Client> MakeClient() const = 0;
};

// Every known target, in a stable order.
const std::vector<const Target*>& AllTargets();
// The target called `name`, or nullptr.
const Target* FindTarget(const std::string& name);

}  // namespace coordcheck
