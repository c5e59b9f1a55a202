// junit.xml stays well-formed XML 1.0 (checked with xmllint) whatever bytes the run's files
// carry: U+FFFE, U+FFFF, C0 controls, lone surrogates, ill-formed UTF-8; and tab, LF and CR
// in attribute values come back unchanged.
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include <catch2/catch.hpp>

#include "reports/junit.h"
#include "tests/reports/report_test_util.h"

namespace coordcheck {
namespace {

using reports::RenderJUnit;
using reports::RunRecord;

// Runs `command` through the shell; its exit code, stdout in `out`.
int Shell(const std::string& command, std::string* out) {
  std::FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[4096];
  size_t n;
  out->clear();
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out->append(buf, n);
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_CASE("junit.xml: characters XML 1.0 forbids never make the file ill-formed") {
  const std::string bad = std::string(
                              "a\xEF\xBF\xBE"
                              "b\xEF\xBF\xBF"
                              "c") +  // U+FFFE, U+FFFF
                          std::string("\x01\x1F\x0B\x0C", 4) +
                          std::string(1, '\0') +
                          "\xED\xA0\x80"                      // a lone surrogate, U+D800, in UTF-8
                          "\xC3"                              // a truncated sequence
                          "\xFF\xFE"                          // never UTF-8
                          "\xC0\xAF"                          // overlong '/'
                          "z \xE2\x82\xAC \xF0\x9F\x98\x80";  // real characters stay
  const std::string summary = "line one\tcol\nline two\r\nend";
  RunRecord run;
  run.test = {{"name", "t" + bad}, {"target", bad}, {"seed", 1}};
  run.results = {{"verdict", "invalid"},
                 {"notes", {bad}},
                 {"checkers",
                  {{"mutual-exclusion",
                    {{"verdict", "invalid"},
                     {"summary", summary},
                     {"details", {{"anomalies", {{{"explanation", bad}}}}}}}},
                   {"idempotency", {{"verdict", "unknown"}, {"summary", bad}}}}}};
  const std::string xml = RenderJUnit({run});
  test::TempDir dir;
  const std::string path = dir.path() + "/junit.xml";
  test::WriteFile(path, xml);
  std::string out;
  INFO(xml);
  CHECK(Shell("xmllint --noout " + path + " 2>&1", &out) == 0);
  CHECK(out.empty());
  CHECK(xml.find("\xEF\xBF\xBE") == std::string::npos);
  CHECK(xml.find("\xEF\xBF\xBF") == std::string::npos);
  CHECK(xml.find("z \xE2\x82\xAC \xF0\x9F\x98\x80") != std::string::npos);
  // Tab, LF and CR in an attribute: encoded, so a parser gives them back.
  CHECK(xml.find("message=\"line one&#9;col&#10;line two&#13;&#10;end\"") != std::string::npos);
  REQUIRE(Shell("xmllint --xpath 'string(//failure/@message)' " + path, &out) == 0);
  CHECK(out == summary + "\n");  // xmllint ends its output with a newline
}

TEST_CASE("junit.xml: the failure text comes from the typed anomalies' explanations") {
  RunRecord run;
  run.test = {{"name", "t"}, {"seed", 1}};
  run.results = {{"verdict", "invalid"},
                 {"checkers",
                  {{"fencing",
                    {{"verdict", "invalid"},
                     {"summary", "the summary"},
                     {"details", {{"anomalies", {{{"explanation", "the untyped words"}}}}}},
                     {"anomalies",
                      {{{"type", "fence-decrease"},
                        {"explanation", "the typed words"},
                        {"ops", {1, 2}}}}}}}}}};
  const std::string xml = RenderJUnit({run});
  INFO(xml);
  CHECK(xml.find("the typed words") != std::string::npos);
  CHECK(xml.find("the untyped words") == std::string::npos);
}

}  // namespace
}  // namespace coordcheck
