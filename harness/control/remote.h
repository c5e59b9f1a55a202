// Remote: one node as the controller sees it — run a command there, start and stop a
// daemon with its log file, copy files to and from it (shared/DESIGN.md).
//
// Backends implement this interface (local processes on loopback, network namespaces,
// SSH later); callers never branch on the backend. Commands are argv vectors, never shell
// strings built from values. Every call is bounded: Exec by its timeout, StopDaemon by its
// grace period, the rest by the backend's own limits. Errors come back as Status/Result
// with a message naming the node; nothing here throws.
//
// Paths given to a Remote are paths on the node. A node owns one directory, root_dir(),
// for its data and logs; it is created with the node and removed with it.
//
// Thread-safety: every method may be called from several threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace coordcheck::control {

struct ExecOptions {
  // The command is killed (its whole process group) when it runs longer. Default 30 s.
  std::chrono::milliseconds timeout{30000};
  // Written to the command's stdin, which is then closed. Default: empty stdin.
  std::string input;
  // "NAME=VALUE" entries added to (or replacing in) the inherited environment.
  std::vector<std::string> env;
};

struct ExecResult {
  int exit_code = -1;     // the exit status; -1 when it ended by a signal or timed out
  int term_signal = 0;    // the signal that ended it, 0 if none
  bool timed_out = false;  // killed because it outlived ExecOptions::timeout
  std::string out;        // captured stdout (at most 16 MiB kept)
  std::string err;        // captured stderr (at most 16 MiB kept)
  bool success() const { return exit_code == 0 && !timed_out; }
};

struct DaemonSpec {
  // A name unique on the node ("kvd", "redis"); used in the ledger and in messages.
  std::string name;
  // argv[0] is an absolute path on the node.
  std::vector<std::string> argv;
  // stdout and stderr are appended to this file on the node.
  std::string log_path;
  // "NAME=VALUE" entries added to (or replacing in) the inherited environment
  // (LD_PRELOAD for clock faults, for instance).
  std::vector<std::string> env;
  // Working directory on the node; empty = the node's root_dir().
  std::string cwd;
};

// A daemon started by StartDaemon. The daemon runs in its own session and process group
// (its pid is the group id), so signals reach it and its children.
struct Daemon {
  std::string node;
  std::string name;
  int64_t pid = 0;  // the daemon's own pid on its node (not a wrapper's)
};

class Remote {
 public:
  virtual ~Remote() = default;

  // The node's name ("n1") and the address clients and peers use to reach it.
  virtual const std::string& node() const = 0;
  virtual const std::string& address() const = 0;
  // The node's own directory (data, logs, uploaded binaries).
  virtual const std::string& root_dir() const = 0;

  // Runs argv on the node and waits for it (bounded by options.timeout). An error only
  // when it could not be run at all; a non-zero exit or a timeout is in the ExecResult.
  virtual Result<ExecResult> Exec(const std::vector<std::string>& argv,
                                  const ExecOptions& options = {}) = 0;

  // Starts a long-running process and returns once it has been spawned (readiness, such
  // as a port accepting connections, is the caller's to wait for). The pid is recorded in
  // the cluster's ledger before the process runs any code of its own.
  virtual Result<Daemon> StartDaemon(const DaemonSpec& spec) = 0;
  // Sends `signal` to the daemon's process group (SIGSTOP/SIGCONT for pauses, SIGKILL...).
  virtual Status SignalDaemon(const Daemon& daemon, int signal) = 0;
  // SIGTERM, waits up to `grace`, then SIGKILL; returns once the process is gone. Stopping
  // a daemon that already exited is ok.
  virtual Status StopDaemon(const Daemon& daemon,
                            std::chrono::milliseconds grace = std::chrono::seconds(5)) = 0;
  // True while the daemon's process exists (a stopped, paused process counts as alive).
  virtual bool DaemonAlive(const Daemon& daemon) = 0;

  // Copies a file from the controller to the node and back. Parent directories of the
  // destination are created. `mode` is applied to an uploaded file.
  virtual Status Upload(const std::string& local_path, const std::string& remote_path,
                        int mode = 0644) = 0;
  virtual Status Download(const std::string& remote_path, const std::string& local_path) = 0;

  // Records, before the caller mounts a filesystem at `path` (a folder under root_dir()),
  // that it does: when the node goes (Cluster::Destroy, or `coordcheck clean` after the
  // controller died) a mount still there is detached (umount -l) before the node's folder
  // is removed, so a dead FUSE daemon's mount is never left behind. Default: an error (the
  // backend keeps no such record).
  virtual Status RecordMount(const std::string& path) {
    return Status::Error("node " + node() + ": this backend cannot record mounts (" + path + ")");
  }
};

}  // namespace coordcheck::control
