// The election workload's checker (workloads/election/election_safety.h): hand-written
// histories it must accept (elections across terms, leaders changing, commits covered by
// every later leader, event types it does not know), histories it must reject (two leaders
// in a term, seen in events or in status answers; a later leader missing a committed entry or
// holding another term there; commits that disagree), histories it must call unknown (a
// node's events missing, no raft-events op, a malformed event named by node and position),
// its availability figures on a history with explicit times, and a 10^6-entry log.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tests/support/history_builder.h"
#include "tests/support/timed_history.h"
#include "workloads/election/election_safety.h"
#include "workloads/election/ops.h"
#include "workloads/workload.h"

namespace coordcheck::test {
namespace {

namespace ops = election_ops;
constexpr int64_t kFinalProcess = 100;

// One node's event log, written by hand; t_ns and mono_ns count up from the node's first
// event. Runs are [[first_index, term], ...] as in ops.h.
class NodeLog {
 public:
  explicit NodeLog(std::string node) : node_(std::move(node)) {}

  NodeLog& Start(int64_t term, Json voted_for, int64_t last_index) {
    return Add(ops::kStartEvent,
               {{"term", term}, {"voted_for", voted_for}, {"last_index", last_index}});
  }
  NodeLog& Role(const char* role, int64_t term, Json leader) {
    return Add(ops::kRoleEvent, {{"role", role}, {"term", term}, {"leader", leader}});
  }
  // Won the election of `term` with a log of last_index entries as `runs`.
  NodeLog& Leader(int64_t term, int64_t last_index, Json runs) {
    return Add(ops::kRoleEvent, {{"role", ops::kLeader},
                                 {"term", term},
                                 {"leader", node_},
                                 {"last_index", last_index},
                                 {"log_terms", runs}});
  }
  NodeLog& Vote(int64_t term, const std::string& candidate) {
    return Add(ops::kVoteEvent, {{"term", term}, {"for", candidate}});
  }
  NodeLog& Commit(int64_t term, int64_t from, int64_t to, Json runs) {
    return Add(ops::kCommitEvent,
               {{"term", term}, {"from", from}, {"to", to}, {"log_terms", runs}});
  }
  // Sets a field of the last event (an extra field, or a wrong one).
  NodeLog& Set(const std::string& field, Json value) {
    events_.back()[field] = std::move(value);
    return *this;
  }
  // Any event as it is (a type this checker does not know, a malformed one).
  NodeLog& Raw(Json event) {
    events_.push_back(std::move(event));
    return *this;
  }
  const std::string& node() const { return node_; }
  const Json& events() const { return events_; }

 private:
  NodeLog& Add(const char* type, Json fields) {
    const auto n = static_cast<int64_t>(events_.size());
    fields["type"] = type;
    fields["node"] = node_;
    fields["t_ns"] = 1'700'000'000'000'000'000 + n * 1'000'000;
    fields["mono_ns"] = 5'000'000'000 + n * 1'000'000;
    events_.push_back(std::move(fields));
    return *this;
  }

  std::string node_;
  Json events_ = Json::array();
};

// The raft-events answer of `logs`, with `errors` (node → why).
Json Answer(const std::vector<NodeLog>& logs, Json errors = Json::object()) {
  Json events = Json::object();
  for (const NodeLog& l : logs) events[l.node()] = l.events();
  return {{"events", events}, {"errors", errors}};
}

Json StatusValue(const std::string& node, const char* role, int64_t term, Json leader) {
  return {{"node", node},     {"role", role}, {"term", term},
          {"leader", leader}, {"commit", 3},  {"applied", 3}};
}

void AppendEvents(HistoryBuilder& b, const Json& answer) {
  b.Invoke(kFinalProcess, ops::kRaftEvents).Ok(kFinalProcess, answer);
}

// Three nodes, three terms: n1 leads term 1 and commits 1..3; n2 wins term 2 with them and
// commits 4..6; n3 wins term 3 with 1..6 and commits 7..8. Votes, followers, restarts and an
// event type this checker does not know (with extra fields) along the way.
std::vector<NodeLog> CleanLogs() {
  NodeLog n1("n1"), n2("n2"), n3("n3");
  n1.Start(0, nullptr, 0).Role(ops::kCandidate, 1, nullptr).Leader(1, 0, Json::array());
  n1.Commit(1, 1, 3, {{1, 1}});
  n1.Raw({{"type", "snapshot"}, {"node", "n1"}, {"upto", 3}});  // unknown type: skipped
  n1.Role(ops::kFollower, 2, "n2").Start(2, "n2", 6).Role(ops::kFollower, 3, "n3");
  n2.Start(0, nullptr, 0).Vote(1, "n1").Role(ops::kFollower, 1, "n1");
  n2.Role(ops::kCandidate, 2, nullptr).Leader(2, 3, {{1, 1}});
  n2.Commit(2, 4, 6, {{4, 2}}).Vote(3, "n3").Role(ops::kFollower, 3, "n3");
  n3.Start(0, nullptr, 0).Set("build", "dev");  // an extra field on a known event is fine
  n3.Vote(1, "n1").Role(ops::kFollower, 1, "n1").Vote(2, "n2");
  n3.Role(ops::kFollower, 2, "n2").Role(ops::kCandidate, 3, nullptr);
  n3.Leader(3, 6, {{1, 1}, {4, 2}}).Commit(3, 7, 8, {{7, 3}});
  return {n1, n2, n3};
}

// Client traffic: writes and status answers consistent with CleanLogs.
void AppendClientOps(HistoryBuilder& b) {
  b.Invoke(0, ops::kWrite, 1, ops::kKey).Ok(0);
  b.Invoke(1, ops::kStatus).Ok(1, StatusValue("n1", ops::kLeader, 1, "n1"));
  b.Invoke(2, ops::kStatus).Ok(2, StatusValue("n2", ops::kFollower, 1, "n1"));
  b.Invoke(0, ops::kWrite, 2, ops::kKey).Ok(0);
  b.Invoke(1, ops::kStatus).Ok(1, StatusValue("n2", ops::kLeader, 2, "n2"));
  b.Invoke(2, ops::kStatus).Fail(2);
  b.Invoke(0, ops::kWrite, 3, ops::kKey).Info(0);
  b.Invoke(3, ops::kStatus).Ok(3, StatusValue("n3", ops::kLeader, 3, "n3"));
  b.Invoke(3, ops::kWrite, 4, ops::kKey).Ok(3);
}

History Build(const Json& answer, bool client_ops = true) {
  HistoryBuilder b;
  if (client_ops) AppendClientOps(b);
  AppendEvents(b, answer);
  REQUIRE(b.history().Validate().ok());
  return b.history();
}

CheckResult Run(const History& h, ElectionSafetyOptions options = {}) {
  CheckResult r = ElectionSafetyChecker(options).Check(h, CheckBudget{});
  INFO(r.ToJson().dump(2));
  return r;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The one violation of an invalid `r`: of `type`, counted once in details[count].
Json OnlyViolation(const CheckResult& r, const char* count, const char* type) {
  REQUIRE(r.valid == Validity::kInvalid);
  CHECK(r.details[count] == 1);
  REQUIRE(r.details["anomalies"].size() == 1);
  CHECK(r.details["anomalies"][0]["type"] == type);
  return r.details["anomalies"][0];
}

// ---- accepted ----

TEST_CASE("election-safety: elections across terms with commits covered are valid", "[election]") {
  CheckResult r = Run(Build(Answer(CleanLogs())));
  INFO(r.ToJson().dump(2));
  REQUIRE(r.valid == Validity::kValid);
  const Json& d = r.details;
  CHECK(d["nodes"] == Json::array({"n1", "n2", "n3"}));
  CHECK(d["missing_nodes"].empty());
  CHECK(d["elections"] == 3);
  CHECK(d["terms"] == 3);
  CHECK(d["leaders"] == 3);
  CHECK(d["leader_nodes"] == Json::array({"n1", "n2", "n3"}));
  CHECK(d["status_ops"] == 4);
  CHECK(d["commit_events"] == 3);
  CHECK(d["committed_index"] == 8);
  CHECK(d["skipped_event_types"] == Json{{"snapshot", 1}});
  CHECK(d["election_safety_violations"] == 0);
  CHECK(d["leader_completeness_violations"] == 0);
  CHECK(d["commit_conflicts"] == 0);
  CHECK(d["anomalies"].empty());
  CHECK(r.anomalies.empty());
  CHECK(Contains(r.summary, "one leader per term"));
}

TEST_CASE("election-safety: overlapping commits that agree, and a same-term leader, are fine",
          "[election]") {
  // n2 restarts as leader of term 2 with commit index 0, so it reports 1..6 committed again,
  // agreeing with n1's 1..3; n1 reports leadership of term 1 twice (a repeated event).
  NodeLog n1("n1"), n2("n2");
  n1.Leader(1, 0, Json::array()).Commit(1, 1, 3, {{1, 1}}).Leader(1, 0, Json::array());
  n2.Leader(2, 3, {{1, 1}}).Commit(2, 1, 6, {{1, 1}, {4, 2}});
  CheckResult r = Run(Build(Answer({n1, n2}), false));
  REQUIRE(r.valid == Validity::kValid);
  CHECK(r.details["committed_index"] == 6);
  // 1..3 first committed in term 1, 4..6 in term 2.
  CHECK(r.details["committed_runs"] == 2);
}

// ---- rejected ----

TEST_CASE("election-safety: two leaders of one term in the events are invalid", "[election]") {
  std::vector<NodeLog> logs = CleanLogs();
  logs[0].Leader(2, 3, {{1, 1}});  // n1 also says it won term 2
  CheckResult r = Run(Build(Answer(logs)));
  REQUIRE(r.valid == Validity::kInvalid);
  CHECK(r.details["election_safety_violations"] == 1);
  const Json& a = r.details["anomalies"][0];
  CHECK(a["type"] == "two-leaders");
  CHECK(a["term"] == 2);
  REQUIRE(a["leaders"].size() == 2);
  CHECK(a["leaders"][0]["node"] == "n1");
  CHECK(a["leaders"][0]["events"] == Json::array({8}));
  CHECK(a["leaders"][1]["node"] == "n2");
  CHECK(a["leaders"][1]["events"] == Json::array({4}));
  // n2's status said it led term 2 too.
  CHECK(a["leaders"][1]["ops"].size() == 1);
  CHECK(Contains(
      a["explanation"],
      "term 2 had 2 leaders: n1 (its event at position 8), n2 (its event at position 4; "));
  REQUIRE(r.anomalies.size() == 1);
  CHECK(r.anomalies[0].type == "two-leaders");
  CHECK(r.anomalies[0].ops.back() == 18);  // the raft-events op's invoke
  CHECK(Contains(r.summary, "1 term with more than one leader"));
}

TEST_CASE("election-safety: two leaders of one term in status answers are invalid", "[election]") {
  HistoryBuilder b;
  AppendClientOps(b);
  const int64_t first = b.next_index();
  b.Invoke(4, ops::kStatus).Ok(4, StatusValue("n1", ops::kLeader, 3, "n1"));
  AppendEvents(b, Answer(CleanLogs()));
  CheckResult r = Run(b.history());
  REQUIRE(r.valid == Validity::kInvalid);
  const Json& a = r.details["anomalies"][0];
  CHECK(a["term"] == 3);
  CHECK(a["leaders"][0]["node"] == "n1");
  CHECK(a["leaders"][0]["ops"] == Json::array({first}));
  CHECK(a["leaders"][0]["events"].empty());
  CHECK(a["leaders"][1]["node"] == "n3");
  // The typed anomaly names both status ops, dated by them, and the events.
  REQUIRE(r.anomalies.size() == 1);
  CHECK(r.anomalies[0].ops == std::vector<int64_t>{first, 14, first + 2});
  CHECK(r.anomalies[0].start_ns.has_value());
}

TEST_CASE("election-safety: two leaders in status answers alone are invalid, events or not",
          "[election]") {
  HistoryBuilder b;
  b.Invoke(0, ops::kStatus).Ok(0, StatusValue("n1", ops::kLeader, 4, "n1"));
  b.Invoke(1, ops::kStatus).Ok(1, StatusValue("n2", ops::kLeader, 4, "n2"));
  CheckResult r = Run(b.history());  // no raft-events op at all
  REQUIRE(r.valid == Validity::kInvalid);
  CHECK(r.details["incomplete"][0].get<std::string>().find("no ok raft-events op") !=
        std::string::npos);
  CHECK(r.anomalies[0].ops == std::vector<int64_t>{0, 2});
}

TEST_CASE("election-safety: a later leader missing a committed entry is invalid", "[election]") {
  // n1 committed 1..3 in term 1; n2 won term 2 with only 1..2.
  NodeLog n1("n1"), n2("n2");
  n1.Leader(1, 0, Json::array()).Commit(1, 1, 3, {{1, 1}});
  n2.Vote(1, "n1").Leader(2, 2, {{1, 1}});
  CheckResult r = Run(Build(Answer({n1, n2}), false));
  const Json a = OnlyViolation(r, "leader_completeness_violations", "leader-incomplete");
  CHECK(a["index"] == 3);
  CHECK(a["to_index"] == 3);
  CHECK(a["committed_term"] == 1);
  CHECK(a["commit_term"] == 1);
  CHECK(a["commit_node"] == "n1");
  CHECK(a["commit_event"] == 1);
  CHECK(a["leader"] == "n2");
  CHECK(a["leader_term"] == 2);
  CHECK(a["leader_event"] == 1);
  CHECK(a["had"] == "missing");
  CHECK(a["explanation"] ==
        "entry 3, committed with term 1 by n1's event at position 1 (a commit of term 1), is "
        "missing from the log of n2, leader of the later term 2 (its event at position 1; its log "
        "ends at entry 2)");
  CHECK(r.anomalies[0].ops == std::vector<int64_t>{0});
}

TEST_CASE("election-safety: a later leader with another term at a committed index is invalid",
          "[election]") {
  // n1 committed 1..4 (term 1) in term 1; n3 won term 3 with 3..4 of term 2 instead.
  NodeLog n1("n1"), n3("n3");
  n1.Leader(1, 0, Json::array()).Commit(1, 1, 2, {{1, 1}}).Commit(1, 3, 4, {{3, 1}});
  n3.Leader(3, 5, {{1, 1}, {3, 2}});
  CheckResult r = Run(Build(Answer({n1, n3}), false));
  const Json a = OnlyViolation(r, "leader_completeness_violations", "leader-incomplete");
  CHECK(a["index"] == 3);
  CHECK(a["to_index"] == 4);
  CHECK(a["committed_term"] == 1);
  CHECK(a["commit_event"] == 2);
  CHECK(a["had"] == 2);
  CHECK(Contains(a["explanation"],
                 "entries 3..4, committed with term 1 by n1's event at position 2"));
  CHECK(Contains(a["explanation"], "has term 2 in the log of n3, leader of the later term 3"));
}

TEST_CASE("election-safety: an entry committed late is judged from its commit's term",
          "[election]") {
  // n2 (term 2) committed 1..3 holding term-1 entries: leaders of term 2 need not have them
  // (n2 itself is that leader); the leader of term 3 must, and lacks index 3.
  NodeLog n1("n1"), n2("n2"), n3("n3");
  n1.Leader(1, 0, Json::array());
  n2.Leader(2, 3, {{1, 1}}).Commit(2, 1, 3, {{1, 1}});
  n3.Leader(3, 2, {{1, 1}});
  CheckResult r = Run(Build(Answer({n1, n2, n3}), false));
  const Json a = OnlyViolation(r, "leader_completeness_violations", "leader-incomplete");
  CHECK(a["leader"] == "n3");
  CHECK(a["commit_term"] == 2);
}

TEST_CASE("election-safety: commits that disagree on an index's term are invalid", "[election]") {
  NodeLog n1("n1"), n2("n2");
  n1.Commit(1, 1, 3, {{1, 1}});
  n2.Commit(2, 3, 4, {{3, 2}});
  CheckResult r = Run(Build(Answer({n1, n2}), false));
  const Json a = OnlyViolation(r, "commit_conflicts", "commit-conflict");
  CHECK(a["index"] == 3);
  CHECK(a["to_index"] == 3);
  CHECK(a["a"] == Json{{"node", "n1"}, {"event", 0}, {"commit_term", 1}, {"entry_term", 1}});
  CHECK(a["b"] == Json{{"node", "n2"}, {"event", 0}, {"commit_term", 2}, {"entry_term", 2}});
  CHECK(a["explanation"] ==
        "entry 3 committed with term 1 by n1's commit of term 1 (its event at position 0) and "
        "with term 2 by n2's commit of term 2 (its event at position 0)");
  CHECK(r.details["committed_index"] == 4);
}

// ---- unknown ----

TEST_CASE("election-safety: a node whose events could not be read makes it unknown", "[election]") {
  std::vector<NodeLog> logs = CleanLogs();
  logs.pop_back();  // n3's log: not read
  CheckResult r = Run(Build(Answer(logs, {{"n3", "connect: connection refused"}})));
  REQUIRE(r.valid == Validity::kUnknown);
  CHECK(r.details["reason"] == "events-missing");
  CHECK(r.details["missing_nodes"] ==
        Json::array({{{"node", "n3"}, {"why", "connect: connection refused"}}}));
  CHECK(Contains(r.details["message"], "the event logs of n3 (connect: connection refused)"));
  CHECK(Contains(r.summary, "unknown: "));
}

TEST_CASE("election-safety: a node the events name but the answer lacks makes it unknown",
          "[election]") {
  std::vector<NodeLog> logs = CleanLogs();
  logs.pop_back();  // n3 is gone without an error; n2 voted for it, n3 answered a status
  CheckResult r = Run(Build(Answer(logs)));
  REQUIRE(r.valid == Validity::kUnknown);
  CHECK(r.details["missing_nodes"][0]["node"] == "n3");
  CHECK(r.details["missing_nodes"][0]["why"] ==
        "named by the events but not in the raft-events answer");
}

TEST_CASE("election-safety: without a raft-events op it is unknown", "[election]") {
  HistoryBuilder b;
  AppendClientOps(b);
  b.Invoke(kFinalProcess, ops::kRaftEvents).Fail(kFinalProcess);
  CheckResult r = Run(b.history());
  REQUIRE(r.valid == Validity::kUnknown);
  CHECK(r.details["reason"] == "no-raft-events");
  CHECK(r.details["message"] ==
        "no node's event log was read: the history has no ok raft-events op (1 attempt, none "
        "ok)");
  // What the statuses show is still counted.
  CHECK(r.details["leaders"] == 3);
  CHECK(r.details["terms"] == 3);
}

TEST_CASE("election-safety: a malformed event is unknown, naming the node and its position",
          "[election]") {
  std::vector<NodeLog> logs = CleanLogs();
  Json bad = logs[1].events()[5];  // n2's commit
  bad["from"] = "4";
  NodeLog n2("n2");
  for (size_t i = 0; i < logs[1].events().size(); ++i) {
    n2.Raw(i == 5 ? bad : logs[1].events()[i]);
  }
  logs[1] = n2;
  CheckResult r = Run(Build(Answer(logs)));
  REQUIRE(r.valid == Validity::kUnknown);
  CHECK(r.details["reason"] == "bad-raft-events");
  CHECK(r.details["message"] ==
        "node n2, event at position 5 (commit): \"from\" must be an integer >= 1 (raft-events "
        "op 19)");
}

// An event of n1's log: its type and the fields every event has, then `fields` (which may
// replace them).
Json N1Event(const char* type, const Json& fields) {
  Json e = {{"type", type}, {"node", "n1"}, {"t_ns", 1}, {"mono_ns", 1}};
  e.update(fields);
  return e;
}

TEST_CASE("election-safety: each kind of malformed known event is named", "[election]") {
  const Json leader = {{"term", 2}, {"role", "leader"}, {"leader", "n1"}, {"last_index", 4}};
  const Json commit = {{"term", 2}, {"from", 3}, {"to", 4}};
  auto with = [](Json base, const Json& more) {
    base.update(more);
    return base;
  };
  const std::vector<std::pair<Json, std::string>> cases = {
      {Json::array({1}), "position 0: not an object"},
      {{{"node", "n1"}}, "\"type\" must be a string"},
      {N1Event("vote", {{"node", "n2"}, {"term", 1}, {"for", "n2"}}),
       "position 0 (vote): \"node\" is \"n2\" in the log of n1"},
      {N1Event("vote", {{"t_ns", 1.5}, {"term", 1}}), "\"t_ns\" must be an integer"},
      {N1Event("role", {{"term", 1}, {"role", "boss"}}),
       "\"role\" must be \"leader\", \"follower\" or \"candidate\""},
      {N1Event("role", with(leader, {{"log_terms", {{2, 1}}}})),
       "\"log_terms\" must start with a run at entry 1"},
      {N1Event("role", with(leader, {{"log_terms", {{1, 2}, {3, 1}}}})),
       "\"log_terms\" run 1 does not follow the run before it"},
      {N1Event("commit", with(commit, {{"to", 2}, {"log_terms", Json::array()}})),
       "\"to\" must be an integer >= 3"},
      {N1Event("commit", with(commit, {{"log_terms", {{3, 2}, {5, 3}}}})),
       "\"log_terms\" run 1 starts at entry 5, outside 3..4"},
  };
  for (const auto& [event, message] : cases) {
    NodeLog n1("n1");
    n1.Raw(event);
    CheckResult r = Run(Build(Answer({n1}), false));
    INFO(event.dump() << " → " << r.details.value("message", ""));
    CHECK(r.valid == Validity::kUnknown);
    CHECK(r.details["reason"] == "bad-raft-events");
    CHECK(Contains(r.details["message"], "node n1, event at position 0"));
    CHECK(Contains(r.details["message"], message));
  }
}

TEST_CASE("election-safety: a malformed answer or status is unknown, naming the op", "[election]") {
  {
    CheckResult r = Run(Build(Json{{"events", Json::array()}}, false));
    REQUIRE(r.valid == Validity::kUnknown);
    CHECK(r.details["message"] ==
          "raft-events op 1: its value must be an object with an object "
          "\"events\" (node -> list of events)");
  }
  {
    CheckResult r = Run(Build(Json{{"events", Json::object()}}, false));
    REQUIRE(r.valid == Validity::kUnknown);
    CHECK(r.details["message"] == "the raft-events answer holds no node's events");
  }
  {
    HistoryBuilder b;
    b.Invoke(0, ops::kStatus).Ok(0, Json{{"node", "n1"}, {"role", "leader"}});
    AppendEvents(b, Answer(CleanLogs()));
    CheckResult r = Run(b.history());
    REQUIRE(r.valid == Validity::kUnknown);
    CHECK(r.details["reason"] == "bad-status");
    CHECK(r.details["message"] == "op 1: status value's \"term\" must be an integer >= 0");
  }
}

// ---- availability figures ----

// A write of `value` by `process`, invoked at invoke_ms and completed `type` at done_ms.
void Write(TimedHistory& t, double invoke_ms, double done_ms, int64_t process, OpType type,
           int64_t value) {
  t.Add(invoke_ms, process, OpType::kInvoke, ops::kWrite, value, nullptr, ops::kKey);
  t.Add(done_ms, process, type, ops::kWrite, value, nullptr, ops::kKey);
}

// A fault op invoked at `ms`, its info completion 1 ms later.
void Fault(TimedHistory& t, double ms, const std::string& f, Json value) {
  t.Nemesis(ms, OpType::kInvoke, f, value).Nemesis(ms + 1, OpType::kInfo, f, value);
}

// Writes every 100 ms until a kill at 399..400 ms; n1's writes hang or fail until one invoked
// at 2100 ms is ok at 2600 ms; a partition at 2649..2650; ok writes until 2800; a last write
// fails at 4500 ms.
History OutageHistory() {
  TimedHistory t;
  Write(t, 50, 100, 0, OpType::kOk, 1);
  Write(t, 150, 200, 0, OpType::kOk, 2);
  Write(t, 250, 300, 0, OpType::kOk, 3);
  t.Add(390, 1, OpType::kInvoke, ops::kWrite, 4, nullptr, ops::kKey);  // under way at the kill
  Fault(t, 399, "kill", {{"nodes", {"n1"}}});
  t.Add(410, 1, OpType::kOk, ops::kWrite, 4, nullptr, ops::kKey);
  Write(t, 420, 900, 0, OpType::kFail, 5);
  Write(t, 950, 2000, 2, OpType::kInfo, 6);
  t.Add(2050, 3, OpType::kInvoke, ops::kStatus).Add(2060, 3, OpType::kFail, ops::kStatus);
  Write(t, 2100, 2600, 4, OpType::kOk, 7);
  Fault(t, 2649, "start-partition", {{"kind", "halves"}});
  Write(t, 2660, 2700, 4, OpType::kOk, 8);
  Write(t, 2750, 2800, 4, OpType::kOk, 9);
  Fault(t, 3000, "start", {{"nodes", {"n1"}}});  // ends the kill: not a fault start
  Write(t, 3100, 4500, 4, OpType::kFail, 10);
  t.Add(4600, kFinalProcess, OpType::kInvoke, ops::kRaftEvents);
  t.Add(4700, kFinalProcess, OpType::kOk, ops::kRaftEvents, Answer(CleanLogs()));
  REQUIRE(t.history().Validate().ok());
  return t.history();
}

TEST_CASE("election-safety: unavailability windows and recovery after faults", "[election]") {
  CheckResult r = Run(OutageHistory());
  const Json& d = r.details;
  CHECK(r.valid == Validity::kValid);
  CHECK(d["unavailable_threshold_ms"] == 1000.0);
  CHECK(d["ok_writes"] == 7);
  // 410 → 2600 (2190 ms), and 2800 → the last write at 4500 (1700 ms, until the end).
  CHECK(d["unavailable_windows"] == 2);
  CHECK(d["unavailability"] ==
        Json::array({{{"from_ns", 410'000'000}, {"to_ns", 2'600'000'000}, {"ms", 2190.0}},
                     {{"from_ns", 2'800'000'000},
                      {"to_ns", 4'500'000'000},
                      {"ms", 1700.0},
                      {"until_end", true}}}));
  CHECK(d["total_unavailable_ms"] == 3890.0);
  CHECK(d["longest_unavailable_ms"] == 2190.0);
  REQUIRE(d["timeline_bands"].size() == 2);
  CHECK(d["timeline_bands"][0] == Json{{"from_ns", 410'000'000},
                                       {"to_ns", 2'600'000'000},
                                       {"label", "no ok write for 2.190 s"}});
  CHECK(d["timeline_bands"][1]["label"] == "no ok write for 1.700 s (until the run's last write)");
  // The kill completed at 400 ms; the write that completed at 410 ms was invoked before it,
  // so recovery is the write invoked at 2100 ms, ok at 2600 ms. The partition: 50 ms.
  CHECK(d["faults"] == 2);
  REQUIRE(d["recoveries"].size() == 2);
  CHECK(d["recoveries"][0] == Json{{"op", 8},
                                   {"f", "kill"},
                                   {"family", "kill"},
                                   {"at_ns", 400'000'000},
                                   {"recovery_ms", 2200.0}});
  CHECK(d["recoveries"][1]["family"] == "partition");
  CHECK(d["recoveries"][1]["recovery_ms"] == 50.0);
  CHECK(d["max_recovery_ms"] == 2200.0);
  CHECK(Contains(r.summary, "unavailable 3.890 s in 2 windows"));
}

TEST_CASE("election-safety: the threshold option, the start of the run and no writes at all",
          "[election]") {
  {
    // Through the workload: its option reaches the checker.
    const Workload* w = FindWorkload("election");
    REQUIRE(w != nullptr);
    WorkloadConfig config;
    config.options = {{"unavailable_threshold_ms", 2000}};
    CheckResult r = w->Make(config, 1).checker->Check(OutageHistory(), CheckBudget{});
    const Json& d = r.details;
    CHECK(d["unavailable_windows"] == 1);
    CHECK(d["longest_unavailable_ms"] == 2190.0);
  }
  {
    // The first ok write 1.5 s into the run; a fault whose recovery never comes.
    TimedHistory t;
    Fault(t, 100, "pause", {{"nodes", {"n1"}}});
    Write(t, 1400, 1500, 0, OpType::kOk, 1);
    Fault(t, 1600, "restart", {{"nodes", {"n2"}}});
    Write(t, 1700, 1800, 0, OpType::kFail, 2);
    CheckResult r = Run(t.history());
    const Json& d = r.details;
    CHECK(d["unavailability"] ==
          Json::array({{{"from_ns", 0}, {"to_ns", 1'500'000'000}, {"ms", 1500.0}}}));
    CHECK(d["recoveries"][0]["recovery_ms"] == 1399.0);  // from the pause's completion at 101
    CHECK(d["recoveries"][1]["family"] == "restart");
    CHECK(d["recoveries"][1]["recovery_ms"].is_null());
    CHECK(d["max_recovery_ms"] == 1399.0);
  }
  {
    TimedHistory t;
    t.Add(0, 0, OpType::kInvoke, ops::kStatus).Add(1, 0, OpType::kFail, ops::kStatus);
    CheckResult r = Run(t.history());
    CHECK(r.details["total_unavailable_ms"].is_null());
    CHECK(r.details["longest_unavailable_ms"].is_null());
    CHECK(r.details["max_recovery_ms"].is_null());
    CHECK(r.details["unavailability"].empty());
  }
}

// ---- a large log ----

TEST_CASE("election-safety: 10^6-entry logs over 100 terms are compared run-wise",
          "[election][large]") {
  // The leader of term k (node n(k mod 3)) wins with (k-1) * 10^4 entries, one run per term,
  // and commits 10^4 entries of its own term in ten commit events.
  constexpr int64_t kTerms = 100, kPerTerm = 10'000;
  std::vector<NodeLog> logs = {NodeLog("n0"), NodeLog("n1"), NodeLog("n2")};
  Json runs = Json::array();
  for (int64_t k = 1; k <= kTerms; ++k) {
    NodeLog& leader = logs[k % 3];
    leader.Leader(k, (k - 1) * kPerTerm, runs);
    for (int64_t c = 0; c < 10; ++c) {
      const int64_t from = (k - 1) * kPerTerm + c * kPerTerm / 10 + 1;
      leader.Commit(k, from, from + kPerTerm / 10 - 1, {{from, k}});
    }
    runs.push_back({(k - 1) * kPerTerm + 1, k});
  }
  // A last leader whose log lost the newest term's entries: 10^4 committed entries missing.
  Json lost_newest = runs;
  lost_newest.erase(lost_newest.size() - 1);
  logs[1].Leader(kTerms + 1, (kTerms - 1) * kPerTerm, lost_newest);
  const History history = Build(Answer(logs), false);
  const auto started = std::chrono::steady_clock::now();
  CheckResult r = Run(history);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  INFO("checked in " << ms << " ms");
  REQUIRE(r.valid == Validity::kInvalid);
  CHECK(r.details["committed_index"] == kTerms * kPerTerm);
  CHECK(r.details["committed_runs"] == kTerms);
  CHECK(r.details["elections"] == kTerms + 1);
  CHECK(r.details["leader_completeness_violations"] == 1);
  CHECK(r.details["anomalies"][0]["index"] == (kTerms - 1) * kPerTerm + 1);
  CHECK(r.details["anomalies"][0]["to_index"] == kTerms * kPerTerm);
  CHECK(r.details["anomalies"][0]["had"] == "missing");
}

TEST_CASE("election-safety: a 10^6-entry log of 10^5 runs, against later leaders",
          "[election][large]") {
  // The leader of term 10^5 + 1 commits 1..10^6, whose entries have terms 1..10^5 (ten
  // entries each); three later leaders hold that whole log; a fourth kept only 1..60 and has
  // its own term kRuns + 4 from index 61 on.
  constexpr int64_t kRuns = 100'000, kPer = 10, kLast = kRuns * kPer;
  Json runs = Json::array();
  for (int64_t k = 0; k < kRuns; ++k) runs.push_back({k * kPer + 1, k + 1});
  NodeLog n1("n1"), n2("n2");
  n1.Leader(kRuns + 1, kLast, runs).Commit(kRuns + 1, 1, kLast, runs);
  for (int64_t t = kRuns + 2; t <= kRuns + 4; ++t) n2.Leader(t, kLast, runs);
  Json diverged = Json::array();
  for (int64_t k = 0; k < 6; ++k) diverged.push_back(runs[k]);
  diverged.push_back({61, kRuns + 4});
  n1.Leader(kRuns + 5, kLast, diverged);
  const History history = Build(Answer({n1, n2}), false);
  const auto started = std::chrono::steady_clock::now();
  CheckResult r = Run(history);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  INFO("checked in " << ms << " ms");
  REQUIRE(r.valid == Validity::kInvalid);
  CHECK(r.details["committed_index"] == kLast);
  CHECK(r.details["committed_runs"] == kRuns);
  // One violation per committed run from index 61 on, all counted, 100 listed.
  CHECK(r.details["leader_completeness_violations"] == kRuns - 6);
  CHECK(r.details["anomalies"].size() == 100);
  CHECK(r.details["anomalies_truncated"] == true);
  CHECK(r.details["anomalies"][0]["index"] == 61);
  CHECK(r.details["anomalies"][0]["to_index"] == 70);
  CHECK(r.details["anomalies"][0]["committed_term"] == 7);
  CHECK(r.details["anomalies"][0]["had"] == kRuns + 4);
  CHECK(r.details["anomalies"][0]["leader_term"] == kRuns + 5);

  // Out of time: unknown, saying so.
  CheckBudget budget;
  budget.time_limit = std::chrono::milliseconds(1);
  CheckResult limited = ElectionSafetyChecker().Check(history, budget);
  INFO(limited.summary);
  CHECK(limited.valid == Validity::kUnknown);
  CHECK(limited.details["reason"] == "time-limit");
}

}  // namespace
}  // namespace coordcheck::test
