// The lock comparison end to end, as root on real network namespaces with real Redis and
// real etcd: Redis locks without fencing lose mutual exclusion under clock bumps and under
// client pauses longer than the TTL, on random seeds; etcd's lock with a fenced resource
// keeps the resource safe under the same faults and the stale writes it rejected are
// counted; etcd's lock with an unfenced resource is caught under client pauses (the point is
// fencing, not the brand of lock service); etcd's lease ignores wall-clock skew and the run
// says so (on random seeds); `coordcheck check --checker mutual-exclusion,fencing` judges
// each run's saved history as the run did; `coordcheck compare` runs them side by side.
#include <cstdlib>
#include <functional>
#include <map>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "history/jsonl.h"
#include "tests/harness/run_util.h"
#include "tests/support/node_env.h"

namespace coordcheck::testing {
namespace {

using Json = nlohmann::json;
using nodetest::RequireRoot;

using LockRun = FinishedRun;

// `run -w lock -t TARGET` for `seconds` under `nemesis` (mean interval 1.5 s) with `extra`.
LockRun RunLock(const std::string& name, const std::string& target, const std::string& resource,
                const std::string& nemesis, uint64_t seed,
                const std::vector<std::string>& extra = {}, int seconds = 10) {
  std::vector<std::string> args = {"run",
                                   "-w",
                                   "lock",
                                   "-t",
                                   target,
                                   "--resource",
                                   resource,
                                   "--nemesis",
                                   nemesis,
                                   "--nemesis-interval",
                                   "1.5",
                                   "--time-limit",
                                   std::to_string(seconds),
                                   "--seed",
                                   std::to_string(seed)};
  args.insert(args.end(), extra.begin(), extra.end());
  return RunAndLoad(name, args);
}

// Completions of `f` in the history.
std::vector<Op> Completions(const History& h, const std::string& f) {
  std::vector<Op> out;
  for (const Op& op : h.ops)
    if (!op.is_invoke() && op.f == f) out.push_back(op);
  return out;
}

// Increments that took a client pause (their value says how long).
int PausedIncrements(const History& h, int64_t at_least_ms) {
  int n = 0;
  for (const Op& op : Completions(h, "increment")) {
    if (op.value.is_object() && op.value.value("paused_ms", int64_t{0}) >= at_least_ms) ++n;
  }
  return n;
}

const Json& Checker(const LockRun& r, const char* name) { return r.results["checkers"][name]; }

// `coordcheck check HISTORY --checker mutual-exclusion,fencing` judges the run's saved
// history offline as the run did: the same exit code and, per checker, the same verdict and
// details (anomalies, counts, op indexes).
void CheckOfflineAgrees(const LockRun& r) {
  const std::string out_path = FreshDir("lock-check") + "/results.json";
  std::string out;
  const int code = RunCoordcheck({"check", r.dir + "/history.jsonl", "--checker",
                                  "mutual-exclusion,fencing", "--out", out_path},
                                 &out);
  INFO(out);
  CHECK(code == r.code);
  const Json offline = Json::parse(ReadFile(out_path));
  for (const char* name : {"mutual-exclusion", "fencing"}) {
    INFO(name);
    CHECK(offline["details"][name]["valid"] == Checker(r, name)["valid"]);
    CHECK(offline["details"][name]["details"] == Checker(r, name)["details"]);
  }
}

// The run is invalid because the resource saw overlapping critical sections.
void CheckMutualExclusionLost(const LockRun& r) {
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK(Checker(r, "mutual-exclusion")["valid"] == false);
  CHECK(r.results["figures"]["overlaps"].get<int64_t>() > 0);
  CHECK(r.results["figures"]["accepted_writes"].get<int64_t>() > 10);
  // junit.xml for CI: parses, one testcase per checker, mutual-exclusion failed.
  CHECK(std::system(("xmllint --noout " + r.dir + "/junit.xml").c_str()) == 0);
  const std::string junit = ReadFile(r.dir + "/junit.xml");
  // (fencing fails too when fences were given and decreased: etcd-lock, unfenced.)
  const bool fencing_failed = Checker(r, "fencing")["valid"] == false;
  CHECK(junit.find(std::string("tests=\"2\" failures=\"") + (fencing_failed ? "2" : "1") +
                   "\" errors=\"0\"") != std::string::npos);
  const size_t me = junit.find("name=\"mutual-exclusion\"");
  REQUIRE(me != std::string::npos);
  CHECK(junit.find("<failure type=\"invalid\"", me) < junit.find("</testcase>", me));
  CHECK(junit.find("overlapped at the resource") != std::string::npos);
  CheckOfflineAgrees(r);
}

// Runs `target` on an unfenced resource under `nemesis` for 10 s on random seeds until two
// runs caught the overlap, at most eight runs. Whether one run shows it is up to its seed and
// timing: a clock bump must move a majority of the lock's instances past the TTL while a
// holder is inside its critical section (Redlock: 3 of 5; a bump that lands while the next
// holder is acquiring moves its keys along), or a pause must land inside a critical section
// while another client takes the lock. Measured on redlock under clock faults
// (`coordcheck run -w lock -t redlock --resource unfenced --nemesis clock
// --nemesis-interval 1.5` on random seeds, two runs at a time): 5 of 34 runs of 15 s and 1
// of 16 runs of 10 s showed no overlap. So a run must end invalid for the right reason or
// valid with nothing else wrong, and two caught runs in eight are asked (even at a 25% miss
// rate, fewer than 2 of 8 happens once in 2,600). `check_run` adds what a caught run must show.
void CaughtOnRandomSeeds(const std::string& target, const std::string& nemesis,
                         const std::function<void(const LockRun&)>& check_run) {
  RequireRoot();
  int caught = 0, runs = 0;
  std::string seeds;
  for (; runs < 8 && caught < 2; ++runs) {
    const uint64_t seed = DrawSeed(target + " " + nemesis + " run " + std::to_string(runs));
    seeds += " " + std::to_string(seed);
    INFO(target << " seed " << seed);
    LockRun r = RunLock(target + "-" + nemesis, target, "unfenced", nemesis, seed);
    if (r.code == 0) {
      INFO(r.out);
      CHECK(Checker(r, "mutual-exclusion")["valid"] == true);
      CHECK(r.results["figures"]["overlaps"] == 0);
      continue;
    }
    ++caught;
    CheckMutualExclusionLost(r);
    check_run(r);
  }
  WARN(target << " under " << nemesis << ": caught " << caught << " of " << runs << " (seeds"
              << seeds << ")");
  CHECK(caught == 2);
}

void CaughtUnderClockBumps(const std::string& target) {
  CaughtOnRandomSeeds(target, "clock", [](const LockRun& r) {
    CHECK(Completions(r.history, "bump-clock").size() +
              Completions(r.history, "strobe-clock").size() >=
          1);
    // Redis's own clock (TIME) followed the offsets wherever it was compared: "reached", or
    // "not-observed" when the run drew only strobes and bumps within the measurement error
    // (a strobe alone can expire a key early; seed 722603 was caught so) — never
    // "not-reached".
    const Json& effect = r.results["clock_effect"];
    INFO(effect.dump());
    CHECK((effect["verdict"] == "reached" || effect["verdict"] == "not-observed"));
    CHECK(effect["not_reached"].empty());
  });
}

void CaughtUnderClientPauses(const std::string& target) {
  CaughtOnRandomSeeds(target, "client-pause", [](const LockRun& r) {
    // Pauses of twice the TTL (2 s) landed inside critical sections.
    CHECK(PausedIncrements(r.history, 4000) >= 1);
  });
}

}  // namespace

TEST_CASE("lock: redis-lock with an unfenced resource loses mutual exclusion under clock bumps") {
  CaughtUnderClockBumps("redis-lock");
}

TEST_CASE("lock: redlock with an unfenced resource loses mutual exclusion under clock bumps") {
  CaughtUnderClockBumps("redlock");
}

TEST_CASE("lock: redis-lock with an unfenced resource loses mutual exclusion under client pauses") {
  CaughtUnderClientPauses("redis-lock");
}

TEST_CASE("lock: redlock with an unfenced resource loses mutual exclusion under client pauses") {
  CaughtUnderClientPauses("redlock");
}

TEST_CASE(
    "lock: etcd-lock with the fenced resource stays safe, its rejected stale writes counted") {
  RequireRoot();
  int64_t rejected_in_all = 0;
  int paused_in_all = 0;
  for (int run = 0; run < 3; ++run) {
    const uint64_t seed = DrawSeed("etcd-lock fenced run " + std::to_string(run));
    INFO("seed " << seed);
    LockRun r =
        RunLock("etcd-fenced", "etcd-lock", "fenced", "clock,client-pause,partition", seed, {}, 12);
    INFO(r.out);
    CHECK(r.code == 0);
    CHECK(Checker(r, "mutual-exclusion")["valid"] == true);
    CHECK(Checker(r, "fencing")["valid"] == true);
    paused_in_all += PausedIncrements(r.history, 4000);
    // A paused holder that came back with its old token is refused by the resource, and the
    // run counts and lists what it refused.
    const int64_t rejected = r.results["figures"]["rejected_stale_writes"].get<int64_t>();
    rejected_in_all += rejected;
    CHECK(Checker(r, "fencing")["details"]["rejected"].size() == static_cast<size_t>(rejected));
    int stale = 0;
    for (const Op& op : Completions(r.history, "increment")) stale += op.error == "stale fence";
    CHECK(stale == rejected);
    CHECK(r.results["figures"]["overlaps"] == 0);
    CHECK(r.results["figures"]["lost_updates"] == 0);
    CheckOfflineAgrees(r);
  }
  // Whether one run shows the story is timing: the client pause must land inside a critical
  // section, and another client must take the lock and write while the holder is paused. When
  // etcd elects a new leader for seconds (seen in loaded suites), nobody holds the
  // lock when the pause lands, or nobody else can take it during the pause; the run is still
  // judged above. Across the runs, a holder was paused and at least one stale write refused.
  CHECK(paused_in_all >= 1);
  CHECK(rejected_in_all >= 1);
}

TEST_CASE("lock: etcd-lock with an unfenced resource is caught under client pauses") {
  CaughtUnderClientPauses("etcd-lock");
}

TEST_CASE("lock: raft-lock with an unfenced resource is caught under client pauses") {
  CaughtUnderClientPauses("raft-lock");
}

TEST_CASE("lock: raft-lock with the fenced resource stays safe under pauses, partitions, kills") {
  RequireRoot();
  int64_t rejected_in_all = 0;
  for (int run = 0; run < 2; ++run) {
    const uint64_t seed = DrawSeed("raft-lock fenced run " + std::to_string(run));
    INFO("seed " << seed);
    LockRun r =
        RunLock("raft-fenced", "raft-lock", "fenced", "client-pause,partition,kill", seed, {}, 12);
    INFO(r.out);
    CHECK(r.code == 0);
    CHECK(Checker(r, "mutual-exclusion")["valid"] == true);
    CHECK(Checker(r, "fencing")["valid"] == true);
    CHECK(r.results["figures"]["accepted_writes"].get<int64_t>() > 10);
    rejected_in_all += r.results["figures"]["rejected_stale_writes"].get<int64_t>();
    // Every grant carried a fence: the log index of its entry.
    for (const Op& op : Completions(r.history, "acquire")) {
      if (op.type == OpType::kOk) CHECK(op.value["fence"].is_number_integer());
    }
  }
  CHECK(rejected_in_all >= 1);
}

TEST_CASE("lock: raft-lock's bug no-fence gives no tokens, and pauses then break exclusion") {
  RequireRoot();
  // Without tokens the resource cannot be fenced: the run resolves it unfenced.
  int caught = 0, runs = 0;
  for (; runs < 6 && caught < 2; ++runs) {
    const uint64_t seed = DrawSeed("raft-lock no-fence run " + std::to_string(runs));
    INFO("seed " << seed);
    FinishedRun r =
        RunAndLoad("raft-no-fence", {"run", "-w", "lock", "-t", "raft-lock", "--bug", "no-fence",
                                     "--nemesis", "client-pause", "--nemesis-interval", "1.5",
                                     "--time-limit", "10", "--seed", std::to_string(seed)});
    INFO(r.out);
    CHECK(r.results["figures"]["resource"] == "unfenced");
    for (const Op& op : Completions(r.history, "acquire")) {
      if (op.type == OpType::kOk) CHECK(op.value["fence"].is_null());
    }
    if (r.code == 1) {
      CHECK(r.results["checkers"]["mutual-exclusion"]["valid"] == false);
      ++caught;
    } else {
      CHECK(r.code == 0);
    }
  }
  CHECK(caught == 2);
}

TEST_CASE(
    "lock: etcd's lease ignores wall-clock skew, and the run says the faults did not reach it") {
  RequireRoot();
  // Clock faults only, on an unfenced resource: if they shortened etcd's leases, two
  // holders would overlap at the resource. They do not, whatever the seed. Whether a run can
  // tell "not reached" is up to its seed: only a bump of more than a second (beyond the
  // measurement error) is compared (checkers/clock_effect.h), and a seed may give only
  // strobes and small bumps ("not-observed"). So runs with random seeds until one tells
  // (at most four; nearly every seed does); every run must be valid and none "reached".
  bool told = false;
  for (int run = 0; run < 4 && !told; ++run) {
    const uint64_t seed = DrawSeed("etcd-clock run " + std::to_string(run));
    INFO("seed " << seed);
    LockRun r = RunLock("etcd-clock", "etcd-lock", "unfenced", "clock", seed, {}, 12);
    INFO(r.out);
    CHECK(r.code == 0);
    CHECK(Checker(r, "mutual-exclusion")["valid"] == true);
    const Json& effect = r.results["clock_effect"];
    INFO(effect.dump(2));
    CHECK(effect["reached"].empty());
    const std::string verdict = effect["verdict"];
    CHECK((verdict == "not-reached" || verdict == "not-observed"));
    if (verdict != "not-reached") continue;
    told = true;
    CHECK(Completions(r.history, "bump-clock").size() >= 1);
    CHECK_FALSE(effect["not_reached"].empty());
    // The run says so, next to its verdict (a key phrase, not the sentence).
    bool noted = false;
    for (const Json& note : r.results["notes"]) {
      noted = noted || note.get<std::string>().find("did not reach") != std::string::npos;
    }
    CHECK(noted);
    CHECK(r.out.find("did not reach") != std::string::npos);
  }
  CHECK(told);
}

TEST_CASE("compare: the same seed and faults against three lock targets, one table") {
  RequireRoot();
  RunDirs dirs = FreshRunDirs("compare");
  std::string out;
  const int code = RunCoordcheck(
      {"compare",    "-w",           "lock",        "--targets",    "redis-lock,redlock,etcd-lock",
       "--resource", "unfenced",     "--nemesis",   "client-pause", "--nemesis-interval",
       "1.5",        "--time-limit", "8",           "--seed",       "7",
       "--store",    dirs.store,     "--state-dir", dirs.state,     "--quiet"},
      &out, std::chrono::minutes(4));
  INFO(out);
  CHECK(code == 1);  // at least one invalid run
  // One row per target, in order, under one header: target, verdict, resource, figures.
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::vector<std::string> cells;
    for (std::string w; words >> w;) cells.push_back(w);
    if (cells.size() >= 4 && (cells[0] == "target" || cells[1] == "invalid" ||
                              cells[1] == "valid" || cells[1] == "unknown")) {
      rows.push_back(cells);
    }
  }
  REQUIRE(rows.size() == 4);
  CHECK(rows[0][0] == "target");
  CHECK(rows[0][1] == "verdict");
  CHECK(rows[0][2] == "resource");
  const char* const targets[] = {"redis-lock", "redlock", "etcd-lock"};
  for (int i = 0; i < 3; ++i) {
    CHECK(rows[i + 1][0] == targets[i]);
    CHECK(rows[i + 1][1] == "invalid");
    CHECK(rows[i + 1][2] == "unfenced");
  }
  // The comparison's own folder, and each run's, with the same seed and schedule.
  const size_t at = out.find("comparison folder: ");
  REQUIRE(at != std::string::npos);
  const std::string folder = out.substr(at + 19, out.find('\n', at) - at - 19);
  Json record = Json::parse(ReadFile(folder + "/compare.json"));
  REQUIRE(record["runs"].size() == 3);
  CHECK(record["seed"] == 7);
  CHECK(ReadFile(folder + "/table.txt").find("redlock") != std::string::npos);
  for (const Json& run : record["runs"]) {
    const std::string dir = run["run_dir"];
    Json test = Json::parse(ReadFile(dir + "/test.json"));
    CHECK(test["seed"] == 7);
    CHECK(test["target"] == run["target"]);
    CHECK(test["workload_options"]["resource"] == "unfenced");
    CHECK(run["verdict"] == "invalid");
  }
}

}  // namespace coordcheck::testing
