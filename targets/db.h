// Db: a target's lifecycle on one node (Jepsen's db protocol): install and start it,
// stop and remove it, name its log files. Extra abilities are separate small interfaces
// a Db may also implement: Killable (kill/start with data kept), Pausable
// (SIGSTOP/SIGCONT), HasPrimary (which node leads now), DiskBacked (where its durable data
// lives) — the nemesis uses them.
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
#include "base/status.h"
#include "history/op.h"

namespace coordcheck {

// What a Db needs to know about the run.
struct DbEnv {
  std::vector<control::NodeInfo> nodes;  // every node, in order n1..nN
  std::string bin_dir;                   // where coordcheck's own binaries are (controller)
  std::string bug;                       // the --bug variant ("" = correct)
  Json options;                          // the target's options from the test config
  Json workload_options;                 // the workload's options (object or null)
  uint64_t seed = 0;                     // a child seed for the target's own randomness
  control::Dialer* dialer = nullptr;     // to probe nodes' ports from the controller
  // Environment entries ("NAME=VALUE") that every process the Db starts on a node must
  // carry, by node name: the clock-skew preload when clock faults run. Missing = none.
  std::map<std::string, std::vector<std::string>> daemon_env;
};

class Killable;
class Pausable;
class HasPrimary;
class ClockObservable;
class DiskBacked;

class Db {
 public:
  virtual ~Db() = default;
  // Installs (uploads binaries, writes config) and starts the target on `node`.
  virtual Status Setup(control::Remote& node, const DbEnv& env) = 0;
  // Waits until the whole cluster serves (ports open, a leader elected, ...).
  virtual Status Ready(const DbEnv& env, std::chrono::milliseconds timeout) = 0;
  // Stops the target on `node` (its processes are gone when this returns). Data may stay:
  // the cluster removes node directories.
  virtual Status Teardown(control::Remote& node) = 0;
  // Log files on the node, copied into the run's store as nodes/<node>/<basename>.
  virtual std::vector<std::string> LogFiles(control::Remote& node) = 0;

  // The Db's extra abilities (below), or null. By default what the object implements; a Db
  // that wraps another (the lock targets') answers with what it can forward.
  virtual Killable* killable();
  virtual Pausable* pausable();
  virtual HasPrimary* has_primary();
  virtual ClockObservable* clock_observable();
  virtual DiskBacked* disk_backed();
};

// Kill and restart the target's processes on a node; data is kept.
class Killable {
 public:
  virtual ~Killable() = default;
  virtual Status Kill(control::Remote& node) = 0;
  virtual Status Start(control::Remote& node, const DbEnv& env) = 0;
};

// Pause and resume the target's processes on a node.
class Pausable {
 public:
  virtual ~Pausable() = default;
  virtual Status Pause(control::Remote& node) = 0;
  virtual Status Resume(control::Remote& node) = 0;
};

// The target's own view of the wall clock on a node — what its leases and TTLs run on —
// observed through the target itself (Redis's TIME, the Date header of etcd's gateway), so
// a clock fault's effect on the target is measured, not assumed: a Go program such as etcd
// reads the clock without libc, and the clock preload does not reach it.
struct ClockReading {
  int64_t offset_ms = 0;  // target's realtime - controller's realtime (ms)
  int64_t error_ms = 0;   // bound on |measured - true| (resolution + half the round trip)
  std::string method;     // how it was read ("redis TIME", "etcd HTTP Date header")
};

class ClockObservable {
 public:
  virtual ~ClockObservable() = default;
  virtual Result<ClockReading> ObserveClock(const control::NodeInfo& node,
                                                     const DbEnv& env) = 0;
};

// A target whose durable state on a node lives in one folder, which Setup and Start use as
// they find it (they may create it, never remove or replace it): the disk faults mount their
// filesystem there before the target starts (nemesis/disk).
class DiskBacked {
 public:
  virtual ~DiskBacked() = default;
  // The folder on `node` (under its root_dir()).
  virtual std::string DataDir(const control::Remote& node) const = 0;
};

// Which node the target considers its primary or leader now.
class HasPrimary {
 public:
  virtual ~HasPrimary() = default;
  virtual Result<std::string> Primary(const DbEnv& env) = 0;
};

inline Killable* Db::killable() { return dynamic_cast<Killable*>(this); }
inline Pausable* Db::pausable() { return dynamic_cast<Pausable*>(this); }
inline HasPrimary* Db::has_primary() { return dynamic_cast<HasPrimary*>(this); }
inline ClockObservable* Db::clock_observable() { return dynamic_cast<ClockObservable*>(this); }
inline DiskBacked* Db::disk_backed() { return dynamic_cast<DiskBacked*>(this); }

}  // namespace coordcheck
