#include "history/op.h"

#include <array>
#include <charconv>

#include "history/json_text.h"

namespace coordcheck {
namespace {

constexpr std::array<std::string_view, 4> kTypeNames = {"invoke", "ok", "fail", "info"};

// Names of the fields the format defines; `extra` members with these names are not written
// (they would duplicate a defined field).
constexpr std::array<std::string_view, 9> kDefinedFields = {
    "index", "time", "process", "type", "f", "key", "value", "node", "error"};

bool IsDefinedField(std::string_view name) {
  for (std::string_view defined : kDefinedFields) {
    if (name == defined) return true;
  }
  return false;
}

void AppendInt(std::string* out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}

}  // namespace

std::string_view OpTypeName(OpType type) { return kTypeNames[static_cast<size_t>(type)]; }

bool ParseOpType(std::string_view name, OpType* type) {
  for (size_t i = 0; i < kTypeNames.size(); ++i) {
    if (name == kTypeNames[i]) {
      *type = static_cast<OpType>(i);
      return true;
    }
  }
  return false;
}

Json OpToJson(const Op& op) {
  Json j = Json::object();
  j["index"] = op.index;
  j["time"] = op.time_ns;
  if (op.is_nemesis()) {
    j["process"] = "nemesis";
  } else {
    j["process"] = op.process;
  }
  j["type"] = OpTypeName(op.type);
  j["f"] = op.f;
  if (op.has_key()) j["key"] = op.key;
  j["value"] = op.value;
  if (!op.node.empty()) j["node"] = op.node;
  if (!op.error.is_null()) j["error"] = op.error;
  if (op.extra.is_object()) {
    for (auto it = op.extra.begin(); it != op.extra.end(); ++it) {
      if (!IsDefinedField(it.key())) j[it.key()] = it.value();
    }
  }
  return j;
}

std::string OpToLine(const Op& op) {
  std::string line;
  line.reserve(96);
  line += "{\"index\":";
  AppendInt(&line, op.index);
  line += ",\"time\":";
  AppendInt(&line, op.time_ns);
  line += ",\"process\":";
  if (op.is_nemesis()) {
    line += "\"nemesis\"";
  } else {
    AppendInt(&line, op.process);
  }
  line += ",\"type\":\"";
  line += OpTypeName(op.type);
  line += "\",\"f\":";
  json_text::AppendString(&line, op.f);
  if (op.has_key()) {
    line += ",\"key\":";
    json_text::AppendJson(&line, op.key);
  }
  line += ",\"value\":";
  json_text::AppendJson(&line, op.value);
  if (!op.node.empty()) {
    line += ",\"node\":";
    json_text::AppendString(&line, op.node);
  }
  if (!op.error.is_null()) {
    line += ",\"error\":";
    json_text::AppendJson(&line, op.error);
  }
  if (op.extra.is_object()) {
    for (auto it = op.extra.begin(); it != op.extra.end(); ++it) {
      if (IsDefinedField(it.key())) continue;
      line.push_back(',');
      json_text::AppendString(&line, it.key());
      line.push_back(':');
      json_text::AppendJson(&line, it.value());
    }
  }
  line.push_back('}');
  return line;
}

}  // namespace coordcheck
