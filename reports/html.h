// Small HTML and JSON helpers for the reports: escaping for HTML and for JSON embedded in
// <script type="application/json"> blocks, the plain-text formats the pages share (times,
// values), and tolerant access to JSON read from a run's files. Internal to
// coordcheck_reports.
//
// Contract: every function accepts any bytes; invalid UTF-8 comes out as U+FFFD, so the
// output is always valid UTF-8 and never throws for bad input.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "history/op.h"

namespace coordcheck::reports {

// `text` for HTML content or a quoted attribute value: & < > " ' as character references.
std::string EscapeHtml(std::string_view text);

// `value` as compact JSON for a <script type="application/json"> block: <, >, & and the line
// separators U+2028, U+2029 written as \u escapes, so no string in it can close the element,
// open a comment or break a script; JSON.parse gives back the same value.
std::string ScriptJson(const Json& value);

// A <script type="application/json" id="ID"> block holding `value` (ScriptJson).
std::string ScriptBlock(std::string_view id, const Json& value);

// `value` as compact JSON text (invalid UTF-8 replaced), cut to `max_chars` bytes at a
// character boundary with "…" appended when longer. Not escaped for HTML.
std::string JsonText(const Json& value, size_t max_chars);

// A JSON value as plain text: a string without quotes, anything else as JsonText.
std::string PlainText(const Json& value, size_t max_chars = 2000);

// `ns` as seconds with three decimals: "12.310 s".
std::string FormatSeconds(int64_t ns);

// A duration in ns, in a readable unit: "850 µs", "12.3 ms", "4.20 s", "3 min 20 s".
std::string FormatDuration(int64_t ns);

// object[key], or null when `object` is not an object or has no such member (never throws).
const Json& Member(const Json& object, const char* key);

// An id for an HTML element from `text`: lowercase letters, digits and '-', never empty.
std::string Slug(std::string_view text);

// A verdict as a coloured badge: <span class="badge badge-SLUG">verdict</span>.
std::string Badge(const std::string& verdict);

// `href` when it is a plain relative path (letters, digits, "-._~/+", no leading '/'), else "".
// Why so strict: run_dir comes from compare.json or swarm.json, which anyone may have edited;
// a ':' would let "javascript:..." through as a scheme, a leading '/' or "//" would leave the
// store, and '%', '\\', '?' or '#' would change what a browser makes of the path.
std::string PlainRelativeHref(const std::string& href);

// The start of a summary page (the comparison's, the swarm's) up to and including <main>:
// head (error hook, content security policy, the reports' CSS), the title and a verdict
// banner holding `summary_html` (already HTML). `page` is the html element's data-page.
std::string SummaryPageStart(std::string_view page, const std::string& title,
                             const std::string& verdict, const std::string& summary_html);
// Its end: </main>, a footer saying `footer`, the reports' script.
std::string SummaryPageEnd(const std::string& footer);

}  // namespace coordcheck::reports
