#include "workloads/election/election_safety.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "checkers/checker_util.h"
#include "workloads/election/availability.h"
#include "workloads/election/ops.h"
#include "workloads/election/raft_events.h"

namespace coordcheck {
namespace {

using Clock = std::chrono::steady_clock;
using checker_util::kClockStride;
using checker_util::kMaxListed;
using checker_util::Plural;
using election::CommitEvent;
using election::LeaderEvent;
using election::RaftEvents;
using election::StatusReport;
using election::TermRun;

// A stretch of committed indices: every commit covering it gives it `entry_term`; the lowest
// term of such a commit is `commit_term`.
struct Committed {
  int64_t lo = 0, hi = 0;
  int64_t entry_term = 0;
  int64_t commit_term = 0;
};

// A stretch that commits disagree on: two of the entry terms they give it.
struct Conflict {
  int64_t lo = 0, hi = 0;
  int64_t term_a = 0, term_b = 0;
};

// "entry 12" or "entries 12..15". (Never "index N" or "event N": reports link those words
// followed by a number to history ops, and these are log indices and event positions.)
std::string Entries(int64_t lo, int64_t hi) {
  return lo == hi ? "entry " + std::to_string(lo)
                  : "entries " + std::to_string(lo) + ".." + std::to_string(hi);
}

// "its event at position 4".
std::string AtPosition(int64_t position) {
  return "its event at position " + std::to_string(position);
}

// A node claiming (or said) to lead a term: from one of its leader events, or a status op.
struct LeaderClaim {
  int64_t term = 0;
  std::string node;
  int64_t event = -1;  // position in the node's list, or -1
  int64_t op = -1;     // a status op's invoke, or -1
};

// What the violations found so far look like: each counted by its type, the first kMaxListed
// listed (details JSON and a typed anomaly each).
class Findings {
 public:
  // Counts one violation of `type`; while the list has room, lists what describe() returns
  // (its details JSON and its typed anomaly), called only then.
  template <class Describe>
  void Add(const std::string& type, Describe describe) {
    if (counts_[type]++ == 0) types_.push_back(type);
    if (listed_.size() >= kMaxListed) {
      truncated_ = true;
      return;
    }
    std::pair<Json, Anomaly> found = describe();
    listed_.push_back(std::move(found.first));
    typed_.push_back(std::move(found.second));
  }
  int64_t Count(const std::string& type) const {
    auto it = counts_.find(type);
    return it == counts_.end() ? 0 : it->second;
  }
  int64_t Total() const {
    int64_t n = 0;
    for (const auto& [type, count] : counts_) n += count;
    return n;
  }
  void WriteTo(CheckResult* result) {
    result->details["anomaly_types"] = types_;
    result->details["anomalies"] = std::move(listed_);
    if (truncated_) result->details["anomalies_truncated"] = true;
    result->anomalies = std::move(typed_);
  }

 private:
  std::map<std::string, int64_t> counts_;
  Json types_ = Json::array();
  Json listed_ = Json::array();
  std::vector<Anomaly> typed_;
  bool truncated_ = false;
};

class Analysis {
 public:
  Analysis(const History& history, const CheckBudget& budget, const ElectionSafetyOptions& options)
      : history_(history),
        options_(options),
        time_limit_ms_(budget.time_limit.count()),
        deadline_(budget.DeadlineFromNow()) {}

  CheckResult Run();

 private:
  bool OutOfTime(int64_t step) const {
    return step % static_cast<int64_t>(kClockStride) == 0 && Clock::now() >= deadline_;
  }
  const std::string& NodeName(int node) const { return events_->nodes[node]; }
  // "n1's event at position 4".
  std::string EventName(int node, int64_t position) const {
    return NodeName(node) + "'s event at position " + std::to_string(position);
  }
  Anomaly EventAnomaly(const std::string& type, const std::string& explanation) const {
    return Anomaly{type, explanation, {events_->invoke}};
  }

  void CheckLeadersPerTerm();
  // The two-leaders violation of claims[from, to) (one term, several nodes).
  std::pair<Json, Anomaly> TwoLeaders(const std::vector<LeaderClaim>& claims, size_t from,
                                      size_t to);
  bool MergeCommits();  // false when out of time
  std::pair<Json, Anomaly> CommitConflict(const Conflict& c) const;
  bool CheckLeaderLogs();
  void CheckLeaderLog(const LeaderEvent& leader, int64_t* steps);
  // Committed run `c` differs from `leader`'s log at lo..hi, which has `had` there (none:
  // its log ends before).
  std::pair<Json, Anomaly> LeaderIncomplete(const LeaderEvent& leader, const Committed& c,
                                            int64_t lo, int64_t hi,
                                            std::optional<int64_t> had) const;
  // A commit of term `commit_term` that gave `index` the term `entry_term`.
  const CommitEvent* CommitOf(int64_t index, int64_t entry_term,
                              std::optional<int64_t> commit_term) const;
  Json CommitJson(const CommitEvent* c, int64_t entry_term) const;
  std::vector<std::pair<std::string, std::string>> MissingNodes() const;
  void WriteFigures(CheckResult* result) const;

  const History& history_;
  const ElectionSafetyOptions options_;
  const int64_t time_limit_ms_;
  const Clock::time_point deadline_;
  std::optional<RaftEvents> events_;
  election::EventsProblem events_problem_;
  std::vector<StatusReport> statuses_;
  std::string status_problem_;
  std::vector<Committed> committed_;
  Findings findings_;
  std::optional<std::vector<int64_t>> partners_;  // history.Partners(), when first needed
};

void Analysis::CheckLeadersPerTerm() {
  std::vector<LeaderClaim> claims;
  if (events_) {
    for (const LeaderEvent& l : events_->leaders) {
      claims.push_back({l.term, NodeName(l.node), l.event, -1});
    }
  }
  for (const StatusReport& s : statuses_) {
    if (s.role == election_ops::kLeader) claims.push_back({s.term, s.node, -1, s.invoke});
  }
  std::stable_sort(claims.begin(), claims.end(), [](const LeaderClaim& a, const LeaderClaim& b) {
    return a.term != b.term ? a.term < b.term : a.node < b.node;
  });
  for (size_t i = 0; i < claims.size();) {
    size_t end = i;
    while (end < claims.size() && claims[end].term == claims[i].term) ++end;
    if (claims[end - 1].node != claims[i].node) {
      findings_.Add("two-leaders", [&] { return TwoLeaders(claims, i, end); });
    }
    i = end;
  }
}

std::pair<Json, Anomaly> Analysis::TwoLeaders(const std::vector<LeaderClaim>& claims, size_t from,
                                              size_t to) {
  constexpr size_t kListedPerNode = 10;
  Json leaders = Json::array();
  std::string words;
  std::vector<int64_t> status_ops;
  bool from_events = false;
  for (size_t k = from; k < to;) {
    Json events = Json::array(), ops = Json::array();
    std::vector<std::string> seen;
    size_t next = k;
    for (; next < to && claims[next].node == claims[k].node; ++next) {
      const LeaderClaim& c = claims[next];
      if (c.event >= 0) {
        from_events = true;
        if (events.size() < kListedPerNode) events.push_back(c.event);
        if (seen.size() < 3) seen.push_back(AtPosition(c.event));
      } else if (ops.size() < kListedPerNode) {
        status_ops.push_back(c.op);
        ops.push_back(c.op);
        if (seen.size() < 3) seen.push_back("status op " + std::to_string(c.op));
      }
    }
    words += (words.empty() ? "" : ", ") + claims[k].node + " (" + Join(seen, "; ") + ")";
    leaders.push_back({{"node", claims[k].node}, {"events", events}, {"ops", ops}});
    k = next;
  }
  const std::string explanation = "term " + std::to_string(claims[from].term) + " had " +
                                  std::to_string(leaders.size()) + " leaders: " + words;
  Anomaly typed{"two-leaders", explanation, status_ops};
  if (!status_ops.empty()) {
    if (!partners_) partners_ = history_.Partners();
    typed.SpanOps(history_, *partners_);
  }
  if (from_events) typed.ops.push_back(events_->invoke);
  return {{{"type", "two-leaders"},
           {"term", claims[from].term},
           {"leaders", std::move(leaders)},
           {"explanation", explanation}},
          std::move(typed)};
}

bool Analysis::MergeCommits() {
  // Every commit's runs as [lo, hi] segments; a sweep over their boundaries keeps, at each
  // index, the entry terms of the segments covering it (and how many give each) and the
  // commit terms of those segments.
  struct Boundary {
    int64_t at;
    bool opens;
    int64_t entry_term;
    int64_t commit_term;
  };
  std::vector<Boundary> bounds;
  for (const CommitEvent& c : events_->commits) {
    for (size_t k = 0; k < c.runs.size(); ++k) {
      const int64_t lo = c.runs[k].first;
      const int64_t hi = k + 1 < c.runs.size() ? c.runs[k + 1].first - 1 : c.to;
      bounds.push_back({lo, true, c.runs[k].term, c.term});
      bounds.push_back({hi + 1, false, c.runs[k].term, c.term});
    }
  }
  std::sort(bounds.begin(), bounds.end(),
            [](const Boundary& a, const Boundary& b) { return a.at < b.at; });
  std::map<int64_t, int64_t> entry_terms;  // entry term -> segments covering
  std::multiset<int64_t> commit_terms;
  std::vector<Conflict> conflicts;
  int64_t steps = 0;
  for (size_t i = 0; i < bounds.size();) {
    if (OutOfTime(++steps)) return false;
    const int64_t at = bounds[i].at;
    for (; i < bounds.size() && bounds[i].at == at; ++i) {
      const Boundary& b = bounds[i];
      if (b.opens) {
        ++entry_terms[b.entry_term];
        commit_terms.insert(b.commit_term);
      } else {
        if (--entry_terms[b.entry_term] == 0) entry_terms.erase(b.entry_term);
        commit_terms.erase(commit_terms.find(b.commit_term));
      }
    }
    if (entry_terms.empty() || i == bounds.size()) continue;
    const int64_t hi = bounds[i].at - 1;
    if (entry_terms.size() == 1) {
      const Committed c{at, hi, entry_terms.begin()->first, *commit_terms.begin()};
      Committed* last = committed_.empty() ? nullptr : &committed_.back();
      if (last != nullptr && last->hi + 1 == at && last->entry_term == c.entry_term &&
          last->commit_term == c.commit_term) {
        last->hi = hi;
      } else {
        committed_.push_back(c);
      }
      continue;
    }
    const Conflict c{at, hi, entry_terms.begin()->first, entry_terms.rbegin()->first};
    if (!conflicts.empty() && conflicts.back().hi + 1 == at &&
        conflicts.back().term_a == c.term_a && conflicts.back().term_b == c.term_b) {
      conflicts.back().hi = hi;
    } else {
      conflicts.push_back(c);
    }
  }
  for (const Conflict& c : conflicts) {
    findings_.Add("commit-conflict", [&] { return CommitConflict(c); });
  }
  return true;
}

std::pair<Json, Anomaly> Analysis::CommitConflict(const Conflict& c) const {
  const CommitEvent* a = CommitOf(c.lo, c.term_a, std::nullopt);
  const CommitEvent* b = CommitOf(c.lo, c.term_b, std::nullopt);
  auto describe = [&](const CommitEvent* e, int64_t term) {
    return "term " + std::to_string(term) +
           (e == nullptr ? std::string()
                         : " by " + NodeName(e->node) + "'s commit of term " +
                               std::to_string(e->term) + " (" + AtPosition(e->event) + ")");
  };
  const std::string explanation = Entries(c.lo, c.hi) + " committed with " + describe(a, c.term_a) +
                                  " and with " + describe(b, c.term_b);
  return {{{"type", "commit-conflict"},
           {"index", c.lo},
           {"to_index", c.hi},
           {"a", CommitJson(a, c.term_a)},
           {"b", CommitJson(b, c.term_b)},
           {"explanation", explanation}},
          EventAnomaly("commit-conflict", explanation)};
}

const CommitEvent* Analysis::CommitOf(int64_t index, int64_t entry_term,
                                      std::optional<int64_t> commit_term) const {
  for (const CommitEvent& c : events_->commits) {
    if (index < c.from || index > c.to || (commit_term && c.term != *commit_term)) continue;
    if (election::TermAt(c.runs, index) == entry_term) return &c;
  }
  return nullptr;
}

Json Analysis::CommitJson(const CommitEvent* c, int64_t entry_term) const {
  if (c == nullptr) return {{"entry_term", entry_term}};
  return {{"node", NodeName(c->node)},
          {"event", c->event},
          {"commit_term", c->term},
          {"entry_term", entry_term}};
}

bool Analysis::CheckLeaderLogs() {
  int64_t steps = 0;
  for (const LeaderEvent& leader : events_->leaders) {
    CheckLeaderLog(leader, &steps);
    if (steps < 0) return false;
  }
  return true;
}

std::pair<Json, Anomaly> Analysis::LeaderIncomplete(const LeaderEvent& leader, const Committed& c,
                                                    int64_t lo, int64_t hi,
                                                    std::optional<int64_t> had) const {
  const CommitEvent* by = CommitOf(lo, c.entry_term, c.commit_term);
  const std::string leader_name = NodeName(leader.node);
  std::string explanation =
      Entries(lo, hi) + ", committed with term " + std::to_string(c.entry_term) +
      (by == nullptr ? " in term " + std::to_string(c.commit_term)
                     : " by " + EventName(by->node, by->event) + " (a commit of term " +
                           std::to_string(by->term) + ")") +
      ", " + (had ? "has term " + std::to_string(*had) + " in" : "is missing from") +
      " the log of " + leader_name + ", leader of the later term " + std::to_string(leader.term) +
      " (" + AtPosition(leader.event) +
      (had ? ")" : "; its log ends at entry " + std::to_string(leader.last_index) + ")");
  Json j = {{"type", "leader-incomplete"},
            {"index", lo},
            {"to_index", hi},
            {"committed_term", c.entry_term},
            {"commit_term", by != nullptr ? by->term : c.commit_term},
            {"commit_node", by != nullptr ? Json(NodeName(by->node)) : Json()},
            {"commit_event", by != nullptr ? Json(by->event) : Json()},
            {"leader", leader_name},
            {"leader_term", leader.term},
            {"leader_event", leader.event},
            {"had", had ? Json(*had) : Json("missing")},
            {"explanation", explanation}};
  return {std::move(j), EventAnomaly("leader-incomplete", explanation)};
}

// Walks the committed runs older than the leader's term against its log's runs, both in
// index order. Sets *steps to -1 when out of time.
void Analysis::CheckLeaderLog(const LeaderEvent& leader, int64_t* steps) {
  const std::vector<TermRun>& runs = leader.runs;
  auto violation = [&](const Committed& c, int64_t lo, int64_t hi, std::optional<int64_t> had) {
    findings_.Add("leader-incomplete", [&] { return LeaderIncomplete(leader, c, lo, hi, had); });
  };
  size_t r = 0;
  for (const Committed& c : committed_) {
    if (c.commit_term >= leader.term) continue;
    for (int64_t i = c.lo; i <= c.hi;) {
      if (OutOfTime(++*steps)) {
        *steps = -1;
        return;
      }
      if (i > leader.last_index) {
        violation(c, i, c.hi, std::nullopt);
        break;
      }
      // The leader's log has index i (last_index >= i >= 1), so its first run starts at 1.
      while (r + 1 < runs.size() && runs[r + 1].first <= i) ++r;
      const int64_t run_end = r + 1 < runs.size() ? runs[r + 1].first - 1 : leader.last_index;
      const int64_t end = std::min(run_end, c.hi);
      if (runs[r].term != c.entry_term) violation(c, i, end, runs[r].term);
      i = end + 1;
    }
  }
}

std::vector<std::pair<std::string, std::string>> Analysis::MissingNodes() const {
  std::map<std::string, std::string> missing;
  if (!events_) return {};
  for (const auto& [node, why] : events_->errors) missing[node] = why;
  const std::set<std::string> read(events_->nodes.begin(), events_->nodes.end());
  for (const std::string& node : events_->mentioned) {
    missing.try_emplace(node, "named by the events but not in the raft-events answer");
  }
  for (const StatusReport& s : statuses_) {
    if (read.count(s.node) == 0) {
      missing.try_emplace(s.node, "answered a status op but is not in the raft-events answer");
    }
  }
  return {missing.begin(), missing.end()};
}

void Analysis::WriteFigures(CheckResult* result) const {
  Json& d = result->details;
  std::set<std::string> leader_nodes;
  int64_t terms = events_ ? events_->max_term : 0;
  int64_t elections = 0;
  if (events_) {
    elections = static_cast<int64_t>(events_->leaders.size());
    for (const LeaderEvent& l : events_->leaders) leader_nodes.insert(NodeName(l.node));
  }
  for (const StatusReport& s : statuses_) {
    terms = std::max(terms, s.term);
    if (s.role == election_ops::kLeader) leader_nodes.insert(s.node);
  }
  d["nodes"] = events_ ? Json(events_->nodes) : Json::array();
  Json missing = Json::array();
  for (const auto& [node, why] : MissingNodes()) missing.push_back({{"node", node}, {"why", why}});
  d["missing_nodes"] = std::move(missing);
  d["events"] = events_ ? events_->events : 0;
  d["skipped_event_types"] = events_ ? Json(events_->skipped_types) : Json::object();
  d["elections"] = elections;
  d["terms"] = terms;
  d["leaders"] = leader_nodes.size();
  d["leader_nodes"] = leader_nodes;
  d["status_ops"] = statuses_.size();
  d["commit_events"] = events_ ? events_->commits.size() : 0;
  d["committed_index"] = committed_.empty() ? 0 : committed_.back().hi;
  d["committed_runs"] = committed_.size();
  d["election_safety_violations"] = findings_.Count("two-leaders");
  d["leader_completeness_violations"] = findings_.Count("leader-incomplete");
  d["commit_conflicts"] = findings_.Count("commit-conflict");
}

CheckResult Analysis::Run() {
  CheckResult result;
  auto time_limit = [&](const std::string& where) -> CheckResult {
    WriteFigures(&result);
    return result.SetUnknown(
        "time-limit", "time limit of " + std::to_string(time_limit_ms_) + " ms reached " + where);
  };
  // What could not be read: (reason, message), in the order found.
  std::vector<std::pair<std::string, std::string>> unread;
  if (auto statuses = election::FindStatuses(history_); statuses.ok()) {
    statuses_ = std::move(statuses.value());
  } else {
    unread.emplace_back("bad-status", statuses.message());
  }
  events_ = election::FindRaftEvents(history_, deadline_, &events_problem_);
  if (!events_) {
    if (events_problem_.reason == "time-limit") return time_limit("while reading the events");
    unread.emplace_back(events_problem_.reason, events_problem_.message);
  }

  CheckLeadersPerTerm();
  if (events_) {
    if (!MergeCommits()) return time_limit("while merging the commits");
    if (!CheckLeaderLogs()) return time_limit("while comparing leaders' logs with the commits");
    std::vector<std::string> missing;
    for (const auto& [node, why] : MissingNodes()) missing.push_back(node + " (" + why + ")");
    if (!missing.empty()) {
      unread.emplace_back("events-missing", "the event logs of " + Join(missing, ", ") +
                                                " are missing, so what they did is unknown");
    } else if (events_->nodes.empty()) {
      unread.emplace_back("events-missing", "the raft-events answer holds no node's events");
    }
  }
  auto availability = election::MeasureAvailability(
      history_, options_.unavailable_threshold_ms * 1'000'000, deadline_);
  if (!availability) return time_limit("while measuring availability");

  WriteFigures(&result);
  election::AddAvailabilityDetails(*availability, &result.details);
  const int64_t violations = findings_.Total();
  findings_.WriteTo(&result);
  Json& d = result.details;

  const std::string counts =
      Plural(d["elections"].get<int64_t>(), "election", "elections") + " up to term " +
      std::to_string(d["terms"].get<int64_t>()) + " (" +
      Plural(d["leaders"].get<int64_t>(), "leader", "leaders") + "), " +
      Plural(d["commit_events"].get<int64_t>(), "commit event", "commit events") + " up to entry " +
      std::to_string(d["committed_index"].get<int64_t>());
  std::string unavailable = "no writes to measure availability";
  if (!d["total_unavailable_ms"].is_null()) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.3f s",
                  d["total_unavailable_ms"].get<double>() / 1000.0);
    unavailable = std::string("unavailable ") + seconds + " in " +
                  Plural(d["unavailable_windows"].get<int64_t>(), "window", "windows");
  }
  if (violations > 0) {
    result.valid = Validity::kInvalid;
    std::vector<std::string> parts;
    if (int64_t n = findings_.Count("two-leaders"); n > 0) {
      parts.push_back(Plural(n, "term", "terms") + " with more than one leader");
    }
    if (int64_t n = findings_.Count("leader-incomplete"); n > 0) {
      parts.push_back(Plural(n, "committed stretch", "committed stretches") +
                      " missing or different in a later leader's log");
    }
    if (int64_t n = findings_.Count("commit-conflict"); n > 0) {
      parts.push_back(Plural(n, "stretch", "stretches") + " committed with different terms");
    }
    result.summary =
        Join(parts, "; ") + " (first: " + d["anomalies"][0]["explanation"].get<std::string>() + ")";
    if (!unread.empty()) {
      Json incomplete = Json::array();
      for (const auto& [reason, message] : unread) incomplete.push_back(message);
      d["incomplete"] = std::move(incomplete);
    }
  } else if (!unread.empty()) {
    result.SetUnknown(unread.front().first, unread.front().second);
    result.summary += " (" + counts + ")";
  } else {
    result.valid = Validity::kValid;
    result.summary = "one leader per term, every committed entry in every later leader's log, " +
                     std::string("no conflicting commits: ") + counts + "; " + unavailable;
  }
  return result;
}

}  // namespace

CheckResult ElectionSafetyChecker::Check(const History& history, const CheckBudget& budget) const {
  return Analysis(history, budget, options_).Run();
}

}  // namespace coordcheck
