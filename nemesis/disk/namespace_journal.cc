#include "nemesis/disk/namespace_journal.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace coordcheck::syncfs {
namespace {

std::string ParentPath(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

}  // namespace

NamespaceJournal::NamespaceJournal(std::string root, std::string trash)
    : root_(std::move(root)), trash_(std::move(trash)) {}

Status NamespaceJournal::Init() {
  std::error_code ec;
  std::filesystem::create_directories(trash_, ec);
  if (ec) return Status::Error("cannot create the trash folder " + trash_ + ": " + ec.message());
  for (const auto& entry : std::filesystem::directory_iterator(trash_, ec)) {
    std::filesystem::remove_all(entry.path(), ec);
    if (ec) return Status::Error("cannot empty the trash folder " + trash_ + ": " + ec.message());
  }
  if (ec) return Status::Error("cannot read the trash folder " + trash_ + ": " + ec.message());
  return Status::Ok();
}

std::string NamespaceJournal::Backing(const std::string& path) const {
  return path == "/" ? root_ : root_ + path;
}

NamespaceJournal::DirId NamespaceJournal::ParentOf(const std::string& path) const {
  struct stat st;
  if (stat(Backing(ParentPath(path)).c_str(), &st) < 0) return {};
  return {st.st_dev, st.st_ino};
}

void NamespaceJournal::Created(const std::string& path, bool is_dir) {
  Record r{Record::kMade};
  r.path = path;
  r.is_dir = is_dir;
  r.dirs = {ParentOf(path)};
  records_.push_back(std::move(r));
}

int NamespaceJournal::Owned(int made, const std::string& path, bool is_dir, uid_t uid, gid_t gid) {
  if (made < 0) return -errno;
  const std::string b = Backing(path);
  if (lchown(b.c_str(), uid, gid) < 0) {
    const int err = errno;
    is_dir ? rmdir(b.c_str()) : unlink(b.c_str());
    return -err;
  }
  Created(path, is_dir);
  return 0;
}

int NamespaceJournal::Mkdir(const std::string& path, mode_t mode, uid_t uid, gid_t gid) {
  return Owned(mkdir(Backing(path).c_str(), mode), path, true, uid, gid);
}

int NamespaceJournal::Mknod(const std::string& path, mode_t mode, dev_t rdev, uid_t uid,
                            gid_t gid) {
  return Owned(mknod(Backing(path).c_str(), mode, rdev), path, false, uid, gid);
}

int NamespaceJournal::Symlink(const std::string& target, const std::string& path, uid_t uid,
                              gid_t gid) {
  return Owned(symlink(target.c_str(), Backing(path).c_str()), path, false, uid, gid);
}

int NamespaceJournal::Link(const std::string& from, const std::string& to) {
  if (link(Backing(from).c_str(), Backing(to).c_str()) < 0) return -errno;
  Created(to, false);
  return 0;
}

int NamespaceJournal::Trash(const std::string& path) {
  const std::string name = trash_ + "/" + std::to_string(next_trash_++);
  const DirId dir = ParentOf(path);
  if (rename(Backing(path).c_str(), name.c_str()) < 0) return -errno;
  Record r{Record::kTrashed};
  r.path = path;
  r.trash = name;
  r.dirs = {dir};
  records_.push_back(std::move(r));
  return 0;
}

int NamespaceJournal::Unlink(const std::string& path) {
  struct stat st;
  if (lstat(Backing(path).c_str(), &st) < 0) return -errno;
  if (S_ISDIR(st.st_mode)) return -EISDIR;
  return Trash(path);
}

int NamespaceJournal::Rmdir(const std::string& path) {
  if (path == "/") return -EBUSY;
  struct stat st;
  if (lstat(Backing(path).c_str(), &st) < 0) return -errno;
  if (!S_ISDIR(st.st_mode)) return -ENOTDIR;
  std::error_code ec;
  if (!std::filesystem::is_empty(Backing(path), ec)) return ec ? -EIO : -ENOTEMPTY;
  return Trash(path);
}

int NamespaceJournal::Rename(const std::string& from, const std::string& to, unsigned flags) {
  if (flags & ~static_cast<unsigned>(RENAME_NOREPLACE)) return -EINVAL;
  const std::string bf = Backing(from), bt = Backing(to);
  struct stat sf, stt;
  if (lstat(bf.c_str(), &sf) < 0) return -errno;
  if (lstat(bt.c_str(), &stt) == 0) {
    if (flags & RENAME_NOREPLACE) return -EEXIST;
    if (sf.st_dev == stt.st_dev && sf.st_ino == stt.st_ino) return 0;  // the same file
    // What rename(2) would refuse, refused before anything moves.
    if (S_ISDIR(sf.st_mode) && !S_ISDIR(stt.st_mode)) return -ENOTDIR;
    if (!S_ISDIR(sf.st_mode) && S_ISDIR(stt.st_mode)) return -EISDIR;
    if (S_ISDIR(stt.st_mode)) {
      std::error_code ec;
      if (!std::filesystem::is_empty(bt, ec)) return -ENOTEMPTY;
    }
    if (S_ISDIR(sf.st_mode) && (to + "/").rfind(from + "/", 0) == 0) return -EINVAL;
    if (int r = Trash(to); r < 0) return r;
  } else if (errno != ENOENT) {
    return -errno;
  }
  const DirId dir_from = ParentOf(from), dir_to = ParentOf(to);
  if (rename(bf.c_str(), bt.c_str()) < 0) {
    const int err = errno;
    if (!records_.empty() && records_.back().kind == Record::kTrashed &&
        records_.back().path == to) {
      Undo(records_.back());
      records_.pop_back();
    }
    return -err;
  }
  Record r{Record::kMoved};
  r.path = to;
  r.from = from;
  r.dirs = {dir_from, dir_to};
  records_.push_back(std::move(r));
  return 0;
}

void NamespaceJournal::SyncDir(const struct stat& st) {
  const DirId dir{st.st_dev, st.st_ino};
  size_t upto = 0;  // records [0, upto) are committed
  for (size_t i = 0; i < records_.size(); ++i) {
    for (const DirId& d : records_[i].dirs) {
      if (d == dir) upto = i + 1;
    }
  }
  for (size_t i = 0; i < upto; ++i) Commit(records_[i]);
  records_.erase(records_.begin(), records_.begin() + static_cast<ptrdiff_t>(upto));
}

void NamespaceJournal::Commit(const Record& record) {
  if (record.kind != Record::kTrashed) return;
  std::error_code ec;
  std::filesystem::remove_all(record.trash, ec);  // a leftover in the trash harms nobody
}

void NamespaceJournal::CommitAll() {
  for (const Record& r : records_) Commit(r);
  records_.clear();
}

int NamespaceJournal::Undo(const Record& record) {
  switch (record.kind) {
    case Record::kMade: {
      std::error_code ec;
      std::filesystem::remove_all(Backing(record.path), ec);
      return ec ? -ec.value() : 0;
    }
    case Record::kTrashed:
      return rename(record.trash.c_str(), Backing(record.path).c_str()) < 0 ? -errno : 0;
    case Record::kMoved:
      return rename(Backing(record.path).c_str(), Backing(record.from).c_str()) < 0 ? -errno : 0;
  }
  return -EINVAL;
}

int64_t NamespaceJournal::Drop(std::vector<std::string>* errors) {
  int64_t undone = 0;
  for (auto it = records_.rbegin(); it != records_.rend(); ++it) {
    if (int r = Undo(*it); r < 0) {
      errors->push_back("cannot undo the change of " + it->path + ": " + std::strerror(-r));
    } else {
      ++undone;
    }
  }
  records_.clear();
  return undone;
}

}  // namespace coordcheck::syncfs
