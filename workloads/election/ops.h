// The election workload's ops in a history, as the election-safety checker reads them (it
// needs nothing but the history), and the event log a Raft node keeps for it.
//
// Client ops (process >= 0), main phase:
//   write        key "election", value V (integers increasing over the run, so also per
//                process) → ok: committed; fail: certainly not; info: unknown — the register
//                workload's write. The log traffic that makes elections matter.
//   status       key null, value null, sent to the client's home node
//                → ok {"node": "n2", "role": "leader"|"follower"|"candidate", "term": 7,
//                      "leader": "n1"|null, "commit": 123, "applied": 120}
//                → fail / info when the node could not be asked
// Final phase (after healing), one op:
//   raft-events  invoke null → ok {"events": {"n1": [event, ...], ...},
//                                  "errors": {"n3": "connect: ..."}}
//                every node of the target asked for its whole event log; a node that could not
//                be read is in "errors" (its events are then unknown) → fail when no node
//                answered.
//
// Events, one JSON object a line in each node's event log, in the order the node wrote them.
// Every one has "type", "node" (its own name), "t_ns" (the node's realtime clock, ns: skewed
// by the clock fault) and "mono_ns" (CLOCK_MONOTONIC, ns: comparable between nodes of one
// host only). Known types:
//   start   {"term": T, "voted_for": "n2"|null, "last_index": L}
//           the process (re)started, after recovering its persistent state
//   role    {"role": "follower"|"candidate"|"leader", "term": T, "leader": "n1"|null}
//           a change of role or term; a "leader" event also has "last_index": L and
//           "log_terms": RUNS, the leader's whole log when it won (indices 1..L)
//   vote    {"term": T, "for": "n3"}    a vote granted
//   commit  {"term": T, "from": A, "to": B, "log_terms": RUNS}
//           the leader of term T advanced its commit index from A-1 to B (A <= B); RUNS
//           covers A..B
// RUNS = [[first_index, term], ...]: index i has the term of the last run whose first_index
// <= i; runs strictly increasing in both fields, the first starting at the first index
// covered (1 for a leader's log, A for a commit), none beyond the last (L, B). A leader with
// an empty log (L = 0) has no runs.
// Readers must skip event types they do not know and fields they do not know (a node may
// log more); a known event missing a field it needs, or with one of the wrong type, is
// malformed.
#pragma once

namespace coordcheck::election_ops {

inline constexpr const char* kWrite = "write";
inline constexpr const char* kStatus = "status";
inline constexpr const char* kRaftEvents = "raft-events";
// The key every write goes to.
inline constexpr const char* kKey = "election";

// Roles, in status values and role events.
inline constexpr const char* kLeader = "leader";
inline constexpr const char* kFollower = "follower";
inline constexpr const char* kCandidate = "candidate";

// Event types.
inline constexpr const char* kStartEvent = "start";
inline constexpr const char* kRoleEvent = "role";
inline constexpr const char* kVoteEvent = "vote";
inline constexpr const char* kCommitEvent = "commit";

}  // namespace coordcheck::election_ops
