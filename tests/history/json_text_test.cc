// json_text::ParseDocument: one error format for every whole JSON file coordcheck reads (test
// files, results.json): "WHERE:LINE: not valid JSON: REASON at column C", never an exception.
#include "history/json_text.h"

#include <string>

#include <catch2/catch.hpp>

namespace coordcheck::json_text {
namespace {

// The error's message for `text`, or "ok".
std::string Parse(const std::string& text) {
  Json json;
  const Status st = ParseDocument(text, "f.json", &json);
  return st.ok() ? "ok" : st.message();
}

TEST_CASE("json_text: ParseDocument parses a document") {
  Json json;
  REQUIRE(ParseDocument("{\"a\": [1, 2]}\n", "f.json", &json).ok());
  CHECK(json["a"][1] == 2);
  CHECK(Parse("[]") == "ok");
}

TEST_CASE("json_text: ParseDocument names the line and column of a syntax error") {
  CHECK(Parse("{\n  \"nodes\": 5,,\n}\n") ==
        "f.json:2: not valid JSON: syntax error while parsing object key - unexpected ','; "
        "expected string literal at column 14");
  CHECK(Parse("{\"a\": tru}") ==
        "f.json:1: not valid JSON: syntax error while parsing value - invalid literal; last "
        "read: '\"a\": tru}' at column 10");
  CHECK(Parse("").rfind("f.json:1: not valid JSON: ", 0) == 0);
  CHECK(Parse("{}\n{}").rfind("f.json:2: not valid JSON: ", 0) == 0);
}

TEST_CASE("json_text: ParseDocument places a number beyond a double's range") {
  // nlohmann throws out_of_range (no position) for it, not parse_error.
  CHECK(Parse("{\n\"x\": 1,\n  \"y\": 1E+400}") ==
        "f.json:3: not valid JSON: number overflow parsing '1E+400' at column 8");
}

TEST_CASE("json_text: ParseDocument refuses deep nesting before parsing") {
  CHECK(Parse(std::string(300, '[') + std::string(300, ']')) ==
        "f.json: JSON nested deeper than 256 levels");
}

}  // namespace
}  // namespace coordcheck::json_text
