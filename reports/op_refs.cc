#include "reports/op_refs.h"

#include <cctype>

#include "reports/html.h"

namespace coordcheck::reports {

namespace {

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The words that name an op before its number.
constexpr std::string_view kOpWords[] = {"ops ", "op ", "event ", "index "};

}  // namespace

int64_t OpRefs::OpOfCs(const std::string& cs) {
  if (!cs_built_) {
    cs_built_ = true;
    for (const ClientSpan& span : view_.ops) {
      for (int64_t e : {span.complete, span.invoke}) {
        if (e < 0) continue;
        const Json& v = history_.ops[e].value;
        if (!v.is_object()) continue;
        auto it = v.find("cs");
        if (it != v.end() && it->is_string())
          cs_ops_.try_emplace(it->get<std::string>(), span.invoke);
      }
    }
  }
  auto it = cs_ops_.find(cs);
  return it == cs_ops_.end() ? -1 : it->second;
}

std::string OpRefs::Describe(int64_t op) const {
  if (op < 0 || op >= static_cast<int64_t>(history_.size())) return "not in the history";
  const Op& first = history_.ops[op];
  const ClientSpan* span = view_.ClientOf(op);
  std::string s = first.is_nemesis() ? "nemesis " + first.f
                                     : "process " + std::to_string(first.process) + " " + first.f;
  if (first.has_key()) s += " key " + PlainText(first.key, 60);
  if (first.is_invoke() && !first.value.is_null()) s += " " + JsonText(first.value, 80);
  if (!first.is_invoke())
    return s + " (" + std::string(OpTypeName(first.type)) + ") at " + FormatSeconds(first.time_ns);
  const int64_t complete = span != nullptr ? span->complete : -1;
  int64_t nemesis_complete = -1;
  if (span == nullptr) {
    const int64_t s_index = view_.span_of_event[op];
    if (s_index <= -2) nemesis_complete = view_.nemesis[-2 - s_index].complete;
  }
  const int64_t done = complete >= 0 ? complete : nemesis_complete;
  if (done < 0) return s + ", never completed (invoked at " + FormatSeconds(first.time_ns) + ")";
  const Op& end = history_.ops[done];
  s += ", " + std::string(OpTypeName(end.type));
  if (!end.value.is_null() && end.value != first.value) s += " " + JsonText(end.value, 80);
  if (!end.error.is_null()) s += " (" + PlainText(end.error, 80) + ")";
  return s + " at " + FormatSeconds(end.time_ns) + " (invoked at " + FormatSeconds(first.time_ns) +
         ")";
}

std::string OpRefs::CompletedAt(int64_t op) const {
  if (op < 0 || op >= static_cast<int64_t>(history_.size())) return "";
  const ClientSpan* span = view_.ClientOf(op);
  if (span != nullptr && span->complete >= 0)
    return FormatSeconds(history_.ops[span->complete].time_ns);
  return FormatSeconds(history_.ops[op].time_ns);
}

std::string OpRefs::Link(int64_t op, std::string_view text) {
  Note(op);
  const std::string n = std::to_string(op);
  return "<a class=\"op-link\" href=\"#op-" + n + "\" data-op=\"" + n + "\">" + EscapeHtml(text) +
         "</a>";
}

std::string OpRefs::Linkify(std::string_view text) {
  std::string out;
  size_t plain_from = 0;
  auto flush = [&](size_t to) {
    out += EscapeHtml(text.substr(plain_from, to - plain_from));
    plain_from = to;
  };
  size_t i = 0;
  while (i < text.size()) {
    const bool boundary = i == 0 || !IsWordChar(text[i - 1]);
    size_t digits_at = std::string_view::npos;
    if (boundary && text[i] == '#') {
      digits_at = i + 1;
    } else if (boundary) {
      for (std::string_view word : kOpWords) {
        if (text.substr(i, word.size()) == word) {
          digits_at = i + word.size();
          if (digits_at < text.size() && text[digits_at] == '#') ++digits_at;
          break;
        }
      }
    }
    if (digits_at == std::string_view::npos || digits_at >= text.size() ||
        !std::isdigit(static_cast<unsigned char>(text[digits_at]))) {
      ++i;
      continue;
    }
    size_t end = digits_at;
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
    // "3-1" (a critical section) and "1.5" are not op numbers.
    const bool tail_ok =
        end >= text.size() || !(IsWordChar(text[end]) ||
                                ((text[end] == '-' || text[end] == '.') && end + 1 < text.size() &&
                                 std::isdigit(static_cast<unsigned char>(text[end + 1]))));
    int64_t op = -1;
    if (tail_ok && end - digits_at <= 12)
      op = Resolve(std::stoll(std::string(text.substr(digits_at, end - digits_at))));
    if (op < 0) {
      i = end;
      continue;
    }
    flush(i);
    out += Link(op, text.substr(i, end - i));
    plain_from = end;
    i = end;
  }
  flush(text.size());
  return out;
}

}  // namespace coordcheck::reports
