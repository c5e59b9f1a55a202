// Core: one node's Raft consensus as a deterministic state machine — no threads, no I/O, no
// clock of its own (the pattern of etcd's raft package). The node (node.h) feeds it ticks,
// peer messages, proposals and read requests, and after each call takes a Ready: what to
// make durable, then the messages to send, the entries to apply, the reads that may be
// served and the events to log. The in-process simulation in the tests drives the same
// object.
//
// The algorithm is the thesis's (Ongaro 2014):
//   - randomized election timeouts in [election_ticks, 2*election_ticks);
//   - pre-vote (§9.6): a node whose election timer fires first asks whether it could win in
//     term+1 without changing its own term; a node that heard from a leader within the
//     minimum election timeout refuses both pre-votes and votes (§4.2.3), so a node
//     rejoining from a partition does not depose a healthy leader;
//   - RequestVote with the up-to-date check (§5.4.1); votes persisted before answering;
//   - AppendEntries with the consistency check and fast back-off by conflicting term
//     (§5.3), sent optimistically (next_index advances on send; a reject rewinds it);
//   - a new leader appends a no-op of its term; the commit index advances only to an entry
//     of the leader's own term counted on a quorum (§5.4.2);
//   - check-quorum: a leader that has not heard from a quorum within an election timeout
//     steps down (§6.2);
//   - ReadIndex (§6.4): a read records the commit index, the leader confirms it still leads
//     by a heartbeat round answered by a quorum, and the read is served once that index is
//     applied; a leader that has not yet committed an entry of its term defers the read;
//   - InstallSnapshot when a follower needs entries compacted away.
//
// Durability contract (the node keeps it): everything in Ready::hard_state, ::entries and
// ::snapshot is made durable before any of Ready::messages is sent — that is what makes a
// vote or an acknowledgement binding.
//
// Deliberately broken variants (Bugs), named as coordcheck-raft's --bug values:
//   no-persist-vote    Ready::hard_state carries no vote (the node writes what it gets), so
//                      a restarted node may vote twice in one term;
//   local-reads        the leader serves reads at once from its own state, and trusts that it
//                      leads until it hears of a higher term (no check-quorum);
//   lease-reads        the leader serves reads at once while a lease holds, the lease running
//                      `lease_ms` from the start of the last heartbeat round a quorum
//                      answered, judged by the wall clock (Config::wall_ms) with no bound on
//                      drift; check-quorum is judged by the same lease, so a leader whose
//                      clock was set back keeps leading and serving;
//   commit-prior-term  the commit index advances to any entry a quorum holds, of any term,
//                      and a new leader appends no no-op (Figure 8 of the paper).
//
// Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "targets/raft/log.h"
#include "targets/raft/message.h"

namespace coordcheck::raft {

enum class Role { kFollower, kPreCandidate, kCandidate, kLeader };
const char* RoleName(Role role);

struct Bugs {
  bool no_persist_vote = false;
  bool local_reads = false;
  bool lease_reads = false;
  bool commit_prior_term = false;
};

struct Config {
  int id = 0;                      // this node, 0..nodes-1
  int nodes = 1;                   // cluster size
  std::vector<std::string> names;  // node names for events (default n1..nN)
  int election_ticks = 30;
  int heartbeat_ticks = 5;
  size_t max_entries_per_message = 512;
  uint64_t seed = 0;  // election timeout draws
  Bugs bugs;
  int64_t lease_ms = 300;            // lease-reads: the lease's length
  std::function<int64_t()> wall_ms;  // lease-reads: the wall clock (CLOCK_REALTIME)
};

struct HardState {
  uint64_t term = 0;
  int voted_for = -1;  // -1 = none
  bool operator==(const HardState&) const = default;
};

// A read the node may serve once it has applied `index`.
struct ReadState {
  uint64_t id = 0;
  uint64_t index = 0;
};

struct Ready {
  std::optional<HardState> hard_state;  // persist when set (changed)
  // Entries to persist: they replace any persisted entries at the same indexes and after.
  std::vector<Entry> entries;
  std::optional<Snapshot> snapshot;     // a snapshot received from the leader: persist, restore
  std::vector<Message> messages;        // send once the above is durable
  std::vector<Entry> committed;         // apply in order (after restoring `snapshot`)
  std::vector<ReadState> reads;         // serve once applied >= index
  std::vector<uint64_t> dropped_reads;  // will never be served here (not leader)
  std::vector<Json> events;             // for the node's event log (without time and node)
  bool empty() const {
    return !hard_state && entries.empty() && !snapshot && messages.empty() && committed.empty() &&
           reads.empty() && dropped_reads.empty() && events.empty();
  }
};

// What a node recovered from its WAL.
struct Recovered {
  HardState hard_state;
  std::optional<Snapshot> snapshot;
  std::vector<Entry> entries;  // after the snapshot, consecutive
  uint64_t applied = 0;        // what the state machine already holds (the snapshot's index)
};

class Core {
 public:
  Core(Config config, const Recovered& recovered);

  void Tick();
  void Step(const Message& message);
  // Leader: appends `data` to the log; returns its (index, term). Not leader: nullopt.
  std::optional<std::pair<uint64_t, uint64_t>> Propose(std::string data);
  // Asks to read: the answer comes as a ReadState or a dropped read of `id` in some Ready.
  void ReadIndex(uint64_t id);
  // The state machine holds everything up to `index` (<= applied) as `data`: the log drops
  // those entries, and the snapshot is what lagging followers get.
  void Compact(uint64_t index, std::string data);

  Ready TakeReady();

  int id() const { return config_.id; }
  Role role() const { return role_; }
  uint64_t term() const { return term_; }
  int leader() const { return leader_; }
  uint64_t commit() const { return commit_; }
  uint64_t applied() const { return applied_; }
  const RaftLog& log() const { return log_; }
  int voted_for() const { return voted_for_; }
  const Snapshot& snapshot() const { return snapshot_; }

 private:
  bool IsQuorum(int count) const { return count * 2 > config_.nodes; }
  void ResetElectionTimer();
  void BecomeFollower(uint64_t term, int leader);
  void BecomePreCandidate();
  void BecomeCandidate();
  void BecomeLeader();
  void CampaignOrPreCampaign();
  // Asks every peer for a (pre-)vote in `term`, with this log's last entry.
  void RequestVotes(MsgType type, uint64_t term);
  void Send(Message message);
  void SendAppend(int peer, bool heartbeat);
  void BroadcastAppend(bool heartbeat);
  void StartRound();
  void MaybeCommit();
  void CommitTo(uint64_t index);
  void HandleVoteRequest(const Message& m);
  void HandleVoteResponse(const Message& m);
  void HandleAppend(const Message& m);
  void HandleAppendResponse(const Message& m);
  void HandleSnapshot(const Message& m);
  void ProcessReads();
  void DropReads();
  bool InLease() const;
  bool LeaseHolds() const;
  void SetLeader(int leader);
  void RoleEvent();
  void MarkHardState() { hard_state_dirty_ = true; }
  void MarkUnstable(uint64_t index);
  const std::string& Name(int node) const { return config_.names[node]; }

  Config config_;
  std::mt19937_64 rng_;
  RaftLog log_;
  Snapshot snapshot_;  // the latest, with its data (sent to lagging followers)
  uint64_t term_ = 0;
  int voted_for_ = -1;
  Role role_ = Role::kFollower;
  int leader_ = -1;
  uint64_t commit_ = 0;
  uint64_t applied_ = 0;  // handed to the node in Ready::committed (or the snapshot)

  int election_elapsed_ = 0;
  int randomized_timeout_ = 0;
  int heartbeat_elapsed_ = 0;
  std::vector<bool> votes_;  // candidate / pre-candidate: who granted
  std::vector<bool> rejections_;
  std::vector<bool> recent_active_;  // leader: heard from since the last quorum check

  // Leader replication state.
  std::vector<uint64_t> next_;
  std::vector<uint64_t> match_;
  std::vector<uint64_t> acked_round_;  // highest heartbeat round each peer answered
  uint64_t round_ = 0;
  std::map<uint64_t, int64_t> round_started_wall_;  // lease-reads: round -> wall ms sent
  int64_t lease_until_wall_ = 0;                    // lease-reads

  struct PendingRead {
    uint64_t id;
    uint64_t index;
    uint64_t round;
  };
  std::deque<PendingRead> pending_reads_;  // confirmed in round order
  std::vector<uint64_t> deferred_reads_;   // waiting for the leader's first commit
  bool broadcast_due_ = false;             // leader: entries appended since the last send
  bool round_due_ = false;                 // leader: reads wait for a heartbeat round
  Json last_role_event_;                   // not repeated

  // Ready in the making.
  bool hard_state_dirty_ = false;
  uint64_t unstable_from_ = 0;  // entries from here on are not yet handed out (0 = none)
  std::optional<Snapshot> pending_snapshot_;
  Ready ready_;
};

}  // namespace coordcheck::raft
