// Fuzz target: the Jepsen EDN importer (ImportJepsenEdnString), with a small input limit.
//
// Oracle: never a crash, a sanitizer report or an exception; a history imported without error
// has events, passes History::Validate, holds only valid UTF-8 (a strict Json::dump does not
// throw), and survives the JSONL writer and reader unchanged — what `coordcheck import`
// writes, `coordcheck check` must read.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "history/edn.h"
#include "history/jsonl.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coordcheck;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  EdnImportOptions options;
  options.limits.max_input_bytes = 32 << 10;
  History history;
  if (const Status error = ImportJepsenEdnString(text, &history, "fuzz.edn", options); !error) {
    FUZZ_CHECK(!error.message().empty());
    return 0;
  }
  FUZZ_CHECK(!history.empty());
  FUZZ_CHECK(history.Validate().ok());
  std::string written;
  for (const Op& op : history.ops) {
    try {
      (void)OpToJson(op).dump();  // strict: throws on invalid UTF-8
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      FUZZ_CHECK(false);
    }
    written += OpToLine(op) + "\n";
  }
  History again;
  const Status error = ReadHistoryString(written, &again, "written.jsonl");
  if (!error) std::fprintf(stderr, "%s\n", error.message().c_str());
  FUZZ_CHECK(error.ok());
  FUZZ_CHECK(again.ops == history.ops);
  return 0;
}
