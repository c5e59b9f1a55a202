// RaftClient: the Client of the raft target. Every op but raft-events goes to the client's
// home node through kvd's client (targets/kvd/client.h: same protocol, same ok / fail /
// info mapping, never a guess); the node forwards to its leader (server.h).
//
// raft-events (the election workload's final op, workloads/election/ops.h) asks every one
// of the target's nodes for its event log, each on a connection of its own, and completes
//   ok   {"events": {"n1": [...], ...}, "errors": {"n3": "why", ...}} when any node answered;
//   fail with the errors when none did (asking changes nothing).
//
// Thread-safety: one thread at a time (Client's contract).
#pragma once

#include <memory>
#include <string>

#include "targets/client.h"
#include "targets/kvd/client.h"

namespace coordcheck::raft {

// kvd's client, reading the port and connect timeout from RaftOptions.
std::unique_ptr<kvd::KvdClient> MakeLineClient();

class RaftClient final : public Client {
 public:
  RaftClient();
  Status Open(const ClientEnv& env, const std::string& node) override;
  Op Invoke(const Op& invoke, Deadline deadline) override;
  void Close() override;

 private:
  Op CollectEvents(const Op& invoke, Deadline deadline);

  std::unique_ptr<kvd::KvdClient> home_;
  ClientEnv env_;
};

}  // namespace coordcheck::raft
