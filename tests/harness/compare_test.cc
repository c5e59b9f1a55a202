// The comparison table and exit code, from hand-made run outcomes: one aligned row per run
// in the workload's column order, clock faults as measured, each run's summary, notes and
// folder; the exit code follows the CI contract over the whole set.
#include "harness/compare.h"

#include <catch2/catch.hpp>

#include "harness/cli.h"

namespace coordcheck {
namespace {

RunOutcome Outcome(const std::string& target, int code, const std::string& verdict, Json figures,
                   Json extra = Json::object()) {
  RunOutcome r;
  r.exit_code = code;
  r.config.workload = "lock";
  r.config.target = target;
  r.run_dir = "/store/lock-" + target + "/T";
  Json results = {{"verdict", verdict}, {"summary", "a: one\nb: two"}, {"figures", figures}};
  for (auto it = extra.begin(); it != extra.end(); ++it) results[it.key()] = it.value();
  r.results = reports::RunResults::FromJson(results);
  return r;
}

}  // namespace

TEST_CASE("compare: one aligned row per run, the workload's columns in order") {
  std::vector<RunOutcome> runs = {
      Outcome("redis-lock", kExitInvalid, "invalid",
              {{"overlaps", 24}, {"resource", "unfenced"}, {"accepted_writes", 279}},
              {{"clock_effect", {{"verdict", "reached"}}}}),
      Outcome("etcd-lock", kExitValid, "valid",
              {{"overlaps", 0}, {"resource", "fenced"}, {"accepted_writes", 150}},
              {{"clock_effect", {{"verdict", "not-reached"}}},
               {"notes", {"the clock faults did not reach the target"}}}),
  };
  const std::string table = FormatCompareTable(runs);
  INFO(table);
  CHECK(table.rfind("target      verdict  resource  accepted writes  overlaps  clock faults\n", 0) == 0);
  CHECK(table.find("\nredis-lock  invalid  unfenced  279              24        reached\n") !=
        std::string::npos);
  CHECK(table.find("\netcd-lock   valid    fenced    150              0         not-reached\n") !=
        std::string::npos);
  CHECK(table.find("etcd-lock:\n  a: one\n  b: two\n  note: the clock faults did not reach the "
                   "target\n  run folder: /store/lock-etcd-lock/T\n") != std::string::npos);
}

TEST_CASE("compare: a column says what concurrency each history held") {
  std::vector<RunOutcome> runs = {
      Outcome("kvd", kExitValid, "valid", Json::object(),
              {{"concurrency", {{"overlap_share", 0.873}, {"max_open", 5}, {"low", false}}}}),
      Outcome("redis", kExitValid, "valid", Json::object(),
              {{"concurrency", {{"overlap_share", 0.041}, {"max_open", 2}, {"low", true}}}}),
  };
  const std::string table = FormatCompareTable(runs);
  INFO(table);
  CHECK(table.rfind("target  verdict  concurrency\n", 0) == 0);
  CHECK(table.find("\nkvd     valid    87.3% overlapped, max 5 open\n") != std::string::npos);
  CHECK(table.find("\nredis   valid    4.1% overlapped, max 2 open (low)\n") != std::string::npos);
}

TEST_CASE("compare: a run that failed shows as error, and its reason") {
  RunOutcome failed = Outcome("redlock", kExitError, "error", Json::object(),
                              {{"error", "set-up of redlock: node n3: no redis-server"}});
  RunOutcome never;  // the config was refused: no results at all
  never.config.target = "nope";
  const std::string table = FormatCompareTable({failed, never});
  INFO(table);
  CHECK(table.find("\nredlock  error") != std::string::npos);
  CHECK(table.find("  error: set-up of redlock: node n3: no redis-server\n") != std::string::npos);
  CHECK(table.find("nope: the run did not start") != std::string::npos);
}

TEST_CASE("compare: the exit code is the worst over the runs") {
  auto run = [](int code) {
    RunOutcome r;
    r.exit_code = code;
    return r;
  };
  CHECK(CompareExitCode({run(kExitValid), run(kExitValid)}) == kExitValid);
  CHECK(CompareExitCode({run(kExitValid), run(kExitUnknown)}) == kExitUnknown);
  CHECK(CompareExitCode({run(kExitUnknown), run(kExitInvalid)}) == kExitInvalid);
  CHECK(CompareExitCode({run(kExitInvalid), run(kExitError), run(kExitValid)}) == kExitError);
}

}  // namespace coordcheck
