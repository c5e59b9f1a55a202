// Target: a system under test as the harness knows it — a name, its deliberately broken
// variants (bugs), and factories for its Db lifecycle and its Clients.
//
// Targets are listed explicitly in targets/registry.cc (no static-initialisation tricks).
//
// Thread-safety: Target objects are immutable; MakeClient may be called from any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/options.h"
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
  // The ops its Client understands ("read", "write", "cas"): it runs every workload whose
  // clients issue only these (Workload::client_ops).
  virtual std::vector<std::string> client_ops() const = 0;
  // Its options (DbEnv::options, ClientEnv::options): names, types, ranges, defaults, docs.
  virtual std::vector<OptionDoc> options() const { return {}; }
  // Nodes the target runs on when the config does not say (TestConfig::nodes 0).
  virtual int default_nodes() const { return 5; }
  // Why `nodes` target nodes cannot work ("redis-lock runs on exactly 1 node") as an error,
  // or ok.
  virtual Status CheckNodes(int nodes) const {
    (void)nodes;
    return Status::Ok();
  }
  // Nodes of its own the target needs besides the `nodes` it runs on, one per role
  // ("resource" for the lock targets' protected resource). The run creates them after the
  // target's nodes: DbEnv::nodes and ClientEnv::nodes list the target's nodes first, then
  // these, in this order. Faults and client home nodes use the target's nodes only.
  virtual std::vector<std::string> extra_node_roles() const { return {}; }
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
