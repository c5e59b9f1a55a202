// RaftDb: the lifecycle of coordcheck-raft on the nodes of a run.
//
// Setup uploads the node binary (DbEnv::bin_dir/coordcheck-raft) to
// <root_dir>/bin/coordcheck-raft and starts it as daemon "raft", its log at
// <root_dir>/raft.log, its WAL in <root_dir>/data (DataDir: the disk faults mount there) and
// its event log at <root_dir>/raft-events.jsonl (outside the data folder, so a disk fault
// never loses events). Every node serves clients at RaftOptions::port and peers at
// peer_port on its own address. Ready waits until every node answers status and all of them
// name the same leader. Kill (SIGKILL, waits until gone) and Start keep the data; Pause and
// Resume send SIGSTOP and SIGCONT (pause waits until every thread stopped). Primary asks
// every node and names the leader of the highest term any of them reports.
//
// Uploads and starts are serialized (see targets/kvd/db.h: ETXTBSY). Errors name the node.
//
// Thread-safety: all methods may be called concurrently for different nodes.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "targets/db.h"
#include "targets/node_daemons.h"

namespace coordcheck::raft {

class RaftDb final : public Db,
                     public Killable,
                     public Pausable,
                     public HasPrimary,
                     public DiskBacked {
 public:
  Status Setup(control::Remote& node, const DbEnv& env) override;
  Status Ready(const DbEnv& env, std::chrono::milliseconds timeout) override;
  Status Teardown(control::Remote& node) override;
  std::vector<std::string> LogFiles(control::Remote& node) override;

  Status Kill(control::Remote& node) override;
  Status Start(control::Remote& node, const DbEnv& env) override;
  Status Pause(control::Remote& node) override;
  Status Resume(control::Remote& node) override;
  Result<std::string> Primary(const DbEnv& env) override;
  std::string DataDir(const control::Remote& node) const override;

  // The node's argv (exposed for tests).
  static Result<std::vector<std::string>> ServerArgv(const control::Remote& node, const DbEnv& env);

 private:
  Status StartServer(control::Remote& node, const DbEnv& env);

  std::mutex deploy_mu_;
  NodeDaemons daemons_{"raft"};
};

// Asks the node at address:port for its status (targets/raft/server.h), by `deadline`.
Result<Json> QueryStatus(control::Dialer& dialer, const std::string& address, int port,
                         std::chrono::steady_clock::time_point deadline);

}  // namespace coordcheck::raft
