#include "history/json_text.h"

#include <algorithm>
#include <charconv>

namespace coordcheck::json_text {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The UTF-8 sequence starting at `p` (n > 0 bytes available): its length when it is
// well-formed (*valid = true); else (*valid = false) the length of its maximal subpart, the
// longest start of a well-formed sequence but at least one byte. Unicode (and nlohmann's
// error_handler_t::replace) replace each maximal subpart with one U+FFFD: "\xE2\x82" (a
// three-byte sequence cut short) is one replacement, "\xC0\xAF" (no valid start) two.
size_t Sequence(const unsigned char* p, size_t n, bool* valid) {
  const unsigned c = p[0];
  *valid = true;
  if (c < 0x80) return 1;
  size_t length = 0;
  unsigned low = 0x80, high = 0xBF;  // the second byte's range
  if (c >= 0xC2 && c <= 0xDF) {
    length = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    length = 3;
    if (c == 0xE0) low = 0xA0;   // else overlong
    if (c == 0xED) high = 0x9F;  // else a UTF-16 surrogate
  } else if (c >= 0xF0 && c <= 0xF4) {
    length = 4;
    if (c == 0xF0) low = 0x90;   // else overlong
    if (c == 0xF4) high = 0x8F;  // else beyond U+10FFFF
  } else {
    *valid = false;
    return 1;
  }
  size_t i = 1;
  for (; i < length && i < n; ++i) {
    const unsigned b = p[i];
    if (i == 1 ? (b < low || b > high) : (b & 0xC0) != 0x80) break;
  }
  *valid = i == length;
  return i;
}

// Appends the UTF-8 sequence at s[i], or one U+FFFD for its maximal subpart when it is
// ill-formed; returns the bytes it took.
size_t AppendSequence(std::string* out, std::string_view s, size_t i) {
  bool valid;
  const size_t length =
      Sequence(reinterpret_cast<const unsigned char*>(s.data()) + i, s.size() - i, &valid);
  if (valid) {
    out->append(s.data() + i, length);
  } else {
    *out += kReplacement;
  }
  return length;
}

template <typename T>
void AppendNumber(std::string* out, T v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}

}  // namespace

size_t FirstInvalidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0;
  while (i < s.size()) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    bool valid;
    const size_t length = Sequence(p + i, s.size() - i, &valid);
    if (!valid) return i;
    i += length;
  }
  return std::string_view::npos;
}

bool IsValidUtf8(std::string_view s) { return FirstInvalidUtf8(s) == std::string_view::npos; }

std::string RepairUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) i += AppendSequence(&out, s, i);
  return out;
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = 0xFFFD;
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void AppendString(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0;
  while (i < s.size()) {
    // Copy the longest run that needs no care in one go.
    size_t run = i;
    while (run < s.size() && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' && p[run] != '\\') {
      ++run;
    }
    out->append(s.data() + i, run - i);
    i = run;
    if (i == s.size()) break;
    const unsigned char c = p[i];
    if (c >= 0x80) {
      i += AppendSequence(out, s, i);
      continue;
    }
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        *out += "\\u00";
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 0xF]);
    }
    ++i;
  }
  out->push_back('"');
}

void AppendJson(std::string* out, const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      *out += "null";
      return;
    case Json::value_t::boolean:
      *out += value.get<bool>() ? "true" : "false";
      return;
    case Json::value_t::number_integer:
      AppendNumber(out, value.get<int64_t>());
      return;
    case Json::value_t::number_unsigned:
      AppendNumber(out, value.get<uint64_t>());
      return;
    case Json::value_t::string:
      AppendString(out, value.get_ref<const std::string&>());
      return;
    case Json::value_t::array: {
      out->push_back('[');
      bool first = true;
      for (const Json& element : value) {
        if (!first) out->push_back(',');
        first = false;
        AppendJson(out, element);
      }
      out->push_back(']');
      return;
    }
    case Json::value_t::object: {
      out->push_back('{');
      bool first = true;
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (!first) out->push_back(',');
        first = false;
        AppendString(out, it.key());
        out->push_back(':');
        AppendJson(out, it.value());
      }
      out->push_back('}');
      return;
    }
    case Json::value_t::number_float:
    case Json::value_t::binary:
      // Neither can throw: no strings inside. Non-finite floats are written as null.
      *out += value.dump();
      return;
  }
}

std::string Abbreviate(const Json& value, size_t max_chars) {
  std::string s;
  AppendJson(&s, value);
  if (s.size() <= max_chars) return s;
  size_t cut = max_chars > 3 ? max_chars - 3 : 0;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s + "...";
}

Status CheckDepth(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return Status::Error("JSON nested deeper than " + std::to_string(max_depth) + " levels");
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return Status::Ok();
}

int64_t LineOf(std::string_view text, size_t offset) {
  const size_t end = std::min(offset, text.size());
  return 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(end), '\n');
}

namespace {

// "WHERE:LINE: not valid JSON: REASON at column C" for byte `offset` of `text`.
Status NotValidAt(std::string_view text, size_t offset, const std::string& where,
                  const std::string& reason) {
  const size_t at = std::min(offset, text.size());
  const size_t line_start = text.rfind('\n', at == 0 ? 0 : at - 1);
  const size_t column = line_start == std::string_view::npos || at == 0 ? at + 1 : at - line_start;
  return Status::Error(where + ":" + std::to_string(LineOf(text, at)) +
                       ": not valid JSON: " + reason + " at column " + std::to_string(column));
}

// nlohmann's what() without its "[json.exception.parse_error.101] parse error at line 2,
// column 3: " prefix (the position is ours to say).
std::string ReasonOf(const std::string& what) {
  std::string reason = what;
  if (size_t p = reason.find("] "); p != std::string::npos) reason.erase(0, p + 2);
  if (reason.rfind("parse error", 0) == 0) {
    if (size_t p = reason.find(": "); p != std::string::npos) reason.erase(0, p + 2);
  }
  return reason;
}

}  // namespace

Status ParseDocument(std::string_view text, const std::string& where, Json* out) {
  if (Status st = CheckDepth(text); !st) return st.Wrap(where);
  try {
    *out = Json::parse(text);
  } catch (const Json::parse_error& e) {
    // nlohmann's byte is 1-based, the offset just past the offending character.
    return NotValidAt(text, e.byte == 0 ? 0 : e.byte - 1, where, ReasonOf(e.what()));
  } catch (const Json::exception& e) {
    // out_of_range 406, "number overflow parsing '1E+400'": the token is in the message.
    const std::string reason = ReasonOf(e.what());
    size_t offset = std::string_view::npos;
    if (size_t open = reason.find('\''), close = reason.rfind('\'');
        open != std::string::npos && close > open) {
      offset = text.find(std::string_view(reason).substr(open + 1, close - open - 1));
    }
    if (offset == std::string_view::npos) {
      return Status::Error(where + ": not valid JSON: " + reason);
    }
    return NotValidAt(text, offset, where, reason);
  }
  return Status::Ok();
}

}  // namespace coordcheck::json_text
