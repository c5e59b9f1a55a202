#include "nemesis/disk/syncfs.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

namespace coordcheck::syncfs {
namespace {

// pwrite of all of `data`; 0 or -errno.
int WriteAll(int fd, const std::string& data, uint64_t offset) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n =
        pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    done += static_cast<size_t>(n);
  }
  return 0;
}

}  // namespace

SyncFs::SyncFs(std::string backing, std::string trash)
    : backing_(backing), journal_(std::move(backing), std::move(trash)) {}

SyncFs::~SyncFs() {
  for (auto& [key, cached] : cache_) close(cached.fd);
}

Status SyncFs::Init() {
  struct stat st;
  if (stat(backing_.c_str(), &st) < 0 || !S_ISDIR(st.st_mode)) {
    return Status::Error("backing folder " + backing_ + " is not a directory");
  }
  return journal_.Init();
}

int SyncFs::Stat(const char* path, const Handle* h, struct stat* st) {
  const int r = h != nullptr ? fstat(h->fd, st) : lstat(Backing(path).c_str(), st);
  return r < 0 ? -errno : 0;
}

SyncFs::Cached* SyncFs::Find(const struct stat& st) {
  auto it = cache_.find({st.st_dev, st.st_ino});
  return it == cache_.end() ? nullptr : &it->second;
}

SyncFs::Cached* SyncFs::Entry(const struct stat& st, int fd, const char* path) {
  if (Cached* c = Find(st)) return c;
  const int own =
      fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : open(Backing(path).c_str(), O_WRONLY | O_CLOEXEC);
  if (own < 0) return nullptr;
  Cached& c = cache_[{st.st_dev, st.st_ino}];
  c.fd = own;
  return &c;
}

int SyncFs::GetAttr(const char* path, struct stat* st, const Handle* h) {
  std::lock_guard lock(mu_);
  if (int r = Stat(path, h, st); r < 0) return r;
  if (!S_ISREG(st->st_mode)) return 0;
  if (const Cached* c = Find(*st)) {
    st->st_size = static_cast<off_t>(c->data.Size(static_cast<uint64_t>(st->st_size)));
    st->st_blocks = std::max<blkcnt_t>(st->st_blocks, (st->st_size + 511) / 512);
  }
  return 0;
}

int SyncFs::Open(const std::string& path, int flags, Handle** out) {
  // Appends are placed by the kernel (at the size we report), and the backing file must
  // take writes at the offsets we choose: no O_APPEND, O_TRUNC or O_DIRECT on it.
  const int pass =
      flags & ~(O_ACCMODE | O_APPEND | O_TRUNC | O_CREAT | O_EXCL | O_DIRECT | O_SYNC | O_DSYNC);
  const std::string b = Backing(path);
  int fd = open(b.c_str(), pass | O_RDWR | O_CLOEXEC);
  if (fd < 0 && (errno == EISDIR || errno == ETXTBSY || errno == EACCES || errno == EROFS)) {
    fd = open(b.c_str(), pass | (flags & O_ACCMODE) | O_CLOEXEC);
  }
  if (fd < 0) return -errno;
  auto* h = new Handle{fd, (flags & (O_SYNC | O_DSYNC)) != 0};
  if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY) {
    if (int r = Truncate(nullptr, 0, h); r < 0) {
      Release(h);
      return r;
    }
  }
  *out = h;
  return 0;
}

int SyncFs::Create(const std::string& path, mode_t mode, int flags, uid_t uid, gid_t gid,
                   Handle** out) {
  {
    std::lock_guard lock(mu_);
    const std::string b = Backing(path);
    const int fd = open(b.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode);
    if (fd >= 0) {
      if (fchown(fd, uid, gid) < 0) {
        const int err = errno;
        close(fd);
        unlink(b.c_str());
        return -err;
      }
      close(fd);
      journal_.Created(path, false);
    } else if (errno != EEXIST || (flags & O_EXCL)) {
      return -errno;
    }
  }
  return Open(path, flags & ~(O_CREAT | O_EXCL), out);
}

int SyncFs::Release(Handle* h) {
  if (h == nullptr) return 0;
  close(h->fd);
  delete h;
  return 0;
}

int SyncFs::Read(const Handle* h, char* buf, size_t size, off_t offset) {
  std::lock_guard lock(mu_);
  struct stat st;
  if (fstat(h->fd, &st) < 0) return -errno;
  std::string durable(size, '\0');
  size_t got = 0;
  while (got < size) {
    const ssize_t n =
        pread(h->fd, durable.data() + got, size - got, offset + static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  durable.resize(got);
  const Cached* c = S_ISREG(st.st_mode) ? Find(st) : nullptr;
  if (c == nullptr) {
    std::memcpy(buf, durable.data(), got);
    return static_cast<int>(got);
  }
  const std::string merged =
      c->data.Read(static_cast<uint64_t>(offset), size, durable, static_cast<uint64_t>(st.st_size));
  std::memcpy(buf, merged.data(), merged.size());
  return static_cast<int>(merged.size());
}

int SyncFs::Write(const Handle* h, const char* buf, size_t size, off_t offset) {
  std::lock_guard lock(mu_);
  struct stat st;
  if (fstat(h->fd, &st) < 0) return -errno;
  if (!S_ISREG(st.st_mode)) {
    const ssize_t n = pwrite(h->fd, buf, size, offset);
    return n < 0 ? -errno : static_cast<int>(n);
  }
  Cached* c = Entry(st, h->fd, nullptr);
  if (c == nullptr) return -errno;
  c->data.Write(static_cast<uint64_t>(offset), std::string_view(buf, size),
                static_cast<uint64_t>(st.st_size), next_seq_++);
  if (h->sync) {
    if (int r = Flush(cache_.find({st.st_dev, st.st_ino})); r < 0) return r;
  }
  return static_cast<int>(size);
}

int SyncFs::Truncate(const char* path, off_t size, const Handle* h) {
  if (size < 0) return -EINVAL;
  std::lock_guard lock(mu_);
  struct stat st;
  if (int r = Stat(path, h, &st); r < 0) return r;
  if (S_ISDIR(st.st_mode)) return -EISDIR;
  if (!S_ISREG(st.st_mode)) return -EINVAL;
  Cached* c = Entry(st, h != nullptr ? h->fd : -1, path);
  if (c == nullptr) return -errno;
  c->data.Truncate(static_cast<uint64_t>(size));
  return 0;
}

int SyncFs::Flush(std::map<InodeKey, Cached>::iterator it) {
  if (it == cache_.end()) return 0;
  const int fd = it->second.fd;
  const FlushPlan plan = it->second.data.Plan();
  if (plan.cut && ftruncate(fd, static_cast<off_t>(*plan.cut)) < 0) return -errno;
  for (const auto& [offset, bytes] : plan.writes) {
    if (int r = WriteAll(fd, bytes, offset); r < 0) return r;
  }
  if (plan.size && ftruncate(fd, static_cast<off_t>(*plan.size)) < 0) return -errno;
  close(fd);
  cache_.erase(it);
  return 0;
}

int SyncFs::Fsync(const char* path, const Handle* h) {
  std::lock_guard lock(mu_);
  struct stat st;
  if (int r = Stat(path, h, &st); r < 0) return r;
  return Flush(cache_.find({st.st_dev, st.st_ino}));
}

int SyncFs::FsyncDir(const char* path, int fd) {
  std::lock_guard lock(mu_);
  struct stat st;
  if ((fd >= 0 ? fstat(fd, &st) : stat(Backing(path).c_str(), &st)) < 0) return -errno;
  journal_.SyncDir(st);
  return 0;
}

int SyncFs::Namespace(const std::function<int(NamespaceJournal&)>& change) {
  std::lock_guard lock(mu_);
  return change(journal_);
}

DropReport SyncFs::Drop(std::optional<uint64_t> torn_seed) {
  std::lock_guard lock(mu_);
  DropReport report;
  const Cached* newest = nullptr;
  for (const auto& [key, c] : cache_) {
    report.bytes += c.data.bytes();
    ++report.files;
    const auto& w = c.data.last_write();
    if (w && (newest == nullptr || w->seq > newest->data.last_write()->seq)) newest = &c;
  }
  if (torn_seed && newest != nullptr) {
    const WriteRecord& w = *newest->data.last_write();
    uint64_t kept = 0;
    if (w.data.size() >= 2) {
      std::mt19937_64 rng(*torn_seed);
      kept = std::uniform_int_distribution<uint64_t>(1, w.data.size() - 1)(rng);
    }
    report.torn = true;
    report.torn_offset = w.offset;
    report.torn_kept = kept;
    report.torn_length = w.data.size();
    if (int r = WriteAll(newest->fd, w.data.substr(0, kept), w.offset); r < 0) {
      report.errors.push_back(std::string("cannot write the torn prefix: ") + std::strerror(-r));
    } else {
      report.bytes -= std::min(report.bytes, kept);
    }
  }
  for (auto& [key, c] : cache_) close(c.fd);
  cache_.clear();
  report.entries = journal_.Drop(&report.errors);
  return report;
}

SyncStatus SyncFs::Pending() {
  std::lock_guard lock(mu_);
  SyncStatus s;
  for (const auto& [key, c] : cache_) {
    s.bytes += c.data.bytes();
    ++s.files;
  }
  s.entries = static_cast<int64_t>(journal_.pending());
  return s;
}

Status SyncFs::SyncAll() {
  std::lock_guard lock(mu_);
  Status first;
  while (!cache_.empty()) {
    if (int r = Flush(cache_.begin()); r < 0) {
      if (first.ok()) first = Status::Error(std::string("cannot write back: ") + std::strerror(-r));
      close(cache_.begin()->second.fd);
      cache_.erase(cache_.begin());
    }
  }
  journal_.CommitAll();
  return first;
}

}  // namespace coordcheck::syncfs
