// RaftOptions: the raft target's options from the test config (`target_options` JSON
// object), parsed once, at the edge, by the Db and the clients. Unknown keys and ill-typed
// values are errors naming the key.
//
// Thread-safety: plain value type.
#pragma once

#include "base/options.h"
#include "history/op.h"

namespace coordcheck::raft {

struct RaftOptions {
  // TCP port of every node's client service. Default 7100.
  int port = 7100;
  // TCP port of every node's peer (Raft message) service. Default 7101.
  int peer_port = 7101;
  // Client: bound on one connect, ms. Default 1000.
  int connect_timeout_ms = 1000;
  // One tick of the consensus core, ms. Default 10.
  int tick_ms = 10;
  // Election timeout in ticks: each wait is drawn from [e, 2e). Default 30.
  int election_ticks = 30;
  // Heartbeat (and ReadIndex round) interval in ticks. Default 5.
  int heartbeat_ticks = 5;
  // Server: bound on waiting for an entry to apply or a read to be confirmed, ms. Default 1000.
  int request_timeout_ms = 1000;
  // Applied entries kept in the log before a snapshot replaces them. Default 5000.
  int compact_entries = 5000;
};

Result<RaftOptions> ParseRaftOptions(const Json& options);
const OptionTable<RaftOptions>& RaftOptionTable();

}  // namespace coordcheck::raft
