#include "tests/reports/report_test_util.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace coordcheck::test {

std::optional<std::string> ScriptBlockText(const std::string& html, const std::string& id) {
  const std::string open = "<script type=\"application/json\" id=\"" + id + "\">";
  const size_t start = html.find(open);
  if (start == std::string::npos) return std::nullopt;
  const size_t from = start + open.size();
  const size_t end = html.find("</script>", from);
  if (end == std::string::npos) return std::nullopt;
  return html.substr(from, end - from);
}

Json ScriptBlockJson(const std::string& html, const std::string& id) {
  auto text = ScriptBlockText(html, id);
  if (!text) throw std::runtime_error("no script block " + id);
  return Json::parse(*text);
}

bool HasId(const std::string& html, const std::string& id) {
  return html.find("id=\"" + id + "\"") != std::string::npos;
}

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace coordcheck::test
