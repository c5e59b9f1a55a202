#include "harness/control/state_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "harness/control/process.h"

namespace coordcheck::control {

std::string DefaultStateDir() {
  if (const char* env = std::getenv("COORDCHECK_STATE_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  if (geteuid() == 0) return "/run/coordcheck";
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg != nullptr && *xdg != '\0') {
    return std::string(xdg) + "/coordcheck";
  }
  return "/tmp/coordcheck-" + std::to_string(getuid());
}

Result<std::string> ResolveStateDir(const std::string& state_dir) {
  std::error_code ec;
  auto dir = std::filesystem::absolute(state_dir.empty() ? DefaultStateDir() : state_dir, ec);
  if (ec) return Status::Error("state directory " + state_dir + ": " + ec.message());
  std::string path = dir.lexically_normal().string();
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

Status CheckStateDir(const std::string& path) {
  auto refuse = [&](const std::string& why) {
    return Status::Error("state directory " + path + ": " + why +
                         "; refusing to use it (pass --state-dir with a folder of your own)");
  };
  struct stat st;
  if (lstat(path.c_str(), &st) < 0) return refuse(ErrnoText(errno));
  if (S_ISLNK(st.st_mode)) return refuse("is a symbolic link");
  if (!S_ISDIR(st.st_mode)) return refuse("is not a directory");
  if (st.st_uid != geteuid()) {
    return refuse("is owned by uid " + std::to_string(st.st_uid) + ", not by us (uid " +
                  std::to_string(geteuid()) + ")");
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return refuse(std::string("is writable by group or others (mode ") + mode + ")");
  }
  return Status::Ok();
}

Result<std::string> OpenStateDir(const std::string& state_dir) {
  auto path = ResolveStateDir(state_dir);
  if (!path.ok()) return path;
  std::error_code ec;
  const auto parent = std::filesystem::path(*path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (mkdir(path->c_str(), geteuid() == 0 ? 0755 : 0700) < 0 && errno != EEXIST) {
    return Status::Error("state directory " + *path + ": cannot create it: " + ErrnoText(errno));
  }
  if (Status s = CheckStateDir(*path); !s.ok()) return s;
  return path;
}

}  // namespace coordcheck::control
