// Op: one event of a history (shared/HISTORY-FORMAT.md), parsed once at the edge.
//
// An operation appears in a history as two events of the same process: an invoke
// and a completion (ok, fail or info). Nemesis events may also stand alone as a
// single info event (Jepsen records faults that way). Values stay JSON here;
// checkers convert them to compact typed data once, before their hot loops.
//
// Thread-safety: plain value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace coordcheck {

using Json = nlohmann::json;

enum class OpType : uint8_t { kInvoke, kOk, kFail, kInfo };

// "invoke", "ok", "fail", "info".
std::string_view OpTypeName(OpType type);
// Parses a type name; false when `name` is not one of the four.
bool ParseOpType(std::string_view name, OpType* type);

// The process id of the nemesis ("process":"nemesis" in JSON).
inline constexpr int64_t kNemesisProcess = -1;

struct Op {
  int64_t index = 0;    // 0-based position in the history
  int64_t time_ns = 0;  // nanoseconds since the test started (monotonic)
  int64_t process = 0;  // >= 0 for clients, kNemesisProcess for the nemesis
  OpType type = OpType::kInvoke;
  std::string f;     // read, write, cas, acquire, ...
  Json key;          // null when absent; else a string or an integer
  Json value;        // null when absent or unknown
  std::string node;  // empty when absent
  Json error;        // null when absent
  Json extra;        // fields this format does not define, kept for round trips;
                     // null when there are none, else an object

  bool is_nemesis() const { return process == kNemesisProcess; }
  bool is_invoke() const { return type == OpType::kInvoke; }
  bool is_completion() const { return type != OpType::kInvoke; }
  bool has_key() const { return !key.is_null(); }

  // Field-by-field equality (JSON values compare as nlohmann::json does: 1 == 1u).
  bool operator==(const Op& other) const = default;
};

// The op as one JSON object in the history format: the defined fields (key, node and
// error only when present) plus the members of `extra` at top level, except any named like
// a defined field. Json keeps object keys sorted, so the canonical order exists only in
// OpToLine's output.
Json OpToJson(const Op& op);
// One JSONL line, without the trailing newline, fields in the canonical order: index, time,
// process, type, f, key, value, node, error, then `extra`'s members. Never throws: invalid
// UTF-8 in strings is written as U+FFFD.
std::string OpToLine(const Op& op);

}  // namespace coordcheck
