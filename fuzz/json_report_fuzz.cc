// Fuzz target: JSON as reports/ reads it (results.json, compare.json: reports::ReadJsonObject,
// that is json_text::CheckDepth, then nlohmann's parser), and the history/json_text helpers
// that write JSON, with nlohmann as their oracle.
//
// Oracle: never a crash, a sanitizer report or an exception; CheckDepth fires exactly when
// parsed JSON nests deeper than json_text::kMaxDepth; ReadJsonObject accepts exactly the JSON
// objects nlohmann parses that CheckDepth lets through; json_text::AppendJson writes what
// Json::dump writes, AppendString what a dump with error_handler_t::replace writes,
// IsValidUtf8 agrees with a strict dump, RepairUtf8 makes valid UTF-8, and Abbreviate stays within
// its length and never cuts a UTF-8 sequence.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "history/json_text.h"
#include "reports/files.h"

namespace {

using coordcheck::Json;
namespace json_text = coordcheck::json_text;

// Levels of arrays and objects in `value` (a scalar: 0).
int Depth(const Json& value) {
  int deepest = 0;
  if (value.is_structured()) {
    for (const Json& element : value) deepest = std::max(deepest, Depth(element));
    return deepest + 1;
  }
  return 0;
}

// ReadJsonObject reads a path: give it the bytes through an in-memory file.
void CheckReadJsonObject(std::string_view text, const Json& parsed) {
  const bool too_deep = !json_text::CheckDepth(text).ok();
  // nlohmann stops at a NUL byte as at the end of input; CheckDepth reads on.
  if (!parsed.is_discarded() && text.find('\0') == std::string_view::npos) {
    FUZZ_CHECK(too_deep == (Depth(parsed) > json_text::kMaxDepth));
  }
  const int fd = ::memfd_create("fuzz.json", MFD_CLOEXEC);
  FUZZ_CHECK(fd >= 0);
  FUZZ_CHECK(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  Json object;
  const auto status =
      coordcheck::reports::ReadJsonObject("/proc/self/fd/" + std::to_string(fd), &object);
  ::close(fd);
  FUZZ_CHECK(status.ok() == (parsed.is_object() && !too_deep));
  FUZZ_CHECK(status.ok() ? object == parsed : !status.message().empty());
}

void CheckJsonText(std::string_view text, const Json& parsed, size_t max_chars) {
  const std::string bytes(text);
  bool strict_ok = true;
  try {
    (void)Json(bytes).dump();
  } catch (const Json::type_error&) {
    strict_ok = false;
  }
  FUZZ_CHECK(json_text::IsValidUtf8(text) == strict_ok);
  const std::string repaired = json_text::RepairUtf8(text);
  FUZZ_CHECK(json_text::IsValidUtf8(repaired) && (!strict_ok || repaired == text));
  std::string quoted;
  json_text::AppendString(&quoted, text);
  FUZZ_CHECK(quoted == Json(bytes).dump(-1, ' ', false, Json::error_handler_t::replace));
  if (parsed.is_discarded()) return;
  std::string written;
  json_text::AppendJson(&written, parsed);
  FUZZ_CHECK(written == parsed.dump());
  const std::string abbreviated = json_text::Abbreviate(parsed, max_chars);
  FUZZ_CHECK(abbreviated.size() <= std::max<size_t>(max_chars, 3));
  FUZZ_CHECK(json_text::IsValidUtf8(abbreviated));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  CheckReadJsonObject(text, parsed);
  CheckJsonText(text, parsed, size % 64);
  return 0;
}
