// Small string helpers every layer uses (base/ is the leaf library: it knows nothing else of
// coordcheck's).
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace coordcheck {

// The items of `items` (anything iterable whose elements convert to std::string_view, or
// through `to_text` when given) separated by `separator`: Join({"a", "b"}, ", ") == "a, b".
template <class Range>
std::string Join(const Range& items, std::string_view separator) {
  std::string out;
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += separator;
    first = false;
    out += std::string_view(item);
  }
  return out;
}

template <class Range, class ToText>
std::string Join(const Range& items, std::string_view separator, ToText to_text) {
  std::string out;
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += separator;
    first = false;
    out += to_text(item);
  }
  return out;
}

// The non-empty items of `text` between `separator`s: Split("a,,b", ',') == {"a", "b"}.
inline std::vector<std::string> Split(std::string_view text, char separator) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(separator, start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// "1 write", "2 writes": `n` with the singular or the plural.
inline std::string Plural(long long n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

}  // namespace coordcheck
