// Fuzz target: the JSONL history reader (ReadHistoryString), with small InputLimits so that
// the limit paths are reached by inputs of a few KiB.
//
// Oracle: never a crash, a sanitizer report or an exception; an error names a line no earlier
// than the events kept; a history read without error has events, passes History::Validate,
// and reads back unchanged after OpToLine writes it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "history/jsonl.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coordcheck;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  InputLimits limits;
  limits.max_line_bytes = 2048;
  limits.max_input_bytes = 32 << 10;
  History history;
  if (const auto error = ReadHistoryString(text, &history, "fuzz.jsonl", limits)) {
    FUZZ_CHECK(!error->message.empty());
    FUZZ_CHECK(error->line == 0 || static_cast<int64_t>(history.size()) < error->line);
    return 0;
  }
  FUZZ_CHECK(!history.empty());
  FUZZ_CHECK(!history.Validate());
  std::string written;
  for (const Op& op : history.ops) written += OpToLine(op) + "\n";
  History again;
  const auto error = ReadHistoryString(written, &again, "written.jsonl");
  FUZZ_CHECK(!error);
  FUZZ_CHECK(again.ops == history.ops);
  return 0;
}
