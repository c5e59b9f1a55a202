#include "history/jsonl.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <limits>
#include <memory>
#include <system_error>

#include "history/input_file.h"
#include "history/json_text.h"
#include "history/validator.h"

namespace coordcheck {
namespace {

// Why a hand-written parser: nlohmann::json::parse per line builds a std::map per event and
// takes 2.5 s for a 2M-line history on a 2-core VM, before any Op exists; this parser reads
// the top-level object directly into Op's fields, builds Json only for key, value, error and
// unknown fields, and reads and validates the same file in about 0.6 s. It accepts exactly RFC 8259
// JSON (UTF-8 checked, no trailing commas, no comments), so what nlohmann would reject is rejected
// here too.

constexpr int kMaxDepth = 256;           // nesting limit for values (stack safety)
constexpr size_t kChunkBytes = 1 << 20;  // file read size

std::string ErrnoText() { return std::error_code(errno, std::generic_category()).message(); }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// `value` as an int64_t when it is an integer that fits in one.
std::optional<int64_t> AsInt64(const Json& value) {
  if (value.is_number_unsigned()) {
    const uint64_t u = value.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (value.is_number_integer()) return value.get<int64_t>();
  return std::nullopt;
}

// The character a one-letter JSON escape (the letter after '\\') stands for; 0 for any
// other letter (\\u is handled apart).
char SimpleEscape(char e) {
  switch (e) {
    case '"':
    case '\\':
    case '/':
      return e;
    case 'b':
      return '\b';
    case 'f':
      return '\f';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    default:
      return 0;
  }
}

std::string_view TypeName(const Json& value) {
  switch (value.type()) {
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::null:
      return "null";
    default:
      return "a number";
  }
}

class OpLineParser {
 public:
  explicit OpLineParser(std::string_view line)
      : begin_(line.data()), p_(line.data()), end_(line.data() + line.size()) {}

  // Parses the line into `op`, whose fields must hold their defaults. An error says what is
  // wrong.
  Status Parse(Op* op) {
    if (!ParseObject(op)) return Status::Error(std::move(error_));
    return Status::Ok();
  }

 private:
  bool Fail(std::string message) {
    error_ = std::move(message);
    return false;
  }
  bool Syntax(std::string_view what) {
    syntax_error_ = true;
    return Fail("not valid JSON: " + std::string(what) + " at column " +
                std::to_string(p_ - begin_ + 1));
  }
  // A field whose name (starting at `at`) the object already had: an error that stops the
  // parse, since which of the two values was meant is unknowable.
  bool Duplicate(std::string_view name, const char* at) {
    syntax_error_ = true;
    std::string quoted;
    json_text::AppendString(&quoted, name);
    return Fail("duplicate field " + quoted + " at column " + std::to_string(at - begin_ + 1));
  }
  bool FieldIs(std::string_view name, const Json& value, std::string_view expected) {
    return Fail("\"" + std::string(name) + "\" is " + json_text::Abbreviate(value) + ", expected " +
                std::string(expected));
  }

  void SkipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\r' || *p_ == '\n')) ++p_;
  }
  bool At(char c) const { return p_ < end_ && *p_ == c; }
  // Consumes `c` when it is next.
  bool Take(char c) {
    if (!At(c)) return false;
    ++p_;
    return true;
  }

  // Parses `"name":` and the spaces after it. The view points into the line or into scratch_
  // (see ParseStringView).
  bool ParseMemberName(std::string_view* name) {
    if (!At('"')) return Syntax("expected a field name");
    if (!ParseStringView(name)) return false;
    SkipSpace();
    if (!Take(':')) return Syntax("expected ':'");
    SkipSpace();
    return true;
  }

  // After a member (close '}') or an element (close ']'): consumes ',' (another follows) or
  // `close` (*done = true); anything else is a syntax error.
  bool ParseSeparator(char close, bool* done) {
    SkipSpace();
    if (Take(',')) return true;
    if (Take(close)) {
      *done = true;
      return true;
    }
    return Syntax(close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
  }

  bool ParseObject(Op* op) {
    SkipSpace();
    if (p_ == end_) return Syntax("empty line");
    if (*p_ != '{') {
      Json value;
      if (!ParseValue(&value, 0)) return false;
      SkipSpace();
      if (p_ != end_) return Syntax("unexpected text after the value");
      return Fail("the line is " + std::string(TypeName(value)) + ", expected a JSON object");
    }
    ++p_;
    // A field of the wrong type does not stop the parse: a syntax error later on the line is
    // the more useful message (the field may only look wrong because of it).
    std::optional<std::string> field_error;
    SkipSpace();
    for (bool done = Take('}'); !done;) {
      SkipSpace();
      std::string_view name;
      const char* name_at = p_;
      if (!ParseMemberName(&name)) return false;
      if (!ParseField(name, name_at, op)) {
        if (syntax_error_) return false;
        if (!field_error) field_error = std::move(error_);
      }
      if (!ParseSeparator('}', &done)) return false;
    }
    SkipSpace();
    if (p_ != end_) return Syntax("unexpected text after the object");
    if (field_error) return Fail(std::move(*field_error));
    if (!Seen(Field::kIndex)) return Fail("\"index\" is missing");
    if (!Seen(Field::kTime)) return Fail("\"time\" is missing");
    if (!Seen(Field::kProcess)) return Fail("\"process\" is missing");
    if (!Seen(Field::kType)) return Fail("\"type\" is missing");
    if (!Seen(Field::kF)) return Fail("\"f\" is missing");
    return true;
  }

  // Which defined field `name` is, compared by length first (this is the parser's hot spot).
  enum class Field { kIndex, kTime, kProcess, kType, kF, kKey, kValue, kNode, kError, kOther };
  static Field FieldOf(std::string_view name) {
    // Called once the length matched, so a fixed-size compare (inlined) suffices.
    auto is = [&](const auto& literal) {
      return std::memcmp(name.data(), literal, sizeof(literal) - 1) == 0;
    };
    switch (name.size()) {
      case 1:
        return name[0] == 'f' ? Field::kF : Field::kOther;
      case 3:
        return is("key") ? Field::kKey : Field::kOther;
      case 4:
        return is("time")   ? Field::kTime
               : is("type") ? Field::kType
               : is("node") ? Field::kNode
                            : Field::kOther;
      case 5:
        return is("index")   ? Field::kIndex
               : is("value") ? Field::kValue
               : is("error") ? Field::kError
                             : Field::kOther;
      case 7:
        return is("process") ? Field::kProcess : Field::kOther;
      default:
        return Field::kOther;
    }
  }

  bool Seen(Field field) const { return (seen_ & (1u << static_cast<int>(field))) != 0; }

  // Parses the value of top-level field `name` (which starts at `at`) into `op`. `name` may
  // point into scratch_, which parsing the value overwrites: messages below use literal names.
  bool ParseField(std::string_view name, const char* at, Op* op) {
    const Field field = FieldOf(name);
    if (field != Field::kOther) {
      if (Seen(field)) return Duplicate(name, at);
      seen_ |= 1u << static_cast<int>(field);
    } else if (op->extra.is_object() && op->extra.contains(name)) {
      return Duplicate(name, at);
    }
    switch (field) {
      case Field::kIndex:
        return ParseIntegerField("index", &op->index);
      case Field::kTime:
        return ParseIntegerField("time", &op->time_ns);
      case Field::kProcess:
        return ParseProcess(op);
      case Field::kType: {
        std::string_view type;
        if (!ParseStringField("type", &type)) return false;
        if (!ParseOpType(type, &op->type)) {
          return FieldIs("type", Json(std::string(type)), R"("invoke", "ok", "fail" or "info")");
        }
        return true;
      }
      case Field::kF: {
        std::string_view f;
        if (!ParseStringField("f", &f)) return false;
        op->f.assign(f);
        return true;
      }
      case Field::kValue:
        return ParseValue(&op->value, 0);
      case Field::kError:
        return ParseValue(&op->error, 0);
      case Field::kKey:
        if (!ParseValue(&op->key, 0)) return false;
        if (!op->key.is_null() && !op->key.is_string() && !op->key.is_number_integer()) {
          return FieldIs("key", op->key, "a string or an integer");
        }
        return true;
      case Field::kNode: {
        if (At('"')) {
          std::string_view node;
          if (!ParseStringView(&node)) return false;
          op->node.assign(node);
          return true;
        }
        Json value;
        if (!ParseValue(&value, 0)) return false;
        return value.is_null() || FieldIs("node", value, "a string");  // null: absent
      }
      case Field::kOther:
        break;
    }
    std::string extra_name(name);
    Json value;
    if (!ParseValue(&value, 0)) return false;
    if (op->extra.is_null()) op->extra = Json::object();
    op->extra[std::move(extra_name)] = std::move(value);
    return true;
  }

  bool ParseIntegerField(std::string_view name, int64_t* out) {
    // Fast path: up to 18 digits cannot overflow.
    const char* q = p_;
    if (q < end_ && *q == '-') ++q;
    const char* digits = q;
    while (q < end_ && IsDigit(*q)) ++q;
    const auto count = q - digits;
    if (count > 0 && count <= 18 && (count == 1 || *digits != '0') &&
        !(q < end_ && (*q == '.' || *q == 'e' || *q == 'E'))) {
      std::from_chars(p_, q, *out);
      p_ = q;
      return true;
    }
    // Anything else: a leading zero (the caller then reports the syntax error), a large
    // integer, or not an integer at all.
    Json value;
    if (!ParseValue(&value, 0)) return false;
    if (const std::optional<int64_t> v = AsInt64(value)) {
      *out = *v;
      return true;
    }
    return FieldIs(name, value,
                   value.is_number_unsigned() ? "an integer that fits in 64 bits" : "an integer");
  }

  bool ParseStringField(std::string_view name, std::string_view* out) {
    if (At('"')) return ParseStringView(out);
    Json value;
    if (!ParseValue(&value, 0)) return false;
    return FieldIs(name, value, "a string");
  }

  bool ParseProcess(Op* op) {
    if (At('"')) {
      std::string_view name;
      if (!ParseStringView(&name)) return false;
      if (name != "nemesis") {
        return FieldIs("process", Json(std::string(name)), R"(an integer >= 0 or "nemesis")");
      }
      op->process = kNemesisProcess;
      return true;
    }
    Json value;
    if (!ParseValue(&value, 0)) return false;
    if (const std::optional<int64_t> v = AsInt64(value); v && *v >= 0) {
      op->process = *v;
      return true;
    }
    return FieldIs("process", value, R"(an integer >= 0 or "nemesis")");
  }

  // Parses a string at '"'. The view points into the line when the string has no escapes,
  // else into scratch_ (valid until the next call).
  bool ParseStringView(std::string_view* out) {
    const char* open = p_;
    const char* start = ++p_;
    while (p_ < end_) {
      unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        *out = std::string_view(start, p_ - start);
        ++p_;
        return true;
      }
      if (c == '\\' || c < 0x20 || c >= 0x80) break;
      ++p_;
    }
    scratch_.assign(start, p_);
    if (!ParseStringRest(&scratch_, open)) return false;
    *out = scratch_;
    return true;
  }

  bool ParseString(std::string* out) {
    std::string_view view;
    if (!ParseStringView(&view)) return false;
    out->assign(view);
    return true;
  }

  // Continues a string (opening quote at `open`) whose first bytes are already in `out`; p_ is
  // inside the string.
  bool ParseStringRest(std::string* out, const char* open) {
    bool non_ascii = false;
    for (;;) {
      if (p_ == end_) return Syntax("unterminated string");
      unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        break;
      }
      if (c < 0x20) return Syntax("control character in string");
      if (c >= 0x80) non_ascii = true;
      if (c != '\\') {
        out->push_back(static_cast<char>(c));
        ++p_;
        continue;
      }
      ++p_;
      if (p_ == end_) return Syntax("unterminated string");
      const char e = *p_++;
      if (e == 'u') {
        if (!ParseUnicodeEscape(out)) return false;
      } else if (const char unescaped = SimpleEscape(e); unescaped != 0) {
        out->push_back(unescaped);
      } else {
        --p_;
        return Syntax("invalid escape in string");
      }
    }
    if (non_ascii && !json_text::IsValidUtf8(*out)) {
      p_ = open;
      return Syntax("invalid UTF-8 in string");
    }
    return true;
  }

  // Appends the character of a \\u escape whose "\\u" p_ is just past, a surrogate pair
  // included.
  bool ParseUnicodeEscape(std::string* out) {
    const char* escape = p_ - 2;
    uint32_t cp = 0;
    if (!ParseHex4(&cp)) return false;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      uint32_t low = 0;
      if (p_ + 1 < end_ && p_[0] == '\\' && p_[1] == 'u') {
        p_ += 2;
        if (!ParseHex4(&low)) return false;
      }
      if (low < 0xDC00 || low > 0xDFFF) {
        p_ = escape;
        return Syntax("unpaired surrogate in \\u escape");
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
      p_ = escape;
      return Syntax("unpaired surrogate in \\u escape");
    }
    json_text::AppendUtf8(out, cp);
    return true;
  }

  bool ParseHex4(uint32_t* cp) {
    if (end_ - p_ < 4) return Syntax("incomplete \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = *p_;
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        v |= c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        v |= c - 'A' + 10;
      } else {
        return Syntax("invalid \\u escape");
      }
      ++p_;
    }
    *cp = v;
    return true;
  }

  bool ParseValue(Json* out, int depth) {
    if (p_ == end_) return Syntax("expected a value");
    switch (*p_) {
      case '"': {
        std::string s;
        if (!ParseString(&s)) return false;
        *out = std::move(s);
        return true;
      }
      case 'n':
        return ParseLiteral("null", Json(), out);
      case 't':
        return ParseLiteral("true", Json(true), out);
      case 'f':
        return ParseLiteral("false", Json(false), out);
      case '[':
        return ParseArray(out, depth);
      case '{':
        return ParseNestedObject(out, depth);
      default:
        if (*p_ == '-' || IsDigit(*p_)) return ParseNumber(out);
        return Syntax("expected a value");
    }
  }

  bool ParseLiteral(std::string_view word, Json value, Json* out) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) {
      return Syntax("expected a value");
    }
    p_ += word.size();
    *out = std::move(value);
    return true;
  }

  bool ParseArray(Json* out, int depth) {
    if (depth >= kMaxDepth) return Syntax("values nested too deeply");
    ++p_;
    *out = Json::array();
    auto& elements = out->get_ref<Json::array_t&>();
    SkipSpace();
    for (bool done = Take(']'); !done;) {
      SkipSpace();
      if (!ParseValue(&elements.emplace_back(), depth + 1)) return false;
      if (!ParseSeparator(']', &done)) return false;
    }
    return true;
  }

  bool ParseNestedObject(Json* out, int depth) {
    if (depth >= kMaxDepth) return Syntax("values nested too deeply");
    ++p_;
    *out = Json::object();
    auto& members = out->get_ref<Json::object_t&>();
    SkipSpace();
    for (bool done = Take('}'); !done;) {
      SkipSpace();
      std::string_view name;
      const char* name_at = p_;
      if (!ParseMemberName(&name)) return false;
      // Copied before the value is parsed: parsing it may overwrite scratch_.
      auto [member, inserted] = members.try_emplace(std::string(name));
      if (!inserted) return Duplicate(name, name_at);
      if (!ParseValue(&member->second, depth + 1)) return false;
      if (!ParseSeparator('}', &done)) return false;
    }
    return true;
  }

  bool ParseNumber(Json* out) {
    const char* start = p_;
    if (At('-')) ++p_;
    if (At('0')) {
      ++p_;
    } else if (p_ < end_ && IsDigit(*p_)) {
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    } else {
      return Syntax("invalid number");
    }
    bool is_float = false;
    if (At('.')) {
      ++p_;
      if (!(p_ < end_ && IsDigit(*p_))) return Syntax("invalid number");
      while (p_ < end_ && IsDigit(*p_)) ++p_;
      is_float = true;
    }
    if (At('e') || At('E')) {
      ++p_;
      if (At('+') || At('-')) ++p_;
      if (!(p_ < end_ && IsDigit(*p_))) return Syntax("invalid number");
      while (p_ < end_ && IsDigit(*p_)) ++p_;
      is_float = true;
    }
    if (!is_float) {
      // Like nlohmann: non-negative integers are unsigned, negative ones signed; integers
      // too large for 64 bits become floats.
      if (*start == '-') {
        int64_t v;
        if (std::from_chars(start, p_, v).ec == std::errc()) {
          *out = v;
          return true;
        }
      } else {
        uint64_t v;
        if (std::from_chars(start, p_, v).ec == std::errc()) {
          *out = v;
          return true;
        }
      }
    }
    double d;
    auto [ptr, ec] = std::from_chars(start, p_, d);
    if (ec != std::errc() || ptr != p_) {
      p_ = start;
      return Syntax("number out of range");
    }
    *out = d;
    return true;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  std::string scratch_;
  std::string error_;
  bool syntax_error_ = false;  // error_ is a syntax error
  uint32_t seen_ = 0;          // top-level fields seen, one bit per Field but kOther
};

bool IsBlank(std::string_view line) {
  return std::all_of(line.begin(), line.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

// Turns lines into validated events of `out`, stopping at the first error.
class HistoryReader {
 public:
  HistoryReader(History* out, const std::string& name, const InputLimits& limits)
      : out_(out), name_(name), limits_(limits) {
    out_->ops.clear();
  }

  // Feeds the next line (without its '\n'). False when reading must stop (see error()).
  bool Line(std::string_view line) {
    const int64_t number = line_number_ + 1;
    if (line.size() > limits_.max_line_bytes) {
      error_ = LineTooLong(name_, number, limits_.max_line_bytes);
      return false;
    }
    if (line.empty() || (line[0] != '{' && IsBlank(line))) {
      if (blank_line_ == 0) blank_line_ = number;
      line_number_ = number;
      return true;
    }
    if (blank_line_ != 0) {
      return Fail(blank_line_, "blank line; only the end of the file may have blank lines");
    }
    Op& op = out_->ops.emplace_back();
    Status st = OpLineParser(line).Parse(&op);
    if (st) st = validator_.Next(op, number);
    if (!st) {
      out_->ops.pop_back();
      return Fail(number, st.message());
    }
    line_number_ = number;
    return true;
  }

  // Feeds every complete line of `text`; returns the bytes consumed (through the last '\n'),
  // or npos when reading must stop.
  size_t Lines(std::string_view text) {
    size_t pos = 0;
    while (pos < text.size()) {
      const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
      if (nl == nullptr) break;
      size_t end = static_cast<const char*>(nl) - text.data();
      if (!Line(text.substr(pos, end - pos))) return std::string_view::npos;
      pos = end + 1;
    }
    return pos;
  }

  // Of `bytes` more bytes read, how many fit within max_input_bytes (counting them).
  size_t Admit(size_t bytes) {
    const uint64_t room = limits_.max_input_bytes - total_bytes_;
    const size_t admitted = bytes <= room ? bytes : static_cast<size_t>(room);
    total_bytes_ += admitted;
    return admitted;
  }

  // The input went on beyond max_input_bytes: an error at the line where the limit fell.
  bool InputTooLong() {
    error_ = coordcheck::InputTooLong(name_, line_number_ + 1, limits_.max_input_bytes);
    return false;
  }

  // Checks that the partial line being read, `bytes` long so far, may still grow.
  bool PartialLine(size_t bytes) {
    if (bytes <= limits_.max_line_bytes) return true;
    error_ = LineTooLong(name_, line_number_ + 1, limits_.max_line_bytes);
    return false;
  }

  // After the last line: a history with no events is an error (a truncated or empty file must
  // never pass as a valid history).
  bool End() {
    if (!out_->ops.empty()) return true;
    return Fail(0, "no events");
  }

  bool Fail(int64_t line, const std::string& message) {
    return Fail(InputError(name_, line, message));
  }
  // Stops with `error` (which names its place).
  bool Fail(Status error) {
    error_ = std::move(error);
    return false;
  }

  // The error for an allocation that failed while reading the current line.
  Status OutOfMemory() const {
    return coordcheck::OutOfMemory(name_, line_number_ + 1, out_->ops.size());
  }

  Status TakeError() { return std::move(error_); }

 private:
  History* out_;
  const std::string& name_;
  const InputLimits& limits_;
  HistoryValidator validator_;
  int64_t line_number_ = 0;  // lines read to the end; the one being read is the next
  int64_t blank_line_ = 0;   // first blank line not (yet) followed by an event; 0 if none
  uint64_t total_bytes_ = 0;
  Status error_;
};

// Reserves room for the events of a file of `file_bytes` whose first `sample` bytes are
// known, so that the vector grows once instead of doubling (which briefly needs 1.5x). A
// sample of blank lines must not reserve an event per byte: lines count as at least
// kMinEventBytes, the shortest event line.
void ReserveFor(std::string_view sample, uint64_t file_bytes, History* out) {
  constexpr double kMinEventBytes = 52;  // {"index":0,"time":0,"process":0,"type":"ok","f":"r"}
  size_t lines = static_cast<size_t>(std::count(sample.begin(), sample.end(), '\n'));
  if (lines == 0 || file_bytes == 0) return;
  double per_line = static_cast<double>(sample.size()) / static_cast<double>(lines);
  per_line = std::max(per_line, kMinEventBytes);
  out->ops.reserve(static_cast<size_t>(static_cast<double>(file_bytes) / per_line * 1.02) + 16);
}

// Reads `file` through `reader` to its end; false at the first error (reader->TakeError()).
bool ReadLines(InputFile* file, const InputLimits& limits, HistoryReader* reader, History* out) {
  // A buffer never grows beyond one line of the longest length allowed, plus its '\n'.
  const size_t line_room = std::max(limits.max_line_bytes, limits.max_line_bytes + 1);
  size_t capacity = std::min(kChunkBytes, line_room);
  auto buffer = std::make_unique<char[]>(capacity);
  size_t have = 0;  // bytes in buffer: the start of a line not yet complete
  bool first = true;
  for (;;) {
    if (have == capacity) {  // one line longer than the buffer: grow it, up to the limit
      if (!reader->PartialLine(have)) return false;
      const size_t bigger_capacity = std::min(capacity * 2, line_room);
      auto bigger = std::make_unique<char[]>(bigger_capacity);
      std::memcpy(bigger.get(), buffer.get(), have);
      buffer = std::move(bigger);
      capacity = bigger_capacity;
    }
    const Result<size_t> read = file->Read(buffer.get() + have, capacity - have);
    if (!read) return reader->Fail(read.status());
    const size_t n = *read;
    if (n == 0) {  // end of file: the last line may lack its '\n'
      return (have == 0 || reader->Line(std::string_view(buffer.get(), have))) && reader->End();
    }
    const size_t admitted = reader->Admit(n);
    have += admitted;
    std::string_view text(buffer.get(), have);
    if (first) {
      ReserveFor(text, std::min<uint64_t>(file->size_hint(), limits.max_input_bytes), out);
      first = false;
    }
    const size_t consumed = reader->Lines(text);
    if (consumed == std::string_view::npos) return false;
    if (admitted < n) return reader->InputTooLong();  // after the lines before the limit
    std::memmove(buffer.get(), buffer.get() + consumed, have - consumed);
    have -= consumed;
  }
}

}  // namespace

Status ParseOpLine(std::string_view line, Op* op) {
  *op = Op();
  return OpLineParser(line).Parse(op);
}

Status ReadHistoryString(std::string_view text, History* out, const std::string& name,
                         const InputLimits& limits) {
  HistoryReader reader(out, name, limits);
  try {
    if (text.size() > limits.max_input_bytes) {
      // Read up to the limit, then name the line it falls in (unless an error comes first).
      if (reader.Lines(text.substr(0, limits.max_input_bytes)) != std::string_view::npos) {
        reader.InputTooLong();
      }
      return reader.TakeError();
    }
    const size_t consumed = reader.Lines(text);
    if (consumed == std::string_view::npos ||
        (consumed < text.size() && !reader.Line(text.substr(consumed))) || !reader.End()) {
      return reader.TakeError();
    }
  } catch (const std::bad_alloc&) {
    return reader.OutOfMemory();
  }
  return Status::Ok();
}

Status ReadHistoryFile(const std::string& path, History* out, const InputLimits& limits) {
  InputFile file;
  if (Status st = file.Open(path); !st) {
    out->ops.clear();
    return st;
  }
  HistoryReader reader(out, file.name(), limits);
  try {
    if (!ReadLines(&file, limits, &reader, out)) return reader.TakeError();
  } catch (const std::bad_alloc&) {
    return reader.OutOfMemory();
  }
  if (out->ops.capacity() > out->ops.size() + out->ops.size() / 4 + 1024) {
    out->ops.shrink_to_fit();
  }
  return Status::Ok();
}

HistoryWriter::~HistoryWriter() { Close(); }

Status HistoryWriter::Open(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (file_ != nullptr) std::fclose(file_);
  file_ = std::fopen(path.c_str(), "we");
  if (file_ == nullptr) return Status::Error("cannot create " + path + ": " + ErrnoText());
  return Status::Ok();
}

Status HistoryWriter::Append(const Op& op) {
  if (Status st = AppendBuffered(op); !st) return st;
  return Flush();
}

Status HistoryWriter::AppendBuffered(const Op& op) {
  std::string line = OpToLine(op);
  line.push_back('\n');
  std::lock_guard<std::mutex> lock(mu_);
  if (file_ == nullptr) return Status::Error("history writer is not open");
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size()) {
    return Status::Error("cannot write the history: " + ErrnoText());
  }
  return Status::Ok();
}

Status HistoryWriter::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  if (file_ == nullptr) return Status::Error("history writer is not open");
  if (std::fflush(file_) != 0) return Status::Error("cannot write the history: " + ErrnoText());
  return Status::Ok();
}

void HistoryWriter::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (file_ != nullptr) std::fclose(file_);
  file_ = nullptr;
}

Status WriteHistoryFile(const std::string& path, const History& history) {
  std::FILE* file = std::fopen(path.c_str(), "we");
  if (file == nullptr) return Status::Error("cannot create " + path + ": " + ErrnoText());
  bool ok = true;
  std::string chunk;
  for (const Op& op : history.ops) {
    chunk += OpToLine(op);
    chunk.push_back('\n');
    if (chunk.size() >= kChunkBytes) {
      ok = ok && std::fwrite(chunk.data(), 1, chunk.size(), file) == chunk.size();
      chunk.clear();
    }
  }
  ok = ok && std::fwrite(chunk.data(), 1, chunk.size(), file) == chunk.size();
  int saved_errno = errno;
  if (std::fclose(file) != 0 && ok) {
    ok = false;
    saved_errno = errno;
  }
  if (!ok) {
    errno = saved_errno;
    return Status::Error("cannot write " + path + ": " + ErrnoText());
  }
  return Status::Ok();
}

}  // namespace coordcheck
