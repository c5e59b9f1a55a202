#include "targets/raft/core.h"

#include <algorithm>
#include <cassert>
#include <limits>

namespace coordcheck::raft {

const char* RoleName(Role role) {
  switch (role) {
    case Role::kFollower:
      return "follower";
    case Role::kPreCandidate:
      return "pre-candidate";
    case Role::kCandidate:
      return "candidate";
    case Role::kLeader:
      return "leader";
  }
  return "?";
}

Core::Core(Config config, const Recovered& recovered)
    : config_(std::move(config)), rng_(config_.seed) {
  assert(config_.nodes >= 1 && config_.id >= 0 && config_.id < config_.nodes);
  if (config_.names.empty()) {
    for (int i = 0; i < config_.nodes; ++i) config_.names.push_back("n" + std::to_string(i + 1));
  }
  if (!config_.wall_ms) config_.wall_ms = [] { return int64_t{0}; };
  if (recovered.snapshot) {
    snapshot_ = *recovered.snapshot;
    log_.InstallSnapshot(snapshot_);
  }
  for (const Entry& entry : recovered.entries) log_.Append(entry);
  term_ = recovered.hard_state.term;
  voted_for_ = recovered.hard_state.voted_for;
  commit_ = applied_ = log_.snapshot_index();
  const size_t n = static_cast<size_t>(config_.nodes);
  votes_.assign(n, false);
  rejections_.assign(n, false);
  recent_active_.assign(n, false);
  next_.assign(n, 1);
  match_.assign(n, 0);
  acked_round_.assign(n, 0);
  ResetElectionTimer();
}

void Core::ResetElectionTimer() {
  election_elapsed_ = 0;
  std::uniform_int_distribution<int> draw(config_.election_ticks, 2 * config_.election_ticks - 1);
  randomized_timeout_ = draw(rng_);
}

void Core::MarkUnstable(uint64_t index) {
  if (unstable_from_ == 0 || index < unstable_from_) unstable_from_ = index;
}

void Core::RoleEvent() {
  Json event = {{"type", "role"},
                {"role", RoleName(role_)},
                {"term", term_},
                {"leader", leader_ < 0 ? Json(nullptr) : Json(Name(leader_))}};
  if (event == last_role_event_) return;
  last_role_event_ = event;
  if (role_ == Role::kPreCandidate) return;  // not a Raft role: nothing changed for others
  if (role_ == Role::kLeader) {
    event["last_index"] = log_.last_index();
    event["log_terms"] = RunsToJson(log_.Runs(1, log_.last_index()));
  }
  ready_.events.push_back(std::move(event));
}

void Core::SetLeader(int leader) {
  if (leader_ == leader) return;
  leader_ = leader;
  RoleEvent();
}

void Core::BecomeFollower(uint64_t term, int leader) {
  if (term > term_) {
    term_ = term;
    voted_for_ = -1;
    MarkHardState();
  }
  if (role_ == Role::kLeader) DropReads();
  role_ = Role::kFollower;
  leader_ = leader;
  broadcast_due_ = round_due_ = false;
  ResetElectionTimer();
  RoleEvent();
}

void Core::BecomePreCandidate() {
  role_ = Role::kPreCandidate;
  leader_ = -1;
  std::fill(votes_.begin(), votes_.end(), false);
  std::fill(rejections_.begin(), rejections_.end(), false);
  votes_[config_.id] = true;
  ResetElectionTimer();
  RoleEvent();
  if (IsQuorum(1)) {
    BecomeCandidate();
    return;
  }
  RequestVotes(MsgType::kPreVote, term_ + 1);
}

void Core::BecomeCandidate() {
  role_ = Role::kCandidate;
  ++term_;
  voted_for_ = config_.id;
  MarkHardState();
  leader_ = -1;
  std::fill(votes_.begin(), votes_.end(), false);
  std::fill(rejections_.begin(), rejections_.end(), false);
  votes_[config_.id] = true;
  ResetElectionTimer();
  RoleEvent();
  if (IsQuorum(1)) {
    BecomeLeader();
    return;
  }
  RequestVotes(MsgType::kVote, term_);
}

void Core::BecomeLeader() {
  role_ = Role::kLeader;
  leader_ = config_.id;
  std::fill(next_.begin(), next_.end(), log_.last_index() + 1);
  std::fill(match_.begin(), match_.end(), 0);
  std::fill(acked_round_.begin(), acked_round_.end(), 0);
  std::fill(recent_active_.begin(), recent_active_.end(), false);
  round_started_wall_.clear();
  lease_until_wall_ = 0;
  heartbeat_elapsed_ = 0;
  election_elapsed_ = 0;
  RoleEvent();  // the log as won, before the no-op
  if (!config_.bugs.commit_prior_term) {
    log_.Append({log_.last_index() + 1, term_, ""});
    MarkUnstable(log_.last_index());
  }
  match_[config_.id] = log_.last_index();
  BroadcastAppend(true);
  MaybeCommit();
}

void Core::RequestVotes(MsgType type, uint64_t term) {
  for (int peer = 0; peer < config_.nodes; ++peer) {
    if (peer == config_.id) continue;
    Message m;
    m.type = type;
    m.to = peer;
    m.term = term;
    m.index = log_.last_index();
    m.log_term = log_.last_term();
    Send(std::move(m));
  }
}

void Core::CampaignOrPreCampaign() { BecomePreCandidate(); }

void Core::Send(Message message) {
  message.from = config_.id;
  ready_.messages.push_back(std::move(message));
}

void Core::SendAppend(int peer, bool heartbeat) {
  (void)heartbeat;
  Message m;
  m.to = peer;
  m.term = term_;
  m.round = round_;
  if (next_[peer] <= log_.snapshot_index()) {
    m.type = MsgType::kSnapshot;
    m.snapshot = snapshot_;
    next_[peer] = snapshot_.index + 1;
    Send(std::move(m));
    return;
  }
  m.type = MsgType::kAppend;
  m.index = next_[peer] - 1;
  m.log_term = *log_.TermAt(m.index);
  m.entries = log_.Slice(next_[peer], log_.last_index(), config_.max_entries_per_message);
  m.commit = commit_;
  next_[peer] = m.index + m.entries.size() + 1;
  Send(std::move(m));
}

void Core::BroadcastAppend(bool heartbeat) {
  for (int peer = 0; peer < config_.nodes; ++peer) {
    if (peer != config_.id) SendAppend(peer, heartbeat);
  }
  broadcast_due_ = false;
}

void Core::StartRound() {
  ++round_;
  acked_round_[config_.id] = round_;
  if (config_.bugs.lease_reads) {
    round_started_wall_[round_] = config_.wall_ms();
    while (round_started_wall_.size() > 1024)
      round_started_wall_.erase(round_started_wall_.begin());
  }
  for (PendingRead& read : pending_reads_) {
    if (read.round == 0) read.round = round_;
  }
  round_due_ = false;
  BroadcastAppend(true);
  ProcessReads();  // a cluster of one confirms at once
}

void Core::Tick() {
  ++election_elapsed_;
  if (role_ == Role::kLeader) {
    if (++heartbeat_elapsed_ >= config_.heartbeat_ticks) {
      heartbeat_elapsed_ = 0;
      StartRound();
    }
    if (config_.bugs.lease_reads) {
      // The lease decides, on the wall clock; a fresh leader gets one timeout to get one.
      if (election_elapsed_ >= config_.election_ticks && !LeaseHolds()) {
        BecomeFollower(term_, -1);
      }
      return;
    }
    if (election_elapsed_ >= config_.election_ticks) {
      election_elapsed_ = 0;
      if (!config_.bugs.local_reads) {
        recent_active_[config_.id] = true;
        const int active =
            static_cast<int>(std::count(recent_active_.begin(), recent_active_.end(), true));
        std::fill(recent_active_.begin(), recent_active_.end(), false);
        if (!IsQuorum(active)) BecomeFollower(term_, -1);
      }
    }
    return;
  }
  if (election_elapsed_ >= randomized_timeout_) CampaignOrPreCampaign();
}

bool Core::InLease() const {
  if (leader_ < 0) return false;
  if (role_ == Role::kLeader) return !config_.bugs.local_reads;
  return election_elapsed_ < config_.election_ticks;
}

bool Core::LeaseHolds() const { return config_.wall_ms() < lease_until_wall_; }

void Core::Step(const Message& m) {
  if (m.from < 0 || m.from >= config_.nodes || m.from == config_.id) return;
  if (m.term > term_) {
    const bool vote_request = m.type == MsgType::kPreVote || m.type == MsgType::kVote;
    if (vote_request && InLease()) return;  // §4.2.3: a leader is alive; ignore
    if (m.type == MsgType::kPreVote || (m.type == MsgType::kPreVoteResp && !m.reject)) {
      // A pre-vote is about a future term: our term does not change.
    } else {
      const bool from_leader = m.type == MsgType::kAppend || m.type == MsgType::kSnapshot;
      BecomeFollower(m.term, from_leader ? m.from : -1);
    }
  } else if (m.term < term_) {
    if (m.type == MsgType::kAppend || m.type == MsgType::kSnapshot || m.type == MsgType::kPreVote) {
      // Tell a stale leader (or pre-candidate) about the newer term.
      Message reply;
      reply.type = m.type == MsgType::kPreVote ? MsgType::kPreVoteResp : MsgType::kAppendResp;
      reply.to = m.from;
      reply.term = term_;
      reply.reject = true;
      Send(std::move(reply));
    }
    return;
  }

  switch (m.type) {
    case MsgType::kPreVote:
    case MsgType::kVote:
      HandleVoteRequest(m);
      break;
    case MsgType::kPreVoteResp:
    case MsgType::kVoteResp:
      HandleVoteResponse(m);
      break;
    case MsgType::kAppend:
    case MsgType::kSnapshot:
      if (role_ != Role::kFollower) BecomeFollower(term_, m.from);
      SetLeader(m.from);
      election_elapsed_ = 0;
      if (m.type == MsgType::kAppend) {
        HandleAppend(m);
      } else {
        HandleSnapshot(m);
      }
      break;
    case MsgType::kAppendResp:
      if (role_ == Role::kLeader) HandleAppendResponse(m);
      break;
  }
}

void Core::HandleVoteRequest(const Message& m) {
  const bool pre = m.type == MsgType::kPreVote;
  const bool can_vote =
      voted_for_ == m.from || (voted_for_ < 0 && leader_ < 0) || (pre && m.term > term_);
  const bool grant = can_vote && log_.IsUpToDate(m.index, m.log_term);
  Message reply;
  reply.type = pre ? MsgType::kPreVoteResp : MsgType::kVoteResp;
  reply.to = m.from;
  reply.term = grant && pre ? m.term : term_;
  reply.reject = !grant;
  if (grant && !pre) {
    voted_for_ = m.from;
    MarkHardState();
    ResetElectionTimer();
    ready_.events.push_back({{"type", "vote"}, {"term", term_}, {"for", Name(m.from)}});
  }
  Send(std::move(reply));
}

void Core::HandleVoteResponse(const Message& m) {
  const bool pre = m.type == MsgType::kPreVoteResp;
  if (pre ? (role_ != Role::kPreCandidate || m.term != term_ + 1)
          : (role_ != Role::kCandidate || m.term != term_)) {
    return;
  }
  (m.reject ? rejections_ : votes_)[m.from] = true;
  const int granted = static_cast<int>(std::count(votes_.begin(), votes_.end(), true));
  const int rejected = static_cast<int>(std::count(rejections_.begin(), rejections_.end(), true));
  if (IsQuorum(granted)) {
    if (pre) {
      BecomeCandidate();
    } else {
      BecomeLeader();
    }
  } else if (IsQuorum(rejected)) {
    BecomeFollower(term_, -1);
  }
}

void Core::HandleAppend(const Message& m) {
  Message reply;
  reply.type = MsgType::kAppendResp;
  reply.to = m.from;
  reply.term = term_;
  reply.round = m.round;
  if (m.index < commit_) {
    // Everything up to our commit index is committed, so it matches the leader's log.
    reply.index = commit_;
    Send(std::move(reply));
    return;
  }
  const std::optional<uint64_t> term_at = log_.TermAt(m.index);
  if (!term_at || *term_at != m.log_term) {
    reply.reject = true;
    reply.index = m.index;
    if (!term_at) {
      reply.hint_index = log_.last_index() + 1;
    } else {
      reply.hint_term = *term_at;
      reply.hint_index = log_.FirstIndexOfTerm(m.index);
    }
    Send(std::move(reply));
    return;
  }
  for (const Entry& entry : m.entries) {
    if (entry.index <= log_.last_index()) {
      if (log_.TermAt(entry.index) == entry.term) continue;
      assert(entry.index > commit_);
      log_.TruncateFrom(entry.index);
    }
    log_.Append(entry);
    MarkUnstable(entry.index);
  }
  const uint64_t last_new = m.index + m.entries.size();
  if (m.commit > commit_) CommitTo(std::min(m.commit, last_new));
  reply.index = last_new;
  Send(std::move(reply));
}

void Core::HandleSnapshot(const Message& m) {
  Message reply;
  reply.type = MsgType::kAppendResp;
  reply.to = m.from;
  reply.term = term_;
  reply.round = m.round;
  const Snapshot& s = m.snapshot;
  if (s.index <= commit_) {
    reply.index = commit_;
    Send(std::move(reply));
    return;
  }
  log_.InstallSnapshot(s);
  snapshot_ = s;
  pending_snapshot_ = s;
  commit_ = applied_ = s.index;
  if (unstable_from_ != 0 && unstable_from_ <= s.index) {
    unstable_from_ = log_.last_index() > s.index ? s.index + 1 : 0;
  }
  reply.index = s.index;
  Send(std::move(reply));
}

void Core::HandleAppendResponse(const Message& m) {
  const int peer = m.from;
  recent_active_[peer] = true;
  acked_round_[peer] = std::max(acked_round_[peer], m.round);
  if (m.reject) {
    uint64_t next = m.hint_index;
    if (m.hint_term > 0) {
      const uint64_t candidate = log_.LastIndexOfTermAtMost(m.hint_term);
      if (candidate > log_.snapshot_index() && log_.TermAt(candidate) == m.hint_term) {
        next = candidate + 1;
      }
    }
    next = std::min(next, m.index);  // the leader's `index` was refused: go below it
    next_[peer] = std::max(match_[peer] + 1, std::max<uint64_t>(next, 1));
    SendAppend(peer, false);
  } else {
    match_[peer] = std::max(match_[peer], m.index);
    next_[peer] = std::max(next_[peer], m.index + 1);
    MaybeCommit();
    if (next_[peer] <= log_.last_index()) SendAppend(peer, false);
  }
  ProcessReads();
}

void Core::MaybeCommit() {
  if (role_ != Role::kLeader) return;
  std::vector<uint64_t> matches = match_;
  matches[config_.id] = log_.last_index();
  std::sort(matches.begin(), matches.end(), std::greater<>());
  const uint64_t quorum_index = matches[static_cast<size_t>(config_.nodes / 2)];
  if (quorum_index <= commit_) return;
  if (!config_.bugs.commit_prior_term && log_.TermAt(quorum_index) != term_) return;
  CommitTo(quorum_index);
}

void Core::CommitTo(uint64_t index) {
  if (index <= commit_) return;
  const uint64_t from = commit_ + 1;
  commit_ = index;
  if (role_ != Role::kLeader) return;
  ready_.events.push_back({{"type", "commit"},
                           {"term", term_},
                           {"from", from},
                           {"to", index},
                           {"log_terms", RunsToJson(log_.Runs(from, index))}});
  if (log_.TermAt(commit_) == term_ && !deferred_reads_.empty()) {
    for (uint64_t id : deferred_reads_) pending_reads_.push_back({id, commit_, 0});
    deferred_reads_.clear();
    round_due_ = true;
  }
}

std::optional<std::pair<uint64_t, uint64_t>> Core::Propose(std::string data) {
  if (role_ != Role::kLeader) return std::nullopt;
  const uint64_t index = log_.last_index() + 1;
  log_.Append({index, term_, std::move(data)});
  MarkUnstable(index);
  match_[config_.id] = index;
  broadcast_due_ = true;
  MaybeCommit();  // a cluster of one
  return std::make_pair(index, term_);
}

void Core::ReadIndex(uint64_t id) {
  if (role_ != Role::kLeader) {
    ready_.dropped_reads.push_back(id);
    return;
  }
  if (config_.bugs.local_reads || (config_.bugs.lease_reads && LeaseHolds())) {
    ready_.reads.push_back({id, commit_});
    return;
  }
  if (log_.TermAt(commit_) != term_) {
    deferred_reads_.push_back(id);
    return;
  }
  pending_reads_.push_back({id, commit_, 0});
  round_due_ = true;
}

void Core::ProcessReads() {
  if (role_ != Role::kLeader) return;
  std::vector<uint64_t> rounds = acked_round_;
  rounds[config_.id] = round_;
  std::sort(rounds.begin(), rounds.end(), std::greater<>());
  const uint64_t confirmed = rounds[static_cast<size_t>(config_.nodes / 2)];
  if (config_.bugs.lease_reads && confirmed > 0) {
    auto started = round_started_wall_.find(confirmed);
    if (started != round_started_wall_.end()) {
      lease_until_wall_ = std::max(lease_until_wall_, started->second + config_.lease_ms);
    }
  }
  while (!pending_reads_.empty() && pending_reads_.front().round != 0 &&
         pending_reads_.front().round <= confirmed) {
    ready_.reads.push_back({pending_reads_.front().id, pending_reads_.front().index});
    pending_reads_.pop_front();
  }
}

void Core::DropReads() {
  for (const PendingRead& read : pending_reads_) ready_.dropped_reads.push_back(read.id);
  for (uint64_t id : deferred_reads_) ready_.dropped_reads.push_back(id);
  pending_reads_.clear();
  deferred_reads_.clear();
}

void Core::Compact(uint64_t index, std::string data) {
  if (index <= log_.snapshot_index() || index > applied_) return;
  const uint64_t term = *log_.TermAt(index);
  log_.CompactTo(index);
  snapshot_ = {index, term, log_.snapshot_runs(), std::move(data)};
}

Ready Core::TakeReady() {
  if (role_ == Role::kLeader) {
    if (round_due_) {
      StartRound();
    } else if (broadcast_due_) {
      BroadcastAppend(false);
    }
  }
  Ready ready = std::move(ready_);
  ready_ = Ready();
  if (hard_state_dirty_) {
    ready.hard_state = HardState{term_, config_.bugs.no_persist_vote ? -1 : voted_for_};
    hard_state_dirty_ = false;
  }
  if (pending_snapshot_) {
    ready.snapshot = std::move(pending_snapshot_);
    pending_snapshot_.reset();
  }
  if (unstable_from_ != 0) {
    ready.entries = log_.Slice(std::max(unstable_from_, log_.snapshot_index() + 1),
                               log_.last_index(), std::numeric_limits<size_t>::max());
    unstable_from_ = 0;
  }
  if (commit_ > applied_) {
    ready.committed = log_.Slice(applied_ + 1, commit_, std::numeric_limits<size_t>::max());
    applied_ = commit_;
  }
  return ready;
}

}  // namespace coordcheck::raft
