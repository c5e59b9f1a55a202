// Jepsen history.edn importer: EDN syntax, op fields, jepsen.independent tuples, nemesis
// events, errors with EDN line numbers, and the example file under tests/history/data.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "history/edn.h"
#include "history/jsonl.h"

namespace coordcheck {
namespace {

using Split = EdnImportOptions::SplitIndependent;

// Imports `text`, requiring success.
History Import(std::string_view text, Split split = Split::kAuto) {
  History h;
  EdnImportOptions options;
  options.split_independent = split;
  const Status error = ImportJepsenEdnString(text, &h, "x.edn", options);
  INFO(error.message());
  REQUIRE(error.ok());
  return h;
}

// The error importing `text` gives, as "x.edn:LINE: message", or "valid".
std::string ErrorOf(std::string_view text, Split split = Split::kAuto) {
  History h;
  EdnImportOptions options;
  options.split_independent = split;
  const Status error = ImportJepsenEdnString(text, &h, "x.edn", options);
  return error.ok() ? "valid" : error.message();
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST_CASE("edn: keywords become strings and fields map onto the op") {
  History h = Import(
      "{:type :invoke, :f :read, :value nil, :time 5, :process 0, :index 0}\n"
      "{:type :ok, :f :read, :value 3, :time 9, :process 0, :index 1, :node :n1}\n");
  REQUIRE(h.size() == 2);
  CHECK(h[0].type == OpType::kInvoke);
  CHECK(h[0].f == "read");
  CHECK(h[0].process == 0);
  CHECK(h[0].time_ns == 5);
  CHECK(h[0].value.is_null());
  CHECK_FALSE(h[0].has_key());
  CHECK(h[1].index == 1);
  CHECK(h[1].type == OpType::kOk);
  CHECK(h[1].value == 3);
  CHECK(h[1].node == "n1");
  CHECK(h[1].extra.is_null());
}

TEST_CASE("edn: nested values of every kind convert to JSON") {
  History h = Import(R"({:process 0 :type :invoke :f :txn :value
    {:ints [1 -2 +3 2N 0x1F 017 36rZ 123456789012345678901234567890N 18446744073709551615]
     :floats [3.5 -1e3 7/2 1.5M ##Inf]
     :text ["s\"\n\u00e9\101" \c \newline \u0041 sym ns/sym :ns/kw nil true false]
     :colls [#{:a} (1 (2 [])) {} #{}]
     "string-key" 1, 3 :int-key, [1 2] :vec-key, nil :nil-key
     :tagged [#inst "2024-01-01T00:00:00Z" #uuid "0-0" #object[java.lang.Object 0x1f "x"]]
     :skipped [1 #_ 2 ^:meta 3 ; comment ]
               4]
     :nsmap #:user{:a 1 :b/c 2}}})");
  REQUIRE(h.size() == 1);
  CHECK(h[0].value == Json::parse(R"({
    "ints": [1, -2, 3, 2, 31, 15, 35, "123456789012345678901234567890", 18446744073709551615],
    "floats": [3.5, -1000.0, 3.5, 1.5, "##Inf"],
    "text": ["s\"\néA", "c", "\n", "A", "sym", "ns/sym", "ns/kw", null, true, false],
    "colls": [["a"], [1, [2, []]], {}, []],
    "string-key": 1, "3": "int-key", "[1 2]": "vec-key", "nil": "nil-key",
    "tagged": ["2024-01-01T00:00:00Z", "0-0", "#object[java.lang.Object 0x1f \"x\"]"],
    "skipped": [1, 3, 4],
    "nsmap": {"user/a": 1, "b/c": 2}})"));
}

TEST_CASE("edn: independent [k v] tuples are split into key and value") {
  History h = Import(
      "{:type :invoke, :f :write, :value [\"a\" 1], :process 0}\n"
      "{:type :info, :f :start, :value [:x :y], :process :nemesis}\n"
      "{:type :ok, :f :write, :value [\"a\" 1], :process 0}\n"
      "{:type :invoke, :f :read, :value [:b nil], :process 1}\n"
      "{:type :ok, :f :read, :value [:b [1 2]], :process 1}\n");
  REQUIRE(h.size() == 5);
  CHECK(h[0].key == "a");
  CHECK(h[0].value == 1);
  CHECK(h[2].key == "a");
  CHECK(h[3].key == "b");
  CHECK(h[3].value.is_null());
  CHECK(h[4].value == Json::array({1, 2}));
  // Nemesis values are never split.
  CHECK_FALSE(h[1].has_key());
  CHECK(h[1].value == Json::array({"x", "y"}));
}

TEST_CASE("edn: values are not split unless every client event has a tuple") {
  const std::string text =
      "{:type :invoke, :f :cas, :value [1 2], :process 0}\n"
      "{:type :ok, :f :cas, :value [1 2], :process 0}\n"
      "{:type :invoke, :f :read, :value nil, :process 0}\n";
  History h = Import(text);
  CHECK_FALSE(h[0].has_key());
  CHECK(h[0].value == Json::array({1, 2}));
  // A list is not a tuple, nor is a vector whose first element is not a key.
  History lists = Import("{:type :invoke, :f :w, :value (1 2), :process 0}\n");
  CHECK_FALSE(lists[0].has_key());
  History floats = Import("{:type :invoke, :f :w, :value [1.5 2], :process 0}\n");
  CHECK_FALSE(floats[0].has_key());
  CHECK(ErrorOf(text, Split::kAlways) == "x.edn:3: :value is null, expected a [key value] tuple");
}

TEST_CASE("edn: split_independent kNever keeps tuples as values") {
  History h = Import("{:type :invoke, :f :cas, :value [1 [2 3]], :process 0}\n", Split::kNever);
  CHECK_FALSE(h[0].has_key());
  CHECK(h[0].value == Json::parse("[1,[2,3]]"));
  History split = Import("{:type :invoke, :f :cas, :value [1 [2 3]], :process 0}\n");
  CHECK(split[0].key == 1);
  CHECK(split[0].value == Json::parse("[2,3]"));
}

TEST_CASE("edn: nemesis ops, lone or paired") {
  History h = Import(
      "{:type :info, :f :start-partition, :value nil, :process :nemesis, :time 1}\n"
      "{:type :info, :f :start-partition, :value \"Cut off [:n1]\", :process :nemesis, :time 2}\n"
      "{:type :invoke, :f :kill, :value [:n2], :process :nemesis, :time 3}\n"
      "{:type :info, :f :kill, :value {:n2 :killed}, :process :nemesis, :time 4}\n");
  REQUIRE(h.size() == 4);
  for (const Op& op : h.ops) CHECK(op.is_nemesis());
  CHECK(h.Partners() == std::vector<int64_t>{-1, -1, 3, 2});
  CHECK(h[3].value == Json::parse(R"({"n2":"killed"})"));
  CHECK(OpToLine(h[1]) ==
        R"({"index":1,"time":2,"process":"nemesis","type":"info","f":"start-partition",)"
        R"("value":"Cut off [:n1]"})");
}

TEST_CASE("edn: nil values, missing index and time, unknown keys") {
  History h = Import(
      "{:type :invoke, :f :read, :value nil, :process 3, :error nil}\n"
      "{:type :ok, :f :read, :process 3, :debug {:attempts 2}, \"raw\" nil}\n");
  CHECK(h[0].index == 0);
  CHECK(h[1].index == 1);
  CHECK(h[0].time_ns == 0);
  CHECK(h[1].time_ns == 1000);
  CHECK(h[0].value.is_null());
  CHECK(h[0].error.is_null());
  CHECK(h[1].value.is_null());
  CHECK(h[1].extra == Json::parse(R"({"debug":{"attempts":2},"raw":null})"));
}

TEST_CASE("edn: a top-level vector of tagged op records") {
  History h = Import(
      "[#jepsen.history.Op{:index 0, :time 7, :type :invoke, :process 0, :f :add, :value 1}\n"
      " #jepsen.history.Op{:index 1, :time 8, :type :ok, :process 0, :f :add, :value 1}]\n");
  REQUIRE(h.size() == 2);
  CHECK(h[1].type == OpType::kOk);
  CHECK(h[1].f == "add");
}

TEST_CASE("edn: a syntax error names the EDN line") {
  CHECK(ErrorOf("{:type :invoke, :f :read, :process 0}\n"
                "\n"
                "{:type :ok, :f :read, :process 0, :value \"unterminated}\n") ==
        "x.edn:3: string opened here is not closed");
  CHECK(ErrorOf("{:type :invoke, :f :read, :process 0}\n"
                "{:type :ok, :f :read, :process 0]\n") == "x.edn:2: unexpected ']'");
  CHECK(ErrorOf("{:type :invoke, :f :read,\n :process 0 :value}\n") ==
        "x.edn:2: map key without a value");
  CHECK(ErrorOf("{:type :invoke, :f :read, :process 0, :value [1 2}\n") ==
        "x.edn:1: unexpected '}'");
  CHECK(ErrorOf("{:type :invoke, :f :read, :process 0, :value 12abc}\n") ==
        "x.edn:1: invalid number 12abc");
  CHECK(ErrorOf("{:type :invoke, :f :read,\n :process 0, :value \"\\q\"}\n") ==
        "x.edn:2: invalid escape \\q in string");
  CHECK(ErrorOf("[{:type :invoke, :f :read, :process 0}\n") ==
        "x.edn:1: '[' opened here is not closed");
}

TEST_CASE("edn: an input with no ops is an error") {
  // A truncated history must never pass CI as valid.
  CHECK(ErrorOf("") == "x.edn: no events");
  CHECK(ErrorOf("\n\n  \n") == "x.edn: no events");
  CHECK(ErrorOf("; a comment\n#_{:type :invoke, :f :read, :process 0}\n") == "x.edn: no events");
  CHECK(ErrorOf("[]\n") == "x.edn: no events");
}

TEST_CASE("edn: a NUL byte or invalid UTF-8 is an error naming its line") {
  const std::string invoke = "{:type :invoke, :f :read, :process 0}\n";
  using namespace std::string_literals;
  CHECK(ErrorOf(invoke + "{:type :ok, :f :re\0ad, :process 0}\n"s) ==
        "x.edn:2: NUL byte at column 19");
  CHECK(ErrorOf(invoke + "{:type :ok, :f :read, :process 0, :value \"\0\"}\n"s) ==
        "x.edn:2: NUL byte at column 43");
  // A file a crash left zero-filled at its end.
  CHECK(ErrorOf(invoke + std::string(100, '\0')) == "x.edn:2: NUL byte at column 1");
  CHECK(ErrorOf(invoke + "{:type :ok, :f :read, :process 0, :value \"caf\xe9\"}\n") ==
        "x.edn:2: invalid UTF-8 at column 46");
  CHECK(ErrorOf("{:type :invoke, :f :r\xff, :process 0}\n") ==
        "x.edn:1: invalid UTF-8 at column 22");
  CHECK(ErrorOf(invoke + "; \xc3\x28 in a comment\n") == "x.edn:2: invalid UTF-8 at column 3");
  // Escapes are not raw bytes: \u0000 and \0 make a NUL character, as JSON's \u0000 does.
  const History h = Import(invoke + R"({:type :ok, :f :read, :process 0, :value ["\u0000" "\0"]})");
  CHECK(h[1].value == Json::array({std::string(1, '\0'), std::string(1, '\0')}));
}

TEST_CASE("edn: a map with the same key twice is an error naming the key's line") {
  CHECK(ErrorOf("{:type :invoke, :f :read,\n :process 0, :f :write}\n") ==
        R"(x.edn:2: duplicate key "f" in one map)");
  CHECK(ErrorOf("{:type :invoke, :f :read, :process 0, :debug 1, :debug 2}\n") ==
        R"(x.edn:1: duplicate key "debug" in one map)");
  CHECK(ErrorOf("{:type :invoke, :f :read, :process 0, :value {:a 1, \"a\" 2}}\n") ==
        R"(x.edn:1: duplicate key "a" in one map)");
  CHECK(ErrorOf("{:type :invoke, :f :read, :process 0, :value #:ns{:a 1, :ns/a 2}}\n") ==
        R"(x.edn:1: duplicate key "ns/a" in one map)");
}

TEST_CASE("edn: a bad field names the line of its op") {
  CHECK(ErrorOf("{:type :invoke, :f :read, :process 0}\n"
                "{:type :done, :f :read, :process 0}\n") ==
        R"(x.edn:2: :type is "done", expected :invoke, :ok, :fail or :info)");
  CHECK(ErrorOf("{:type :invoke, :f :read, :process :client-1}\n") ==
        R"(x.edn:1: :process is "client-1", expected an integer >= 0 or :nemesis)");
  CHECK(ErrorOf("{:type :invoke, :f :read}\n") == "x.edn:1: :process is missing");
  CHECK(ErrorOf("{:type :invoke, :process 0}\n") == "x.edn:1: :f is missing");
  CHECK(ErrorOf("{:type :invoke, :f :read, :process 0, :time 1.5}\n") ==
        "x.edn:1: :time is 1.5, expected an integer");
  CHECK(ErrorOf(":read\n") == R"(x.edn:1: expected an op map, found "read")");
}

TEST_CASE("edn: a broken history rule names the EDN line where the op starts") {
  CHECK(ErrorOf("{:type :invoke, :f :read,\n"
                " :process 0}\n"
                "{:type :ok,\n"
                " :f :write, :process 0}\n") ==
        R"(x.edn:3: process 0 completes "write" but its outstanding invoke (line 1) is "read")");
  CHECK(ErrorOf("{:type :invoke, :f :read, :process 0, :index 0}\n"
                "{:type :ok, :f :read, :process 0, :index 2}\n") ==
        R"(x.edn:2: "index" is 2, expected 1)");
}

TEST_CASE("edn: the example history imports to the expected JSONL") {
  const std::string dir = COORDCHECK_HISTORY_TEST_DATA;
  History h;
  const Status error = ImportJepsenEdnFile(dir + "/jepsen-independent.edn", &h);
  INFO(error.message());
  REQUIRE(error.ok());
  std::string jsonl;
  for (const Op& op : h.ops) jsonl += OpToLine(op) + "\n";
  CHECK(jsonl == ReadText(dir + "/jepsen-independent.jsonl"));
  History expected;
  REQUIRE(ReadHistoryFile(dir + "/jepsen-independent.jsonl", &expected).ok());
  CHECK(h.ops == expected.ops);
}

TEST_CASE("edn: a file that cannot be opened is named") {
  History h;
  CHECK(ImportJepsenEdnFile("/nonexistent/history.edn", &h).message() ==
        "/nonexistent/history.edn: cannot open: No such file or directory");
}

}  // namespace
}  // namespace coordcheck
