#include "targets/raft/node.h"

#include <time.h>

#include <algorithm>
#include <fstream>

namespace coordcheck::raft {
namespace {

using Clock = std::chrono::steady_clock;

// WAL record types.
constexpr uint8_t kHardStateRecord = 1;  // {"term","vote"}
constexpr uint8_t kEntryRecord = 2;      // {"i","t","d"}: replaces entries from i on
constexpr uint8_t kSnapshotRecord = 3;   // {"i","t","runs","data"}: replaces everything

int64_t Nanos(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

WalRecord HardStateRecord(const HardState& hs) {
  return {kHardStateRecord, Json{{"term", hs.term}, {"vote", hs.voted_for}}.dump()};
}

WalRecord EntryRecord(const Entry& e) {
  return {kEntryRecord, Json{{"i", e.index}, {"t", e.term}, {"d", e.data}}.dump(
                            -1, ' ', false, Json::error_handler_t::replace)};
}

WalRecord SnapshotRecord(const Snapshot& s) {
  return {
      kSnapshotRecord,
      Json{{"i", s.index}, {"t", s.term}, {"runs", RunsToJson(s.runs)}, {"data", s.data}}.dump()};
}

Outcome Ok(Json value) { return {Outcome::kOk, std::move(value), ""}; }
Outcome Fail(std::string error) { return {Outcome::kFail, nullptr, std::move(error)}; }
Outcome Info(std::string error) { return {Outcome::kInfo, nullptr, std::move(error)}; }

}  // namespace

const std::vector<std::string>& KnownBugs() {
  static const std::vector<std::string> kBugs = {"no-persist-vote",   "local-reads", "lease-reads",
                                                 "commit-prior-term", "no-fence",    "no-fsync"};
  return kBugs;
}

RaftNode::RaftNode(const NodeOptions& options, SendFn send)
    : options_(options), send_(std::move(send)) {
  bugs_.no_persist_vote = options_.bug == "no-persist-vote";
  bugs_.local_reads = options_.bug == "local-reads";
  bugs_.lease_reads = options_.bug == "lease-reads";
  bugs_.commit_prior_term = options_.bug == "commit-prior-term";
  no_fsync_ = options_.bug == "no-fsync";
}

RaftNode::~RaftNode() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  if (loop_.joinable()) loop_.join();
  if (events_ != nullptr) std::fclose(events_);
}

Result<std::unique_ptr<RaftNode>> RaftNode::Start(const NodeOptions& options, SendFn send) {
  using R = Result<std::unique_ptr<RaftNode>>;
  const std::string where =
      "raft " + (options.id >= 0 && options.id < static_cast<int>(options.names.size())
                     ? options.names[options.id]
                     : std::string("?"));
  if (options.names.empty() || options.id < 0 ||
      options.id >= static_cast<int>(options.names.size())) {
    return R::Error(where + ": node index " + std::to_string(options.id) + " is not one of " +
                    std::to_string(options.names.size()) + " nodes");
  }
  if (!options.bug.empty() &&
      std::find(KnownBugs().begin(), KnownBugs().end(), options.bug) == KnownBugs().end()) {
    return R::Error(where + ": unknown bug \"" + options.bug + "\"");
  }
  std::unique_ptr<RaftNode> node(new RaftNode(options, std::move(send)));
  node->events_ = std::fopen(options.events_file.c_str(), "a");
  if (node->events_ == nullptr) {
    return R::Error(where + ": cannot open the event log " + options.events_file);
  }
  if (Status s = node->Recover(); !s.ok()) return R::Error(where + ": " + s.message());
  node->loop_ = std::thread([n = node.get()] { n->Loop(); });
  return node;
}

Status RaftNode::Recover() {
  std::vector<WalRecord> records;
  WalRecovery recovery;
  auto wal = Wal::Open(options_.data_dir, &records, &recovery);
  if (!wal.ok()) return wal.status();
  wal_ = std::move(wal).value();
  Recovered recovered;
  for (size_t i = 0; i < records.size(); ++i) {
    const Json j = Json::parse(records[i].payload, nullptr, false);
    auto bad = [&] {
      return Status::Error("wal " + options_.data_dir + ": record " + std::to_string(i + 1) +
                           " (type " + std::to_string(records[i].type) + ") is malformed");
    };
    if (!j.is_object()) return bad();
    try {
      switch (records[i].type) {
        case kHardStateRecord:
          recovered.hard_state = {j.at("term").get<uint64_t>(), j.at("vote").get<int>()};
          break;
        case kEntryRecord: {
          Entry e{j.at("i").get<uint64_t>(), j.at("t").get<uint64_t>(),
                  j.at("d").get<std::string>()};
          const uint64_t first = recovered.snapshot ? recovered.snapshot->index + 1 : uint64_t{1};
          if (e.index < first) break;  // covered by the snapshot
          while (!recovered.entries.empty() && recovered.entries.back().index >= e.index) {
            recovered.entries.pop_back();
          }
          const uint64_t expected =
              recovered.entries.empty() ? first : recovered.entries.back().index + 1;
          if (e.index != expected) return bad();
          recovered.entries.push_back(std::move(e));
          break;
        }
        case kSnapshotRecord: {
          Snapshot s;
          s.index = j.at("i").get<uint64_t>();
          s.term = j.at("t").get<uint64_t>();
          s.data = j.at("data").get<std::string>();
          if (!RunsFromJson(j.at("runs"), &s.runs)) return bad();
          recovered.snapshot = std::move(s);
          recovered.entries.clear();
          break;
        }
        default:
          return bad();
      }
    } catch (const Json::exception&) {
      return bad();
    }
  }
  if (recovered.snapshot) {
    if (!machine_.Restore(recovered.snapshot->data)) {
      return Status::Error("wal " + options_.data_dir + ": the snapshot does not restore");
    }
    recovered.applied = recovered.snapshot->index;
  }
  applied_ = recovered.applied;
  persisted_hs_ = recovered.hard_state;
  Config config;
  config.id = options_.id;
  config.nodes = static_cast<int>(options_.names.size());
  config.names = options_.names;
  config.election_ticks = options_.election_ticks;
  config.heartbeat_ticks = options_.heartbeat_ticks;
  config.seed = options_.seed;
  config.bugs = bugs_;
  config.lease_ms = static_cast<int64_t>(options_.election_ticks) * options_.tick_ms;
  config.wall_ms = [] { return Nanos(CLOCK_REALTIME) / 1'000'000; };
  core_ = std::make_unique<Core>(config, recovered);
  const auto now = Clock::now();
  for (const auto& [name, holder] : machine_.locks()) {
    grants_[name] = {holder.fence, now + std::chrono::milliseconds(holder.ttl_ms), false};
  }
  LogEvent({{"type", "start"},
            {"term", recovered.hard_state.term},
            {"voted_for", recovered.hard_state.voted_for < 0
                              ? Json(nullptr)
                              : Json(options_.names[recovered.hard_state.voted_for])},
            {"last_index", core_->log().last_index()},
            {"wal",
             {{"records", recovery.records},
              {"bytes_cut", recovery.bytes_cut},
              {"reason", recovery.reason}}}});
  return Status::Ok();
}

std::string RaftNode::Describe() const {
  return "raft " + options_.names[options_.id] + ": node " + std::to_string(options_.id + 1) +
         " of " + std::to_string(options_.names.size()) +
         (options_.bug.empty() ? "" : ", bug " + options_.bug);
}

void RaftNode::LogEvent(Json event) {
  event["node"] = options_.names[options_.id];
  event["t_ns"] = Nanos(CLOCK_REALTIME);
  event["mono_ns"] = Nanos(CLOCK_MONOTONIC);
  const std::string line = event.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  std::fwrite(line.data(), 1, line.size(), events_);
  std::fflush(events_);
}

void RaftNode::Wake() {
  work_ = true;
  work_cv_.notify_one();
}

void RaftNode::Receive(const Message& message) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!failure_.empty()) return;
  core_->Step(message);
  Wake();
}

Outcome RaftNode::Propose(const Json& command, Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!failure_.empty()) return Fail(failure_);
  if (core_->role() != Role::kLeader) return {Outcome::kNotLeader, nullptr, "not leader"};
  auto placed = core_->Propose(command.dump(-1, ' ', false, Json::error_handler_t::replace));
  if (!placed) return {Outcome::kNotLeader, nullptr, "not leader"};
  Waiter waiter;
  waiter.term = placed->second;
  const uint64_t index = placed->first;
  proposals_[index] = &waiter;
  Wake();
  done_cv_.wait_until(lock, deadline, [&] { return waiter.done; });
  if (waiter.done) return waiter.outcome;
  proposals_.erase(index);
  return Info("index " + std::to_string(index) + " not applied before the deadline");
}

Outcome RaftNode::Read(const Json& key, Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!failure_.empty()) return Fail(failure_);
  if (core_->role() != Role::kLeader) return {Outcome::kNotLeader, nullptr, "not leader"};
  ReadWaiter waiter;
  waiter.key = key;
  const uint64_t id = next_read_id_++;
  reads_[id] = &waiter;
  core_->ReadIndex(id);
  Wake();
  done_cv_.wait_until(lock, deadline, [&] { return waiter.done; });
  reads_.erase(id);
  if (waiter.done) return waiter.outcome;
  return Fail("read not confirmed before the deadline");
}

Json RaftNode::StatusReport() {
  std::lock_guard<std::mutex> lock(mu_);
  const int leader = core_->leader();
  // A pre-candidate is a follower as far as Raft's roles go (its term did not change).
  const Role role = core_->role() == Role::kPreCandidate ? Role::kFollower : core_->role();
  return {{"node", options_.names[options_.id]},
          {"role", RoleName(role)},
          {"term", core_->term()},
          {"leader", leader < 0 ? Json(nullptr) : Json(options_.names[leader])},
          {"commit", core_->commit()},
          {"applied", applied_},
          {"last_index", core_->log().last_index()},
          {"snapshot_index", core_->log().snapshot_index()}};
}

int RaftNode::Leader() {
  std::lock_guard<std::mutex> lock(mu_);
  return core_->leader();
}

Json RaftNode::Events() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::fflush(events_);
  }
  Json events = Json::array();
  std::ifstream in(options_.events_file);
  std::string line;
  while (std::getline(in, line)) {
    Json event = Json::parse(line, nullptr, false);
    if (event.is_object()) events.push_back(std::move(event));
  }
  return events;
}

void RaftNode::Loop() {
  const auto tick = std::chrono::milliseconds(options_.tick_ms);
  auto next_tick = Clock::now() + tick;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    work_cv_.wait_until(lock, next_tick, [&] { return work_ || stop_; });
    if (stop_) break;
    work_ = false;
    const auto now = Clock::now();
    if (now >= next_tick) {
      core_->Tick();
      next_tick += tick;
      if (next_tick < now) next_tick = now + tick;  // stalled (paused): no burst of ticks
    }
    if (!failure_.empty()) continue;
    TrackLeadership();
    ExpireLocks();
    Ready ready = core_->TakeReady();
    if (ready.empty()) continue;
    if (Status s = Handle(ready); !s.ok()) {
      // The disk failed: stop answering anything, as a crashed node would.
      failure_ = s.message();
      std::fprintf(stderr, "raft %s: %s\n", options_.names[options_.id].c_str(), failure_.c_str());
      continue;
    }
    std::vector<Message> messages = std::move(ready.messages);
    lock.unlock();
    if (!messages.empty()) send_(std::move(messages));
    lock.lock();
  }
}

Status RaftNode::Handle(Ready& ready) {
  if (Status s = Persist(ready); !s.ok()) return s;
  for (Json& event : ready.events) LogEvent(std::move(event));
  if (ready.snapshot) {
    if (!machine_.Restore(ready.snapshot->data)) {
      return Status::Error("the leader's snapshot at index " +
                           std::to_string(ready.snapshot->index) + " does not restore");
    }
    applied_ = ready.snapshot->index;
    grants_.clear();
    const auto now = Clock::now();
    for (const auto& [name, holder] : machine_.locks()) {
      grants_[name] = {holder.fence, now + std::chrono::milliseconds(holder.ttl_ms), false};
    }
    // Proposals at covered indexes: whether they applied cannot be told any more.
    for (auto it = proposals_.begin(); it != proposals_.end() && it->first <= applied_;) {
      it->second->outcome =
          Info("index " + std::to_string(it->first) + " was covered by the leader's snapshot");
      it->second->done = true;
      it = proposals_.erase(it);
    }
  }
  for (const Entry& entry : ready.committed) ApplyEntry(entry);
  for (uint64_t id : ready.dropped_reads) {
    auto it = reads_.find(id);
    if (it == reads_.end()) continue;
    it->second->outcome = Fail("not leader any more");
    it->second->done = true;
  }
  for (const ReadState& r : ready.reads) {
    auto it = reads_.find(r.id);
    if (it == reads_.end()) continue;
    it->second->ready = true;
    it->second->index = r.index;
  }
  AnswerReads();
  done_cv_.notify_all();
  if (options_.compact_entries > 0 &&
      applied_ >= core_->log().snapshot_index() + static_cast<uint64_t>(options_.compact_entries)) {
    core_->Compact(applied_, machine_.Serialize());
    if (Status s = RewriteWal(); !s.ok()) return s;
  }
  return Status::Ok();
}

Status RaftNode::Persist(const Ready& ready) {
  if (ready.hard_state) persisted_hs_ = *ready.hard_state;
  if (ready.snapshot) {
    // The core's log now starts at the snapshot: rewrite the WAL from it.
    if (Status s = RewriteWal(); !s.ok()) return s;
  }
  std::vector<WalRecord> records;
  if (ready.hard_state) records.push_back(HardStateRecord(*ready.hard_state));
  for (const Entry& e : ready.entries) records.push_back(EntryRecord(e));
  if (records.empty()) return Status::Ok();
  if (Status s = wal_->Append(records); !s.ok()) return s;
  if (no_fsync_) return Status::Ok();
  return wal_->Sync();
}

Status RaftNode::RewriteWal() {
  const RaftLog& log = core_->log();
  std::vector<WalRecord> records;
  if (log.snapshot_index() > 0) records.push_back(SnapshotRecord(core_->snapshot()));
  records.push_back(HardStateRecord(persisted_hs_));
  for (const Entry& e : log.Slice(log.snapshot_index() + 1, log.last_index(), SIZE_MAX)) {
    records.push_back(EntryRecord(e));
  }
  return wal_->Rewrite(records);
}

void RaftNode::ApplyEntry(const Entry& entry) {
  ApplyResult result = machine_.Apply(entry.index, entry.data);
  applied_ = entry.index;
  if (result.ok && !entry.data.empty()) {
    // Track grants and their ends for the leader's expiry.
    const Json c = Json::parse(entry.data, nullptr, false);
    const std::string op = c.is_object() ? c.value("op", "") : "";
    const std::string name = c.is_object() ? c.value("name", "") : "";
    if (op == "acquire" && result.value.value("fence", uint64_t{0}) == entry.index) {
      grants_[name] = {entry.index,
                       Clock::now() + std::chrono::milliseconds(c.value("ttl_ms", int64_t{0})),
                       false};
    } else if (op == "release" || op == "expire") {
      grants_.erase(name);
    }
  }
  auto waiter = proposals_.find(entry.index);
  if (waiter == proposals_.end()) return;
  Waiter* w = waiter->second;
  proposals_.erase(waiter);
  w->done = true;
  if (w->term != entry.term) {
    w->outcome =
        Fail("superseded: index " + std::to_string(entry.index) + " holds another leader's entry");
  } else if (result.ok) {
    w->outcome = Ok(std::move(result.value));
  } else {
    w->outcome = Fail(result.error);
  }
}

void RaftNode::AnswerReads() {
  for (auto& [id, waiter] : reads_) {
    if (waiter->done || !waiter->ready || applied_ < waiter->index) continue;
    waiter->outcome = Ok(machine_.Read(waiter->key));
    waiter->done = true;
  }
}

void RaftNode::TrackLeadership() {
  const bool leader = core_->role() == Role::kLeader;
  if (leader && !was_leader_) {
    // A new leader gives every grant its whole ttl again: it cannot know when it began.
    const auto now = Clock::now();
    for (auto& [name, grant] : grants_) {
      const auto& holder = machine_.locks().find(name);
      const int64_t ttl = holder == machine_.locks().end() ? 0 : holder->second.ttl_ms;
      grant.deadline = std::max(grant.deadline, now + std::chrono::milliseconds(ttl));
      grant.proposed = false;
    }
  }
  was_leader_ = leader;
}

void RaftNode::ExpireLocks() {
  if (core_->role() != Role::kLeader) return;
  const auto now = Clock::now();
  for (auto& [name, grant] : grants_) {
    if (grant.proposed || now < grant.deadline) continue;
    if (core_->Propose(Json{{"op", "expire"}, {"name", name}, {"fence", grant.fence}}.dump())) {
      grant.proposed = true;
    }
  }
}

}  // namespace coordcheck::raft
