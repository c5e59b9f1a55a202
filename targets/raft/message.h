// The values coordcheck-raft's consensus core (core.h) works on: log entries, snapshots and
// the messages nodes exchange (RequestVote, pre-vote, AppendEntries, InstallSnapshot, as in
// Ongaro's thesis), and their line-JSON encoding for the peer connections (codec.cc).
//
// Nodes are numbered 0..N-1 (the run's n1..nN); a term or index of 0 means "none": log
// indexes start at 1.
//
// Thread-safety: plain value types and functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace coordcheck::raft {

using Json = nlohmann::json;

struct Entry {
  uint64_t index = 0;
  uint64_t term = 0;
  std::string data;  // the state machine's command (JSON text); "" = a leader's no-op
  bool operator==(const Entry&) const = default;
};

// A run of consecutive log entries of one term: entries first_index.. (up to the next run's
// first index) have `term`. A log's runs are strictly increasing in both fields.
struct TermRun {
  uint64_t first_index = 0;
  uint64_t term = 0;
  bool operator==(const TermRun&) const = default;
};

// The state machine as of `index` (whose entry had `term`), and the term runs of the log it
// replaces, so a node can still say which term every index it ever held had.
struct Snapshot {
  uint64_t index = 0;
  uint64_t term = 0;
  std::vector<TermRun> runs;  // runs covering 1..index
  std::string data;           // the state machine's own serialization
};

enum class MsgType {
  kPreVote,      // "would you vote for me in term `term`?" (the sender's term is term-1)
  kPreVoteResp,  // reject = no
  kVote,         // RequestVote: index/log_term = the candidate's last entry
  kVoteResp,     // reject = no
  kAppend,       // AppendEntries: index/log_term = the entry before `entries`
  kAppendResp,   // !reject: index = the last entry now known to match the leader's;
                 // reject: hint_index/hint_term for fast back-off (thesis §5.3)
  kSnapshot,     // InstallSnapshot (the whole snapshot in one message)
};

struct Message {
  MsgType type = MsgType::kAppend;
  int from = -1;
  int to = -1;
  uint64_t term = 0;
  uint64_t index = 0;
  uint64_t log_term = 0;
  std::vector<Entry> entries;
  uint64_t commit = 0;
  bool reject = false;
  uint64_t hint_index = 0;  // reject: the first index the follower may lack or disagree on
  uint64_t hint_term = 0;   // reject: the follower's term at the leader's `index`, 0 if none
  // AppendEntries of a leader carry its latest heartbeat round; responses echo it. The
  // leader confirms it is still leader when a quorum has answered a round (ReadIndex).
  uint64_t round = 0;
  Snapshot snapshot;  // kSnapshot only
};

const char* MsgTypeName(MsgType type);

// One message as one line of JSON (no '\n'); entries' data are strings.
std::string EncodeMessage(const Message& message);
// False with *error set when `line` is not a message this version writes.
bool DecodeMessage(std::string_view line, Message* message, std::string* error);

Json RunsToJson(const std::vector<TermRun>& runs);
bool RunsFromJson(const Json& j, std::vector<TermRun>* runs);

}  // namespace coordcheck::raft
