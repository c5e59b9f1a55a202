// RunResults, results.json as a value: what the run writes reads back the same; a failed run
// carries no checker results; files from before `verdict` existed, and damaged ones, still
// read (members of the wrong type are left empty, never a throw); the stored lock runs in
// data/ read with their phases, notes and checkers.
#include "reports/run_results.h"

#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

namespace coordcheck::reports {
namespace {

RunResults Sample() {
  RunResults r;
  r.test = "lock-redis-lock";
  r.target = "redis-lock";
  r.workload = "lock";
  r.seed = 18446744073709551615ull;  // the whole uint64 range survives
  r.run_dir = "/store/lock-redis-lock/T";
  r.extra_nodes = {{"resource", "n2"}};
  r.phases = {{"main", {120, 100, 15, 5, 0, 10.5}}, {"heal", {3, 3, 0, 0, 0, 0.2}}};
  r.has_nemesis = true;
  r.nemesis_families = {"clock", "pause"};
  r.unhealed = "";
  r.recovery_error = "not ready";
  r.verdict = "invalid";
  r.summary = "mutual-exclusion: 24 overlaps";
  r.checkers = Json{{"mutual-exclusion", {{"valid", false}, {"verdict", "invalid"}}}};
  r.figures = Json{{"overlaps", 24}, {"lost_updates", nullptr}};
  r.notes = {"the clock faults did not reach the target"};
  r.clock_effect = Json{{"verdict", "reached"}};
  r.check_seconds = 0.25;
  r.events = 246;
  return r;
}

TEST_CASE("run results: what is written reads back the same") {
  const RunResults r = Sample();
  const Json j = r.ToJson();
  CHECK(j["valid"] == false);
  CHECK(j["verdict"] == "invalid");
  CHECK(j["seed"].get<uint64_t>() == 18446744073709551615ull);
  CHECK(j["phases"]["main"]["invoked"] == 120);
  CHECK(j["extra_nodes"]["resource"] == "n2");
  CHECK_FALSE(j.contains("error"));
  CHECK_FALSE(j.contains("teardown_error"));
  const RunResults back = RunResults::FromJson(j);
  CHECK(back.ToJson() == j);
  REQUIRE(back.Phase("main") != nullptr);
  CHECK(back.Phase("main")->fail == 15);
  CHECK(back.Phase("final") == nullptr);
  CHECK(back.seed == r.seed);
  CHECK(back.notes == r.notes);
}

TEST_CASE("run results: a failed run says why and carries no checker results") {
  RunResults r;
  r.test = "t";
  r.verdict = "error";
  r.error = "cannot create the nodes: no root";
  const Json j = r.ToJson();
  CHECK(j["valid"] == "unknown");
  CHECK(j["error"] == "cannot create the nodes: no root");
  CHECK_FALSE(j.contains("checkers"));
  CHECK_FALSE(j.contains("figures"));
  CHECK_FALSE(j.contains("nemesis"));  // teardown was not reached
  CHECK(RunResults::FromJson(j).error == r.error);
}

TEST_CASE("run results: old and damaged files read without throwing") {
  SECTION("only `valid`, as written before `verdict` existed") {
    CHECK(RunResults::FromJson(Json{{"valid", true}}).verdict == "valid");
    CHECK(RunResults::FromJson(Json{{"valid", false}}).verdict == "invalid");
    CHECK(RunResults::FromJson(Json{{"valid", "unknown"}}).verdict == "unknown");
    CHECK(RunResults::FromJson(Json::object()).verdict.empty());
  }
  SECTION("members of the wrong type are left empty") {
    const Json damaged = {{"test", 7},
                          {"seed", -3},
                          {"phases", {{"main", "fast"}, {"heal", {{"ok", "x"}}}}},
                          {"notes", {"one", 2}},
                          {"checkers", {1, 2}},
                          {"figures", "none"},
                          {"nemesis", {{"families", "clock"}, {"unhealed", 1}}},
                          {"clock_effect", "reached"},
                          {"check_seconds", "soon"},
                          {"extra_nodes", {{"resource", 5}}}};
    RunResults r;
    REQUIRE_NOTHROW(r = RunResults::FromJson(damaged));
    CHECK(r.test.empty());
    CHECK_FALSE(r.seed);
    REQUIRE(r.phases.size() == 1);  // "main" is not an object
    CHECK(r.phases[0].first == "heal");
    CHECK(r.phases[0].second.ok == 0);
    CHECK(r.notes == std::vector<std::string>{"one", "2"});
    CHECK(r.checkers.empty());
    CHECK(r.figures.empty());
    CHECK(r.nemesis_families.empty());
    CHECK(r.clock_effect.is_null());
    CHECK_FALSE(r.check_seconds);
    REQUIRE(r.extra_nodes.size() == 1);
    CHECK(r.extra_nodes[0].second.empty());
  }
  SECTION("not an object at all") {
    for (const Json& j : {Json(), Json(3), Json::array(), Json("results")}) {
      REQUIRE_NOTHROW(RunResults::FromJson(j));
      CHECK(RunResults::FromJson(j).ToJson()["test"] == "");
    }
  }
}

TEST_CASE("run results: a stored lock run reads with its phases, notes and checkers") {
  std::ifstream in(std::string(COORDCHECK_REPORTS_TEST_DATA) + "/lock-redis-lock/results.json");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  const Json j = Json::parse(text.str());
  const RunResults r = RunResults::FromJson(j);
  CHECK(r.verdict == j["verdict"]);
  CHECK(r.Phase("main") != nullptr);
  CHECK(r.checkers == j["checkers"]);
  CHECK(r.figures == j["figures"]);
  CHECK(r.notes.size() == j["notes"].size());
  CHECK(r.ToJson() == j);  // the format is unchanged: a stored run writes back byte for byte
}

}  // namespace
}  // namespace coordcheck::reports
