// SyncFs: the filesystem of coordcheck-syncfs (syncfs_main.cc), without FUSE: a folder of
// its own (the mount) passed through to a backing folder, except that what was not synced
// is held apart until it is, so a drop can forget it — as a crash forgets what was not on
// disk (Jepsen's LazyFS is the idea; this is our own).
//
// What is durable, and what a drop keeps:
//   file data     written data (write, truncate, O_TRUNC) stays in this cache (PendingData,
//                 per file by backing inode, so hard links share it) until fsync or
//                 fdatasync of that file writes it to the backing file; a file opened with
//                 O_SYNC/O_DSYNC is flushed after each write. close() makes nothing durable.
//                 Reads, getattr and further writes see the cache merged on the backing file.
//   entries       create, mkdir, mknod, symlink, link, unlink, rmdir and rename are made in
//                 the backing folder at once and undone by a drop until a fsync of a
//                 directory they changed (or a later fsync of another) commits them
//                 (NamespaceJournal states the exact rule). fsync of a file does not make its
//                 own directory entry durable: that takes a fsync of its directory.
//   the rest      chmod, chown, utimens are durable at once.
//   drop          forgets every unsynced byte and undoes every unsynced entry. With a torn
//                 seed, the newest unsynced write (over all files) keeps a prefix first: a
//                 length drawn from the seed in [1, n-1] of its n bytes (0 when n < 2), so
//                 always a strict prefix, written to the backing file at the write's offset.
//   clean stop    (SyncAll) everything cached is written and every entry committed, as a
//                 clean shutdown writes back its page cache.
// "Durable" means written to the backing file: we simulate crashes of processes, not of
// the host, so the backing file is never fsynced itself (that keeps fsync cheap).
//
// Kernel caches: the FUSE glue asks for no attribute, entry or page caching across opens
// (timeouts 0, no keep_cache), so after a drop the next open or lookup sees the backing
// state; a process that keeps a file open across a drop may still read stale cached pages
// (the disk nemesis kills the node's processes before it drops).
//
// Handles own a descriptor of the backing file. Methods return >= 0 or -errno (FUSE's
// convention); paths are FUSE paths ("/a/b").
//
// Thread-safety: every method may be called from any thread; one mutex serializes them.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "nemesis/disk/namespace_journal.h"
#include "nemesis/disk/pending_data.h"

namespace coordcheck::syncfs {

// An open file.
struct Handle {
  int fd = -1;        // the backing file, opened read-write when it is a regular file
  bool sync = false;  // opened with O_SYNC or O_DSYNC: each write is flushed at once
};

// What a drop forgot.
struct DropReport {
  uint64_t bytes = 0;               // unsynced bytes dropped (after a torn prefix was kept)
  int64_t files = 0;                // files that had unsynced data
  int64_t entries = 0;              // directory changes undone
  bool torn = false;                // a torn prefix was written
  uint64_t torn_offset = 0;         // where the torn write started
  uint64_t torn_kept = 0;           // bytes of it kept
  uint64_t torn_length = 0;         // its length
  std::vector<std::string> errors;  // what could not be undone or written
};

// What is not yet durable.
struct SyncStatus {
  uint64_t bytes = 0;
  int64_t files = 0;
  int64_t entries = 0;
};

class SyncFs {
 public:
  // `backing`: the folder passed through to (must exist); `trash`: NamespaceJournal's.
  SyncFs(std::string backing, std::string trash);
  ~SyncFs();

  Status Init();
  const std::string& backing() const { return backing_; }
  // The backing path of `path`.
  std::string Backing(const std::string& path) const { return journal_.Backing(path); }

  // `h` may be null (then `path` is used).
  int GetAttr(const char* path, struct stat* st, const Handle* h);
  int Open(const std::string& path, int flags, Handle** out);
  int Create(const std::string& path, mode_t mode, int flags, uid_t uid, gid_t gid, Handle** out);
  int Release(Handle* h);
  int Read(const Handle* h, char* buf, size_t size, off_t offset);
  int Write(const Handle* h, const char* buf, size_t size, off_t offset);
  int Truncate(const char* path, off_t size, const Handle* h);
  int Fsync(const char* path, const Handle* h);
  // `fd`: the open directory (or -1: `path` is used).
  int FsyncDir(const char* path, int fd);
  // Runs a namespace change under the lock.
  int Namespace(const std::function<int(NamespaceJournal&)>& change);

  DropReport Drop(std::optional<uint64_t> torn_seed);
  SyncStatus Pending();
  // Writes everything cached and commits every entry. The first error, if any.
  Status SyncAll();

 private:
  struct InodeKey {
    dev_t dev;
    ino_t ino;
    auto operator<=>(const InodeKey&) const = default;
  };
  struct Cached {
    int fd = -1;  // a writable descriptor of the backing file (kept open: the inode stays)
    PendingData data;
  };

  // The cache entry of the file behind `fd` (st: its fstat), made with a dup of `fd` (or a
  // fresh descriptor of `path` when `fd` < 0). Needs mu_.
  Cached* Entry(const struct stat& st, int fd, const char* path);
  Cached* Find(const struct stat& st);
  // Writes `key`'s cache to its backing file and forgets it. Needs mu_.
  int Flush(std::map<InodeKey, Cached>::iterator it);
  int Stat(const char* path, const Handle* h, struct stat* st);

  const std::string backing_;
  std::mutex mu_;
  NamespaceJournal journal_;          // guarded by mu_ (Backing() is const and lock-free)
  std::map<InodeKey, Cached> cache_;  // guarded by mu_
  uint64_t next_seq_ = 1;             // guarded by mu_
};

}  // namespace coordcheck::syncfs
