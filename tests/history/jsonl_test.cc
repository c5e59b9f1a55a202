// history.jsonl reader and writer: round trips of the shared histories, one test case per
// validation rule (each broken once, the error must name the line and what is wrong), and
// the writer's flush-per-append contract.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "history/jsonl.h"

namespace coordcheck {
namespace {

namespace fs = std::filesystem;

// The error ReadHistoryString reports for `text` (as "h.jsonl:LINE: message"), or "valid".
std::string ErrorOf(std::string_view text) {
  History h;
  const Status error = ReadHistoryString(text, &h, "h.jsonl");
  return error.ok() ? "valid" : error.message();
}

// One event line: {"index":I,"time":10*I,"process":P,"type":T,"f":F<more>}.
std::string Ev(int index, std::string_view process, std::string_view type, std::string_view f,
               std::string_view more = "") {
  std::ostringstream s;
  s << R"({"index":)" << index << R"(,"time":)" << index * 10 << R"(,"process":)" << process
    << R"(,"type":")" << type << R"(","f":")" << f << '"' << more << '}';
  return s.str();
}

std::string Join(std::initializer_list<std::string> lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A file name in the temp directory, removed when the object goes away.
struct TempFile {
  explicit TempFile(const std::string& name)
      : path(fs::temp_directory_path() /
             ("coordcheck-history-test-" + std::to_string(::getpid()) + "-" + name)) {}
  ~TempFile() {
    std::error_code ignored;
    fs::remove(path, ignored);
  }
  fs::path path;
};

std::vector<fs::path> SharedHistories() {
  std::vector<fs::path> files;
  for (const auto& dir :
       fs::directory_iterator(fs::path(COORDCHECK_TEST_DATA) / "shared-histories")) {
    if (!dir.is_directory()) continue;
    for (const auto& file : fs::directory_iterator(dir.path())) {
      if (file.path().extension() == ".jsonl") files.push_back(file.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST_CASE("shared histories read, write back byte for byte and read again equal") {
  std::vector<fs::path> files = SharedHistories();
  REQUIRE(files.size() >= 231);
  TempFile copy("roundtrip.jsonl");
  size_t events = 0;
  for (const fs::path& file : files) {
    INFO(file.string());
    History first;
    const Status error = ReadHistoryFile(file.string(), &first);
    if (fs::file_size(file) == 0) {  // porcupine/etcd_095: a history with no events is refused
      CHECK(error.message() == file.string() + ": no events");
      continue;
    }
    REQUIRE(error.ok());
    events += first.size();
    REQUIRE(WriteHistoryFile(copy.path.string(), first).ok());
    // The writer's canonical form is the shared files' own, except that it omits null errors.
    std::string expected = ReadText(file);
    for (size_t at; (at = expected.find(R"(,"error":null)")) != std::string::npos;) {
      expected.erase(at, 13);
    }
    CHECK(ReadText(copy.path) == expected);
    History second;
    REQUIRE(ReadHistoryFile(copy.path.string(), &second).ok());
    CHECK(second.ops == first.ops);
  }
  CHECK(events > 70000);
}

TEST_CASE("OpToLine of a parsed line parses back to an equal op") {
  size_t lines = 0;
  for (const fs::path& file : SharedHistories()) {
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
      Op op, again;
      REQUIRE(ParseOpLine(line, &op).ok());
      REQUIRE(ParseOpLine(OpToLine(op), &again).ok());
      REQUIRE(again == op);
      ++lines;
    }
  }
  CHECK(lines > 70000);
}

TEST_CASE("ParseOpLine reads every field") {
  Op op;
  REQUIRE(
      ParseOpLine(
          R"( { "index" : 3, "time":9, "process":"nemesis", "type":"info", "f":"kill", "key":-4,)"
          R"( "value":{"n":["a\u00e9\ud83d\ude00",1.5e3,-0,true]}, "node":"n2", "error":[1],)"
          R"( "extra":{"x":1}, "other":null } )",
          &op)
          .ok());
  CHECK(op.index == 3);
  CHECK(op.time_ns == 9);
  CHECK(op.process == kNemesisProcess);
  CHECK(op.type == OpType::kInfo);
  CHECK(op.f == "kill");
  CHECK(op.key == -4);
  CHECK(op.value == Json::parse(R"({"n":["aé😀",1500.0,0,true]})"));
  CHECK(op.node == "n2");
  CHECK(op.error == Json::array({1}));
  CHECK(op.extra == Json::parse(R"({"extra":{"x":1},"other":null})"));
}

TEST_CASE("rule: a file of valid lines reads in order, and final blank lines are fine") {
  const std::string text = Join({Ev(0, "0", "invoke", "read"), Ev(1, "0", "ok", "read")});
  History h;
  REQUIRE(ReadHistoryString(text, &h).ok());
  REQUIRE(h.size() == 2);
  CHECK(h[1].type == OpType::kOk);
  CHECK(ErrorOf(text + "\n  \n") == "valid");
  CHECK(ErrorOf(text.substr(0, text.size() - 1)) == "valid");  // no final newline
  CHECK(ErrorOf(Ev(0, "0", "invoke", "read") + "\r\n") == "valid");
}

TEST_CASE("rule: a history with no events is an error") {
  // A truncated history must never pass CI as valid.
  CHECK(ErrorOf("") == "h.jsonl: no events");
  CHECK(ErrorOf("\n\n\n") == "h.jsonl: no events");
  CHECK(ErrorOf(" \t\r\n\n  ") == "h.jsonl: no events");
  TempFile file("empty.jsonl");
  std::ofstream(file.path).flush();
  History h;
  const Status error = ReadHistoryFile(file.path.string(), &h);
  CHECK(error.message() == file.path.string() + ": no events");
}

TEST_CASE("rule: an object has each field at most once") {
  const std::string invoke = Ev(0, "0", "invoke", "read");
  const std::string body = invoke.substr(0, invoke.size() - 1);  // without the closing '}'
  CHECK(ErrorOf(body + R"(,"index":0})") == R"(h.jsonl:1: duplicate field "index" at column 60)");
  CHECK(ErrorOf(body + R"(,"f":"write"})") == R"(h.jsonl:1: duplicate field "f" at column 60)");
  CHECK(ErrorOf(body + R"(,"value":1,"value":2})") ==
        R"(h.jsonl:1: duplicate field "value" at column 70)");
  // Fields the format does not define, and fields of objects inside values.
  CHECK(ErrorOf(body + R"(,"x":1,"x":1})") == R"(h.jsonl:1: duplicate field "x" at column 66)");
  CHECK(ErrorOf(body + R"(,"value":{"a":1,"b":{"c":1,"c":2}}})") ==
        R"(h.jsonl:1: duplicate field "c" at column 86)");
  // The duplicate wins over a field of the wrong type before it, as a syntax error does.
  CHECK(ErrorOf(R"({"index":"0","index":0})") ==
        R"(h.jsonl:1: duplicate field "index" at column 14)");
  CHECK(ErrorOf(body + R"(,"value":{"a":1,"b":2}})") == "valid");
}

TEST_CASE("rule: each line is one JSON object") {
  CHECK(ErrorOf(Join({Ev(0, "0", "invoke", "read"), Ev(1, "0", "ok", "read"),
                      R"({"index":2 "time":20})"})) ==
        "h.jsonl:3: not valid JSON: expected ',' or '}' at column 12");
  CHECK(ErrorOf("[1,2]\n") == "h.jsonl:1: the line is an array, expected a JSON object");
  // A syntax error wins over a field of the wrong type before it.
  CHECK(ErrorOf(R"({"index":"0" "time":0})") ==
        "h.jsonl:1: not valid JSON: expected ',' or '}' at column 14");
  CHECK(ErrorOf(Ev(0, "0", "invoke", "read") + " x\n") ==
        "h.jsonl:1: not valid JSON: unexpected text after the object at column 61");
  CHECK(ErrorOf(R"({"index":0,"time":0,"process":0,"type":"invoke","f":"r","value":[1,]})") ==
        "h.jsonl:1: not valid JSON: expected a value at column 68");
  CHECK(ErrorOf("{\"index\":0,\"time\":0,\"process\":0,\"type\":\"invoke\",\"f\":\"r\xff\"}") ==
        "h.jsonl:1: not valid JSON: invalid UTF-8 in string at column 53");
  CHECK(ErrorOf("{\"index\":0,\"time\":0,\"process\":0,\"type\":\"invoke\",\"f\":\"r\tx\"}") ==
        "h.jsonl:1: not valid JSON: control character in string at column 55");
  CHECK(ErrorOf(R"({"index":0,"time":0,"process":0,"type":"invoke","f":"r","value":")" +
                std::string("\\ud800\"}")) ==
        "h.jsonl:1: not valid JSON: unpaired surrogate in \\u escape at column 66");
  CHECK(ErrorOf(R"({"index":0,"time":0,"process":0,"type":"invoke","f":"r","value":)" +
                std::string(300, '[') + std::string(300, ']') + "}") ==
        "h.jsonl:1: not valid JSON: values nested too deeply at column 321");
}

TEST_CASE("rule: a blank line in the middle is an error") {
  CHECK(ErrorOf(Join({Ev(0, "0", "invoke", "read"), "", Ev(1, "0", "ok", "read")})) ==
        "h.jsonl:2: blank line; only the end of the file may have blank lines");
}

TEST_CASE("rule: index is a required integer equal to the line's position") {
  std::string six =
      Join({Ev(0, "0", "invoke", "read"), Ev(1, "0", "ok", "read"), Ev(2, "0", "invoke", "read"),
            Ev(3, "0", "ok", "read"), Ev(4, "0", "invoke", "read"), Ev(5, "0", "ok", "read")});
  CHECK(ErrorOf(six + Ev(5, "1", "invoke", "read")) == R"(h.jsonl:7: "index" is 5, expected 6)");
  CHECK(ErrorOf(R"({"time":0,"process":0,"type":"invoke","f":"r"})") ==
        R"(h.jsonl:1: "index" is missing)");
  CHECK(ErrorOf(R"({"index":"0","time":0,"process":0,"type":"invoke","f":"r"})") ==
        R"(h.jsonl:1: "index" is "0", expected an integer)");
  CHECK(ErrorOf(R"({"index":0.0,"time":0,"process":0,"type":"invoke","f":"r"})") ==
        R"(h.jsonl:1: "index" is 0.0, expected an integer)");
  CHECK(ErrorOf(R"({"index":9223372036854775808,"time":0,"process":0,"type":"invoke","f":"r"})") ==
        R"(h.jsonl:1: "index" is 9223372036854775808, expected an integer that fits in 64 bits)");
  CHECK(ErrorOf(R"({"index":00,"time":0,"process":0,"type":"invoke","f":"r"})") ==
        "h.jsonl:1: not valid JSON: expected ',' or '}' at column 11");
}

TEST_CASE("rule: time is a required integer >= 0 that never decreases") {
  CHECK(ErrorOf(R"({"index":0,"process":0,"type":"invoke","f":"r"})") ==
        R"(h.jsonl:1: "time" is missing)");
  CHECK(ErrorOf(R"({"index":0,"time":-5,"process":0,"type":"invoke","f":"r"})") ==
        R"(h.jsonl:1: "time" is -5, expected >= 0)");
  CHECK(ErrorOf(R"({"index":0,"time":1.5,"process":0,"type":"invoke","f":"r"})") ==
        R"(h.jsonl:1: "time" is 1.5, expected an integer)");
  CHECK(ErrorOf(Join({Ev(0, "0", "invoke", "read"), Ev(1, "1", "invoke", "read"),
                      R"({"index":2,"time":9,"process":0,"type":"ok","f":"read"})"})) ==
        R"(h.jsonl:3: "time" is 9, earlier than 10 at line 2; time never decreases)");
}

TEST_CASE("rule: process is an integer >= 0 or \"nemesis\"") {
  CHECK(ErrorOf(R"({"index":0,"time":0,"type":"invoke","f":"r"})") ==
        R"(h.jsonl:1: "process" is missing)");
  CHECK(ErrorOf(Ev(0, "-1", "invoke", "read")) ==
        R"(h.jsonl:1: "process" is -1, expected an integer >= 0 or "nemesis")");
  CHECK(ErrorOf(Ev(0, R"("nemeses")", "invoke", "read")) ==
        R"(h.jsonl:1: "process" is "nemeses", expected an integer >= 0 or "nemesis")");
  CHECK(ErrorOf(Ev(0, "2.0", "invoke", "read")) ==
        R"(h.jsonl:1: "process" is 2.0, expected an integer >= 0 or "nemesis")");
}

TEST_CASE("rule: type is invoke, ok, fail or info") {
  CHECK(ErrorOf(R"({"index":0,"time":0,"process":0,"f":"r"})") ==
        R"(h.jsonl:1: "type" is missing)");
  CHECK(ErrorOf(Ev(0, "0", "done", "read")) ==
        R"(h.jsonl:1: "type" is "done", expected "invoke", "ok", "fail" or "info")");
  CHECK(ErrorOf(R"({"index":0,"time":0,"process":0,"type":1,"f":"r"})") ==
        R"(h.jsonl:1: "type" is 1, expected a string)");
}

TEST_CASE("rule: f is a required non-empty string") {
  CHECK(ErrorOf(R"({"index":0,"time":0,"process":0,"type":"invoke"})") ==
        R"(h.jsonl:1: "f" is missing)");
  CHECK(ErrorOf(R"({"index":0,"time":0,"process":0,"type":"invoke","f":["r"]})") ==
        R"(h.jsonl:1: "f" is ["r"], expected a string)");
  CHECK(ErrorOf(Ev(0, "0", "invoke", "")) == R"(h.jsonl:1: "f" is empty)");
}

TEST_CASE("rule: key is optional, a string or an integer") {
  CHECK(ErrorOf(Ev(0, "0", "invoke", "read", R"(,"key":1.5)")) ==
        R"(h.jsonl:1: "key" is 1.5, expected a string or an integer)");
  CHECK(ErrorOf(Ev(0, "0", "invoke", "read", R"(,"key":{"a":1})")) ==
        R"(h.jsonl:1: "key" is {"a":1}, expected a string or an integer)");
  History h;
  REQUIRE(ReadHistoryString(Join({Ev(0, "0", "invoke", "read", R"(,"key":null)"),
                                  Ev(1, "1", "invoke", "read", R"(,"key":"a")"),
                                  Ev(2, "2", "invoke", "read", R"(,"key":7)")}),
                            &h)
              .ok());
  CHECK_FALSE(h[0].has_key());
  CHECK(h[1].key == "a");
  CHECK(h[2].key == 7);
}

TEST_CASE("rule: node is optional, a string") {
  CHECK(ErrorOf(Ev(0, "0", "invoke", "read", R"(,"node":3)")) ==
        R"(h.jsonl:1: "node" is 3, expected a string)");
  History h;
  REQUIRE(ReadHistoryString(Join({Ev(0, "0", "invoke", "read", R"(,"node":"n1")"),
                                  Ev(1, "1", "invoke", "read", R"(,"node":null)")}),
                            &h)
              .ok());
  CHECK(h[0].node == "n1");
  CHECK(h[1].node.empty());
}

TEST_CASE("rule: value, error and unknown fields may hold any JSON and are kept") {
  History h;
  REQUIRE(
      ReadHistoryString(
          Join(
              {Ev(0, "0", "invoke", "cas", R"(,"value":[1,{"x":[null]}],"extra":{"s":1},"z":"q")"),
               Ev(1, "0", "fail", "cas", R"(,"value":[1,{"x":[null]}],"error":{"why":["lost"]})")}),
          &h)
          .ok());
  CHECK(h[0].value == Json::parse(R"([1,{"x":[null]}])"));
  CHECK(h[0].extra == Json::parse(R"({"extra":{"s":1},"z":"q"})"));
  CHECK(h[1].error == Json::parse(R"({"why":["lost"]})"));
  CHECK(h[1].extra.is_null());
}

TEST_CASE("rule: a completion needs an outstanding invoke of its process") {
  CHECK(ErrorOf(Join({Ev(0, "0", "invoke", "read"), Ev(1, "3", "ok", "read")})) ==
        R"(h.jsonl:2: process 3 completes "read" (ok) with no outstanding invoke)");
  CHECK(ErrorOf(Join({Ev(0, "0", "invoke", "read"), Ev(1, "0", "ok", "read"),
                      Ev(2, "0", "fail", "read")})) ==
        R"(h.jsonl:3: process 0 completes "read" (fail) with no outstanding invoke)");
}

TEST_CASE("rule: a completion has its invoke's f") {
  CHECK(
      ErrorOf(Join(
          {Ev(0, "0", "invoke", "read"), Ev(1, "1", "invoke", "read"), Ev(2, "2", "invoke", "read"),
           Ev(3, "0", "ok", "read"), Ev(4, "1", "ok", "read"), Ev(5, "2", "ok", "read"),
           Ev(6, "4", "invoke", "read"), Ev(7, "4", "ok", "read"), Ev(8, "3", "invoke", "read"),
           Ev(9, "5", "invoke", "read"), Ev(10, "5", "ok", "read"), Ev(11, "3", "ok", "write")})) ==
      R"(h.jsonl:12: process 3 completes "write" but its outstanding invoke (line 9) is "read")");
}

TEST_CASE("rule: a completion has its invoke's key") {
  CHECK(ErrorOf(Join({Ev(0, "0", "invoke", "read", R"(,"key":"a")"),
                      Ev(1, "0", "ok", "read", R"(,"key":"b")")})) ==
        R"(h.jsonl:2: process 0 completes "read" on key "b" but its outstanding invoke (line 1))"
        R"( is on key "a")");
  CHECK(ErrorOf(Join({Ev(0, "0", "invoke", "read", R"(,"key":1)"), Ev(1, "0", "ok", "read")})) ==
        R"(h.jsonl:2: process 0 completes "read" on no key but its outstanding invoke (line 1))"
        R"( is on key 1)");
}

TEST_CASE("rule: a process has at most one outstanding invoke") {
  CHECK(ErrorOf(Join({Ev(0, "2", "invoke", "read"), Ev(1, "2", "invoke", "write")})) ==
        R"(h.jsonl:2: process 2 invokes "write" but its invoke of "read" (line 1) is still)"
        R"( outstanding; a process has at most one outstanding invoke)");
  CHECK(ErrorOf(Join(
            {Ev(0, R"("nemesis")", "invoke", "kill"), Ev(1, R"("nemesis")", "invoke", "kill")})) ==
        R"(h.jsonl:2: the nemesis invokes "kill" but its invoke of "kill" (line 1) is still)"
        R"( outstanding; a process has at most one outstanding invoke)");
}

TEST_CASE("rule: a client process is never used again after an info completion") {
  CHECK(ErrorOf(Join({Ev(0, "1", "invoke", "read"), Ev(1, "1", "info", "read"),
                      Ev(2, "1", "invoke", "read")})) ==
        "h.jsonl:3: process 1 is used again after its info completion (line 2); a process id is "
        "never reused after info");
  // The nemesis completes with info all the time and carries on.
  CHECK(
      ErrorOf(Join({Ev(0, R"("nemesis")", "invoke", "kill"), Ev(1, R"("nemesis")", "info", "kill"),
                    Ev(2, R"("nemesis")", "invoke", "start")})) == "valid");
}

TEST_CASE("rule: a lone nemesis info is a fault event, other lone nemesis events are not") {
  History h;
  REQUIRE(ReadHistoryString(Join({Ev(0, R"("nemesis")", "info", "start-partition"),
                                  Ev(1, R"("nemesis")", "info", "stop-partition")}),
                            &h)
              .ok());
  CHECK(h[0].is_nemesis());
  CHECK(h.Partners() == std::vector<int64_t>{-1, -1});
  CHECK(ErrorOf(Ev(0, R"("nemesis")", "ok", "start-partition")) ==
        R"(h.jsonl:1: the nemesis completes "start-partition" (ok) with no outstanding invoke)");
  CHECK(
      ErrorOf(Join(
          {Ev(0, R"("nemesis")", "invoke", "start"), Ev(1, R"("nemesis")", "info", "stop")})) ==
      R"(h.jsonl:2: the nemesis completes "stop" but its outstanding invoke (line 1) is "start")");
}

TEST_CASE("rule: an invoke never completed is fine") {
  History h;
  REQUIRE(ReadHistoryString(Join({Ev(0, "0", "invoke", "write", R"(,"value":1)")}), &h).ok());
  CHECK(h.Partners() == std::vector<int64_t>{-1});
  REQUIRE(h.Operations().size() == 1);
  CHECK(h.Operations()[0].complete == -1);
}

TEST_CASE("on error the history holds the valid events before the bad line") {
  History h;
  const Status error = ReadHistoryString(
      Join({Ev(0, "0", "invoke", "read"), Ev(1, "0", "ok", "read"), Ev(3, "0", "invoke", "read")}),
      &h, "x");
  CHECK(error.message().rfind("x:3: ", 0) == 0);
  CHECK(h.size() == 2);
}

TEST_CASE("ReadHistoryFile reads across chunk boundaries and very long lines") {
  History big;
  for (int i = 0; i < 40000; ++i) {
    Op op;
    op.time_ns = i;
    op.process = i % 7;
    op.type = (i / 7) % 2 == 0 ? OpType::kInvoke : OpType::kOk;
    op.f = "write";
    op.value = i / 14;
    if (i == 20000) op.extra = {{"blob", std::string(3 << 20, 'x')}};  // longer than a chunk
    big.Append(std::move(op));
  }
  REQUIRE(big.Validate().ok());
  TempFile file("big.jsonl");
  REQUIRE(WriteHistoryFile(file.path.string(), big).ok());
  History read;
  REQUIRE(ReadHistoryFile(file.path.string(), &read).ok());
  CHECK(read.ops == big.ops);
}

TEST_CASE("ReadHistoryFile names the file it cannot open") {
  History h;
  CHECK(ReadHistoryFile("/nonexistent/h.jsonl", &h).message() ==
        "/nonexistent/h.jsonl: cannot open: No such file or directory");
}

TEST_CASE("ReadHistoryFile names the file and line of a violation") {
  TempFile file("bad.jsonl");
  std::ofstream(file.path) << Join({Ev(0, "0", "invoke", "read"), Ev(1, "1", "ok", "read")});
  History h;
  CHECK(ReadHistoryFile(file.path.string(), &h).message() ==
        file.path.string() + R"(:2: process 1 completes "read" (ok) with no outstanding invoke)");
}

TEST_CASE("HistoryWriter makes each event visible as soon as Append returns") {
  TempFile file("writer.jsonl");
  HistoryWriter writer;
  REQUIRE(writer.Open(file.path.string()).ok());
  History expected;
  for (int i = 0; i < 4; ++i) {
    Op op;
    op.time_ns = i * 5;
    op.process = 1;
    op.type = i % 2 == 0 ? OpType::kInvoke : OpType::kOk;
    op.f = "write";
    op.value = i / 2;
    expected.Append(op);
    REQUIRE(writer.Append(expected.ops.back()).ok());
    History read;
    REQUIRE(ReadHistoryFile(file.path.string(), &read).ok());
    CHECK(read.ops == expected.ops);
  }
  writer.Close();
  CHECK(writer.Append(expected[0]).message() == "history writer is not open");
}

TEST_CASE("HistoryWriter keeps lines whole when threads append at once") {
  TempFile file("threads.jsonl");
  HistoryWriter writer;
  REQUIRE(writer.Open(file.path.string()).ok());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};  // Catch2 assertions are not thread-safe
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&writer, &failures, t] {
      for (int i = 0; i < 250; ++i) {
        Op op;
        op.index = i;
        op.process = t;
        op.f = "append";
        op.value = std::string(100, static_cast<char>('a' + t));
        if (!writer.Append(op).ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  writer.Close();
  CHECK(failures == 0);
  std::ifstream in(file.path);
  std::vector<int> per_thread(4, 0);
  int lines = 0;
  for (std::string line; std::getline(in, line); ++lines) {
    Op op;
    REQUIRE(ParseOpLine(line, &op).ok());
    REQUIRE(op.value == std::string(100, static_cast<char>('a' + op.process)));
    CHECK(op.index == per_thread[op.process]++);  // each thread's events in its own order
  }
  CHECK(lines == 1000);
}

TEST_CASE("ReadHistoryFile reads stdin for \"-\"") {
  TempFile file("stdin.jsonl");
  std::ofstream(file.path) << Join({Ev(0, "0", "invoke", "read"), Ev(1, "1", "ok", "read")});
  const int saved = ::dup(STDIN_FILENO);
  const int fd = ::open(file.path.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  ::dup2(fd, STDIN_FILENO);
  ::close(fd);
  History h;
  const Status error = ReadHistoryFile("-", &h);
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  CHECK(error.message() ==
        R"(<stdin>:2: process 1 completes "read" (ok) with no outstanding invoke)");
  CHECK(h.size() == 1);
}

TEST_CASE("HistoryWriter and WriteHistoryFile report a failed write") {
  Op op;
  op.f = "read";
  HistoryWriter writer;
  REQUIRE(writer.Open("/dev/full").ok());
  CHECK(writer.Append(op).message() == "cannot write the history: No space left on device");
  History h;
  h.Append(op);
  CHECK(WriteHistoryFile("/dev/full", h).message() ==
        "cannot write /dev/full: No space left on device");
}

TEST_CASE("HistoryWriter and WriteHistoryFile report a path they cannot create") {
  HistoryWriter writer;
  CHECK(writer.Open("/nonexistent/dir/h.jsonl").message() ==
        "cannot create /nonexistent/dir/h.jsonl: No such file or directory");
  CHECK(WriteHistoryFile("/nonexistent/dir/h.jsonl", History()).message() ==
        "cannot create /nonexistent/dir/h.jsonl: No such file or directory");
}

}  // namespace
}  // namespace coordcheck
