// `coordcheck run` with faults, as root on real network namespaces: the correct kvd stays
// valid under every fault family, follower reads are caught under partitions, every fault
// is recorded in the history with what was done and its effect is observed (bumped offsets
// read back; kvd processes seen stopped, or replaced by new ones; client ops stalled by a
// pause; packet rules left by a SIGKILLed run and removed by `clean`), the same seed gives
// the same faults, and nothing of ours (rules, offset files, helper processes, namespaces)
// is left afterwards; the root namespace is unchanged.
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "history/jsonl.h"
#include "nemesis/plan.h"
#include "nemesis/registry.h"
#include "tests/harness/run_util.h"
#include "tests/support/node_env.h"

namespace coordcheck::testing {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;
using nodetest::RequireRoot;
using nodetest::RootNetworkState;

// A finished run of the register workload on kvd with `extra` flags.
struct Run {
  RunDirs dirs;
  int code = -1;
  std::string out;
  std::string dir;  // the run's folder in the store
  // The kvd server processes seen while the run went on (sampled every 50 ms: a pause or a
  // restarted process lasts half a second or more).
  WatchedProcesses kvd;
};

Run RunWithFaults(const std::string& name, const std::vector<std::string>& extra) {
  Run r;
  r.dirs = FreshRunDirs(name);
  const Spawned s = SpawnCoordcheck(RegisterRunArgs(r.dirs, extra));
  // kvd's command line names its data folder, under the run's state directory.
  r.code = WatchProcesses(s, {r.dirs.state + "/", "coordcheck-kvd", "--data-dir"},
                          std::chrono::minutes(3), &r.kvd);
  r.out = ReadFile(s.out_path);
  r.dir = LatestRun(r.dirs);
  return r;
}

// Nemesis events of a stored history: f -> number of completions.
std::map<std::string, int> FaultCompletions(const std::string& run_dir, std::vector<Op>* ops) {
  History h;
  REQUIRE(ReadHistoryFile(run_dir + "/history.jsonl", &h).ok());
  std::map<std::string, int> out;
  for (const Op& op : h.ops) {
    if (!op.is_nemesis() || op.is_invoke()) continue;
    CHECK(op.type == OpType::kInfo);
    ++out[op.f];
    if (ops) ops->push_back(op);
  }
  return out;
}

// A run of the register workload on kvd under `family` (5 nodes, 20 s, seed 5): valid, every
// fault of `fs_expected` really done at least once (FaultDone: a fault that failed does not
// count), no fault completed with an error, nothing left. Returns the run and its fault
// completions.
Run CheckValidUnder(const std::string& family, const std::vector<std::string>& fs_expected,
                    std::vector<Op>* faults) {
  RequireRoot();
  const std::string before = RootNetworkState();
  Run r = RunWithFaults(family, {"--nemesis", family, "--nemesis-interval", "2", "--time-limit",
                                 "20", "--seed", "5"});
  INFO(r.out);
  CHECK(r.code == 0);
  FaultCompletions(r.dir, faults);
  for (const std::string& f : fs_expected) {
    INFO("fault " << f);
    CHECK(DoneFaults(*faults, f) >= 1);
  }
  for (const Op& op : *faults) {
    INFO(OpToLine(op));
    CHECK(op.error.is_null());  // every fault was really done
  }
  Json results = Json::parse(ReadFile(r.dir + "/results.json"));
  CHECK(results["nemesis"]["unhealed"] == "");
  CheckNothingLeft(r.dirs);
  CHECK(RootNetworkState() == before);
  return r;
}

// The number of nodes the run had (its test.json).
size_t NodesOf(const Run& r) {
  return Json::parse(ReadFile(r.dir + "/test.json"))["nodes"].get<size_t>();
}

// The nodes a kill/start/pause/resume completion acted on.
std::vector<std::string> ActedOn(const Op& op) {
  std::vector<std::string> out;
  if (op.value.is_object() && op.value.contains("nodes")) {
    for (const Json& n : op.value["nodes"]) out.push_back(n.get<std::string>());
  }
  return out;
}

}  // namespace

TEST_CASE("faults: kvd primary stays valid under partitions") {
  std::vector<Op> faults;
  CheckValidUnder("partition", {"start-partition", "stop-partition"}, &faults);
}

TEST_CASE("faults: kvd primary stays valid under packet loss and delay") {
  std::vector<Op> faults;
  CheckValidUnder("packet", {"start-packet", "stop-packet"}, &faults);
}

TEST_CASE("faults: kvd primary stays valid under clock bumps and strobes") {
  std::vector<Op> faults;
  Run r = CheckValidUnder("clock", {"bump-clock", "reset-clock", "check-clock-offsets"}, &faults);
  // Each bump was observed: the check-clock-offsets that follows it (a probe under the
  // preload on each node, nemesis/clock/clock_nemesis.h) reads the bumped offsets.
  int observed = 0;
  for (size_t i = 0; i < faults.size(); ++i) {
    if (faults[i].f != "bump-clock" || !FaultDone(faults[i])) continue;
    REQUIRE(i + 1 < faults.size());
    const Op& check = faults[i + 1];
    INFO(OpToLine(faults[i]) << "\n" << OpToLine(check));
    REQUIRE(check.f == "check-clock-offsets");
    for (const auto& [node, moved] : faults[i].value.items()) {
      const int64_t after = moved["after_ms"].get<int64_t>();
      REQUIRE(check.value.contains(node));
      CHECK(std::llabs(check.value[node].get<int64_t>() - after) <= 50);
      observed += after != 0;
    }
  }
  CHECK(observed >= 1);
  // Strobes that ran flipped a clock (FaultDone); the heal's check reads every offset back
  // at 0.
  for (const Op& op : faults) {
    if (op.f == "strobe-clock") CHECK(FaultDone(op));
  }
  REQUIRE(faults.back().f == "check-clock-offsets");
  for (const auto& [node, offset] : faults.back().value.items()) CHECK(offset == 0);
}

TEST_CASE("faults: kvd primary stays valid under pauses") {
  std::vector<Op> faults;
  Run r = CheckValidUnder("pause", {"pause", "resume"}, &faults);
  // A paused node's kvd was seen stopped (state T in /proc/PID/stat) while the run went on.
  INFO("kvd pids " << Json(r.kvd.pids).dump() << ", seen stopped " << Json(r.kvd.stopped).dump());
  CHECK(r.kvd.pids.size() == NodesOf(r));  // paused, never replaced
  CHECK(r.kvd.stopped.size() >= 1);
  // Clients saw it. An op to a paused node (to any node while the primary, n1, is paused: it
  // forwards there) still open when the resume is sent, and sent 100 ms or more before it
  // (kvd answers in about a millisecond), was stalled by the pause; there were such ops. And
  // no op sent to a paused node after the pause completed ok before the resume.
  History h;
  REQUIRE(ReadHistoryFile(r.dir + "/history.jsonl", &h).ok());
  std::set<std::string> paused;
  auto to_paused = [&](const Op& op) { return paused.count(op.node) + paused.count("n1") > 0; };
  std::map<int64_t, const Op*> open;  // process -> its open invoke
  std::set<int64_t> sent_in_pause;    // processes whose open op was sent to a paused node
  int stalled = 0;
  for (const Op& op : h.ops) {
    if (op.is_nemesis()) {
      if (op.f == "pause" && !op.is_invoke()) {
        for (const std::string& n : ActedOn(op)) paused.insert(n);
      } else if (op.f == "resume" && op.is_invoke()) {
        for (const auto& [process, invoke] : open) {
          stalled += to_paused(*invoke) && invoke->time_ns <= op.time_ns - 100'000'000;
        }
        paused.clear();
        sent_in_pause.clear();  // what completes from now on may be served after the resume
      }
      continue;
    }
    if (op.is_invoke()) {
      open[op.process] = &op;
      if (to_paused(op)) sent_in_pause.insert(op.process);
      continue;
    }
    open.erase(op.process);
    if (sent_in_pause.erase(op.process) == 0) continue;
    INFO("paused " << Json(paused).dump() << ": " << OpToLine(op));
    CHECK(op.type != OpType::kOk);
  }
  INFO("ops stalled by a pause: " << stalled);
  CHECK(stalled >= 1);
}

TEST_CASE("faults: kvd primary stays valid under kills and restarts") {
  std::vector<Op> faults;
  Run r = CheckValidUnder("kill", {"kill", "start"}, &faults);
  // Every start really started a new process: besides the first one per node, one new kvd
  // pid for each node a start acted on, and each node killed was started again.
  int started = 0, killed = 0;
  for (const Op& op : faults) {
    if (op.f == "start") started += static_cast<int>(ActedOn(op).size());
    if (op.f == "kill") killed += static_cast<int>(ActedOn(op).size());
  }
  INFO("kvd pids " << Json(r.kvd.pids).dump());
  CHECK(killed >= 1);
  CHECK(started == killed);
  CHECK(r.kvd.pids.size() == NodesOf(r) + static_cast<size_t>(started));
}

TEST_CASE("faults: restart crash-restarts kvd's processes, and kvd stays valid") {
  RequireRoot();
  Run r = RunWithFaults("restart", {"--nodes", "3", "--nemesis", "restart", "--nemesis-interval",
                                    "1", "--time-limit", "10", "--seed", "5"});
  INFO(r.out);
  CHECK(r.code == 0);
  std::vector<Op> faults;
  auto completions = FaultCompletions(r.dir, &faults);
  REQUIRE(completions["restart"] >= 3);
  std::map<std::string, int> restarts;  // node -> times restarted
  for (const Op& op : faults) {
    INFO(OpToLine(op));
    CHECK(op.error.is_null());
    for (const Json& n : op.value["nodes"]) ++restarts[n.get<std::string>()];
  }
  REQUIRE_FALSE(restarts.empty());
  // Each restart of a node started a new process: a new kvd pid seen while the run went on.
  int restarted = 0;
  for (const auto& [node, times] : restarts) restarted += times;
  INFO("kvd pids " << Json(r.kvd.pids).dump());
  CHECK(r.kvd.pids.size() == NodesOf(r) + static_cast<size_t>(restarted));
  // Each start of a kvd process logs one "listening" line: a node restarted N times had N + 1
  // processes.
  for (const std::string node : {"n1", "n2", "n3"}) {
    INFO(node);
    const std::string log = ReadFile(r.dir + "/nodes/" + node + "/kvd.log");
    int started = 0;
    for (size_t at = log.find(" listening on "); at != std::string::npos;
         at = log.find(" listening on ", at + 1)) {
      ++started;
    }
    CHECK(started == 1 + restarts[node]);
  }
  CheckNothingLeft(r.dirs);
}

TEST_CASE("faults: follower reads are caught under partitions") {
  RequireRoot();
  for (const char* seed : {"1", "2"}) {
    Run r =
        RunWithFaults("fr-partition", {"--bug", "follower-reads", "--nemesis", "partition",
                                       "--nemesis-interval", "1", "--time-limit", "8", "--seed",
                                       seed, "--target-options", R"({"replication_delay_ms": 5})"});
    INFO(r.out);
    CHECK(r.code == 1);
    CHECK(FaultCompletions(r.dir, nullptr)["start-partition"] >= 1);
    CheckNothingLeft(r.dirs);
  }
}

TEST_CASE("faults: SIGINT in the middle of faults heals, tears down and leaves nothing") {
  RequireRoot();
  const std::string before = RootNetworkState();
  const RunDirs d = FreshRunDirs("fault-sigint");
  Spawned s = SpawnCoordcheck({"run", "--store", d.store, "--state-dir", d.state, "--nemesis",
                               "partition,packet,clock,pause,kill", "--nemesis-interval", "0.3",
                               "--time-limit", "60"});
  // Wait until faults are under way.
  REQUIRE(WaitForText(LatestHistory(d), "\"process\":\"nemesis\",\"type\":\"info\"", 15s));
  ::kill(s.pid, SIGINT);
  CHECK(WaitExit(s.pid, 30s) == 3);
  INFO(ReadFile(s.out_path));
  CheckNothingLeft(d);
  CHECK(RootNetworkState() == before);
}

// The packet-fault rules (the mangle table's statistic DROP and NFQUEUE rules) in each of the
// run's namespaces, one "NAMESPACE: RULE" line each.
std::vector<std::string> PacketRulesOf(const std::string& run_id) {
  std::vector<std::string> rules;
  for (const std::string& ns : nodetest::NamespacesOf(run_id)) {
    std::string out;
    RunCommand({"/usr/sbin/ip", "netns", "exec", ns, "iptables", "-w", "-t", "mangle", "-S"}, &out,
               10s);
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
      if (line.find("statistic") != std::string::npos ||
          line.find("NFQUEUE") != std::string::npos) {
        rules.push_back(ns + ": " + line);
      }
    }
  }
  return rules;
}

TEST_CASE("faults: after SIGKILL mid-fault, `coordcheck clean` removes rules, helpers and files") {
  RequireRoot();
  const std::string before = RootNetworkState();
  const RunDirs d = FreshRunDirs("fault-sigkill");
  // Packet faults install rules in the nodes' namespaces and start helper daemons (netdelay)
  // for delays; each fault lasts 2-6 s, so a fault seen applied is still applied when the
  // SIGKILL lands.
  Spawned s = SpawnCoordcheck({"run", "--store", d.store, "--state-dir", d.state, "--nemesis",
                               "packet", "--nemesis-interval", "4", "--time-limit", "60"});
  REQUIRE(WaitForText(LatestHistory(d), "\"f\":\"start-packet\"", 30s));
  const std::string run_id = RunIdFromLog(LatestRun(d));
  REQUIRE_FALSE(run_id.empty());
  // Wait for the fault itself, not its invoke (written before the fault is applied): its
  // rules in a node's namespace.
  REQUIRE(nodetest::WaitUntil([&] { return !PacketRulesOf(run_id).empty(); }, 30s, 20ms));
  ::kill(s.pid, SIGKILL);
  REQUIRE(WaitExit(s.pid, 10s) == -SIGKILL);
  // A real leftover, not just the ledger: the rules are still there, in namespaces that are.
  const std::vector<std::string> rules = PacketRulesOf(run_id);
  INFO("left after SIGKILL: " << Json(rules).dump(1));
  CHECK_FALSE(rules.empty());
  CHECK_FALSE(nodetest::NamespacesOf(run_id).empty());
  CHECK_FALSE(Leftovers(d.state, run_id).empty());
  std::string out;
  CHECK(RunCoordcheck({"clean", "--state-dir", d.state}, &out) == 0);
  INFO(out);
  CHECK(PacketRulesOf(run_id).empty());
  CHECK(nodetest::NamespacesOf(run_id).empty());
  CHECK(nodetest::PidsWith({d.state + "/"}).empty());  // helpers (netdelay) and kvd gone
  CheckNothingLeft(d);
  CHECK(RootNetworkState() == before);
}

// The fault invokes (f and value, in order) of a run's stored history.
std::vector<std::pair<std::string, Json>> FaultInvokes(const std::string& run_dir) {
  History h;
  REQUIRE(ReadHistoryFile(run_dir + "/history.jsonl", &h).ok());
  std::vector<std::pair<std::string, Json>> out;
  for (const Op& op : h.ops) {
    if (op.is_nemesis() && op.is_invoke()) out.emplace_back(op.f, op.value);
  }
  return out;
}

TEST_CASE(
    "faults: the same seed gives the same fault schedule (run -f test.json), another seed "
    "another") {
  const std::vector<std::string> faults = {
      "--backend",          "local", "--nodes",   "3",
      "--time-limit",       "4",     "--nemesis", "pause,kill,clock",
      "--nemesis-interval", "0.3"};
  auto run = [&](const RunDirs& d, std::vector<std::string> args) {
    std::string out;
    const int code = RunCoordcheck(args, &out);
    INFO(out);
    CHECK(code == 0);
    CheckNothingLeft(d);
    return LatestRun(d);
  };
  const RunDirs d = FreshRunDirs("same-seed");
  std::vector<std::string> first_args = RegisterRunArgs(d, faults);
  first_args.insert(first_args.end(), {"--seed", "11"});
  const std::string first = run(d, first_args);
  const std::string again = run(d, {"run", "-f", first + "/test.json", "--quiet"});
  std::vector<std::string> other_args = RegisterRunArgs(d, faults);
  other_args.insert(other_args.end(), {"--seed", "12"});
  const std::string other = run(d, other_args);

  const auto a = FaultInvokes(first), b = FaultInvokes(again), c = FaultInvokes(other);
  INFO("seed 11: " << Json(a).dump() << "\nagain: " << Json(b).dump()
                   << "\nseed 12: " << Json(c).dump());
  // Runs end on the clock, so one may have a fault or two more at its end.
  const size_t n = std::min({a.size(), b.size(), c.size()});
  REQUIRE(n >= 5);
  CHECK(std::equal(a.begin(), a.begin() + n, b.begin()));
  CHECK_FALSE(std::equal(a.begin(), a.begin() + n, c.begin()));
}

TEST_CASE("faults: partitions and packet faults need network namespaces") {
  std::string out;
  const std::string store = FreshDir("fault-local-store");
  CHECK(RunCoordcheck({"run", "--backend", "local", "--nemesis", "partition", "--store", store},
                      &out) == 3);
  CHECK(out.find("nemesis 'partition' needs the netns backend") != std::string::npos);
}

TEST_CASE("faults: `list` shows the fault registry, in its order") {
  std::string out;
  REQUIRE(RunCoordcheck({"list"}, &out) == 0);
  const size_t begin = out.find("\nnemeses (");
  const size_t end = out.find("\nbackends:");
  REQUIRE(begin != std::string::npos);
  REQUIRE(end != std::string::npos);
  const std::string section =
      out.substr(out.find('\n', begin + 1) + 1, end + 1 - (out.find('\n', begin + 1) + 1));
  std::string expected;
  char line[512];
  for (const FaultPackage* p : AllFaultPackages()) {
    std::snprintf(line, sizeof line, "  %-12s %s\n", p->info.name.c_str(),
                  p->info.description.c_str());
    expected += line;
    const std::string needs = NeedsText(p->needs);
    if (!needs.empty()) {
      std::snprintf(line, sizeof line, "  %-12s needs: %s\n", "", needs.c_str());
      expected += line;
    }
  }
  CHECK(section == expected);
  // --nemesis's help names them too.
  REQUIRE(RunCoordcheck({"run", "--help"}, &out) == 0);
  CHECK(out.find(FaultFamilyNames(",")) != std::string::npos);
}

TEST_CASE("faults: a family that cannot apply to the target is not scheduled, and a note says so") {
  RequireRoot();
  // redis-lock runs on one node: partitions need two.
  RunDirs d = FreshRunDirs("fault-not-applicable");
  std::string out;
  const int code =
      RunCoordcheck({"run", "-w", "lock", "-t", "redis-lock", "--nemesis", "partition,clock",
                     "--nemesis-interval", "0.5", "--time-limit", "4", "--seed", "3", "--store",
                     d.store, "--state-dir", d.state, "--quiet"},
                    &out);
  INFO(out);
  CHECK((code == 0 || code == 1));
  const std::string dir = LatestRun(d);
  std::vector<Op> faults;
  auto completions = FaultCompletions(dir, &faults);
  CHECK(completions["start-partition"] == 0);
  CHECK(completions["stop-partition"] == 0);
  CHECK(completions["bump-clock"] + completions["strobe-clock"] >= 1);  // the other still runs
  // A note names the family left out (key words, not the sentence), in results.json and on
  // the terminal.
  Json results = Json::parse(ReadFile(dir + "/results.json"));
  REQUIRE(results["notes"].size() >= 1);
  const std::string note = results["notes"][0];
  CHECK(note.rfind("partition: not scheduled", 0) == 0);
  CHECK(out.find("note: " + note) != std::string::npos);
  CheckNothingLeft(d);
}

}  // namespace coordcheck::testing
