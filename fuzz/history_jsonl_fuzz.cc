// Fuzz target: the JSONL history reader (ReadHistoryString), with small InputLimits so that
// the limit paths are reached by inputs of a few KiB.
//
// Oracle: never a crash, a sanitizer report or an exception; an error names the file, and a
// line (if any) no earlier than the events kept; a history read without error has events,
// passes History::Validate, and reads back unchanged after OpToLine writes it.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "history/jsonl.h"

namespace {

constexpr std::string_view kName = "fuzz.jsonl";

// The line an error message names ("fuzz.jsonl:LINE: ..."); 0 when it names none
// ("fuzz.jsonl: ...").
int64_t LineNamed(std::string_view message) {
  FUZZ_CHECK(message.substr(0, kName.size() + 1) == std::string(kName) + ":");
  const std::string_view rest = message.substr(kName.size() + 1);
  int64_t line = 0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), line);
  if (ec != std::errc() || end == rest.data() + rest.size() || *end != ':') return 0;
  FUZZ_CHECK(line > 0);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coordcheck;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  InputLimits limits;
  limits.max_line_bytes = 2048;
  limits.max_input_bytes = 32 << 10;
  History history;
  if (const Status error = ReadHistoryString(text, &history, std::string(kName), limits); !error) {
    const int64_t line = LineNamed(error.message());
    FUZZ_CHECK(line == 0 || static_cast<int64_t>(history.size()) < line);
    return 0;
  }
  FUZZ_CHECK(!history.empty());
  FUZZ_CHECK(history.Validate().ok());
  std::string written;
  for (const Op& op : history.ops) written += OpToLine(op) + "\n";
  History again;
  FUZZ_CHECK(ReadHistoryString(written, &again, "written.jsonl").ok());
  FUZZ_CHECK(again.ops == history.ops);
  return 0;
}
