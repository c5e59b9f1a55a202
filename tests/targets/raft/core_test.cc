// The Raft core in the deterministic simulation (sim.h): elections, replication, reads and
// snapshots under random partitions, drops and crashes must keep Raft's safety properties;
// each of the core's bugs must break one of them in a scenario that reaches it.
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "tests/targets/raft/sim.h"

namespace coordcheck::raft {
namespace {

using sim::Sim;
using sim::SimOptions;

std::string Describe(const Sim& s) {
  std::string out;
  for (const auto& v : s.violations()) out += v.what + "\n";
  return out;
}

// Runs until `done` or `max_ticks`; true when done.
template <class F>
bool RunUntil(Sim& s, int max_ticks, F done) {
  for (int i = 0; i < max_ticks; ++i) {
    if (done()) return true;
    s.Step();
  }
  return done();
}

uint64_t RandomSeed() { return std::random_device{}() | 1; }

// Options for `nodes` nodes and `seed`, with `bugs`; the rest as SimOptions says.
SimOptions Options(int nodes, uint64_t seed, Bugs bugs = {}) {
  SimOptions options;
  options.nodes = nodes;
  options.seed = seed;
  options.bugs = bugs;
  return options;
}

// Random faults and traffic for `ticks`, then heal and let it settle.
void Chaos(Sim& s, int nodes, int ticks, bool crashes) {
  std::mt19937_64& rng = s.rng();
  for (int t = 0; t < ticks; ++t) {
    const int dice = static_cast<int>(rng() % 1000);
    if (dice < 8) {
      std::set<int> side;
      for (int i = 0; i < nodes; ++i) {
        if (rng() % 2) side.insert(i);
      }
      s.Heal();
      s.Partition(side);
    } else if (dice < 12) {
      s.Heal();
    } else if (crashes && dice < 18) {
      s.Crash(static_cast<int>(rng() % static_cast<uint64_t>(nodes)));
    } else if (dice < 30) {
      for (int i = 0; i < nodes; ++i) s.Restart(i);
    }
    s.Traffic(rng);
    s.Step();
  }
  s.Heal();
  for (int i = 0; i < nodes; ++i) s.Restart(i);
}

TEST_CASE("raft core: a cluster elects one leader and replicates to every node", "[raft]") {
  for (int nodes : {1, 3, 5}) {
    Sim s(Options(nodes, RandomSeed()));
    REQUIRE(RunUntil(s, 200, [&] { return s.Leader() >= 0; }));
    const int leader = s.Leader();
    for (int i = 0; i < 20; ++i) REQUIRE(s.Write(leader));
    s.Read(leader);
    s.Run(50);
    INFO(Describe(s));
    REQUIRE(s.violations().empty());
    REQUIRE(s.acked_writes() == 20);
    REQUIRE(s.served_reads() == 1);
    for (int i = 0; i < nodes; ++i) REQUIRE(s.commit(i) == s.commit(leader));
    REQUIRE(s.commit(leader) == 21);  // the no-op and the writes
  }
}

TEST_CASE("raft core: safe under random partitions, drops, crashes and snapshots", "[raft]") {
  const uint64_t base = RandomSeed();
  for (uint64_t k = 0; k < 12; ++k) {
    SimOptions options = Options(k % 3 == 0 ? 3 : 5, base + k * 2);
    options.drop = (k % 2) ? 0.05 : 0.0;
    options.compact_every = (k % 4 == 1) ? 7 : 0;
    options.max_delay = 1 + static_cast<int>(k % 4);
    Sim s(options);
    Chaos(s, options.nodes, 3000, true);
    // Healed: a leader must emerge and every node catch up.
    REQUIRE(RunUntil(s, 1000, [&] { return s.Leader() >= 0 && s.Write(s.Leader()); }));
    s.Run(300);
    INFO("seed " << options.seed << "\n" << Describe(s));
    REQUIRE(s.violations().empty());
    REQUIRE(s.acked_writes() > 0);
    REQUIRE(s.served_reads() > 0);
    const int leader = s.Leader();
    REQUIRE(leader >= 0);
    for (int i = 0; i < options.nodes; ++i) REQUIRE(s.commit(i) == s.commit(leader));
  }
}

TEST_CASE("raft core: pre-vote keeps a rejoining node from deposing a healthy leader", "[raft]") {
  Sim s(Options(5, RandomSeed()));
  REQUIRE(RunUntil(s, 300, [&] { return s.Leader() >= 0; }));
  s.Run(30);
  const int leader = s.Leader();
  const uint64_t term = s.core(leader)->term();
  const int loner = (leader + 1) % 5;
  s.Isolate(loner);
  s.Run(500);                            // many election timeouts alone
  CHECK(s.core(loner)->term() == term);  // pre-votes failed: its term never moved
  s.Heal();
  s.Run(100);
  CHECK(s.Leader() == leader);
  CHECK(s.core(leader)->term() == term);
}

TEST_CASE("raft core: a follower far behind gets a snapshot", "[raft]") {
  SimOptions options = Options(3, RandomSeed());
  options.compact_every = 5;
  Sim s(options);
  REQUIRE(RunUntil(s, 300, [&] { return s.Leader() >= 0; }));
  const int leader = s.Leader();
  const int lagger = (leader + 1) % 3;
  s.Crash(lagger);
  for (int i = 0; i < 40; ++i) {
    s.Write(leader);
    s.Step();
  }
  s.Run(20);
  REQUIRE(s.core(leader)->log().snapshot_index() > 5);
  s.Restart(lagger);
  s.Run(100);
  INFO(Describe(s));
  REQUIRE(s.violations().empty());
  CHECK(s.commit(lagger) == s.commit(leader));
  CHECK(s.core(lagger)->log().snapshot_index() > 0);
}

TEST_CASE("raft core: a leader cut off in a minority steps down (check-quorum)", "[raft]") {
  Sim s(Options(5, RandomSeed()));
  REQUIRE(RunUntil(s, 300, [&] { return s.Leader() >= 0; }));
  const int old = s.Leader();
  s.Isolate(old);
  REQUIRE(RunUntil(s, 100, [&] { return s.core(old)->role() != Role::kLeader; }));
  s.Read(old);  // not leader: dropped, never served stale
  s.Run(100);
  REQUIRE(s.violations().empty());
}

// Stale reads: the old leader, isolated, is asked to read after the new leader acknowledged
// a write. `bugs` decide whether it answers from its own state.
Sim StaleReadScenario(Bugs bugs, int64_t clock_jump_ms, uint64_t seed) {
  Sim s(Options(5, seed, bugs));
  RunUntil(s, 300, [&] { return s.Leader() >= 0; });
  s.Run(30);
  const int old = s.Leader();
  s.Isolate(old);
  s.SetWallOffset(old, clock_jump_ms);
  RunUntil(s, 300, [&] {
    const int l = s.Leader();
    return l >= 0 && l != old && s.core(l)->term() > s.core(old)->term();
  });
  const int fresh = s.Leader();
  if (fresh < 0 || fresh == old) return s;
  s.Write(fresh);
  RunUntil(s, 100, [&] { return s.acked_writes() > 0; });
  for (int i = 0; i < 5; ++i) {
    s.Read(old);
    s.Step();
  }
  s.Run(20);
  return s;
}

TEST_CASE("raft core: bug local-reads serves stale reads from a deposed leader", "[raft]") {
  const uint64_t seed = RandomSeed();
  INFO("seed " << seed);
  CHECK(StaleReadScenario({}, 0, seed).violations().empty());
  Sim broken = StaleReadScenario({.local_reads = true}, 0, seed);
  REQUIRE(!broken.violations().empty());
  CHECK(broken.violations()[0].what.find("stale read") != std::string::npos);
}

TEST_CASE("raft core: bug lease-reads serves stale reads when the old leader's clock is set back",
          "[raft]") {
  const uint64_t seed = RandomSeed();
  INFO("seed " << seed);
  // The lease alone, on a clock that runs true, holds no longer than an election takes.
  CHECK(StaleReadScenario({.lease_reads = true}, 0, seed).violations().empty());
  CHECK(StaleReadScenario({}, -100000, seed).violations().empty());
  Sim broken = StaleReadScenario({.lease_reads = true}, -100000, seed);
  REQUIRE(!broken.violations().empty());
  CHECK(broken.violations()[0].what.find("stale read") != std::string::npos);
}

// Two leaders in one term: C votes for A in term T and restarts before A's first append
// reaches it; with its vote forgotten, C can vote for B in the same term T. Whether B asks
// C before C's own timer makes it campaign for T+1 is a race: true when B got to lead T.
Sim DoubleVote(Bugs bugs, uint64_t seed, bool* reached) {
  *reached = false;
  Sim s(Options(3, seed, bugs));
  RunUntil(s, 300, [&] { return s.Leader() >= 0; });
  s.Run(20);
  // B, the old leader, alone; one of the others (A) wins a new term with the other's (C's)
  // vote.
  const int B = s.Leader();
  const uint64_t term_before = s.core(B)->term();
  s.Isolate(B);
  int A = -1;
  if (!RunUntil(s, 1000, [&] {
        for (int i = 0; i < 3; ++i) {
          if (i != B && s.core(i)->role() == Role::kLeader && s.core(i)->term() > term_before) {
            A = i;
          }
        }
        return A >= 0;
      })) {
    return s;
  }
  const int C = 3 - A - B;
  s.Crash(C);  // its vote is on disk unless the bug; A's appends never reach it
  s.Restart(C);
  s.Heal();
  s.Isolate(A);
  const uint64_t term_a = s.core(A)->term();
  RunUntil(s, 1000, [&] { return s.Leader() >= 0 && s.Leader() != A; });
  *reached = s.Leader() == B && s.core(B)->term() == term_a;
  s.Run(10);
  return s;
}

TEST_CASE("raft core: bug no-persist-vote elects two leaders in one term after a restart",
          "[raft]") {
  const uint64_t base = RandomSeed();
  INFO("seeds from " << base);
  bool caught = false;
  for (uint64_t k = 0; k < 40 && !caught; ++k) {
    bool reached = false;
    Sim correct = DoubleVote({}, base + k, &reached);
    INFO(Describe(correct));
    REQUIRE(correct.violations().empty());
    REQUIRE_FALSE(reached);  // C refuses B in term T: B never leads it
    Sim broken = DoubleVote({.no_persist_vote = true}, base + k, &reached);
    if (!reached) continue;
    REQUIRE(!broken.violations().empty());
    CHECK(broken.violations()[0].what.find("two leaders in term") != std::string::npos);
    caught = true;
  }
  CHECK(caught);
}

// Figure 8 of the Raft paper, scripted on five nodes. L leads term t and writes x at index
// k, reaching only A; M, elected by the majority side, writes y at k in term t+1 and keeps it
// alone. L (or A) then leads term t+2 and replicates x to B. Counting replicas, a leader
// with bug commit-prior-term now commits x, of term t; a correct leader waits for its own
// term's no-op, which B then holds, so M can never win B's vote. Finally M runs with B and C:
// the buggy cluster elects it, and it overwrites the committed x with y.
Sim Figure8(Bugs bugs, uint64_t seed, bool* reached) {
  *reached = false;
  Sim s(Options(5, seed, bugs));
  RunUntil(s, 300, [&] { return s.Leader() >= 0; });
  s.Run(20);
  const int L = s.Leader();
  const int A = (L + 1) % 5;
  s.Partition({L, A});
  s.Write(L);
  s.Run(10);  // x reaches A only
  const uint64_t term_t = s.core(L)->term();
  // The majority side elects M.
  int M = -1;
  RunUntil(s, 500, [&] {
    for (int i = 0; i < 5; ++i) {
      if (i != L && i != A && s.up(i) && s.core(i)->role() == Role::kLeader &&
          s.core(i)->term() > term_t) {
        M = i;
        return true;
      }
    }
    return false;
  });
  if (M < 0) return s;
  int B = -1, C = -1;
  for (int i = 0; i < 5; ++i) {
    if (i == L || i == A || i == M) continue;
    (B < 0 ? B : C) = i;
  }
  s.Heal();
  s.Isolate(M);
  // y at index k, in M's log only. Clients wrote nothing in M's term before: M appended no
  // no-op under the bug; a correct M has its no-op at k and y after it.
  s.Write(M);
  s.Step();
  // L, A and B elect L or A; C alone.
  s.Heal();
  s.Isolate(M);
  s.Isolate(C);
  int Lp = -1;
  RunUntil(s, 2000, [&] {
    for (int i : {L, A}) {
      if (s.core(i)->role() == Role::kLeader && s.core(i)->term() > term_t + 1) {
        Lp = i;
        return true;
      }
    }
    return false;
  });
  if (Lp < 0) return s;
  s.Run(20);  // x (and a correct leader's no-op) reach B
  // M, B and C, without L and A.
  s.Crash(L);
  s.Crash(A);
  s.Heal();
  s.Run(1500);
  *reached = true;
  return s;
}

TEST_CASE("raft core: bug commit-prior-term loses a committed entry (Figure 8)", "[raft]") {
  const uint64_t seed = RandomSeed();
  INFO("seed " << seed);
  bool reached = false;
  Sim correct = Figure8({}, seed, &reached);
  REQUIRE(reached);
  INFO(Describe(correct));
  CHECK(correct.violations().empty());
  Sim broken = Figure8({.commit_prior_term = true}, seed, &reached);
  REQUIRE(reached);
  REQUIRE(!broken.violations().empty());
  const std::string what = broken.violations()[0].what;
  CHECK((what.find("applied as term") != std::string::npos ||
         what.find("lacks applied index") != std::string::npos));
}

TEST_CASE("raft core: messages survive their line encoding", "[raft]") {
  Message m;
  m.type = MsgType::kSnapshot;
  m.from = 2;
  m.to = 0;
  m.term = 7;
  m.index = 41;
  m.log_term = 6;
  m.commit = 40;
  m.reject = true;
  m.hint_index = 12;
  m.hint_term = 3;
  m.round = 99;
  m.entries = {{42, 7, "{\"f\":\"write\"}"}, {43, 7, ""}};
  m.snapshot = {40, 6, {{1, 1}, {30, 6}}, "[1,2]"};
  Message back;
  std::string error;
  REQUIRE(DecodeMessage(EncodeMessage(m), &back, &error));
  CHECK(back.type == m.type);
  CHECK(back.from == 2);
  CHECK(back.term == 7);
  CHECK(back.index == 41);
  CHECK(back.log_term == 6);
  CHECK(back.commit == 40);
  CHECK(back.reject);
  CHECK(back.hint_index == 12);
  CHECK(back.hint_term == 3);
  CHECK(back.round == 99);
  CHECK(back.entries == m.entries);
  CHECK(back.snapshot.runs == m.snapshot.runs);
  CHECK(back.snapshot.data == "[1,2]");
  CHECK_FALSE(DecodeMessage("{\"t\":\"nope\"}", &back, &error));
  CHECK_FALSE(DecodeMessage("{\"t\":\"append\",\"from\":-1,\"to\":0}", &back, &error));
  CHECK_FALSE(DecodeMessage("[1]", &back, &error));
}

TEST_CASE("raft core: the log's term runs survive compaction", "[raft]") {
  RaftLog log;
  for (uint64_t i = 1; i <= 10; ++i) log.Append({i, i <= 3 ? 1u : (i <= 7 ? 2u : 5u), ""});
  CHECK(log.Runs(1, 10) == std::vector<TermRun>{{1, 1}, {4, 2}, {8, 5}});
  log.CompactTo(5);
  CHECK(log.Runs(1, 10) == std::vector<TermRun>{{1, 1}, {4, 2}, {8, 5}});
  CHECK(log.Runs(2, 9) == std::vector<TermRun>{{2, 1}, {4, 2}, {8, 5}});
  CHECK(log.Runs(6, 10) == std::vector<TermRun>{{6, 2}, {8, 5}});
  CHECK(log.TermAt(5) == 2u);
  CHECK_FALSE(log.TermAt(4).has_value());
  CHECK(log.FirstIndexOfTerm(7) == 6);
  CHECK(log.LastIndexOfTermAtMost(4) == 7);
  CHECK(log.IsUpToDate(10, 5));
  CHECK_FALSE(log.IsUpToDate(11, 4));
}

}  // namespace
}  // namespace coordcheck::raft
