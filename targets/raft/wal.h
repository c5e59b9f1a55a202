// Wal: the write-ahead log of our Raft implementation (targets/raft) — records appended to
// one file, <dir>/wal, made durable by Sync and read back, in order, by Open after a crash.
// A record is a type byte and a payload the log does not look into (the Raft layer stores
// JSON: terms, votes, entries).
//
// Contract:
//   Open      creates <dir> if missing, removes a leftover <dir>/wal.tmp (a Rewrite that
//             died before its rename: the old wal is intact), reads every intact record, cuts
//             the file after the last one (see below) and fsyncs the directory, so the file's
//             entry is durable even when this Open created it (and the parents of a created
//             <dir> are fsynced too).
//   Append    writes the records' frames at the end in one buffer. NOT durable until Sync:
//             the caller acknowledges nothing it has not synced. Whether to Sync is the
//             caller's choice (a bug variant of the Raft server skips it), not an option here.
//   Sync      fdatasync.
//   Rewrite   compaction: the whole log becomes `records` — written to <dir>/wal.tmp,
//             fdatasynced, renamed over <dir>/wal, the directory fsynced; appends continue on
//             the new file. Durable when it returns ok. A failure before the rename leaves the
//             old log in place and the Wal usable.
//   Errors    name the file and the syscall: "wal /x/wal: fdatasync: Input/output error".
//             After a failed write or fdatasync of the log (or fsync of the directory
//             after a Rewrite's rename) the Wal refuses every later call with that first
//             error: a failed fdatasync may have dropped dirty pages the kernel then calls
//             clean (a retry would "succeed" without the data), and a failed write may have
//             left part of a frame that later frames must not follow. The only safe way on
//             is a new Open, which recovers what is on disk.
//
// Frame on disk, little-endian:
//   u32 payload length | u32 CRC-32C of (type byte + payload) | u8 type | payload
// A length over kWalMaxPayloadBytes is corruption, so a garbage length is never allocated.
//
// Why recovery cuts the file at the first torn or corrupt frame, and drops what follows:
// appends only ever go at the end, and the caller acknowledges a record only after a Sync
// that covered it, so a crash can damage only the unsynced tail — no acknowledged record
// lies after the first bad frame. Cutting there (ftruncate, then fdatasync) makes the next
// appends follow the last good record; leaving garbage in place would hide every later
// record from the next recovery. The one case where this discards acknowledged data is a
// disk that corrupted bytes after they were synced: that is out of scope, but it is visible
// in WalRecovery (a "checksum mismatch" or "bad length" followed by bytes_cut).
//
// Thread-safety: none. One thread at a time (the Raft loop owns its Wal).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "harness/control/unique_fd.h"

namespace coordcheck::raft {

// One record: what the Raft layer wrote, returned as it was.
struct WalRecord {
  uint8_t type = 0;
  std::string payload;  // opaque to the log; at most kWalMaxPayloadBytes
  bool operator==(const WalRecord&) const = default;
};

// What Open found on disk.
struct WalRecovery {
  size_t records = 0;       // intact records read
  uint64_t bytes_kept = 0;  // the file's size after recovery: the end of the last record
  uint64_t bytes_cut = 0;   // bytes after it that were cut off
  std::string reason;       // why they were cut: "" (nothing was) or one of kWalTorn...
};

// The largest payload: a frame claiming more is corrupt.
inline constexpr uint32_t kWalMaxPayloadBytes = 64u << 20;
// length, checksum, type.
inline constexpr size_t kWalFrameHeaderBytes = 9;

// The reasons of WalRecovery and DecodeFrames.
inline constexpr std::string_view kWalTornHeader = "torn header";    // < 9 bytes left
inline constexpr std::string_view kWalTornPayload = "torn payload";  // fewer than length
inline constexpr std::string_view kWalChecksumMismatch = "checksum mismatch";
inline constexpr std::string_view kWalBadLength = "bad length";  // over the bound

class Wal {
 public:
  // Opens (creating if needed) <dir>/wal, appends to `records` every intact record in order
  // and says in `recovery` what was kept and cut (both must not be null). On an error,
  // what they hold means nothing.
  static Result<std::unique_ptr<Wal>> Open(const std::string& dir, std::vector<WalRecord>* records,
                                           WalRecovery* recovery);
  ~Wal() = default;
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // Writes `records` at the end; not durable until Sync. A payload over kWalMaxPayloadBytes
  // is refused (nothing written, the Wal stays usable).
  Status Append(const std::vector<WalRecord>& records);
  // Makes every appended record durable (fdatasync).
  Status Sync();
  // Replaces the whole log by `records`, durably (see the contract above).
  Status Rewrite(const std::vector<WalRecord>& records);

  // The log file's size: the end of the last appended record.
  uint64_t size_bytes() const { return size_bytes_; }
  // <dir>/wal.
  const std::string& path() const { return path_; }

 private:
  Wal(std::string dir, control::UniqueFd fd, uint64_t size_bytes);
  // Remembers `error` as the one every later call returns.
  Status Fail(Status error);

  const std::string dir_;
  const std::string path_;
  control::UniqueFd fd_;
  uint64_t size_bytes_ = 0;
  Status failed_;  // not ok once a write or sync failed
};

// CRC-32C (Castagnoli) of `data`: Crc32c("123456789") == 0xE3069283.
uint32_t Crc32c(std::string_view data);

// The frames of `records`, back to back, as Append writes them. Payloads over
// kWalMaxPayloadBytes are the caller's to refuse.
std::string EncodeFrames(const std::vector<WalRecord>& records);

// Decodes the frames at the start of `bytes`, appending each intact record to `records`.
// `good_bytes`: where the last intact frame ends. True when every byte belongs to an
// intact frame; otherwise false, with `reason` one of kWalTorn... (why the frame at
// `good_bytes` is bad). Pure; Open uses it.
bool DecodeFrames(std::string_view bytes, std::vector<WalRecord>* records, size_t* good_bytes,
                  std::string* reason);

}  // namespace coordcheck::raft
