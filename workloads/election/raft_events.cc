#include "workloads/election/raft_events.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "checkers/checker_util.h"
#include "workloads/election/ops.h"

namespace coordcheck::election {
namespace {

using Clock = std::chrono::steady_clock;
namespace ops = election_ops;

std::string Quoted(const char* field) { return std::string("\"") + field + "\""; }

// The integer `field` of `e`, at least `min`, into *out: "" when fine, else what is wrong.
std::string ReadInt(const Json& e, const char* field, int64_t min, int64_t* out) {
  auto it = e.find(field);
  if (it == e.end() || !it->is_number_integer() ||
      (it->is_number_unsigned() && it->get<uint64_t>() > uint64_t{INT64_MAX}) ||
      it->get<int64_t>() < min) {
    return Quoted(field) + " must be an integer >= " + std::to_string(min);
  }
  *out = it->get<int64_t>();
  return "";
}

// Log indices stay far from int64's end, so index + 1 never overflows.
constexpr int64_t kMaxIndex = int64_t{1} << 62;

// A log index in `field`, in min..kMaxIndex.
std::string ReadIndex(const Json& e, const char* field, int64_t min, int64_t* out) {
  std::string err = ReadInt(e, field, min, out);
  if (err.empty() && *out > kMaxIndex) err = Quoted(field) + " must be at most 2^62";
  return err;
}

// Whether `field` is an integer (its value is not used).
std::string RequireInt(const Json& e, const char* field) {
  auto it = e.find(field);
  return it != e.end() && it->is_number_integer() ? "" : Quoted(field) + " must be an integer";
}

// A node name in `field`: "" when fine. With `nullable`, null (or absence) gives an empty name.
std::string ReadName(const Json& e, const char* field, bool nullable, std::string* out) {
  auto it = e.find(field);
  if (nullable && (it == e.end() || it->is_null())) {
    out->clear();
    return "";
  }
  if (it == e.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return Quoted(field) + (nullable ? " must be a node name or null" : " must be a node name");
  }
  *out = it->get<std::string>();
  return "";
}

// The role in "role": leader, follower or candidate.
std::string ReadRole(const Json& e, std::string* out) {
  auto it = e.find("role");
  if (it == e.end() || !it->is_string() ||
      (*it != ops::kLeader && *it != ops::kFollower && *it != ops::kCandidate)) {
    return "\"role\" must be \"leader\", \"follower\" or \"candidate\"";
  }
  *out = it->get<std::string>();
  return "";
}

// The runs in `field`, covering first..last (none when last < first): [[first_index, term],
// ...], strictly increasing in both, the first run at `first`, none beyond `last`.
std::string ReadRuns(const Json& e, const char* field, int64_t first, int64_t last,
                     std::vector<TermRun>* out) {
  auto it = e.find(field);
  if (it == e.end() || !it->is_array()) return Quoted(field) + " must be an array of runs";
  const Json& runs = *it;
  out->clear();
  out->reserve(runs.size());
  for (size_t i = 0; i < runs.size(); ++i) {
    const Json& r = runs[i];
    const std::string where = Quoted(field) + " run " + std::to_string(i);
    if (!r.is_array() || r.size() != 2 || !r[0].is_number_integer() || !r[1].is_number_integer() ||
        r[1].get<int64_t>() < 0) {
      return where + " must be [first_index, term] (integers, term >= 0)";
    }
    const TermRun run{r[0].get<int64_t>(), r[1].get<int64_t>()};
    if (!out->empty() && (run.first <= out->back().first || run.term <= out->back().term)) {
      return where + " does not follow the run before it (both fields must increase)";
    }
    if (run.first < first || run.first > last) {
      return where + " starts at entry " + std::to_string(run.first) + ", outside " +
             std::to_string(first) + ".." + std::to_string(last);
    }
    out->push_back(run);
  }
  if (last >= first && (out->empty() || out->front().first != first)) {
    return Quoted(field) + " must start with a run at entry " + std::to_string(first);
  }
  return "";
}

class Parser {
 public:
  explicit Parser(RaftEvents* out) : out_(out) {}

  // One event of node `node` (its name `name`) at `position`: "" when fine or skipped.
  std::string Event(const Json& e, int node, const std::string& name, int64_t position) {
    ++work_;
    if (!e.is_object()) return "not an object";
    auto type_it = e.find("type");
    if (type_it == e.end() || !type_it->is_string()) return "\"type\" must be a string";
    const std::string& type = type_it->get_ref<const std::string&>();
    const bool known = type == ops::kStartEvent || type == ops::kRoleEvent ||
                       type == ops::kVoteEvent || type == ops::kCommitEvent;
    if (!known) {
      ++out_->skipped_types[type];
      return "";
    }
    std::string self;
    if (std::string err = ReadName(e, "node", false, &self); !err.empty()) return err;
    if (self != name) return "\"node\" is \"" + self + "\" in the log of " + name;
    for (const char* clock : {"t_ns", "mono_ns"}) {
      if (std::string err = RequireInt(e, clock); !err.empty()) return err;
    }
    int64_t term = 0;
    if (std::string err = ReadInt(e, "term", 0, &term); !err.empty()) return err;
    out_->max_term = std::max(out_->max_term, term);
    std::string other;
    if (type == ops::kStartEvent) {
      int64_t last_index = 0;
      if (std::string err = ReadName(e, "voted_for", true, &other); !err.empty()) return err;
      Mention(other);
      return ReadIndex(e, "last_index", 0, &last_index);
    }
    if (type == ops::kVoteEvent) {
      if (std::string err = ReadName(e, "for", false, &other); !err.empty()) return err;
      Mention(other);
      return "";
    }
    if (type == ops::kRoleEvent) return Role(e, node, position, term);
    return Commit(e, node, position, term);
  }

  // Events and runs read so far.
  int64_t work() const { return work_; }

  void Finish() {
    for (const std::string& n : out_->nodes) mentioned_.erase(n);
    out_->mentioned.assign(mentioned_.begin(), mentioned_.end());
  }

 private:
  std::string Role(const Json& e, int node, int64_t position, int64_t term) {
    std::string role, leader;
    if (std::string err = ReadRole(e, &role); !err.empty()) return err;
    if (std::string err = ReadName(e, "leader", true, &leader); !err.empty()) return err;
    Mention(leader);
    if (role != ops::kLeader) return "";
    LeaderEvent l{node, position, term, 0, {}};
    if (std::string err = ReadIndex(e, "last_index", 0, &l.last_index); !err.empty()) return err;
    if (std::string err = ReadRuns(e, "log_terms", 1, l.last_index, &l.runs); !err.empty()) {
      return err;
    }
    work_ += static_cast<int64_t>(l.runs.size());
    out_->leaders.push_back(std::move(l));
    return "";
  }

  std::string Commit(const Json& e, int node, int64_t position, int64_t term) {
    CommitEvent c{node, position, term, 0, 0, {}};
    if (std::string err = ReadIndex(e, "from", 1, &c.from); !err.empty()) return err;
    if (std::string err = ReadIndex(e, "to", c.from, &c.to); !err.empty()) return err;
    if (std::string err = ReadRuns(e, "log_terms", c.from, c.to, &c.runs); !err.empty()) {
      return err;
    }
    work_ += static_cast<int64_t>(c.runs.size());
    out_->commits.push_back(std::move(c));
    return "";
  }

  void Mention(const std::string& name) {
    if (!name.empty()) mentioned_.insert(name);
  }

  RaftEvents* out_;
  std::set<std::string> mentioned_;
  int64_t work_ = 0;
};

}  // namespace

std::optional<RaftEvents> FindRaftEvents(const History& history, Clock::time_point deadline,
                                         EventsProblem* problem) {
  auto fail = [&](const std::string& reason, const std::string& message) {
    *problem = {reason, message};
    return std::nullopt;
  };
  const Op* done = nullptr;
  int64_t attempts = 0;
  std::unordered_map<int64_t, int64_t> invokes;  // process -> its latest raft-events invoke
  RaftEvents out;
  for (const Op& op : history.ops) {
    if (op.f != ops::kRaftEvents) continue;
    if (op.is_invoke()) {
      ++attempts;
      invokes[op.process] = op.index;
    } else if (op.type == OpType::kOk) {
      done = &op;
      auto it = invokes.find(op.process);
      out.invoke = it == invokes.end() ? op.index : it->second;
      out.complete = op.index;
    }
  }
  if (done == nullptr) {
    return fail("no-raft-events",
                "no node's event log was read: the history has no ok raft-events op" +
                    (attempts > 0 ? " (" + checker_util::Plural(attempts, "attempt", "attempts") +
                                        ", none ok)"
                                  : std::string()));
  }
  const std::string op_name = "raft-events op " + std::to_string(out.complete);
  const Json& value = done->value;
  if (!value.is_object() || !value.contains("events") || !value["events"].is_object()) {
    return fail("bad-raft-events", op_name + ": its value must be an object with an object " +
                                       "\"events\" (node -> list of events)");
  }
  if (value.contains("errors")) {
    const Json& errors = value["errors"];
    if (!errors.is_object() && !errors.is_null()) {
      return fail("bad-raft-events", op_name + ": \"errors\" must be an object (node -> why)");
    }
    if (errors.is_object()) {
      for (const auto& [node, why] : errors.items()) {
        out.errors[node] = why.is_string() ? why.get<std::string>() : why.dump();
      }
    }
  }
  Parser parser(&out);
  int64_t next_clock_read = 0;
  for (const auto& [node, events] : value["events"].items()) {
    if (!events.is_array()) {
      return fail("bad-raft-events", op_name + ": node " + node + "'s events must be a list");
    }
    const int index = static_cast<int>(out.nodes.size());
    out.nodes.push_back(node);
    for (size_t i = 0; i < events.size(); ++i) {
      // The clock is read every kClockStride events and runs (a leader's log may be long).
      ++out.events;
      if (parser.work() >= next_clock_read) {
        next_clock_read = parser.work() + static_cast<int64_t>(checker_util::kClockStride);
        if (Clock::now() >= deadline) {
          return fail("time-limit", "time limit reached while reading the nodes' events");
        }
      }
      const Json& e = events[i];
      if (std::string err = parser.Event(e, index, node, static_cast<int64_t>(i)); !err.empty()) {
        std::string type;
        if (e.is_object() && e.contains("type") && e["type"].is_string()) {
          type = " (" + e["type"].get<std::string>() + ")";
        }
        return fail("bad-raft-events", "node " + node + ", event at position " + std::to_string(i) +
                                           type + ": " + err + " (" + op_name + ")");
      }
    }
  }
  parser.Finish();
  return out;
}

std::optional<int64_t> TermAt(const std::vector<TermRun>& runs, int64_t index) {
  auto it = std::upper_bound(runs.begin(), runs.end(), index,
                             [](int64_t i, const TermRun& r) { return i < r.first; });
  if (it == runs.begin()) return std::nullopt;
  return std::prev(it)->term;
}

Result<std::vector<StatusReport>> FindStatuses(const History& history) {
  std::vector<StatusReport> out;
  std::unordered_map<int64_t, int64_t> invokes;  // process -> its latest status invoke
  for (const Op& op : history.ops) {
    if (op.f != ops::kStatus) continue;
    if (op.is_invoke()) {
      invokes[op.process] = op.index;
      continue;
    }
    if (op.type != OpType::kOk) continue;
    const std::string where = "op " + std::to_string(op.index) + ": status value";
    const Json& v = op.value;
    if (!v.is_object())
      return Result<std::vector<StatusReport>>::Error(where + " is not an object");
    StatusReport s;
    auto it = invokes.find(op.process);
    s.invoke = it == invokes.end() ? op.index : it->second;
    s.complete = op.index;
    std::string err = ReadName(v, "node", false, &s.node);
    if (err.empty()) err = ReadInt(v, "term", 0, &s.term);
    if (err.empty()) err = ReadRole(v, &s.role);
    if (!err.empty()) return Result<std::vector<StatusReport>>::Error(where + "'s " + err);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace coordcheck::election
