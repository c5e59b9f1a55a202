#include "reports/html.h"

#include "reports/assets.h"

#include <cinttypes>
#include <cstdio>

namespace coordcheck::reports {

namespace {

std::string Dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// `s` with ill-formed UTF-8 replaced by U+FFFD (via nlohmann's replacing dump of a string).
std::string ValidUtf8(std::string_view s) {
  std::string quoted = Dump(Json(std::string(s)));
  return Json::parse(quoted).get<std::string>();
}

}  // namespace

std::string EscapeHtml(std::string_view text) {
  const std::string valid = ValidUtf8(text);
  std::string out;
  out.reserve(valid.size() + valid.size() / 8);
  for (char c : valid) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string ScriptJson(const Json& value) {
  const std::string text = Dump(value);
  std::string out;
  out.reserve(text.size() + 64);
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else if (c == '\xE2' && i + 2 < text.size() && text[i + 1] == '\x80' &&
               (text[i + 2] == '\xA8' || text[i + 2] == '\xA9')) {
      out += text[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string ScriptBlock(std::string_view id, const Json& value) {
  return "<script type=\"application/json\" id=\"" + EscapeHtml(id) + "\">" + ScriptJson(value) +
         "</script>\n";
}

std::string JsonText(const Json& value, size_t max_chars) {
  std::string text = Dump(value);
  if (text.size() <= max_chars) return text;
  size_t cut = max_chars;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text + "\u2026";
}

std::string PlainText(const Json& value, size_t max_chars) {
  if (!value.is_string()) return JsonText(value, max_chars);
  std::string text = ValidUtf8(value.get_ref<const std::string&>());
  if (text.size() <= max_chars) return text;
  size_t cut = max_chars;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text + "\u2026";
}

std::string FormatSeconds(int64_t ns) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3f s", static_cast<double>(ns) / 1e9);
  return buf;
}

std::string FormatDuration(int64_t ns) {
  char buf[64];
  const double abs_ns = ns < 0 ? -static_cast<double>(ns) : static_cast<double>(ns);
  if (abs_ns < 1e6) {
    std::snprintf(buf, sizeof buf, "%.0f \u00b5s", static_cast<double>(ns) / 1e3);
  } else if (abs_ns < 1e9) {
    std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(ns) / 1e6);
  } else if (abs_ns < 120e9) {
    std::snprintf(buf, sizeof buf, "%.2f s", static_cast<double>(ns) / 1e9);
  } else {
    const int64_t s = ns / 1'000'000'000;
    std::snprintf(buf, sizeof buf, "%" PRId64 " min %" PRId64 " s", s / 60, s % 60);
  }
  return buf;
}

const Json& Member(const Json& object, const char* key) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string Slug(std::string_view text) {
  std::string out;
  for (char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out += c;
    } else if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "x" : out;
}

std::string Badge(const std::string& verdict) {
  return "<span class=\"badge badge-" + Slug(verdict) + "\">" + EscapeHtml(verdict) + "</span>";
}

std::string PlainRelativeHref(const std::string& href) {
  if (href.empty() || href.front() == '/') return "";
  for (const char c : href) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == '~' || c == '/' || c == '+';
    if (!ok) return "";
  }
  return href;
}

std::string SummaryPageStart(std::string_view page, const std::string& title,
                             const std::string& verdict, const std::string& summary_html) {
  return "<!DOCTYPE html>\n<html lang=\"en\" data-page=\"" + EscapeHtml(page) +
         "\">\n<head>\n<meta charset=\"utf-8\">\n<script>" + std::string(kErrorHook) +
         "</script>\n" + std::string(kContentSecurityPolicy) + "\n" +
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         EscapeHtml(title) + " \u2014 coordcheck</title>\n<style>" + std::string(kReportCss) +
         "</style>\n</head>\n<body>\n<header><h1 id=\"report-title\">" + EscapeHtml(title) +
         "</h1>\n<div class=\"banner verdict-" + Slug(verdict) +
         "\" id=\"verdict-banner\" data-verdict=\"" + EscapeHtml(verdict) +
         "\"><span class=\"verdict-word\">" + EscapeHtml(verdict) +
         "</span><p class=\"summary\">" + summary_html + "</p></div>\n</header>\n<main>\n";
}

std::string SummaryPageEnd(const std::string& footer) {
  return "</main>\n<footer>" + EscapeHtml(footer) + "</footer>\n<script>" + std::string(kReportJs) +
         "</script>\n</body>\n</html>\n";
}

}  // namespace coordcheck::reports
