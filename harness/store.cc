#include "harness/store.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace coordcheck {
namespace fs = std::filesystem;

namespace {

std::string UtcTimestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count()));
  return buf;
}

Status Symlink(const fs::path& target, const fs::path& link) {
  fs::path tmp = link;
  tmp += ".tmp" + std::to_string(::getpid());
  std::error_code ec;
  fs::remove(tmp, ec);
  fs::create_directory_symlink(target, tmp, ec);
  if (ec) return Status::Error("cannot create " + tmp.string() + ": " + ec.message());
  fs::rename(tmp, link, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Status::Error("cannot replace " + link.string() + ": " + ec.message());
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> CreateRunDir(const std::string& store_dir, const std::string& test) {
  std::error_code ec;
  fs::path test_dir = fs::path(store_dir) / test;
  fs::create_directories(test_dir, ec);
  if (ec) return Status::Error("cannot create " + test_dir.string() + ": " + ec.message());
  const std::string stamp = UtcTimestamp();
  for (int attempt = 0; attempt < 100; ++attempt) {
    fs::path dir = test_dir / (attempt == 0 ? stamp : stamp + "-" + std::to_string(attempt));
    if (fs::create_directory(dir, ec)) {
      fs::create_directory(dir / "nodes", ec);
      return dir.string();
    }
    if (ec) return Status::Error("cannot create " + dir.string() + ": " + ec.message());
  }
  return Status::Error("cannot create a run folder under " + test_dir.string());
}

Status UpdateLatest(const std::string& store_dir, const std::string& run_dir) {
  fs::path run = fs::path(run_dir);
  fs::path test_dir = run.parent_path();
  if (auto st = Symlink(run.filename(), test_dir / "latest"); !st.ok()) return st;
  return Symlink(test_dir.filename() / run.filename(), fs::path(store_dir) / "latest");
}

Status WriteFileAtomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return Status::Error("cannot write " + tmp + ": " + std::strerror(errno));
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Status::Error("cannot write " + path + ": " + ec.message());
  return Status::Ok();
}

}  // namespace coordcheck
