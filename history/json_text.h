// JSON text helpers shared by the history writer (op.cc), the JSONL reader and the importers,
// and the nesting limit every JSON file read elsewhere (reports, the harness) passes first.
//
// Contract: the Append* functions never throw and always write valid JSON; bytes that are
// not valid UTF-8 are written as U+FFFD, one per maximal subpart as nlohmann's
// error_handler_t::replace does, so a history line can always be written. Output matches
// Json::dump() (compact, keys sorted), with error_handler_t::replace where strings are not
// UTF-8. fuzz/json_report_fuzz.cc checks all of this against nlohmann.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "history/op.h"

namespace coordcheck::json_text {

// Whether `s` is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
bool IsValidUtf8(std::string_view s);

// The offset of the first byte of `s` that starts no well-formed UTF-8 sequence; npos if none.
size_t FirstInvalidUtf8(std::string_view s);

// `s` with every ill-formed UTF-8 sequence replaced by U+FFFD, one per maximal subpart.
std::string RepairUtf8(std::string_view s);

// Appends code point `cp` as UTF-8; a UTF-16 surrogate (not a character) becomes U+FFFD.
void AppendUtf8(std::string* out, uint32_t cp);

// Appends `s` as a quoted, escaped JSON string.
void AppendString(std::string* out, std::string_view s);

// Appends `value` as compact JSON.
void AppendJson(std::string* out, const Json& value);

// `value` as compact JSON, at most `max_chars` characters ("..." when cut); for messages.
std::string Abbreviate(const Json& value, size_t max_chars = 40);

// Why a depth limit before parsing: nlohmann's dump() and every walker over a Json (the
// reports' included) recurse once per level, so a file of 100,000 brackets overflows the stack
// (SIGSEGV) before any error can be reported. This linear pass (strings skipped) refuses such
// text before a Json exists.
inline constexpr int kMaxDepth = 256;

// An error "JSON nested deeper than 256 levels" when arrays and objects in `text` nest deeper
// than `max_depth`, else ok. Malformed text is left for the parser to report.
Status CheckDepth(std::string_view text, int max_depth = kMaxDepth);

// The 1-based line of `text` that byte `offset` (clamped to the text) falls on: where a
// nlohmann parse_error (its `byte`) is, for messages that name the line.
int64_t LineOf(std::string_view text, size_t offset);

// Parses a whole JSON document (a test file, a results.json) into `out`, depth-checked first.
// Never throws: the error is "WHERE:LINE: not valid JSON: REASON at column C" as the history
// reader's, or "WHERE: JSON nested deeper than 256 levels". A number beyond a double's range
// (nlohmann's out_of_range, which carries no position) is placed at its text's first
// occurrence.
Status ParseDocument(std::string_view text, const std::string& where, Json* out);

}  // namespace coordcheck::json_text
