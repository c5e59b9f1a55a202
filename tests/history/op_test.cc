// Op: type names, OpToJson and OpToLine (canonical field order, escaping, extra fields).
#include <catch2/catch.hpp>

#include "history/jsonl.h"
#include "history/op.h"

namespace coordcheck {
namespace {

TEST_CASE("op type names parse back to the same type") {
  for (OpType type : {OpType::kInvoke, OpType::kOk, OpType::kFail, OpType::kInfo}) {
    OpType parsed = OpType::kInvoke;
    REQUIRE(ParseOpType(OpTypeName(type), &parsed));
    CHECK(parsed == type);
  }
  CHECK(OpTypeName(OpType::kInfo) == "info");
  OpType untouched = OpType::kFail;
  CHECK_FALSE(ParseOpType("done", &untouched));
  CHECK_FALSE(ParseOpType("", &untouched));
  CHECK(untouched == OpType::kFail);
}

TEST_CASE("OpToLine writes the fields in canonical order") {
  Op op;
  op.index = 7;
  op.time_ns = 1200;
  op.process = 3;
  op.type = OpType::kOk;
  op.f = "cas";
  op.key = "k1";
  op.value = Json::array({1, 2});
  op.node = "n1";
  op.error = "slow";
  op.extra = {{"zeta", 1}, {"alpha", {{"b", true}}}};
  CHECK(OpToLine(op) ==
        R"({"index":7,"time":1200,"process":3,"type":"ok","f":"cas","key":"k1","value":[1,2],)"
        R"("node":"n1","error":"slow","alpha":{"b":true},"zeta":1})");
}

TEST_CASE("OpToLine omits absent optional fields but always writes value") {
  Op op;
  op.process = kNemesisProcess;
  op.type = OpType::kInfo;
  op.f = "start-partition";
  CHECK(OpToLine(op) ==
        R"({"index":0,"time":0,"process":"nemesis","type":"info","f":"start-partition",)"
        R"("value":null})");
}

TEST_CASE("OpToLine escapes strings and replaces invalid UTF-8") {
  Op op;
  op.f = "a\"b\\c\n\x01";
  op.value = std::string("caf\xC3\xA9 \xFF");  // é, then a stray byte
  op.key = 42;
  CHECK(OpToLine(op) ==
        "{\"index\":0,\"time\":0,\"process\":0,\"type\":\"invoke\",\"f\":\"a\\\"b\\\\c\\n\\u0001\","
        "\"key\":42,\"value\":\"caf\xC3\xA9 \xEF\xBF\xBD\"}");
}

TEST_CASE("OpToLine replaces invalid UTF-8 as Json::dump with error_handler_t::replace does") {
  // One U+FFFD per maximal subpart (the longest start of a valid sequence, else one byte):
  // found by fuzz/json_report_fuzz.cc (corpus/json_report/crash-utf8-maximal-subpart.json);
  // before, a sequence cut short got one U+FFFD per byte.
  for (const std::string bad :
       {"\xE2\x82", "a\xF0\x9F\x98z", "\xED\x80", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
        "\xFF\xC3(\xED\x80\"\x80\xF4\x90\x80\xA0"}) {
    Op op;
    op.f = "read";
    op.value = bad;
    const std::string line = OpToLine(op);
    const std::string expected = Json(bad).dump(-1, ' ', false, Json::error_handler_t::replace);
    CHECK(line.substr(line.find("\"value\":") + 8, expected.size() + 1) == expected + "}");
  }
}

TEST_CASE("OpToLine matches Json::dump for values of every type") {
  Json value = Json::parse(R"({"a":[1,-2,3.5,"x",null,true,{"n":18446744073709551615}],"b":{}})");
  Op op;
  op.f = "read";
  op.value = value;
  const std::string line = OpToLine(op);
  const std::string expected_value = value.dump();
  CHECK(line.substr(line.find("\"value\":") + 8, expected_value.size()) == expected_value);
}

TEST_CASE("extra fields named like defined fields are not written twice") {
  Op op;
  op.f = "read";
  op.extra = {{"index", 99}, {"source_time", 5}};
  CHECK(OpToLine(op) ==
        R"({"index":0,"time":0,"process":0,"type":"invoke","f":"read","value":null,)"
        R"("source_time":5})");
  Json j = OpToJson(op);
  CHECK(j["index"] == 0);
  CHECK(j["source_time"] == 5);
}

TEST_CASE("OpToJson holds the same fields as OpToLine") {
  Op op;
  op.index = 2;
  op.time_ns = 10;
  op.process = kNemesisProcess;
  op.type = OpType::kInfo;
  op.f = "kill";
  op.value = Json::array({"n1"});
  op.extra = {{"extra", {{"source_time", 1}}}};
  Json j = OpToJson(op);
  CHECK(j == Json::parse(OpToLine(op)));
  CHECK(j["process"] == "nemesis");
  CHECK_FALSE(j.contains("key"));
  CHECK_FALSE(j.contains("node"));
  CHECK_FALSE(j.contains("error"));
  CHECK(j["extra"]["source_time"] == 1);
}

}  // namespace
}  // namespace coordcheck
