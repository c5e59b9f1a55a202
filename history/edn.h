// Importer for Jepsen's history.edn: converts a Jepsen history into a History
// (shared/HISTORY-FORMAT.md) so that every checker can run on it offline.
//
// Input: a sequence of EDN op maps (Jepsen writes one per line), or one top-level vector or
// list of them; commas are whitespace, `;` comments and `#_` discards are skipped. Ops may be
// tagged (`#jepsen.history.Op{...}`). Each map's keys:
//   :index    int; missing -> the op's position
//   :time     int nanoseconds (Jepsen's unit already); missing -> position * 1000
//   :process  int >= 0, or :nemesis
//   :type     :invoke / :ok / :fail / :info
//   :f        keyword, symbol or string -> string without the colon
//   :value, :error  any EDN value (see below); :node string or keyword; :key string/int
//   anything else -> Op::extra under the key's name (":debug" -> "debug")
// Values: nil -> null; true/false; integers (also with N, hex 0x.., radix 2r.., Clojure
// octal 0..) -> int, or a string of their digits when beyond 64 bits; floats, ratios and M
// decimals -> double;
// ##Inf/##-Inf/##NaN -> the strings "##Inf"...; strings (escapes decoded; an escaped lone
// surrogate becomes U+FFFD); keywords -> string without the colon (":ok" -> "ok", ":a/b" -> "a/b");
// symbols and characters -> strings; vectors, lists and sets -> arrays (source order); maps
// -> objects (keyword/string keys by name, other keys by their EDN source text); tagged
// literals -> their inner value, except #object[...] -> its EDN source text as a string.
//
// jepsen.independent: independent ops carry `:value [k v]`. Whether the history is one is
// decided per history (Options::split_independent): in kAuto mode the values are split into
// key = k and value = v when every client (non-nemesis) event's :value is a 2-element vector
// whose first element is an integer, string or keyword, and no event has a :key of its own;
// otherwise nothing is split. A history of only cas ops ([old new] pairs) looks the same:
// pass kNever for it.
//
// Errors: an EDN syntax error names the file and the EDN line; so do a NUL byte or invalid
// UTF-8 anywhere in the text (checked before anything else) and a map with the same key twice.
// A bad field or a broken rule of the format (checked with HistoryValidator after conversion)
// names the EDN line where the op's map starts. Input with no ops is an error ("FILE: no
// events"), as for the JSONL reader; so are input beyond Options::limits (max_input_bytes;
// EDN is not read line by line, so max_line_bytes does not apply) and running out of memory,
// naming the line reached. On error *out holds what was converted, unspecified.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "history/history.h"

namespace coordcheck {

struct EdnImportOptions {
  enum class SplitIndependent {
    kAuto,    // split [k v] values when every client event has one (see above)
    kAlways,  // every client event must have a [k v] value; an event without one is an error
    kNever,   // keep :value as it is
  };
  // How to treat jepsen.independent [key value] tuples. Default kAuto.
  SplitIndependent split_independent = SplitIndependent::kAuto;
  // Bounds on the input (only max_input_bytes applies). Default InputLimits' defaults.
  InputLimits limits;
};

// Imports a Jepsen history.edn file ("-" reads stdin).
Status ImportJepsenEdnFile(const std::string& path, History* out,
                           const EdnImportOptions& options = {});

// Imports Jepsen EDN text; `name` is used as the file in errors.
Status ImportJepsenEdnString(std::string_view text, History* out,
                             const std::string& name = "<string>",
                             const EdnImportOptions& options = {});

}  // namespace coordcheck
