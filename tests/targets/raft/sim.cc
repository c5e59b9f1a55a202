#include "tests/targets/raft/sim.h"

#include <algorithm>

namespace coordcheck::raft::sim {

Sim::Sim(SimOptions options) : options_(options), rng_(options.seed) {
  nodes_.resize(static_cast<size_t>(options_.nodes));
  for (int i = 0; i < options_.nodes; ++i) Boot(i);
}

void Sim::Boot(int node) {
  Node& n = nodes_[node];
  Config config;
  config.id = node;
  config.nodes = options_.nodes;
  config.election_ticks = 10;
  config.heartbeat_ticks = 2;
  config.max_entries_per_message = 8;
  config.seed =
      options_.seed * 1000003 + static_cast<uint64_t>(node) * 7919 + static_cast<uint64_t>(now_);
  config.bugs = options_.bugs;
  config.lease_ms = 10;  // one "ms" per tick
  config.wall_ms = [this, node] { return now_ + nodes_[node].wall_offset_ms; };
  Recovered recovered;
  recovered.hard_state = n.disk.hard_state;
  recovered.snapshot = n.disk.snapshot;
  recovered.entries = n.disk.entries;
  n.applied.clear();
  n.applied_terms.clear();
  n.applied_upto = 0;
  if (n.disk.snapshot) {
    Json data = Json::parse(n.disk.snapshot->data);
    for (const Json& item : data) {
      n.applied.push_back(item[1].get<std::string>());
      n.applied_terms.push_back(item[0].get<uint64_t>());
    }
    n.applied_upto = n.disk.snapshot->index;
  }
  n.core = std::make_unique<Core>(config, recovered);
  n.writes.clear();
  n.reads.clear();
  n.ready_reads.clear();
}

void Sim::Crash(int node) {
  nodes_[node].core.reset();
  // Messages from it stay in flight (they left the host); to it are lost on delivery.
}

void Sim::Restart(int node) {
  if (!up(node)) Boot(node);
}

void Sim::Cut(int a, int b) {
  cut_.insert({a, b});
  cut_.insert({b, a});
}

bool Sim::IsCut(int a, int b) const { return cut_.count({a, b}) > 0; }

void Sim::Isolate(int node) {
  for (int i = 0; i < options_.nodes; ++i) {
    if (i != node) Cut(node, i);
  }
}

void Sim::Partition(const std::set<int>& side) {
  for (int a : side) {
    for (int b = 0; b < options_.nodes; ++b) {
      if (!side.count(b)) Cut(a, b);
    }
  }
}

void Sim::Heal() { cut_.clear(); }

void Sim::Fail(const std::string& what) {
  violations_.push_back(
      {"seed " + std::to_string(options_.seed) + " tick " + std::to_string(now_) + ": " + what});
}

bool Sim::Write(int node) {
  Node& n = nodes_[node];
  if (!n.core) return false;
  auto placed = n.core->Propose("w" + std::to_string(next_write_++));
  if (!placed) return false;
  n.writes.push_back({placed->first, placed->second});
  return true;
}

void Sim::Read(int node) {
  Node& n = nodes_[node];
  if (!n.core) return;
  const uint64_t id = next_read_id_++;
  n.reads[id] = {now_, acked_top_};
  n.core->ReadIndex(id);
}

void Sim::Traffic(std::mt19937_64& rng) {
  for (int i = 0; i < options_.nodes; ++i) {
    if (!up(i) || nodes_[i].core->role() != Role::kLeader) continue;
    if (rng() % 2 == 0) Write(i);
    if (rng() % 2 == 0) Read(i);
  }
}

int Sim::Leader() const {
  int best = -1;
  uint64_t best_term = 0;
  for (int i = 0; i < options_.nodes; ++i) {
    const Core* c = nodes_[i].core.get();
    if (c && c->role() == Role::kLeader && c->term() >= best_term) {
      best = i;
      best_term = c->term();
    }
  }
  return best;
}

uint64_t Sim::max_term() const {
  uint64_t term = 0;
  for (const Node& n : nodes_) {
    if (n.core) term = std::max(term, n.core->term());
  }
  return term;
}

void Sim::Step() {
  ++now_;
  // Deliver due messages (in order of due time, then sending order).
  std::stable_sort(network_.begin(), network_.end(),
                   [](const InFlight& a, const InFlight& b) { return a.due < b.due; });
  std::vector<InFlight> later;
  std::vector<InFlight> due;
  for (InFlight& f : network_) (f.due <= now_ ? due : later).push_back(std::move(f));
  network_ = std::move(later);
  for (InFlight& f : due) {
    const int to = f.message.to;
    if (!up(to) || IsCut(f.message.from, to)) continue;
    nodes_[to].core->Step(f.message);
    Process(to);
  }
  for (int i = 0; i < options_.nodes; ++i) {
    if (!up(i)) continue;
    nodes_[i].core->Tick();
    Process(i);
  }
}

void Sim::Persist(Node& n, const Ready& ready) {
  if (ready.hard_state) n.disk.hard_state = *ready.hard_state;
  if (ready.snapshot) {
    // The core kept its entries after the snapshot only when they continue it.
    n.disk.snapshot = *ready.snapshot;
    const uint64_t s_index = ready.snapshot->index;
    std::vector<Entry> kept;
    if (n.core->log().last_index() > s_index) {
      for (const Entry& e : n.disk.entries) {
        if (e.index > s_index) kept.push_back(e);
      }
    }
    n.disk.entries = std::move(kept);
  }
  for (const Entry& e : ready.entries) {
    while (!n.disk.entries.empty() && n.disk.entries.back().index >= e.index) {
      n.disk.entries.pop_back();
    }
    n.disk.entries.push_back(e);
  }
}

void Sim::Apply(int node, const Ready& ready) {
  Node& n = nodes_[node];
  if (ready.snapshot) {
    Json data = Json::parse(ready.snapshot->data);
    n.applied.clear();
    n.applied_terms.clear();
    for (const Json& item : data) {
      n.applied_terms.push_back(item[0].get<uint64_t>());
      n.applied.push_back(item[1].get<std::string>());
    }
    n.applied_upto = ready.snapshot->index;
  }
  for (const Entry& e : ready.committed) {
    if (e.index != n.applied_upto + 1) {
      Fail("n" + std::to_string(node + 1) + " applies index " + std::to_string(e.index) +
           " after " + std::to_string(n.applied_upto));
      return;
    }
    n.applied_upto = e.index;
    n.applied.push_back(e.data);
    n.applied_terms.push_back(e.term);
    auto [it, fresh] = applied_.insert({e.index, {e.term, e.data}});
    if (!fresh && it->second != std::make_pair(e.term, e.data)) {
      Fail("index " + std::to_string(e.index) + " applied as term " + std::to_string(e.term) +
           " on n" + std::to_string(node + 1) + " but as term " + std::to_string(it->second.first) +
           " elsewhere");
    }
  }
  // Writes proposed here: acknowledged when their entry applied with their term.
  std::vector<PendingWrite> waiting;
  for (const PendingWrite& w : n.writes) {
    if (n.applied_upto < w.index) {
      waiting.push_back(w);
    } else if (n.applied_terms[w.index - 1] == w.term) {
      ++acked_;
      acked_top_ = std::max(acked_top_, w.index);
    }
  }
  n.writes = std::move(waiting);
  for (uint64_t id : ready.dropped_reads) n.reads.erase(id);
  for (const ReadState& r : ready.reads) n.ready_reads.push_back({r.id, r.index});
  std::vector<std::pair<uint64_t, uint64_t>> still;
  for (auto [id, index] : n.ready_reads) {
    if (n.applied_upto < index) {
      still.push_back({id, index});
      continue;
    }
    auto read = n.reads.find(id);
    if (read == n.reads.end()) continue;
    ++served_reads_;
    // The read sees the state as of applied_upto, at least `index`.
    if (n.applied_upto < read->second.floor) {
      Fail("stale read on n" + std::to_string(node + 1) + ": sees index " +
           std::to_string(n.applied_upto) + " but write at index " +
           std::to_string(read->second.floor) + " was acknowledged before it was asked");
    }
    n.reads.erase(read);
  }
  n.ready_reads = std::move(still);
  if (options_.compact_every > 0 &&
      n.applied_upto >=
          n.core->log().snapshot_index() + static_cast<uint64_t>(options_.compact_every)) {
    Json data = Json::array();
    for (size_t i = 0; i < n.applied.size(); ++i)
      data.push_back({n.applied_terms[i], n.applied[i]});
    n.core->Compact(n.applied_upto, data.dump());
    // The disk holds the snapshot and the entries after it.
    n.disk.snapshot = n.core->snapshot();
    std::vector<Entry> kept;
    for (const Entry& e : n.disk.entries) {
      if (e.index > n.applied_upto) kept.push_back(e);
    }
    n.disk.entries = std::move(kept);
  }
}

void Sim::CheckLeaderEvent(int node, const Json& event) {
  const uint64_t term = event["term"].get<uint64_t>();
  std::set<int>& leaders = leaders_[term];
  leaders.insert(node);
  if (leaders.size() > 1) {
    std::string names;
    for (int l : leaders) names += " n" + std::to_string(l + 1);
    Fail("two leaders in term " + std::to_string(term) + ":" + names);
  }
  // Leader completeness: everything applied anywhere is in the new leader's log.
  const RaftLog& log = nodes_[node].core->log();
  for (const auto& [index, value] : applied_) {
    if (index <= log.snapshot_index()) continue;
    const std::optional<uint64_t> t = log.TermAt(index);
    if (t != value.first) {
      Fail("leader n" + std::to_string(node + 1) + " of term " + std::to_string(term) +
           " lacks applied index " + std::to_string(index) + " (term " +
           std::to_string(value.first) + ")");
      return;
    }
  }
}

void Sim::Process(int node) {
  Node& n = nodes_[node];
  Ready ready = n.core->TakeReady();
  Persist(n, ready);
  for (const Json& event : ready.events) {
    if (event["type"] == "role" && event["role"] == "leader") CheckLeaderEvent(node, event);
  }
  for (Message& m : ready.messages) {
    if (options_.drop > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < options_.drop) {
      continue;
    }
    const int delay =
        std::uniform_int_distribution<int>(options_.min_delay, options_.max_delay)(rng_);
    network_.push_back({now_ + delay, std::move(m)});
  }
  Apply(node, ready);
}

}  // namespace coordcheck::raft::sim
