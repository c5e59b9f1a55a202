// RaftEvents: the nodes' event logs as the election workload's final phase read them into the
// history (workloads/election/ops.h), parsed once into typed data for the election-safety
// checker; and the status ops' answers, parsed the same way.
//
// Contract: FindRaftEvents takes the last ok raft-events completion of the history. Its value
// must be an object whose "events" is an object of arrays (one per node) and whose optional
// "errors" is an object (node → why its log could not be read). Events of the known types
// (start, role, vote, commit) must carry every field ops.h gives them, well typed, with
// "node" naming the log they are in; anything else in an event, and events of other types,
// are skipped (counted by type). A malformed value or event is a problem naming the node and
// the event's position in that node's list (0-based), never a guess.
//
// Thread-safety: plain functions and value types.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "history/history.h"

namespace coordcheck::election {

// A stretch of a log whose entries have one term: from `first` up to the next run's first
// (or the end of what the runs cover).
struct TermRun {
  int64_t first = 0;
  int64_t term = 0;
};

// A "role":"leader" event: the leader's whole log when it won.
struct LeaderEvent {
  int node = 0;       // index in RaftEvents::nodes
  int64_t event = 0;  // position in its node's list, 0-based
  int64_t term = 0;
  int64_t last_index = 0;
  std::vector<TermRun> runs;  // cover 1..last_index (none when last_index is 0)
};

// A "commit" event: the leader of `term` committed from..to.
struct CommitEvent {
  int node = 0;
  int64_t event = 0;
  int64_t term = 0;
  int64_t from = 0;
  int64_t to = 0;
  std::vector<TermRun> runs;  // cover from..to
};

struct RaftEvents {
  // The nodes whose logs were read, in name order.
  std::vector<std::string> nodes;
  // Nodes whose logs could not be read, with why ("errors"), in name order.
  std::map<std::string, std::string> errors;
  // Node names the events mention (a role's leader, a vote's candidate, a start's voted_for).
  std::vector<std::string> mentioned;
  std::vector<LeaderEvent> leaders;
  std::vector<CommitEvent> commits;
  int64_t events = 0;    // events of every type
  int64_t max_term = 0;  // the highest term of any known event
  // Event types this reader does not know, with how many of each it skipped.
  std::map<std::string, int64_t> skipped_types;
  int64_t invoke = -1;    // history index of the raft-events op's invoke
  int64_t complete = -1;  // history index of its ok completion
};

// Why there are no events to check.
struct EventsProblem {
  std::string reason;   // "no-raft-events", "bad-raft-events", "time-limit"
  std::string message;  // one sentence for the summary
};

// Parses the last ok raft-events completion of `history`. `deadline` bounds the parse
// (time_point::max() = none).
std::optional<RaftEvents> FindRaftEvents(const History& history,
                                         std::chrono::steady_clock::time_point deadline,
                                         EventsProblem* problem);

// The term at `index` of a log given as `runs` (sorted by first), or nullopt when index is
// before the first run. The caller knows where the runs end.
std::optional<int64_t> TermAt(const std::vector<TermRun>& runs, int64_t index);

// An ok status op's answer.
struct StatusReport {
  int64_t invoke = -1;    // history index of its invoke
  int64_t complete = -1;  // history index of its ok completion
  std::string node;
  std::string role;  // leader, follower or candidate
  int64_t term = 0;
};

// The ok status completions of `history`, in history order; a malformed value is an error
// naming the op ("op 14: status value's \"term\" must be an integer >= 0").
Result<std::vector<StatusReport>> FindStatuses(const History& history);

}  // namespace coordcheck::election
