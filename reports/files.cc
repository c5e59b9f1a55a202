#include "reports/files.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "history/json_text.h"

namespace coordcheck::reports {

Status ReadJsonObject(const std::string& path, Json* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path + ": cannot open: " + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  if (Status st = json_text::ParseDocument(text.str(), path, out); !st) return st;
  if (!out->is_object()) return Status::Error(path + ": not a JSON object");
  return Status::Ok();
}

Status WriteFileReplacing(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return Status::Error(tmp + ": cannot create: " + std::strerror(errno));
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const int saved = errno;
  if (std::fclose(f) != 0 || !written) {
    std::remove(tmp.c_str());
    return Status::Error(tmp + ": cannot write: " + std::strerror(written ? errno : saved));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    std::remove(tmp.c_str());
    return Status::Error(path + ": cannot write: " + std::strerror(e));
  }
  return Status::Ok();
}

}  // namespace coordcheck::reports
