// Helpers for the report tests: hand-built histories with explicit times (TimedHistory, from
// the shared test support), and reading back what a rendered page embeds.
#pragma once

#include "tests/support/node_env.h"

#include <cstdint>
#include <optional>
#include <string>

#include "history/history.h"
#include "tests/support/timed_history.h"

namespace coordcheck::test {

// The text of <script type="application/json" id="ID">…</script> in `html`; nullopt when absent.
std::optional<std::string> ScriptBlockText(const std::string& html, const std::string& id);

// That block parsed as JSON (the \u escapes undone by the parser, as JSON.parse does).
Json ScriptBlockJson(const std::string& html, const std::string& id);

// Whether `html` has an element with id="ID".
bool HasId(const std::string& html, const std::string& id);

// How many times `needle` occurs in `haystack`.
size_t Count(const std::string& haystack, const std::string& needle);

// Temp folders and file reading come from the shared test support.
using nodetest::ReadFile;
using nodetest::TempDir;
void WriteFile(const std::string& path, const std::string& text);

}  // namespace coordcheck::test
