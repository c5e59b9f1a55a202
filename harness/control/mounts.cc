#include "harness/control/mounts.h"

#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace coordcheck::control {
namespace {

// A mountinfo field with its octal escapes (\040 for a space) decoded.
std::string Unescape(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      out += static_cast<char>(std::stoi(field.substr(i + 1, 3), nullptr, 8));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

}  // namespace

bool IsMountPoint(const std::string& path) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, mount_point;
    if (fields >> id >> parent >> dev >> root >> mount_point && Unescape(mount_point) == path) {
      return true;
    }
  }
  return false;
}

Status DetachMount(const std::string& path) {
  for (int i = 0; i < 8 && IsMountPoint(path); ++i) {
    if (umount2(path.c_str(), MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) {
      return Status::Error("cannot unmount " + path + ": " + std::strerror(errno));
    }
  }
  if (IsMountPoint(path)) return Status::Error("cannot unmount " + path + ": still mounted");
  return Status::Ok();
}

}  // namespace coordcheck::control
