// Db: a target's lifecycle on one node (Jepsen's db protocol): install and start it,
// stop and remove it, name its log files. Extra abilities are separate small interfaces
// a Db may also implement: Killable (kill/start with data kept), Pausable
// (SIGSTOP/SIGCONT), HasPrimary (which node leads now) — the nemesis uses them.
//
// All methods return a Status whose message names the node; none throws. Setup is called
// for every node in parallel, then Ready waits for the whole cluster; Teardown is called
// for every node at the end, also after errors and signals.
//
// Thread-safety: the same Db is used for all nodes from several threads at once.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "harness/control/cluster.h"
#include "harness/control/remote.h"
#include "harness/control/status.h"
#include "history/op.h"

namespace coordcheck {

// What a Db needs to know about the run.
struct DbEnv {
  std::vector<control::NodeInfo> nodes;  // every node, in order n1..nN
  std::string bin_dir;                   // where coordcheck's own binaries are (controller)
  std::string bug;                       // the --bug variant ("" = correct)
  Json options;                          // the target's options from the test config
  uint64_t seed = 0;                     // a child seed for the target's own randomness
  control::Dialer* dialer = nullptr;     // to probe nodes' ports from the controller
  // Environment entries ("NAME=VALUE") that every process the Db starts on a node must
  // carry, by node name: the clock-skew preload when clock faults run. Missing = none.
  std::map<std::string, std::vector<std::string>> daemon_env;
};

class Db {
 public:
  virtual ~Db() = default;
  // Installs (uploads binaries, writes config) and starts the target on `node`.
  virtual control::Status Setup(control::Remote& node, const DbEnv& env) = 0;
  // Waits until the whole cluster serves (ports open, a leader elected, ...).
  virtual control::Status Ready(const DbEnv& env, std::chrono::milliseconds timeout) = 0;
  // Stops the target on `node` (its processes are gone when this returns). Data may stay:
  // the cluster removes node directories.
  virtual control::Status Teardown(control::Remote& node) = 0;
  // Log files on the node, copied into the run's store as nodes/<node>/<basename>.
  virtual std::vector<std::string> LogFiles(control::Remote& node) = 0;
};

// Kill and restart the target's processes on a node; data is kept.
class Killable {
 public:
  virtual ~Killable() = default;
  virtual control::Status Kill(control::Remote& node) = 0;
  virtual control::Status Start(control::Remote& node, const DbEnv& env) = 0;
};

// Pause and resume the target's processes on a node.
class Pausable {
 public:
  virtual ~Pausable() = default;
  virtual control::Status Pause(control::Remote& node) = 0;
  virtual control::Status Resume(control::Remote& node) = 0;
};

// Which node the target considers its primary or leader now.
class HasPrimary {
 public:
  virtual ~HasPrimary() = default;
  virtual control::Result<std::string> Primary(const DbEnv& env) = 0;
};

}  // namespace coordcheck
