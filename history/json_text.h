// JSON text helpers shared by the history writer (op.cc), the JSONL reader and the importers.
// Internal to coordcheck_history.
//
// Contract: the Append* functions never throw and always write valid JSON; bytes that are
// not valid UTF-8 are written as U+FFFD (nlohmann's error_handler_t::replace), so a history
// line can always be written. Output matches Json::dump() (compact, keys sorted).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "history/op.h"

namespace coordcheck::json_text {

// Whether `s` is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
bool IsValidUtf8(std::string_view s);

// `s` with every ill-formed UTF-8 sequence replaced by U+FFFD.
std::string RepairUtf8(std::string_view s);

// Appends code point `cp` as UTF-8; a UTF-16 surrogate (not a character) becomes U+FFFD.
void AppendUtf8(std::string* out, uint32_t cp);

// Appends `s` as a quoted, escaped JSON string.
void AppendString(std::string* out, std::string_view s);

// Appends `value` as compact JSON.
void AppendJson(std::string* out, const Json& value);

// `value` as compact JSON, at most `max_chars` characters ("..." when cut); for messages.
std::string Abbreviate(const Json& value, size_t max_chars = 40);

}  // namespace coordcheck::json_text
