// NamespaceJournal: the directory entries coordcheck-syncfs (syncfs.h) changed and no
// directory fsync has made durable yet, and how to undo each. Every change is made in the
// backing tree at once (so the visible namespace is the backing tree, and reads need no
// merge) and recorded with its undo; a drop undoes the unsynced records, newest first.
//
//   change          done in the backing tree            undo on a drop
//   create, mknod,  the entry made                      removed (a directory with all
//   mkdir, symlink,                                     that is below it)
//   link
//   unlink, rmdir   the entry moved to the trash folder  moved back
//   rename a -> b   b (if any) moved to the trash,       a moved back, then b restored
//                   then a renamed to b
// Each record names the directories whose entries it changed (by inode, so a later rename
// of a directory does not matter). A directory fsync commits every record that changed that
// directory and every record older than the newest of those: records are committed as a
// prefix, so undoing the rest, newest first, always finds the tree as the record left it.
// A committed unlink or rmdir deletes its trash entry for good.
//
// The trash folder lies outside the backing tree (never visible through the mount) and on
// the same filesystem (entries are moved there with rename). Init empties it: what a killed
// daemon left there cannot be put back (its records died with it).
//
// Methods return 0 or -errno (FUSE's convention); paths are FUSE paths ("/a/b").
//
// Thread-safety: none; the owner serializes.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace coordcheck::syncfs {

class NamespaceJournal {
 public:
  NamespaceJournal(std::string root, std::string trash);

  // Creates the trash folder, or empties the one there is.
  Status Init();

  // The backing path of the FUSE path `path`.
  std::string Backing(const std::string& path) const;

  // Records an entry the caller has just made at `path` (a file it created).
  void Created(const std::string& path, bool is_dir);
  int Mkdir(const std::string& path, mode_t mode, uid_t uid, gid_t gid);
  int Mknod(const std::string& path, mode_t mode, dev_t rdev, uid_t uid, gid_t gid);
  int Symlink(const std::string& target, const std::string& path, uid_t uid, gid_t gid);
  int Link(const std::string& from, const std::string& to);
  int Unlink(const std::string& path);
  int Rmdir(const std::string& path);
  // flags: 0 or RENAME_NOREPLACE (RENAME_EXCHANGE: -EINVAL).
  int Rename(const std::string& from, const std::string& to, unsigned flags);

  // The directory `dir` (its stat) was fsynced.
  void SyncDir(const struct stat& dir);
  // Makes every record durable (a clean unmount).
  void CommitAll();
  // Undoes every record, newest first; returns how many. What could not be undone is
  // appended to `errors`.
  int64_t Drop(std::vector<std::string>* errors);

  // Records not yet committed.
  size_t pending() const { return records_.size(); }

 private:
  struct DirId {
    dev_t dev = 0;
    ino_t ino = 0;
    bool operator==(const DirId&) const = default;
  };
  struct Record {
    enum Kind { kMade, kTrashed, kMoved };
    explicit Record(Kind k) : kind(k) {}
    Kind kind;
    std::string path;     // kMade: the entry; kTrashed: where it was; kMoved: where it went
    std::string from;     // kMoved: where it was
    std::string trash;    // kTrashed: its name in the trash folder (backing path)
    bool is_dir = false;  // kMade
    std::vector<DirId> dirs;
  };

  // The directory holding the entry `path` (backing), by inode; {0,0} if it cannot be read.
  DirId ParentOf(const std::string& path) const;
  // After `made` (the result of the call that made the entry at `path`: < 0 with errno
  // set on failure): gives it to uid:gid and records it, or removes it again. 0 or -errno.
  int Owned(int made, const std::string& path, bool is_dir, uid_t uid, gid_t gid);
  // Moves the entry at `path` to the trash and records it.
  int Trash(const std::string& path);
  void Commit(const Record& record);
  int Undo(const Record& record);

  const std::string root_;
  const std::string trash_;
  uint64_t next_trash_ = 0;
  std::vector<Record> records_;  // oldest first
};

}  // namespace coordcheck::syncfs
