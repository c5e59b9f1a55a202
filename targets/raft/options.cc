#include "targets/raft/options.h"

namespace coordcheck::raft {

const OptionTable<RaftOptions>& RaftOptionTable() {
  static const OptionTable<RaftOptions> table =
      OptionTable<RaftOptions>("raft option", "raft")
          .Int("port", &RaftOptions::port, 1, 65535, "TCP port of every node's client service")
          .Int("peer_port", &RaftOptions::peer_port, 1, 65535,
               "TCP port of every node's peer (Raft message) service")
          .Int("connect_timeout_ms", &RaftOptions::connect_timeout_ms, 1, 3'600'000,
               "client: bound on one connect, ms")
          .Int("tick_ms", &RaftOptions::tick_ms, 1, 10'000, "one tick of the consensus core, ms")
          .Int("election_ticks", &RaftOptions::election_ticks, 2, 100'000,
               "election timeout in ticks (each wait drawn from [e, 2e))")
          .Int("heartbeat_ticks", &RaftOptions::heartbeat_ticks, 1, 100'000,
               "heartbeat and ReadIndex round interval in ticks")
          .Int("request_timeout_ms", &RaftOptions::request_timeout_ms, 1, 3'600'000,
               "server: bound on waiting for an entry to apply or a read to be confirmed, ms")
          .Int("compact_entries", &RaftOptions::compact_entries, 1, 100'000'000,
               "applied entries kept in the log before a snapshot replaces them");
  return table;
}

Result<RaftOptions> ParseRaftOptions(const Json& options) {
  return RaftOptionTable().Read(options);
}

}  // namespace coordcheck::raft
