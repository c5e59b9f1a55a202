// PendingData: what was written to one file and not yet synced, kept apart from the file's
// durable bytes (the backing file) — the cache of coordcheck-syncfs (syncfs.h). Pure: it
// holds bytes and sizes and never touches a file, so its merge logic is tested on its own.
//
// The file a reader sees is the durable file with this on top:
//   byte at offset o, for o < Size(durable_size):
//     the newest pending write covering o, if any;
//     else 0 when a truncate since the last sync cut the file at or below o (cut());
//     else the durable byte, if o < durable_size;
//     else 0 (a hole: a write or truncate beyond the durable end).
// Writes and truncates update the visible size as POSIX says; the durable file is changed
// only by applying Plan() (fsync), after which the owner calls Clear().
//
// The newest write is also kept whole (last_write()), with a sequence number the owner
// assigns, so a torn-write drop can keep a prefix of exactly that write.
//
// Thread-safety: none; the owner serializes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coordcheck::syncfs {

// One write as the application made it.
struct WriteRecord {
  uint64_t seq = 0;  // the owner's order of writes, across files
  uint64_t offset = 0;
  std::string data;
};

// How to make the pending state durable, in this order: cut the backing file to `cut`
// (when set), write each extent, then set its size to `size` (when set).
struct FlushPlan {
  std::optional<uint64_t> cut;
  std::vector<std::pair<uint64_t, std::string>> writes;  // (offset, bytes), ascending
  std::optional<uint64_t> size;
};

class PendingData {
 public:
  // A write of `data` at `offset`; `durable_size` is the backing file's size now.
  void Write(uint64_t offset, std::string_view data, uint64_t durable_size, uint64_t seq);
  // A truncate (or extension with zeros) to `size`.
  void Truncate(uint64_t size);

  // The size a reader sees.
  uint64_t Size(uint64_t durable_size) const { return size_.value_or(durable_size); }
  // `length` bytes from `offset` as a reader sees them (shorter at the visible end).
  // `durable` holds the backing file's bytes from `offset` (as many as it has, up to
  // `length`).
  std::string Read(uint64_t offset, uint64_t length, std::string_view durable,
                   uint64_t durable_size) const;

  // Nothing pending: the visible file is the durable one.
  bool empty() const { return extents_.empty() && !size_ && !cut_; }
  // Bytes held (written and not synced; overwritten bytes count once).
  uint64_t bytes() const;
  const std::optional<WriteRecord>& last_write() const { return last_write_; }

  FlushPlan Plan() const;
  // Forgets everything (after a flush, or to drop it).
  void Clear();

 private:
  // Removes what extents hold in [begin, end).
  void Erase(uint64_t begin, uint64_t end);

  std::map<uint64_t, std::string> extents_;  // offset -> bytes; disjoint, not adjacent-merged
  std::optional<uint64_t> size_;             // the visible size, once it differs
  std::optional<uint64_t> cut_;              // lowest size truncated to since the last sync
  std::optional<WriteRecord> last_write_;
};

}  // namespace coordcheck::syncfs
