// Sim: a deterministic in-process cluster of raft::Core nodes for the core's tests — a
// simulated network (delays, drops, partitions), simulated disks (what Ready said to
// persist, and only that, survives a crash) and a checker of Raft's safety properties that
// runs after every step:
//   election safety     at most one leader per term (from the cores' events);
//   log matching /      two nodes never apply different entries at one index, and every
//   state machine       entry applied anywhere is in the log of every later leader
//   safety, leader      (leader completeness, checked when a leader is elected);
//   completeness
//   read safety         a read served at index i reflects every write acknowledged before
//                       it was asked (i >= the index of every such write).
// Everything is driven by one seed; a failure names the seed and the step.
//
// Thread-safety: one thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "targets/raft/core.h"

namespace coordcheck::raft::sim {

struct SimOptions {
  int nodes = 5;
  uint64_t seed = 1;
  Bugs bugs;
  int min_delay = 1;  // ticks a message takes
  int max_delay = 3;
  double drop = 0.0;      // chance a message is lost
  int compact_every = 0;  // entries applied between snapshots (0 = never)
};

struct Violation {
  std::string what;  // "two leaders in term 3: n1, n2"
};

class Sim {
 public:
  explicit Sim(SimOptions options);

  // One tick everywhere: deliver due messages, tick every live node, process Readies.
  void Step();
  void Run(int ticks) {
    for (int i = 0; i < ticks; ++i) Step();
  }

  // Faults.
  void Crash(int node);    // loses everything not persisted; the node stays down
  void Restart(int node);  // from its disk
  bool up(int node) const { return nodes_[node].core != nullptr; }
  void Cut(int a, int b);                     // both directions
  void Isolate(int node);                     // from every other node
  void Partition(const std::set<int>& side);  // cut between side and the rest
  void Heal();
  bool IsCut(int a, int b) const;
  void SetWallOffset(int node, int64_t ms) { nodes_[node].wall_offset_ms = ms; }

  // Clients: a write proposed at `node` (if it leads); acknowledged when it applies there.
  // Returns false when the node is not a leader.
  bool Write(int node);
  // A read at `node`; served or dropped later.
  void Read(int node);
  // Random client traffic at the leaders: `writes` and `reads` per call.
  void Traffic(std::mt19937_64& rng);

  // The single leader of the highest term among live nodes, or -1.
  int Leader() const;
  const std::vector<Violation>& violations() const { return violations_; }
  int64_t acked_writes() const { return acked_; }
  int64_t served_reads() const { return served_reads_; }
  uint64_t max_term() const;
  uint64_t commit(int node) const { return nodes_[node].core ? nodes_[node].core->commit() : 0; }
  Core* core(int node) { return nodes_[node].core.get(); }
  int64_t now() const { return now_; }
  std::mt19937_64& rng() { return rng_; }

 private:
  struct Disk {
    HardState hard_state;
    std::optional<Snapshot> snapshot;
    std::vector<Entry> entries;  // after the snapshot
  };
  struct PendingWrite {
    uint64_t index, term;
  };
  struct PendingRead {
    int64_t asked_at;
    uint64_t floor;  // acknowledged writes' top index when asked
  };
  struct Node {
    std::unique_ptr<Core> core;
    Disk disk;
    std::vector<std::string> applied;  // data of applied entries, index 1..
    std::vector<uint64_t> applied_terms;
    uint64_t applied_upto = 0;
    std::vector<PendingWrite> writes;
    std::map<uint64_t, PendingRead> reads;
    std::vector<std::pair<uint64_t, uint64_t>> ready_reads;  // id, index: wait for apply
    int64_t wall_offset_ms = 0;
  };
  struct InFlight {
    int64_t due;
    Message message;
  };

  void Boot(int node);
  void Process(int node);
  void Persist(Node& n, const Ready& ready);
  void Apply(int node, const Ready& ready);
  void Fail(const std::string& what);
  void CheckLeaderEvent(int node, const Json& event);

  SimOptions options_;
  std::mt19937_64 rng_;
  std::vector<Node> nodes_;
  std::vector<InFlight> network_;
  std::set<std::pair<int, int>> cut_;
  int64_t now_ = 0;
  uint64_t next_read_id_ = 1;
  uint64_t next_write_ = 1;
  std::map<uint64_t, std::set<int>> leaders_;                     // term -> nodes that led it
  std::map<uint64_t, std::pair<uint64_t, std::string>> applied_;  // index -> term, data
  uint64_t acked_top_ = 0;  // highest index of an acknowledged write
  int64_t acked_ = 0;
  int64_t served_reads_ = 0;
  std::vector<Violation> violations_;
};

}  // namespace coordcheck::raft::sim
