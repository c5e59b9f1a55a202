// JUnit XML from results: one testcase per checker, failures carrying the anomalies,
// unknown as an error (never a pass), a failed run as an error, every text escaped — and
// the document parses (xmllint, a real XML parser).
#include "reports/junit.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <catch2/catch.hpp>

#include "tests/support/node_env.h"

namespace coordcheck::reports {
namespace {

bool Has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// xmllint's exit code on `xml` (0 = well-formed).
int Lint(const std::string& xml) {
  nodetest::TempDir dir;
  const std::string path = dir.path() + "/junit.xml";
  std::ofstream(path) << xml;
  return std::system(("xmllint --noout " + path + " 2>/dev/null").c_str());
}

Json Checker(const std::string& verdict, const std::string& summary, Json details = Json::object()) {
  return Json{{"verdict", verdict}, {"valid", verdict == "valid" ? Json(true) : verdict == "invalid" ? Json(false) : Json("unknown")},
              {"summary", summary}, {"details", details}};
}

}  // namespace

TEST_CASE("junit: one testcase per checker, failures with the anomalies, unknown is an error") {
  Json test = {{"name", "lock-redis-lock"}, {"target", "redis-lock"}, {"workload", "lock"},
               {"seed", 7}, {"nemesis", {"clock", "client-pause"}},
               {"meta", {{"commit", "abc123"}, {"command", "coordcheck run -w lock"}}}};
  Json results = {
      {"verdict", "invalid"},
      {"check_seconds", 0.5},
      {"phases", {{"main", {{"seconds", 30.0}}}}},
      {"notes", {"the clock faults reached the target"}},
      {"checkers",
       {{"mutual-exclusion",
         Checker("invalid", "2 overlapping pairs",
                 {{"anomalies",
                   {{{"type", "overlap"}, {"explanation", "critical sections 1-2 and 3-4 overlapped"}},
                    {{"type", "lost-updates"}, {"explanation", "1 update was lost"}}}}})},
        {"fencing", Checker("valid", "no fencing tokens: nothing to check")},
        {"linearizable", Checker("unknown", "time limit of 300000 ms reached")}}}};
  const std::string xml = RenderJUnit({{test, results}});
  INFO(xml);
  CHECK(Lint(xml) == 0);
  CHECK(Has(xml, "<testsuites name=\"coordcheck\" tests=\"3\" failures=\"1\" errors=\"1\""));
  CHECK(Has(xml, "<testsuite name=\"lock-redis-lock\" tests=\"3\" failures=\"1\" errors=\"1\" skipped=\"0\" time=\"30.500\">"));
  CHECK(Has(xml, "<testcase classname=\"coordcheck.lock-redis-lock\" name=\"fencing\" time=\"0.167\">\n    </testcase>"));
  CHECK(Has(xml, "<failure type=\"invalid\" message=\"2 overlapping pairs\">critical sections 1-2 and 3-4 overlapped\n1 update was lost\n</failure>"));
  CHECK(Has(xml, "<error type=\"unknown\" message=\"time limit of 300000 ms reached\">"));
  CHECK(Has(xml, "<property name=\"seed\" value=\"7\"/>"));
  CHECK(Has(xml, "<property name=\"nemesis\" value=\"[&quot;clock&quot;,&quot;client-pause&quot;]\"/>"));
  CHECK(Has(xml, "<system-out>note: the clock faults reached the target\n</system-out>"));
}

TEST_CASE("junit: a run that failed is one error testcase saying why") {
  Json results = {{"verdict", "error"}, {"error", "set-up of etcd-lock: node n2: etcd exited"}};
  const std::string xml = RenderJUnit({{Json{{"target", "etcd-lock"}, {"workload", "lock"}}, results}});
  CHECK(Lint(xml) == 0);
  CHECK(Has(xml, "<testsuite name=\"lock-etcd-lock\" tests=\"1\" failures=\"0\" errors=\"1\""));
  CHECK(Has(xml, "name=\"run\""));
  CHECK(Has(xml, "<error type=\"error\" message=\"set-up of etcd-lock: node n2: etcd exited\">"));
}

TEST_CASE("junit: values from a history are escaped, control characters replaced") {
  const std::string evil = "<script>alert(\"x\")</script> & 'q' \x01\x1b end";
  Json results = {{"verdict", "invalid"},
                  {"checkers", {{"linearizable", Checker("invalid", evil, {{"explanation", evil}})}}}};
  const std::string xml = RenderJUnit({{Json{{"name", evil}}, results}});
  INFO(xml);
  CHECK(Lint(xml) == 0);
  CHECK_FALSE(Has(xml, "<script>"));
  CHECK(Has(xml, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;q&apos; \xEF\xBF\xBD\xEF\xBF\xBD end"));
}

TEST_CASE("junit: WriteRunJUnit names a missing or broken file") {
  nodetest::TempDir dir;
  Status missing = WriteRunJUnit(dir.path());
  CHECK_FALSE(missing.ok());
  CHECK(missing.message().rfind(dir.path() + "/results.json: cannot open", 0) == 0);
  std::ofstream(dir.path() + "/results.json") << "{\n  \"verdict\": \"valid\",,\n}\n";
  Status broken = WriteRunJUnit(dir.path());
  CHECK(broken.message().rfind(dir.path() + "/results.json:2: not valid JSON: ", 0) == 0);
}

}  // namespace coordcheck::reports
