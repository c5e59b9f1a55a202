// RaftNode: one coordcheck-raft node's replica — the consensus core (core.h) driven by a
// loop thread, made durable in the WAL (wal.h), applied to the state machine
// (state_machine.h) — and what the server asks of it: propose a command and wait for its
// result, read by ReadIndex, take a peer's message, report status.
//
// The loop thread ticks the core every tick_ms (steady clock), and after every tick or input
// takes the core's Ready and handles it in this order: persist the hard state, a received
// snapshot and new entries to the WAL and fdatasync it (the bug no-fsync skips the sync),
// write the events, apply committed entries and answer the proposals waiting on them, then
// — outside the lock — hand the messages to the transport. So nothing is promised to a peer
// before it is durable.
//
// Outcomes never guess: a proposal is ok or fail as its entry applied (fail "superseded"
// when another leader's entry took its index: it can never apply), fail "not leader" when it
// was not proposed, and info when its entry was appended but not applied by the deadline
// or was covered by a received snapshot. Reads are served only by ReadIndex (or the bugs'
// shortcuts) and fail when they time out: a read changes nothing.
//
// Lock expiry (state_machine.h): every node notes when each grant applied (steady clock);
// the leader proposes "expire" for a grant whose ttl has passed since it applied — or since
// this node became leader, whichever is later — so a new leader never shortens a lease.
//
// Events (one JSON object per line in events_file, each with "t_ns", "mono_ns" and "node";
// workloads/election/ops.h has the contract): start, role, vote, commit.
//
// Thread-safety: every public method may be called from any thread; one mutex guards the
// core, the WAL and the state machine; the loop thread does all persisting and applying.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "targets/raft/core.h"
#include "targets/raft/state_machine.h"
#include "targets/raft/wal.h"

namespace coordcheck::raft {

struct NodeOptions {
  int id = 0;                      // this node, 0..names.size()-1
  std::vector<std::string> names;  // every node's name, in order (n1..nN)
  std::string data_dir;            // the WAL's folder (the disk faults mount it)
  std::string events_file;         // the event log (outside data_dir: faults keep it)
  std::string bug;                 // "" or one of KnownBugs()
  uint64_t seed = 0;               // election timeouts
  int tick_ms = 10;                // one core tick
  int election_ticks = 30;         // election timeout: [30, 60) ticks
  int heartbeat_ticks = 5;         // heartbeat and ReadIndex round interval
  int64_t compact_entries = 5000;  // applied entries kept before a snapshot replaces them
};

// The bugs of coordcheck-raft (core's, plus no-fsync and no-fence of the node and server).
const std::vector<std::string>& KnownBugs();

struct Outcome {
  enum Type { kOk, kFail, kInfo, kNotLeader } type = kFail;
  Json value;
  std::string error;
};

class RaftNode {
 public:
  using SendFn = std::function<void(std::vector<Message>)>;

  // Recovers from the WAL (cutting a torn tail) and starts the loop. `send` gets every batch
  // of outgoing messages, in order, from the loop thread.
  static Result<std::unique_ptr<RaftNode>> Start(const NodeOptions& options, SendFn send);
  ~RaftNode();

  void Receive(const Message& message);
  // Proposes `command` (state_machine.h) if this node leads; waits until `deadline`.
  Outcome Propose(const Json& command, std::chrono::steady_clock::time_point deadline);
  // A linearizable read of `key` if this node leads; waits until `deadline`.
  Outcome Read(const Json& key, std::chrono::steady_clock::time_point deadline);
  // {"node","role","term","leader","commit","applied","last_index","snapshot_index"}
  Json StatusReport();
  // The leader this node believes in (an index into names), or -1.
  int Leader();
  // Every event logged so far (the events file, parsed; unparsable lines skipped).
  Json Events();
  std::string Describe() const;

 private:
  struct Waiter {
    uint64_t term = 0;
    bool done = false;
    Outcome outcome;
  };
  struct ReadWaiter {
    Json key;
    bool ready = false;  // ReadState received
    uint64_t index = 0;
    bool done = false;
    Outcome outcome;
  };
  struct Grant {
    uint64_t fence = 0;
    std::chrono::steady_clock::time_point deadline;
    bool proposed = false;
  };

  RaftNode(const NodeOptions& options, SendFn send);
  Status Recover();
  void Loop();
  // Under mu_: persists, applies and answers what `ready` says; returns its messages.
  Status Handle(Ready& ready);
  Status Persist(const Ready& ready);
  Status RewriteWal();
  void ApplyEntry(const Entry& entry);
  void AnswerReads();
  void ExpireLocks();
  void TrackLeadership();
  void LogEvent(Json event);
  void Wake();

  const NodeOptions options_;
  const SendFn send_;
  Bugs bugs_;
  bool no_fsync_ = false;

  std::mutex mu_;
  std::condition_variable work_cv_;  // the loop: input arrived
  std::condition_variable done_cv_;  // callers: an outcome is ready
  bool work_ = false;
  bool stop_ = false;
  std::unique_ptr<Core> core_;
  std::unique_ptr<Wal> wal_;
  StateMachine machine_;
  HardState persisted_hs_;
  uint64_t applied_ = 0;
  std::map<uint64_t, Waiter*> proposals_;  // by index
  std::map<uint64_t, ReadWaiter*> reads_;  // by read id
  uint64_t next_read_id_ = 1;
  std::map<std::string, Grant> grants_;
  bool was_leader_ = false;
  std::FILE* events_ = nullptr;
  std::string failure_;  // a WAL error: the node stops serving (as a crashed disk would)
  std::thread loop_;
};

}  // namespace coordcheck::raft
