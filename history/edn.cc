#include "history/edn.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <vector>

#include "history/input_file.h"
#include "history/json_text.h"
#include "history/validator.h"

namespace coordcheck {
namespace {

constexpr int kMaxDepth = 256;  // nesting limit (stack safety)

// What an EDN form was before it became JSON: JSON cannot tell a keyword from a string or a
// vector from a list, and the importer needs both distinctions.
enum class Kind {
  kNil,
  kBool,
  kInteger,
  kFloat,
  kString,
  kKeyword,
  kSymbol,
  kChar,
  kVector,
  kList,
  kSet,
  kMap
};

// A parsed form. Text kinds keep their text in a std::string (no allocation when short) and
// become Json only inside containers: op fields such as `:type :ok` never build one.
struct Form {
  Kind kind = Kind::kNil;
  std::string text;  // kString, kKeyword (without the colon), kSymbol, kChar
  Json value;        // every other kind
  size_t begin = 0;  // source span, for printing non-keyword map keys and #object
  size_t end = 0;

  bool is_text() const {
    return kind == Kind::kString || kind == Kind::kKeyword || kind == Kind::kSymbol ||
           kind == Kind::kChar;
  }
  Json TakeJson() { return is_text() ? Json(std::move(text)) : std::move(value); }
  Json ToJson() const { return is_text() ? Json(text) : value; }
};

bool IsWhitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == '\f' || c == '\v';
}

bool IsDelimiter(char c) {
  return IsWhitespace(c) || c == '(' || c == ')' || c == '[' || c == ']' || c == '{' || c == '}' ||
         c == '"' || c == ';';
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Jepsen's shortest op lines ({:type :ok, :f :read, :value 1, :process 0, :time 0, :index 0})
// are about 70 bytes. Reserving one op per this many bytes, not per line, keeps a file of blank
// lines from reserving an op (160 bytes) per byte of input.
constexpr size_t kTypicalOpBytes = 64;

// Parses EDN forms into Json. Errors keep the byte position; the caller turns it into a line.
class EdnParser {
 public:
  explicit EdnParser(std::string_view text) : text_(text) {}

  size_t pos() const { return pos_; }
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }
  void Advance() { ++pos_; }
  std::string_view Source(size_t begin, size_t end) const {
    return text_.substr(begin, end - begin);
  }
  const std::string& error() const { return error_; }
  size_t error_pos() const { return error_pos_; }

  bool Fail(std::string message, size_t at) {
    error_ = std::move(message);
    error_pos_ = at;
    return false;
  }

  size_t LineCount() const { return std::count(text_.begin(), text_.end(), '\n') + 1; }
  size_t size() const { return text_.size(); }

  // Checks that the text is UTF-8 without NUL bytes, as EDN text is; such bytes are a file that
  // is not EDN, or one a crash filled with zeros. Every string taken from the text is then
  // valid UTF-8, as Json strings must be.
  bool CheckText() {
    const size_t nul = text_.find('\0');
    const size_t invalid = json_text::FirstInvalidUtf8(text_.substr(0, nul));
    if (nul == std::string_view::npos && invalid == std::string_view::npos) return true;
    const size_t at = std::min(nul, invalid);
    const size_t line_start = at == 0 ? 0 : text_.rfind('\n', at - 1) + 1;  // npos + 1 = 0
    return Fail(std::string(at == nul ? "NUL byte" : "invalid UTF-8") + " at column " +
                    std::to_string(at - line_start + 1),
                at);
  }

  // 1-based line of byte `pos`; cheap when called with increasing positions.
  int64_t LineOf(size_t pos) {
    if (pos < line_pos_) {
      line_pos_ = 0;
      line_ = 1;
    }
    pos = std::min(pos, text_.size());
    line_ += std::count(text_.begin() + line_pos_, text_.begin() + pos, '\n');
    line_pos_ = pos;
    return line_;
  }

  // Skips whitespace, commas, comments (; and #!), discarded forms (#_) and metadata (^).
  bool SkipIgnored(int depth) {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (IsWhitespace(c)) {
        ++pos_;
      } else if (c == ';' || (c == '#' && Next() == '!')) {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (c == '#' && Next() == '_') {
        pos_ += 2;
        Form discarded;
        if (!ParseForm(&discarded, depth + 1)) return false;
      } else if (c == '^') {
        ++pos_;
        Form metadata;
        if (!ParseForm(&metadata, depth + 1)) return false;
      } else {
        return true;
      }
    }
    return true;
  }

  // Skips a tag (such as #jepsen.history.Op) in front of a form, if there is one.
  bool SkipTag(int depth) {
    if (pos_ + 1 < text_.size() && text_[pos_] == '#' && IsAlpha(text_[pos_ + 1])) {
      ++pos_;
      ReadToken();
      return SkipIgnored(depth);
    }
    return true;
  }

  // Parses the next form (after skipping what SkipIgnored skips).
  bool ParseForm(Form* form, int depth) {
    if (depth > kMaxDepth) return Fail("values nested too deeply", pos_);
    if (!SkipIgnored(depth)) return false;
    if (AtEnd()) return Fail("unexpected end of input", pos_);
    form->begin = pos_;
    bool ok = ParseFormAt(form, depth);
    form->end = pos_;
    return ok;
  }

  // Parses the entries of a map whose '{' is at pos_, calling entry(key, value) for each.
  template <typename Entry>
  bool ParseMapEntries(int depth, Entry entry) {
    const size_t open = pos_++;
    for (;;) {
      if (!SkipIgnored(depth)) return false;
      if (AtEnd()) return Fail("map opened here is not closed", open);
      if (Peek() == '}') {
        ++pos_;
        return true;
      }
      Form key, value;
      if (!ParseForm(&key, depth + 1)) return false;
      if (!SkipIgnored(depth)) return false;
      if (!AtEnd() && Peek() == '}') return Fail("map key without a value", key.begin);
      if (!ParseForm(&value, depth + 1)) return false;
      if (!entry(std::move(key), std::move(value))) return false;
    }
  }

  // The JSON object key for an EDN map key: keywords and strings by name, else source text.
  std::string KeyName(const Form& key) const {
    if (key.kind == Kind::kKeyword || key.kind == Kind::kString) return key.text;
    return std::string(Source(key.begin, key.end));
  }

  // The error for a map key (at `key_at`) that the map already has.
  bool DuplicateKey(std::string_view name, size_t key_at) {
    std::string quoted;
    json_text::AppendString(&quoted, name);
    return Fail("duplicate key " + quoted + " in one map", key_at);
  }

 private:
  char Next() const { return pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0'; }

  bool ParseFormAt(Form* form, int depth) {
    char c = Peek();
    switch (c) {
      case '{': {
        form->kind = Kind::kMap;
        form->value = Json::object();
        auto& members = form->value.get_ref<Json::object_t&>();
        return ParseMapEntries(depth, [&](Form key, Form value) {
          return Insert(&members, KeyName(key), key.begin, &value);
        });
      }
      case '[':
        form->kind = Kind::kVector;
        return ParseSequence(form, ']', depth);
      case '(':
        form->kind = Kind::kList;
        return ParseSequence(form, ')', depth);
      case '"':
        form->kind = Kind::kString;
        return ParseString(&form->text);
      case '\\':
        form->kind = Kind::kChar;
        return ParseChar(&form->text);
      case ')':
      case ']':
      case '}':
        return Fail(std::string("unexpected '") + c + "'", pos_);
      case '#':
        return ParseDispatch(form, depth);
      case ':': {
        form->kind = Kind::kKeyword;
        std::string_view token = ReadToken();
        token.remove_prefix(token.size() > 1 && token[1] == ':' ? 2 : 1);  // ::auto-resolved
        if (token.empty()) return Fail("empty keyword", form->begin);
        form->text = token;
        return true;
      }
      default:
        return ParseAtom(form);
    }
  }

  // Adds `value` under `name` (its key at `key_at`), unless the map has that key already: EDN
  // forbids duplicate keys (Clojure's reader refuses them), and which value was meant is
  // unknowable.
  bool Insert(Json::object_t* members, std::string name, size_t key_at, Form* value) {
    auto [member, inserted] = members->try_emplace(std::move(name));
    if (!inserted) return DuplicateKey(member->first, key_at);
    member->second = value->TakeJson();
    return true;
  }

  bool ParseSequence(Form* form, char close, int depth) {
    const size_t open = pos_++;
    form->value = Json::array();
    auto& elements = form->value.get_ref<Json::array_t&>();
    for (;;) {
      if (!SkipIgnored(depth)) return false;
      if (AtEnd()) {
        return Fail(std::string("'") + text_[open] + "' opened here is not closed", open);
      }
      if (Peek() == close) {
        ++pos_;
        return true;
      }
      Form element;
      if (!ParseForm(&element, depth + 1)) return false;
      elements.push_back(element.TakeJson());
    }
  }

  // '#' forms: sets, regexes, ##Inf, namespaced maps, tagged literals.
  bool ParseDispatch(Form* form, int depth) {
    const size_t hash = pos_;
    char c = Next();
    if (c == '{') {
      ++pos_;
      form->kind = Kind::kSet;
      return ParseSequence(form, '}', depth);
    }
    if (c == '"') {  // regex: its source as a string
      ++pos_;
      form->kind = Kind::kString;
      return ParseString(&form->text);
    }
    if (c == '#') {  // ##Inf, ##-Inf, ##NaN: JSON has no such numbers
      form->kind = Kind::kSymbol;
      form->text = ReadToken();
      return true;
    }
    if (c == ':') {  // #:ns{:a 1} -> {"ns/a": 1}
      pos_ += 2;
      std::string ns(ReadToken());
      if (!SkipIgnored(depth)) return false;
      if (AtEnd() || Peek() != '{') return Fail("expected a map after #:" + ns, hash);
      form->kind = Kind::kMap;
      form->value = Json::object();
      auto& members = form->value.get_ref<Json::object_t&>();
      return ParseMapEntries(depth, [&](Form key, Form value) {
        std::string name = KeyName(key);
        if (key.kind == Kind::kKeyword && name.find('/') == std::string::npos) {
          name = ns + "/" + name;
        }
        return Insert(&members, std::move(name), key.begin, &value);
      });
    }
    if (IsAlpha(c)) {  // tagged literal: #tag form
      ++pos_;
      std::string_view tag = ReadToken();
      if (!ParseForm(form, depth + 1)) return false;
      form->begin = hash;
      if (tag == "object") {  // #object[class id state]: not data, keep its text
        form->kind = Kind::kString;
        form->text = Source(hash, pos_);
      }
      return true;
    }
    return Fail("unsupported '#' form", hash);
  }

  std::string_view ReadToken() {
    size_t begin = pos_;
    ++pos_;  // the first character is part of the token whatever it is
    while (pos_ < text_.size() && !IsDelimiter(text_[pos_])) ++pos_;
    return text_.substr(begin, pos_ - begin);
  }

  bool ParseString(std::string* out) {
    const size_t open = pos_++;
    std::string s;
    for (;;) {
      if (AtEnd()) return Fail("string opened here is not closed", open);
      char c = text_[pos_++];
      if (c == '"') break;
      if (c != '\\') {
        s.push_back(c);
        continue;
      }
      if (AtEnd()) return Fail("string opened here is not closed", open);
      char e = text_[pos_++];
      switch (e) {
        case '"':
          s.push_back('"');
          break;
        case '\\':
          s.push_back('\\');
          break;
        case 'n':
          s.push_back('\n');
          break;
        case 't':
          s.push_back('\t');
          break;
        case 'r':
          s.push_back('\r');
          break;
        case 'b':
          s.push_back('\b');
          break;
        case 'f':
          s.push_back('\f');
          break;
        case 'u': {
          uint32_t cp;
          if (!ParseHex4(&cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF && pos_ + 1 < text_.size() && text_[pos_] == '\\' &&
              text_[pos_ + 1] == 'u') {
            size_t save = pos_;
            pos_ += 2;
            uint32_t low;
            if (!ParseHex4(&low)) return false;
            if (low >= 0xDC00 && low <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else {
              pos_ = save;
            }
          }
          json_text::AppendUtf8(&s, cp);
          break;
        }
        default:
          if (e >= '0' && e <= '7') {  // octal \0 .. \377
            uint32_t v = e - '0';
            for (int i = 0; i < 2 && !AtEnd() && Peek() >= '0' && Peek() <= '7'; ++i) {
              v = v * 8 + (text_[pos_++] - '0');
            }
            json_text::AppendUtf8(&s, v);
            break;
          }
          return Fail(std::string("invalid escape \\") + e + " in string", pos_ - 2);
      }
    }
    *out = std::move(s);
    return true;
  }

  bool ParseHex4(uint32_t* cp) {
    if (text_.size() - pos_ < 4) return Fail("incomplete \\u escape", pos_);
    auto [ptr, ec] = std::from_chars(text_.data() + pos_, text_.data() + pos_ + 4, *cp, 16);
    if (ec != std::errc() || ptr != text_.data() + pos_ + 4) {
      return Fail("invalid \\u escape", pos_);
    }
    pos_ += 4;
    return true;
  }

  bool ParseChar(std::string* out) {
    const size_t begin = pos_++;
    if (AtEnd()) return Fail("incomplete character literal", begin);
    std::string_view token = ReadToken();  // at least one character
    static constexpr std::pair<std::string_view, char> kNamed[] = {
        {"newline", '\n'}, {"space", ' '},      {"tab", '\t'},
        {"return", '\r'},  {"backspace", '\b'}, {"formfeed", '\f'}};
    for (auto [name, c] : kNamed) {
      if (token == name) {
        *out = std::string(1, c);
        return true;
      }
    }
    std::string s;
    uint32_t cp = 0;
    if (token.size() == 5 && token[0] == 'u' &&
        std::from_chars(token.data() + 1, token.data() + 5, cp, 16).ptr == token.data() + 5) {
      json_text::AppendUtf8(&s, cp);
    } else if (token.size() >= 2 && token.size() <= 4 && token[0] == 'o' &&
               std::from_chars(token.data() + 1, token.data() + token.size(), cp, 8).ptr ==
                   token.data() + token.size()) {
      json_text::AppendUtf8(&s, cp);
    } else {
      // One character, possibly several UTF-8 bytes.
      size_t len = 1;
      unsigned char lead = static_cast<unsigned char>(token[0]);
      if (lead >= 0xF0) {
        len = 4;
      } else if (lead >= 0xE0) {
        len = 3;
      } else if (lead >= 0xC0) {
        len = 2;
      }
      if (token.size() != len) return Fail("invalid character literal", begin);
      s.assign(token);
    }
    *out = std::move(s);
    return true;
  }

  // nil, true, false, numbers and symbols.
  bool ParseAtom(Form* form) {
    std::string_view token = ReadToken();
    if (token == "nil") {
      form->kind = Kind::kNil;
      form->value = nullptr;
      return true;
    }
    if (token == "true" || token == "false") {
      form->kind = Kind::kBool;
      form->value = token == "true";
      return true;
    }
    bool numeric = IsDigit(token[0]) ||
                   ((token[0] == '+' || token[0] == '-') && token.size() > 1 && IsDigit(token[1]));
    if (!numeric) {
      form->kind = Kind::kSymbol;
      form->text = token;
      return true;
    }
    if (!ParseNumber(token, form)) return Fail("invalid number " + std::string(token), form->begin);
    return true;
  }

  static bool ParseNumber(std::string_view token, Form* form) {
    bool negative = token[0] == '-';
    if (token[0] == '+' || token[0] == '-') token.remove_prefix(1);
    if (token.find_first_of(".eE") != std::string_view::npos &&
        token.find_first_of("xXrR") == std::string_view::npos) {
      if (token.back() == 'M') token.remove_suffix(1);
      return ParseFloat(token, negative, form);
    }
    if (size_t slash = token.find('/'); slash != std::string_view::npos) {  // ratio
      Form numerator, denominator;
      if (!ParseInteger(token.substr(0, slash), 10, false, &numerator) ||
          !ParseInteger(token.substr(slash + 1), 10, false, &denominator) ||
          !numerator.value.is_number() || !denominator.value.is_number()) {
        return false;
      }
      double d = denominator.value.get<double>();
      if (d == 0) return false;
      form->kind = Kind::kFloat;
      form->value = (negative ? -1 : 1) * numerator.value.get<double>() / d;
      return true;
    }
    if (token.back() == 'N') token.remove_suffix(1);
    int base = 10;
    if (token.size() > 2 && token[0] == '0' && (token[1] == 'x' || token[1] == 'X')) {
      base = 16;
      token.remove_prefix(2);
    } else if (size_t r = token.find_first_of("rR"); r != std::string_view::npos) {
      if (std::from_chars(token.data(), token.data() + r, base).ptr != token.data() + r ||
          base < 2 || base > 36) {
        return false;
      }
      token.remove_prefix(r + 1);
    } else if (token.size() > 1 && token[0] == '0') {
      base = 8;  // Clojure reads 017 as octal
      token.remove_prefix(1);
    }
    return ParseInteger(token, base, negative, form);
  }

  static bool ParseFloat(std::string_view token, bool negative, Form* form) {
    double d;
    auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), d);
    if (ec != std::errc() || ptr != token.data() + token.size()) return false;
    form->kind = Kind::kFloat;
    form->value = negative ? -d : d;
    return true;
  }

  // Digits in `base` -> int64 when it fits, else uint64, else the decimal digits as a string.
  static bool ParseInteger(std::string_view digits, int base, bool negative, Form* form) {
    if (digits.empty()) return false;
    const char* end = digits.data() + digits.size();
    form->kind = Kind::kInteger;
    uint64_t magnitude;
    auto [ptr, ec] = std::from_chars(digits.data(), end, magnitude, base);
    if (ptr != end && ec != std::errc::result_out_of_range) return false;
    if (ec == std::errc::result_out_of_range) {
      // Too large for 64 bits: check every digit, keep the text (only decimal stays exact).
      for (char c : digits) {
        int v = IsDigit(c) ? c - '0' : IsAlpha(c) ? (c | 0x20) - 'a' + 10 : 99;
        if (v >= base) return false;
      }
      form->value = std::string(negative ? "-" : "") + std::string(digits);
      return true;
    }
    constexpr uint64_t kMaxInt = std::numeric_limits<int64_t>::max();
    if (!negative) {
      if (magnitude <= kMaxInt) {
        form->value = static_cast<int64_t>(magnitude);
      } else {
        form->value = magnitude;
      }
    } else if (magnitude <= kMaxInt + 1) {
      form->value = static_cast<int64_t>(0 - magnitude);
    } else {
      form->value = "-" + std::string(digits);
    }
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::string error_;
  size_t error_pos_ = 0;
  size_t line_pos_ = 0;  // LineOf's cursor
  int64_t line_ = 1;
};

// What the importer remembers about each converted op, beside the op itself.
struct OpSource {
  int64_t line = 0;             // EDN line where its map starts
  bool value_is_tuple = false;  // :value was a vector [k v], k an integer, string or keyword
  bool has_key = false;         // the map had a :key of its own
};

// Converts the ops straight into the output history, then splits tuples and validates.
class Importer {
 public:
  Importer(std::string_view text, const std::string& name, const EdnImportOptions& options,
           History* out)
      : parser_(text), name_(name), options_(options), ops_(out->ops) {}

  Status Run() {
    ops_.clear();
    try {
      return Import();
    } catch (const std::bad_alloc&) {
      return OutOfMemory(name_, parser_.LineOf(parser_.pos()), ops_.size());
    }
  }

 private:
  Status Import() {
    if (!parser_.CheckText()) {
      SyntaxError();
      return error_;
    }
    // Jepsen writes one op per line: reserve for that (untouched capacity costs no memory).
    const size_t ops = std::min(parser_.LineCount(), parser_.size() / kTypicalOpBytes + 1);
    ops_.reserve(ops);
    sources_.reserve(ops);
    if (!ParseAll() || !SplitIndependent()) return error_;
    // A truncated or empty file must never pass as a valid history.
    if (ops_.empty()) return InputError(name_, 0, "no events");
    HistoryValidator validator;
    for (size_t i = 0; i < ops_.size(); ++i) {
      if (Status st = validator.Next(ops_[i], sources_[i].line); !st) {
        return InputError(name_, sources_[i].line, st.message());
      }
    }
    return Status::Ok();
  }

  bool SyntaxError() {
    error_ = InputError(name_, parser_.LineOf(parser_.error_pos()), parser_.error());
    return false;
  }
  bool OpError(size_t i, const std::string& message) {
    error_ = InputError(name_, sources_[i].line, message);
    return false;
  }

  // Top level: op maps, or one vector/list of them.
  bool ParseAll() {
    for (;;) {
      if (!parser_.SkipIgnored(0)) return SyntaxError();
      if (parser_.AtEnd()) return true;
      char c = parser_.Peek();
      if (c != '[' && c != '(') {
        if (!ParseOp()) return false;
        continue;
      }
      const char close = c == '[' ? ']' : ')';
      const size_t open = parser_.pos();
      parser_.Advance();
      for (;;) {
        if (!parser_.SkipIgnored(1)) return SyntaxError();
        if (parser_.AtEnd()) {
          parser_.Fail(std::string("'") + c + "' opened here is not closed", open);
          return SyntaxError();
        }
        if (parser_.Peek() == close) {
          parser_.Advance();
          break;
        }
        if (!ParseOp()) return false;
      }
    }
  }

  // One op map (possibly tagged, e.g. #jepsen.history.Op{...}) at the parser's position.
  bool ParseOp() {
    const size_t i = ops_.size();
    Op& op = ops_.emplace_back();
    OpSource& source = sources_.emplace_back();
    source.line = parser_.LineOf(parser_.pos());
    if (!parser_.SkipTag(1)) return SyntaxError();  // #jepsen.history.Op{...}
    if (parser_.AtEnd() || parser_.Peek() != '{') {
      Form form;
      if (!parser_.ParseForm(&form, 1)) return SyntaxError();
      return OpError(i, "expected an op map, found " + json_text::Abbreviate(form.ToJson()));
    }
    bool has_index = false, has_time = false, has_process = false, has_type = false, has_f = false;
    uint32_t seen = 0;  // the defined keys seen, one bit per kFields entry
    bool ok = parser_.ParseMapEntries(1, [&](Form key, Form value) {
      std::string name = parser_.KeyName(key);
      static constexpr std::string_view kFields[] = {"index", "time",  "process", "type", "f",
                                                     "value", "error", "node",    "key"};
      const auto field = std::find(std::begin(kFields), std::end(kFields), name);
      const uint32_t bit = 1u << (field - std::begin(kFields));
      if (field != std::end(kFields) ? (seen & bit) != 0
                                     : op.extra.is_object() && op.extra.contains(name)) {
        return parser_.DuplicateKey(name, key.begin);
      }
      seen |= bit;
      auto expected = [&](std::string_view what) {
        return OpError(i, ":" + name + " is " + json_text::Abbreviate(value.ToJson()) +
                              ", expected " + std::string(what));
      };
      auto is_name = [&] {
        return value.kind == Kind::kKeyword || value.kind == Kind::kString ||
               value.kind == Kind::kSymbol;
      };
      // Integers that fit int64 are stored signed (ParseInteger).
      const bool is_int64 = value.value.is_number_integer() && !value.value.is_number_unsigned();
      if (name == "index") {
        if (!is_int64) return expected("an integer");
        op.index = value.value.get<int64_t>();
        has_index = true;
      } else if (name == "time") {
        if (!is_int64) return expected("an integer");
        op.time_ns = value.value.get<int64_t>();
        has_time = true;
      } else if (name == "process") {
        has_process = true;
        if (is_name() && value.text == "nemesis") {
          op.process = kNemesisProcess;
        } else if (is_int64 && value.value.get<int64_t>() >= 0) {
          op.process = value.value.get<int64_t>();
        } else {
          return expected("an integer >= 0 or :nemesis");
        }
      } else if (name == "type") {
        has_type = true;
        if (!is_name() || !ParseOpType(value.text, &op.type)) {
          return expected(":invoke, :ok, :fail or :info");
        }
      } else if (name == "f") {
        has_f = true;
        if (!is_name()) return expected("a keyword or a string");
        op.f = std::move(value.text);
      } else if (name == "value") {
        const Json& v = value.value;
        source.value_is_tuple = value.kind == Kind::kVector && v.size() == 2 &&
                                (v[0].is_string() || v[0].is_number_integer());
        op.value = value.TakeJson();
      } else if (name == "error") {
        op.error = value.TakeJson();
      } else if (name == "node") {
        if (value.kind == Kind::kNil) return true;
        if (!is_name()) return expected("a string");
        op.node = std::move(value.text);
      } else if (name == "key") {
        source.has_key = value.kind != Kind::kNil;
        op.key = value.TakeJson();
      } else {
        if (op.extra.is_null()) op.extra = Json::object();
        op.extra[std::move(name)] = value.TakeJson();
      }
      return true;
    });
    if (!ok) return error_.ok() ? SyntaxError() : false;
    if (!has_process) return OpError(i, ":process is missing");
    if (!has_type) return OpError(i, ":type is missing");
    if (!has_f) return OpError(i, ":f is missing");
    const auto position = static_cast<int64_t>(i);
    if (!has_index) op.index = position;
    if (!has_time) op.time_ns = position * 1000;
    return true;
  }

  // Applies Options::split_independent.
  bool SplitIndependent() {
    using Split = EdnImportOptions::SplitIndependent;
    if (options_.split_independent == Split::kNever) return true;
    bool all_tuples = true;
    bool any_client = false;
    for (size_t i = 0; i < ops_.size(); ++i) {
      if (ops_[i].is_nemesis()) continue;
      any_client = true;
      if (sources_[i].value_is_tuple && !sources_[i].has_key) continue;
      all_tuples = false;
      if (options_.split_independent == Split::kAlways) {
        return OpError(i, sources_[i].has_key
                              ? "has both :key and a [key value] tuple"
                              : ":value is " + json_text::Abbreviate(ops_[i].value) +
                                    ", expected a [key value] tuple");
      }
    }
    if (!any_client || !all_tuples) return true;
    for (Op& op : ops_) {
      if (op.is_nemesis()) continue;
      Json tuple = std::move(op.value);
      op.key = std::move(tuple[0]);
      op.value = std::move(tuple[1]);
    }
    return true;
  }

  EdnParser parser_;
  const std::string& name_;
  const EdnImportOptions& options_;
  std::vector<Op>& ops_;  // the output history's
  std::vector<OpSource> sources_;
  Status error_;  // the first error, once one happened
};

}  // namespace

Status ImportJepsenEdnString(std::string_view text, History* out, const std::string& name,
                             const EdnImportOptions& options) {
  const uint64_t max_bytes = options.limits.max_input_bytes;
  if (text.size() > max_bytes) {
    out->ops.clear();
    const std::string_view head = text.substr(0, max_bytes);
    return InputTooLong(name, 1 + std::count(head.begin(), head.end(), '\n'), max_bytes);
  }
  return Importer(text, name, options, out).Run();
}

Status ImportJepsenEdnFile(const std::string& path, History* out, const EdnImportOptions& options) {
  InputFile file;
  std::string text;
  Status st = file.Open(path);
  if (st) st = file.ReadAll(&text, options.limits.max_input_bytes);
  if (!st) {
    out->ops.clear();
    return st;
  }
  return ImportJepsenEdnString(text, out, file.name(), options);
}

}  // namespace coordcheck
