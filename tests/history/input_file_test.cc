// Bounded input (history/input_file.h, InputLimits): what the JSONL reader and the EDN
// importer do with an input that is too long, has one line too long, or is not a file at all.
// Every case must end in an error naming the place, quickly and in bounded memory; big inputs
// are made in memory or come from /dev/zero, small ones meet limits passed in.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "history/edn.h"
#include "history/jsonl.h"

namespace coordcheck {
namespace {

namespace fs = std::filesystem;

// {"index":I,"time":I,"process":0,"type":invoke|ok,"f":"read"} and a newline, for I = 0..n-1.
std::string Events(int n) {
  std::string text;
  for (int i = 0; i < n; ++i) {
    text += R"({"index":)" + std::to_string(i) + R"(,"time":)" + std::to_string(i) +
            R"(,"process":0,"type":")" + (i % 2 == 0 ? "invoke" : "ok") + R"(","f":"read"})" + "\n";
  }
  return text;
}

// A file in the temp directory holding `text`, removed when the object goes away.
struct TempFile {
  TempFile(const std::string& name, const std::string& text)
      : path(fs::temp_directory_path() /
             ("coordcheck-input-test-" + std::to_string(::getpid()) + "-" + name)) {
    std::ofstream(path, std::ios::binary) << text;
  }
  ~TempFile() {
    std::error_code ignored;
    fs::remove(path, ignored);
  }
  fs::path path;
};

// Runs `read` with stdin redirected from `path`.
template <typename Read>
auto WithStdinFrom(const char* path, Read read) {
  const int saved = ::dup(STDIN_FILENO);
  const int fd = ::open(path, O_RDONLY);
  REQUIRE(fd >= 0);
  ::dup2(fd, STDIN_FILENO);
  ::close(fd);
  auto result = read();
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  return result;
}

std::string ToString(const Status& error) { return error.ok() ? "valid" : error.message(); }

TEST_CASE("input: a line longer than 16 MiB is an error naming its line") {
  // A line without its newline is what a history that lost its newlines looks like.
  const std::string text = Events(2) + std::string(InputLimits::kMaxLineBytes + 1, ' ');
  History h;
  CHECK(ToString(ReadHistoryString(text, &h, "h.jsonl")) ==
        "h.jsonl:3: line longer than 16 MiB, the limit for one event");
  CHECK(h.size() == 2);
  CHECK(ToString(ReadHistoryString(Events(2) + std::string(InputLimits::kMaxLineBytes, ' '), &h,
                                   "h.jsonl")) == "valid");
}

TEST_CASE("input: stdin that never ends a line stops at the line limit") {
  // Before, /dev/zero behind stdin grew the reader's buffer until bad_alloc.
  History h;
  CHECK(ToString(WithStdinFrom("/dev/zero", [&] { return ReadHistoryFile("-", &h); })) ==
        "<stdin>:1: line longer than 16 MiB, the limit for one event");
}

TEST_CASE("input: a file's line beyond max_line_bytes is caught while it is read") {
  // The partial line grows the buffer past its first chunk (1 MiB) before the limit stops it.
  TempFile file("long-line.jsonl", Events(3) + std::string(3 << 20, 'x') + "\n");
  InputLimits limits;
  limits.max_line_bytes = 2 << 20;
  History h;
  CHECK(ToString(ReadHistoryFile(file.path.string(), &h, limits)) ==
        file.path.string() + ":4: line longer than 2 MiB, the limit for one event");
  CHECK(h.size() == 3);
  limits.max_line_bytes = 100;  // a complete line inside the first chunk
  CHECK(ToString(ReadHistoryString(Events(1) + std::string(101, 'x') + "\n", &h, "h", limits)) ==
        "h:2: line longer than 100 bytes, the limit for one event");
}

TEST_CASE("input: an input beyond max_input_bytes is an error naming the line reached") {
  const std::string text = Events(20);  // 60 or 56 bytes a line
  InputLimits limits;
  limits.max_input_bytes = 500;
  History h;
  CHECK(ToString(ReadHistoryString(text, &h, "h", limits)) ==
        "h:9: input longer than 500 bytes, the limit for a history");
  TempFile file("long.jsonl", text);
  CHECK(ToString(ReadHistoryFile(file.path.string(), &h, limits)) ==
        file.path.string() + ":9: input longer than 500 bytes, the limit for a history");
  limits.max_input_bytes = text.size();
  CHECK(ToString(ReadHistoryFile(file.path.string(), &h, limits)) == "valid");

  EdnImportOptions options;
  options.limits.max_input_bytes = 100;
  const std::string edn =
      "{:type :invoke, :f :read, :process 0}\n{:type :ok, :f :read, :process 0}\n"
      "{:type :invoke, :f :read, :process 0}\n";
  CHECK(ToString(ImportJepsenEdnString(edn, &h, "x.edn", options)) ==
        "x.edn:3: input longer than 100 bytes, the limit for a history");
  TempFile edn_file("long.edn", edn);
  CHECK(ToString(ImportJepsenEdnFile(edn_file.path.string(), &h, options)) ==
        edn_file.path.string() + ":3: input longer than 100 bytes, the limit for a history");
}

TEST_CASE("input: devices and directories are refused, pipes and stdin are read") {
  History h;
  CHECK(ToString(ReadHistoryFile("/dev/zero", &h)) ==
        "/dev/zero: a character device, not a history file (give a file, a pipe, or - for stdin)");
  CHECK(ToString(ImportJepsenEdnFile("/dev/zero", &h)) ==
        "/dev/zero: a character device, not a history file (give a file, a pipe, or - for stdin)");
  const std::string dir = fs::temp_directory_path().string();
  CHECK(ToString(ReadHistoryFile(dir, &h)) ==
        dir + ": a directory, not a history file (give a file, a pipe, or - for stdin)");

  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const std::string events = Events(2);
  REQUIRE(::write(fds[1], events.data(), events.size()) == static_cast<ssize_t>(events.size()));
  ::close(fds[1]);
  CHECK(ToString(ReadHistoryFile("/dev/fd/" + std::to_string(fds[0]), &h)) == "valid");
  CHECK(h.size() == 2);
  ::close(fds[0]);
}

TEST_CASE("input: EDN of blank lines reserves no op per line") {
  // Before, the importer reserved one op (160 bytes) per line: 200 MB of newlines asked for
  // 32 GB and ended in bad_alloc, naming no line.
  const std::string blank(1 << 20, '\n');
  const std::string ops =
      "{:type :invoke, :f :read, :process 0}\n"
      "{:type :ok, :f :read, :process 0}\n";
  const std::string edn = blank + ops;
  History h;
  REQUIRE(ToString(ImportJepsenEdnString(edn, &h, "x.edn")) == "valid");
  CHECK(h.size() == 2);
  CHECK(h.ops.capacity() < (1 << 20) / 32);
  CHECK(ToString(ImportJepsenEdnString(blank, &h, "x.edn")) == "x.edn: no events");
}

}  // namespace
}  // namespace coordcheck
