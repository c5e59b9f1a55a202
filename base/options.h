// OptionTable: the one table-driven way coordcheck reads options — a test config's fields,
// a workload's options, a target's options. Each option is declared once, next to the struct
// it fills: its name, its type with range or choices, one line of doc, and the member it
// sets. Its default is the member's in-class default, read off a default-constructed T
// (LevelDB's options.h: meaning, unit and default per field stay in the struct). From that
// one declaration come the parser (an unknown key or an ill-typed value is an error naming
// the key and what was expected), the JSON writer, and the lines `list` and every `--help`
// print, so the three cannot drift.
//
// Messages: `<what> "<key>" must be <type>, got <value>` and
// `unknown <what> "<key>" (<owner> knows: a, b, c)`, where `what` is given at construction
// ("workload option", "kvd option", "key").
//
// Thread-safety: build a table once (a function-local static); a built table is immutable
// and may be read from any thread.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "base/strings.h"

namespace coordcheck {

// One option as `list` and `--help` show it.
struct OptionDoc {
  std::string name;
  std::string type;           // "an integer in 1..65535", "a string", "fenced or unfenced"
  std::string default_value;  // JSON text of the default ("2000", "\"fenced\""); "" = none
  std::string doc;            // one line: meaning and unit
  std::string flag;           // its command-line flag ("--time-limit,-T"); "" = none
};

template <class T>
class OptionTable {
 public:
  using Json = nlohmann::json;
  // What `value` is wrong with, as "must be ..." text, or "" when it was read into `out`.
  using Reader = std::function<std::string(const Json& value, T* out)>;
  using Writer = std::function<Json(const T& from)>;
  // A command-line flag's text as the JSON value the reader takes.
  using FromText = std::function<Json(const std::string& text)>;

  // `what` names one option in messages ("workload option"); `owner` names whose they are
  // in the list of known ones ("the lock workload").
  OptionTable(std::string what, std::string owner)
      : what_(std::move(what)), owner_(std::move(owner)) {}

  // An integer member (any integral type) in [min, max].
  template <class M>
  OptionTable& Int(std::string name, M T::*member, int64_t min, int64_t max, std::string doc) {
    static_assert(std::is_integral_v<M> && !std::is_same_v<M, bool>);
    std::string type = "an integer in " + std::to_string(min) + ".." + std::to_string(max);
    return Custom(
        std::move(name), type,
        [member, min, max, type](const Json& v, T* out) -> std::string {
          bool fits = false;
          if (v.is_number_unsigned()) {
            const uint64_t u = v.get<uint64_t>();
            fits = max >= 0 && u <= static_cast<uint64_t>(max) &&
                   (min <= 0 || u >= static_cast<uint64_t>(min));
          } else if (v.is_number_integer()) {
            fits = v.get<int64_t>() >= min && v.get<int64_t>() <= max;
          }
          if (!fits) return "must be " + type;
          out->*member = static_cast<M>(v.get<int64_t>());
          return "";
        },
        [member](const T& from) { return Json(from.*member); }, std::move(doc));
  }

  // A double member, finite and in [min, max].
  OptionTable& Number(std::string name, double T::*member, double min, double max,
                      std::string doc) {
    std::string type = max == std::numeric_limits<double>::infinity()
                           ? "a number >= " + Text(min)
                           : "a number in " + Text(min) + ".." + Text(max);
    return Custom(
        std::move(name), type,
        [member, min, max, type](const Json& v, T* out) -> std::string {
          if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < min ||
              v.get<double>() > max)
            return "must be " + type;
          out->*member = v.get<double>();
          return "";
        },
        [member](const T& from) { return Json(from.*member); }, std::move(doc));
  }

  OptionTable& String(std::string name, std::string T::*member, std::string doc) {
    return Custom(
        std::move(name), "a string",
        [member](const Json& v, T* out) -> std::string {
          if (!v.is_string()) return "must be a string";
          out->*member = v.get<std::string>();
          return "";
        },
        [member](const T& from) { return Json(from.*member); }, std::move(doc));
  }

  OptionTable& Bool(std::string name, bool T::*member, std::string doc) {
    return Custom(
        std::move(name), "true or false",
        [member](const Json& v, T* out) -> std::string {
          if (!v.is_boolean()) return "must be true or false";
          out->*member = v.get<bool>();
          return "";
        },
        [member](const T& from) { return Json(from.*member); }, std::move(doc));
  }

  // A member of any type with a fixed set of names ("fenced" → Mode::kFenced).
  template <class E>
  OptionTable& Enum(std::string name, E T::*member, std::vector<std::pair<std::string, E>> choices,
                    std::string doc) {
    std::vector<std::string> names;
    for (const auto& c : choices) names.push_back("\"" + c.first + "\"");
    std::string type = Join(names, " or ");
    return Custom(
        std::move(name), type,
        [member, choices, type](const Json& v, T* out) -> std::string {
          if (v.is_string()) {
            for (const auto& [text, e] : choices) {
              if (v.get<std::string>() == text) {
                out->*member = e;
                return "";
              }
            }
          }
          return "must be " + type;
        },
        [member, choices](const T& from) {
          for (const auto& [text, e] : choices)
            if (from.*member == e) return Json(text);
          return Json();
        },
        std::move(doc));
  }

  // Anything else: `type` for messages and help, a reader and a writer.
  OptionTable& Custom(std::string name, std::string type, Reader read, Writer write,
                      std::string doc) {
    options_.push_back(Option{std::move(name), std::move(type), std::move(doc), std::move(read),
                              std::move(write), "", nullptr});
    return *this;
  }

  // Gives the option declared last a command-line flag (CLI11 syntax: "--time-limit,-T").
  // Its text becomes JSON through `from_text`; by default a string option takes the text as
  // it is and any other parses it as JSON (so "--nodes 3" is 3 and "--name 3" is "3").
  OptionTable& Flag(std::string flag, FromText from_text = nullptr) {
    options_.back().flag = std::move(flag);
    options_.back().from_text = std::move(from_text);
    return *this;
  }

  // A flag's text as the option `name` reads it (see Flag); null when `name` is unknown.
  Json FlagValue(const std::string& name, const std::string& text) const {
    const Option* o = Find(name);
    if (o == nullptr) return Json();
    if (o->from_text) return o->from_text(text);
    if (o->type == "a string") return Json(text);
    Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    return parsed.is_discarded() ? Json(text) : parsed;
  }

  // Sets the members `json` names: null sets none; else it must be an object. Members it
  // does not name keep their values.
  Status Parse(const Json& json, T* out) const {
    if (json.is_null()) return Status::Ok();
    if (!json.is_object()) {
      return Status::Error(Capitalized(owner_) + "'s options must be a JSON object, got " +
                           json.dump());
    }
    for (auto it = json.begin(); it != json.end(); ++it) {
      if (Status st = ParseOne(it.key(), it.value(), out); !st.ok()) return st;
    }
    return Status::Ok();
  }

  // A T with its defaults and the members `json` names.
  Result<T> Read(const Json& json) const {
    T out{};
    if (Status st = Parse(json, &out); !st.ok()) return st;
    return out;
  }

  // Sets one member by its name (a command-line flag goes through here too).
  Status ParseOne(const std::string& key, const Json& value, T* out) const {
    const Option* option = Find(key);
    if (option == nullptr) {
      return Status::Error("unknown " + what_ + " \"" + key + "\" (" + owner_ +
                           " knows: " + Names() + ")");
    }
    std::string problem = option->read(value, out);
    if (!problem.empty()) {
      return Status::Error(what_ + " \"" + key + "\" " + problem + ", got " + value.dump());
    }
    return Status::Ok();
  }

  // Every option of `from`, by name.
  Json ToJson(const T& from) const {
    Json out = Json::object();
    for (const Option& o : options_) out[o.name] = o.write(from);
    return out;
  }

  // The options with their defaults (read off T{}), in declaration order.
  std::vector<OptionDoc> Docs() const {
    const T defaults{};
    std::vector<OptionDoc> out;
    for (const Option& o : options_) {
      Json d = o.write(defaults);
      out.push_back({o.name, o.type, d.is_null() ? "" : d.dump(), o.doc, o.flag});
    }
    return out;
  }

  // "a, b, c", in declaration order.
  std::string Names() const {
    return Join(options_, ", ", [](const Option& o) { return o.name; });
  }
  bool Has(const std::string& name) const { return Find(name) != nullptr; }
  const std::string& owner() const { return owner_; }

 private:
  struct Option {
    std::string name;
    std::string type;
    std::string doc;
    Reader read;
    Writer write;
    std::string flag;
    FromText from_text;
  };

  const Option* Find(const std::string& name) const {
    for (const Option& o : options_)
      if (o.name == name) return &o;
    return nullptr;
  }
  static std::string Text(double d) {
    std::ostringstream s;
    s << d;
    return s.str();
  }
  static std::string Capitalized(std::string s) {
    if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
    return s;
  }

  std::string what_;
  std::string owner_;
  std::vector<Option> options_;
};

// Help text for a table: per option, "<indent>name: doc (type; default D)", one line each.
inline std::string OptionHelp(const std::vector<OptionDoc>& docs,
                              const std::string& indent = "  ") {
  std::string out;
  for (const OptionDoc& d : docs) {
    out += indent + d.name + ": " + d.doc + " (" + d.type +
           (d.default_value.empty() ? "" : "; default " + d.default_value) + ")\n";
  }
  return out;
}

}  // namespace coordcheck
