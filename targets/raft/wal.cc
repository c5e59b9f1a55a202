#include "targets/raft/wal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <system_error>
#include <utility>

namespace coordcheck::raft {
namespace {

using control::UniqueFd;

// CRC-32C, reflected polynomial 0x82F63B78, one table lookup a byte. Our own because no
// Debian library offers CRC-32C conveniently (zlib has only the IEEE CRC-32, and is not a
// dependency of ours); a few hundred MB/s is plenty for a log that fdatasyncs.
constexpr std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrcTable = MakeCrcTable();

uint32_t Crc32cUpdate(uint32_t crc, std::string_view data) {
  for (const char ch : data) crc = kCrcTable[(crc ^ static_cast<uint8_t>(ch)) & 0xFF] ^ (crc >> 8);
  return crc;
}

// The checksum of a frame: over its type byte, then its payload.
uint32_t FrameChecksum(uint8_t type, std::string_view payload) {
  const char t = static_cast<char>(type);
  return ~Crc32cUpdate(Crc32cUpdate(~0u, std::string_view(&t, 1)), payload);
}

void PutU32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint32_t GetU32(std::string_view bytes) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(bytes[i]);
  return v;
}

std::string ErrnoText(int err) { return std::generic_category().message(err); }

// "wal PATH: WHAT: strerror(errno)".
Status SysError(const std::string& path, const std::string& what) {
  return Status::Error("wal " + path + ": " + what + ": " + ErrnoText(errno));
}

// fsync of the directory `dir`, so the entries made in it are durable.
Status SyncDir(const std::string& dir, const std::string& path) {
  UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return SysError(path, "open directory " + dir);
  if (fsync(fd.get()) < 0) return SysError(path, "fsync directory " + dir);
  return Status::Ok();
}

// The folder `dir` is in ("." for a bare name).
std::string ParentOf(const std::string& dir) {
  const size_t slash = dir.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : dir.substr(0, slash);
}

// Creates every missing folder of `dir`, top down, and fsyncs the parent of each one
// created, so that a crash does not take back the folder that holds the log.
Status MakeDirs(const std::string& dir, const std::string& path) {
  for (size_t end = 1; end <= dir.size(); ++end) {
    if (end < dir.size() && dir[end] != '/') continue;
    const std::string prefix = dir.substr(0, end);
    if (prefix.back() == '/') continue;
    if (mkdir(prefix.c_str(), 0755) == 0) {
      if (Status s = SyncDir(ParentOf(prefix), path); !s.ok()) return s;
      continue;
    }
    const int err = errno;
    struct stat st;
    if (err == EEXIST || (stat(prefix.c_str(), &st) == 0 && S_ISDIR(st.st_mode))) continue;
    errno = err;
    return SysError(path, "mkdir " + prefix);
  }
  return Status::Ok();
}

// Writes all of `data` at `offset`, looping on short writes and EINTR.
Status WriteAllAt(int fd, std::string_view data, uint64_t offset, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return SysError(path, "write");
    data.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

// The whole file behind `fd`.
Result<std::string> ReadAll(int fd, const std::string& path) {
  struct stat st;
  if (fstat(fd, &st) < 0) return SysError(path, "fstat");
  std::string bytes(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = pread(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return SysError(path, "read");
    if (n == 0) break;  // shrank meanwhile: what is there is what we have
    done += static_cast<size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

// The encoded frames of `records`, or an error naming `path` when a payload is too long.
Result<std::string> Frames(const std::vector<WalRecord>& records, const std::string& path) {
  for (const WalRecord& r : records) {
    if (r.payload.size() > kWalMaxPayloadBytes) {
      return Status::Error("wal " + path + ": a record of " + std::to_string(r.payload.size()) +
                           " bytes is over the limit of " + std::to_string(kWalMaxPayloadBytes));
    }
  }
  return EncodeFrames(records);
}

}  // namespace

uint32_t Crc32c(std::string_view data) { return ~Crc32cUpdate(~0u, data); }

std::string EncodeFrames(const std::vector<WalRecord>& records) {
  size_t total = 0;
  for (const WalRecord& r : records) total += kWalFrameHeaderBytes + r.payload.size();
  std::string out;
  out.reserve(total);
  for (const WalRecord& r : records) {
    PutU32(static_cast<uint32_t>(r.payload.size()), &out);
    PutU32(FrameChecksum(r.type, r.payload), &out);
    out.push_back(static_cast<char>(r.type));
    out += r.payload;
  }
  return out;
}

bool DecodeFrames(std::string_view bytes, std::vector<WalRecord>* records, size_t* good_bytes,
                  std::string* reason) {
  size_t pos = 0;
  reason->clear();
  while (pos < bytes.size()) {
    const std::string_view rest = bytes.substr(pos);
    if (rest.size() < kWalFrameHeaderBytes) {
      *reason = kWalTornHeader;
      break;
    }
    const uint32_t length = GetU32(rest);
    if (length > kWalMaxPayloadBytes) {
      *reason = kWalBadLength;
      break;
    }
    if (rest.size() - kWalFrameHeaderBytes < length) {
      *reason = kWalTornPayload;
      break;
    }
    const uint8_t type = static_cast<uint8_t>(rest[8]);
    const std::string_view payload = rest.substr(kWalFrameHeaderBytes, length);
    if (FrameChecksum(type, payload) != GetU32(rest.substr(4))) {
      *reason = kWalChecksumMismatch;
      break;
    }
    records->push_back(WalRecord{type, std::string(payload)});
    pos += kWalFrameHeaderBytes + length;
  }
  *good_bytes = pos;
  return reason->empty();
}

Result<std::unique_ptr<Wal>> Wal::Open(const std::string& dir, std::vector<WalRecord>* records,
                                       WalRecovery* recovery) {
  if (dir.empty()) return Status::Error("wal: no directory given");
  const std::string path = dir + "/wal";
  const std::string tmp = dir + "/wal.tmp";
  if (Status s = MakeDirs(dir, path); !s.ok()) return s;
  UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) return SysError(path, "open");
  if (unlink(tmp.c_str()) < 0 && errno != ENOENT) return SysError(path, "unlink " + tmp);

  Result<std::string> bytes = ReadAll(fd.get(), path);
  if (!bytes.ok()) return bytes.status();
  *recovery = WalRecovery{};
  const size_t first = records->size();
  size_t good = 0;
  DecodeFrames(*bytes, records, &good, &recovery->reason);
  recovery->records = records->size() - first;
  recovery->bytes_kept = good;
  recovery->bytes_cut = bytes->size() - good;
  if (recovery->bytes_cut > 0) {
    if (ftruncate(fd.get(), static_cast<off_t>(good)) < 0) return SysError(path, "ftruncate");
    if (fdatasync(fd.get()) < 0) return SysError(path, "fdatasync");
  }
  // Every Open, not only the one that created the file: the process that did may have died
  // before its fsync, and a leftover wal.tmp's removal is made durable with it.
  if (Status s = SyncDir(dir, path); !s.ok()) return s;
  return std::unique_ptr<Wal>(new Wal(dir, std::move(fd), good));
}

Wal::Wal(std::string dir, UniqueFd fd, uint64_t size_bytes)
    : dir_(std::move(dir)), path_(dir_ + "/wal"), fd_(std::move(fd)), size_bytes_(size_bytes) {}

Status Wal::Fail(Status error) {
  failed_ = error;
  return error;
}

Status Wal::Append(const std::vector<WalRecord>& records) {
  if (!failed_.ok()) return failed_;
  Result<std::string> frames = Frames(records, path_);
  if (!frames.ok()) return frames.status();
  if (Status s = WriteAllAt(fd_.get(), *frames, size_bytes_, path_); !s.ok()) return Fail(s);
  size_bytes_ += frames->size();
  return Status::Ok();
}

Status Wal::Sync() {
  if (!failed_.ok()) return failed_;
  if (fdatasync(fd_.get()) < 0) return Fail(SysError(path_, "fdatasync"));
  return Status::Ok();
}

Status Wal::Rewrite(const std::vector<WalRecord>& records) {
  if (!failed_.ok()) return failed_;
  Result<std::string> frames = Frames(records, path_);
  if (!frames.ok()) return frames.status();
  const std::string tmp = dir_ + "/wal.tmp";
  UniqueFd fd(open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  Status s = fd.valid() ? WriteAllAt(fd.get(), *frames, 0, tmp) : SysError(tmp, "open");
  if (s.ok() && fdatasync(fd.get()) < 0) s = SysError(tmp, "fdatasync");
  if (s.ok() && rename(tmp.c_str(), path_.c_str()) < 0) s = SysError(tmp, "rename to wal");
  if (!s.ok()) {
    // The old log is untouched and still ours; the next Open would remove wal.tmp anyway.
    unlink(tmp.c_str());
    return s;
  }
  fd_ = std::move(fd);
  size_bytes_ = frames->size();
  if (Status d = SyncDir(dir_, path_); !d.ok()) return Fail(d);
  return Status::Ok();
}

}  // namespace coordcheck::raft
