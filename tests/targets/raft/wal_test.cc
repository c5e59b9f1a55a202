// The Raft write-ahead log (targets/raft/wal.h): its frame format against hand-made bytes,
// round trips and reopens, recovery from a torn tail at every byte offset and from flipped
// bytes, garbage lengths, compaction (Rewrite, a leftover wal.tmp), errors that name the
// file, a failed write that poisons the log, and — tagged [root] — crashes on
// coordcheck-syncfs, which forgets what was not synced and may keep a torn prefix of the
// newest write: every synced record must come back, nothing beyond the appended ones, and
// the tail is cut cleanly.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "targets/raft/wal.h"
#include "tests/support/node_env.h"
#include "tests/support/syncfs_mount.h"

namespace coordcheck::raft {
namespace {

namespace fs = std::filesystem;
using nodetest::ReadFile;

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

// `n` records with payloads of various sizes (0, 1, a few, a few thousand), types 0..255,
// contents drawn from `seed`.
std::vector<WalRecord> MakeRecords(size_t n, uint64_t seed, size_t max_size = 5000) {
  std::mt19937_64 rng(seed);
  std::vector<WalRecord> out;
  for (size_t i = 0; i < n; ++i) {
    size_t size = 0;
    switch (i % 4) {
      case 0:
        size = i % 8 == 0 ? 0 : 1;
        break;
      case 1:
        size = rng() % 64;
        break;
      case 2:
        size = rng() % 300;
        break;
      default:
        size = rng() % (max_size + 1);
        break;
    }
    WalRecord r;
    r.type = static_cast<uint8_t>(rng());
    r.payload.resize(size);
    for (char& c : r.payload) c = static_cast<char>(rng());
    out.push_back(std::move(r));
  }
  return out;
}

// A record like the Raft layer's: type and a JSON text.
WalRecord Json(uint8_t type, int index) {
  return {type, R"({"term":3,"index":)" + std::to_string(index) + R"(,"data":"x"})"};
}

// Opens `dir`, requiring success; its records and recovery in the out-parameters.
std::unique_ptr<Wal> OpenOk(const std::string& dir, std::vector<WalRecord>* records,
                            WalRecovery* recovery) {
  records->clear();
  auto wal = Wal::Open(dir, records, recovery);
  INFO(wal.message());
  REQUIRE(wal.ok());
  return std::move(wal).value();
}

// A fresh log in `dir` holding `records`, synced and closed; the file's bytes.
std::string WriteLog(const std::string& dir, const std::vector<WalRecord>& records) {
  std::vector<WalRecord> read;
  WalRecovery recovery;
  auto wal = OpenOk(dir, &read, &recovery);
  REQUIRE(wal->Append(records).ok());
  REQUIRE(wal->Sync().ok());
  return ReadFile(dir + "/wal");
}

std::string U32(uint32_t v) {
  std::string out;
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
  return out;
}

TEST_CASE("wal: CRC-32C and the frame layout are the documented ones", "[raft]") {
  CHECK(Crc32c("123456789") == 0xE3069283u);  // the standard check value
  CHECK(Crc32c("") == 0u);
  // u32 LE length | u32 LE CRC-32C of (type + payload) | type | payload.
  const std::string expected = U32(2) +
                               U32(Crc32c("\x07"
                                          "ab")) +
                               "\x07" + "ab";
  CHECK(EncodeFrames({{7, "ab"}}) == expected);
  CHECK(EncodeFrames({{0, ""}}) == U32(0) + U32(Crc32c(std::string(1, '\0'))) + '\0');

  std::vector<WalRecord> records;
  size_t good = 0;
  std::string reason = "stale";
  CHECK(DecodeFrames(expected + expected, &records, &good, &reason));
  CHECK(records == std::vector<WalRecord>{{7, "ab"}, {7, "ab"}});
  CHECK(good == 2 * expected.size());
  CHECK(reason.empty());
}

TEST_CASE("wal: records of many sizes, empty ones too, come back in order", "[raft]") {
  nodetest::TempDir tmp;
  const std::string dir = tmp.path() + "/a/b";  // created with its parent
  const std::vector<WalRecord> records = MakeRecords(200, 1, 70000);
  {
    std::vector<WalRecord> read;
    WalRecovery recovery;
    auto wal = OpenOk(dir, &read, &recovery);
    CHECK(read.empty());
    CHECK(recovery.records == 0);
    CHECK(wal->size_bytes() == 0);
    CHECK(wal->path() == dir + "/wal");
    // In batches of 1, 2, 3, ... records.
    size_t i = 0;
    for (size_t batch = 1; i < records.size(); ++batch) {
      const size_t end = std::min(records.size(), i + batch);
      REQUIRE(wal->Append({records.begin() + i, records.begin() + end}).ok());
      i = end;
    }
    REQUIRE(wal->Sync().ok());
    CHECK(wal->size_bytes() == EncodeFrames(records).size());
    CHECK(fs::file_size(dir + "/wal") == wal->size_bytes());
  }
  std::vector<WalRecord> read;
  WalRecovery recovery;
  auto wal = OpenOk(dir, &read, &recovery);
  CHECK(read == records);
  CHECK(recovery.records == records.size());
  CHECK(recovery.bytes_kept == EncodeFrames(records).size());
  CHECK(recovery.bytes_cut == 0);
  CHECK(recovery.reason.empty());
  CHECK(wal->size_bytes() == recovery.bytes_kept);
}

TEST_CASE("wal: a reopened log appends after its records", "[raft]") {
  nodetest::TempDir tmp;
  std::vector<WalRecord> all;
  for (int round = 0; round < 4; ++round) {
    std::vector<WalRecord> read;
    WalRecovery recovery;
    auto wal = OpenOk(tmp.path(), &read, &recovery);
    REQUIRE(read == all);
    const std::vector<WalRecord> more = {Json(1, round * 2), Json(2, round * 2 + 1)};
    REQUIRE(wal->Append(more).ok());
    REQUIRE(wal->Sync().ok());
    all.insert(all.end(), more.begin(), more.end());
  }
  std::vector<WalRecord> read;
  WalRecovery recovery;
  OpenOk(tmp.path(), &read, &recovery);
  CHECK(read == all);
  CHECK(read.size() == 8);
}

TEST_CASE("wal: a torn last frame is cut at every byte offset, and appends go on", "[raft]") {
  nodetest::TempDir tmp;
  const std::vector<WalRecord> records = {Json(1, 1), {2, ""}, Json(3, 3), Json(4, 4)};
  const std::string full = WriteLog(tmp.path() + "/full", records);
  const std::string last = EncodeFrames({records.back()});
  const size_t head = full.size() - last.size();
  const std::vector<WalRecord> kept(records.begin(), records.end() - 1);

  for (size_t torn = 0; torn < last.size(); ++torn) {
    INFO("the last frame's first " << torn << " of " << last.size() << " bytes");
    const std::string dir = tmp.path() + "/torn" + std::to_string(torn);
    fs::create_directories(dir);
    WriteFile(dir + "/wal", full.substr(0, head + torn));
    {
      std::vector<WalRecord> read;
      WalRecovery recovery;
      auto wal = OpenOk(dir, &read, &recovery);
      CHECK(read == kept);
      CHECK(recovery.records == kept.size());
      CHECK(recovery.bytes_kept == head);
      CHECK(recovery.bytes_cut == torn);
      CHECK(recovery.reason == (torn == 0                     ? ""
                                : torn < kWalFrameHeaderBytes ? kWalTornHeader
                                                              : kWalTornPayload));
      CHECK(fs::file_size(dir + "/wal") == head);
      CHECK(wal->size_bytes() == head);
      REQUIRE(wal->Append({Json(9, 9)}).ok());
      REQUIRE(wal->Sync().ok());
    }
    std::vector<WalRecord> read;
    WalRecovery recovery;
    OpenOk(dir, &read, &recovery);
    std::vector<WalRecord> expected = kept;
    expected.push_back(Json(9, 9));
    CHECK(read == expected);
    CHECK(recovery.reason.empty());
    CHECK(recovery.bytes_cut == 0);
  }
}

TEST_CASE("wal: a flipped byte in the last record cuts it with the right reason", "[raft]") {
  nodetest::TempDir tmp;
  const std::vector<WalRecord> records = {Json(1, 1), Json(2, 2), {3, std::string(100, 'p')}};
  const std::string full = WriteLog(tmp.path() + "/full", records);
  const size_t last = full.size() - (kWalFrameHeaderBytes + 100);

  struct Flip {
    const char* what;
    size_t offset;  // from the last frame's start
    uint8_t mask;
    std::string_view reason;
  };
  const std::vector<Flip> flips = {
      {"a payload byte", kWalFrameHeaderBytes + 50, 0x01, kWalChecksumMismatch},
      {"the last payload byte", kWalFrameHeaderBytes + 99, 0x80, kWalChecksumMismatch},
      {"the type byte", 8, 0x01, kWalChecksumMismatch},
      {"a checksum byte", 5, 0x10, kWalChecksumMismatch},
      {"the length, smaller (100 -> 96)", 0, 0x04, kWalChecksumMismatch},
      {"the length, past the end (100 -> 101)", 0, 0x01, kWalTornPayload},
      {"the length, over the bound", 3, 0x80, kWalBadLength},
  };
  for (const Flip& flip : flips) {
    INFO("flipped: " << flip.what);
    const std::string dir = tmp.path() + "/flip" + std::to_string(&flip - flips.data());
    fs::create_directories(dir);
    std::string bytes = full;
    bytes[last + flip.offset] = static_cast<char>(bytes[last + flip.offset] ^ flip.mask);
    WriteFile(dir + "/wal", bytes);
    std::vector<WalRecord> read;
    WalRecovery recovery;
    auto wal = OpenOk(dir, &read, &recovery);
    CHECK(read == std::vector<WalRecord>(records.begin(), records.end() - 1));
    CHECK(recovery.reason == flip.reason);
    CHECK(recovery.bytes_kept == last);
    CHECK(recovery.bytes_cut == full.size() - last);
    CHECK(fs::file_size(dir + "/wal") == last);
  }
}

TEST_CASE("wal: a corrupt record in the middle cuts it and everything after", "[raft]") {
  // No acknowledged record can follow a bad frame (wal.h says why), so nothing after one is
  // trusted.
  const std::vector<WalRecord> records = {Json(1, 1), Json(1, 2), Json(1, 3)};
  std::string bytes = EncodeFrames(records);
  const size_t second = EncodeFrames({records[0]}).size();
  bytes[second + kWalFrameHeaderBytes + 2] ^= 0x20;
  std::vector<WalRecord> read;
  size_t good = 0;
  std::string reason;
  CHECK_FALSE(DecodeFrames(bytes, &read, &good, &reason));
  CHECK(read == std::vector<WalRecord>{records[0]});
  CHECK(good == second);
  CHECK(reason == kWalChecksumMismatch);
}

TEST_CASE("wal: a garbage length is a bad length, never read as a size", "[raft]") {
  // A length past the bound is corruption even when the bytes run out before it: it is
  // judged before the payload is looked for (a naive reader would say "torn payload", or
  // allocate 4 GiB).
  for (const uint32_t length : {0xFFFFFFFFu, kWalMaxPayloadBytes + 1}) {
    INFO("length " << length);
    const std::string bytes = EncodeFrames({Json(1, 1)}) + U32(length) + U32(0) + "\x01" + "xyz";
    std::vector<WalRecord> read;
    size_t good = 0;
    std::string reason;
    CHECK_FALSE(DecodeFrames(bytes, &read, &good, &reason));
    CHECK(reason == kWalBadLength);
    CHECK(read.size() == 1);
    CHECK(good == EncodeFrames({Json(1, 1)}).size());
  }
  // At the bound it is a length like any other, here longer than the bytes.
  std::vector<WalRecord> read;
  size_t good = 0;
  std::string reason;
  CHECK_FALSE(
      DecodeFrames(U32(kWalMaxPayloadBytes) + U32(0) + "\x01" + "xyz", &read, &good, &reason));
  CHECK(reason == kWalTornPayload);
  CHECK(good == 0);

  nodetest::TempDir tmp;
  WriteFile(tmp.path() + "/wal", U32(0xFFFFFFF0u) + std::string(64, 'g'));
  WalRecovery recovery;
  OpenOk(tmp.path(), &read, &recovery);
  CHECK(read.empty());
  CHECK(recovery.reason == kWalBadLength);
  CHECK(recovery.bytes_cut == 68);
  CHECK(fs::file_size(tmp.path() + "/wal") == 0);
}

TEST_CASE("wal: a payload over the bound is refused and the log stays usable", "[raft]") {
  nodetest::TempDir tmp;
  std::vector<WalRecord> read;
  WalRecovery recovery;
  auto wal = OpenOk(tmp.path(), &read, &recovery);
  REQUIRE(wal->Append({Json(1, 1)}).ok());
  const Status refused = wal->Append({Json(1, 2), {1, std::string(kWalMaxPayloadBytes + 1, 'x')}});
  CHECK_FALSE(refused.ok());
  CHECK(refused.message().find(tmp.path() + "/wal") != std::string::npos);
  CHECK(refused.message().find("over the limit") != std::string::npos);
  REQUIRE(wal->Append({Json(1, 3)}).ok());
  REQUIRE(wal->Sync().ok());
  wal.reset();
  OpenOk(tmp.path(), &read, &recovery);
  CHECK(read == std::vector<WalRecord>{Json(1, 1), Json(1, 3)});
}

TEST_CASE("wal: Rewrite replaces the log, and appends go on in the new file", "[raft]") {
  nodetest::TempDir tmp;
  std::vector<WalRecord> read;
  WalRecovery recovery;
  auto wal = OpenOk(tmp.path(), &read, &recovery);
  REQUIRE(wal->Append(MakeRecords(50, 2)).ok());
  REQUIRE(wal->Sync().ok());
  const std::vector<WalRecord> snapshot = {{9, R"({"snapshot":{"index":50}})"}, Json(1, 51)};
  REQUIRE(wal->Rewrite(snapshot).ok());
  CHECK(wal->size_bytes() == EncodeFrames(snapshot).size());
  CHECK_FALSE(fs::exists(tmp.path() + "/wal.tmp"));
  REQUIRE(wal->Append({Json(1, 52)}).ok());
  REQUIRE(wal->Sync().ok());
  CHECK(fs::file_size(tmp.path() + "/wal") == wal->size_bytes());
  wal.reset();

  std::vector<WalRecord> expected = snapshot;
  expected.push_back(Json(1, 52));
  wal = OpenOk(tmp.path(), &read, &recovery);
  CHECK(read == expected);
  CHECK(recovery.reason.empty());

  // Twice in a row, the second one to nothing.
  REQUIRE(wal->Rewrite({Json(2, 1)}).ok());
  REQUIRE(wal->Rewrite({}).ok());
  CHECK(wal->size_bytes() == 0);
  wal.reset();
  OpenOk(tmp.path(), &read, &recovery);
  CHECK(read.empty());
}

TEST_CASE("wal: a leftover wal.tmp is removed at Open and the old log is kept", "[raft]") {
  nodetest::TempDir tmp;
  const std::vector<WalRecord> records = {Json(1, 1), Json(1, 2)};
  WriteLog(tmp.path(), records);
  // A Rewrite that died before its rename: a whole log, or a torn one.
  for (const std::string& leftover :
       {EncodeFrames({Json(7, 7)}), EncodeFrames({Json(7, 7)}).substr(0, 5)}) {
    WriteFile(tmp.path() + "/wal.tmp", leftover);
    std::vector<WalRecord> read;
    WalRecovery recovery;
    auto wal = OpenOk(tmp.path(), &read, &recovery);
    CHECK(read == records);
    CHECK_FALSE(fs::exists(tmp.path() + "/wal.tmp"));
    // Rewrite still works after it (O_TRUNC on a stale one would too).
    REQUIRE(wal->Rewrite(records).ok());
  }
}

TEST_CASE("wal: errors name the file and the call that failed", "[raft]") {
  nodetest::TempDir tmp;
  const std::string file = tmp.path() + "/plain";
  WriteFile(file, "not a folder");
  std::vector<WalRecord> read;
  WalRecovery recovery;

  auto under = Wal::Open(file + "/sub", &read, &recovery);
  REQUIRE_FALSE(under.ok());
  CHECK(under.message() == "wal " + file + "/sub/wal: mkdir " + file + "/sub: Not a directory");

  auto at = Wal::Open(file, &read, &recovery);
  REQUIRE_FALSE(at.ok());
  CHECK(at.message() == "wal " + file + "/wal: open: Not a directory");

  CHECK_FALSE(Wal::Open("", &read, &recovery).ok());
}

// Sets RLIMIT_FSIZE's soft limit for its lifetime, with SIGXFSZ ignored (so a write past it
// fails with EFBIG instead of killing the process).
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    REQUIRE(getrlimit(RLIMIT_FSIZE, &old_) == 0);
    old_handler_ = signal(SIGXFSZ, SIG_IGN);
    rlimit limit = old_;
    limit.rlim_cur = bytes;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &limit) == 0);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit old_{};
  sighandler_t old_handler_ = SIG_DFL;
};

TEST_CASE("wal: after a failed write the log refuses more, and a reopen recovers", "[raft]") {
  nodetest::TempDir tmp;
  std::vector<WalRecord> read;
  WalRecovery recovery;
  auto wal = OpenOk(tmp.path(), &read, &recovery);
  const std::vector<WalRecord> synced = {Json(1, 1), Json(1, 2)};
  REQUIRE(wal->Append(synced).ok());
  REQUIRE(wal->Sync().ok());
  const uint64_t size = wal->size_bytes();
  {
    FileSizeLimit limit(size + 20);  // the next frame gets 20 bytes in, then EFBIG
    const Status failed = wal->Append({{1, std::string(100, 'z')}});
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.message() == "wal " + tmp.path() + "/wal: write: File too large");
    CHECK(fs::file_size(tmp.path() + "/wal") == size + 20);
  }
  // The limit is gone, but the log has a torn frame in it: it must not write after it.
  CHECK(wal->Append({Json(1, 3)}).message() == "wal " + tmp.path() + "/wal: write: File too large");
  CHECK_FALSE(wal->Sync().ok());
  CHECK_FALSE(wal->Rewrite({}).ok());
  CHECK(fs::file_size(tmp.path() + "/wal") == size + 20);
  wal.reset();

  wal = OpenOk(tmp.path(), &read, &recovery);
  CHECK(read == synced);
  CHECK(recovery.reason == kWalTornPayload);
  CHECK(recovery.bytes_cut == 20);
  REQUIRE(wal->Append({Json(1, 3)}).ok());
}

// ---- On coordcheck-syncfs: crashes that forget what was not synced.

// How many of `records`' frames lie whole within the first `bytes` bytes of their encoding,
// and the bytes of those frames.
std::pair<size_t, size_t> WholeFrames(const std::vector<WalRecord>& records, uint64_t bytes) {
  size_t n = 0, end = 0;
  for (const WalRecord& r : records) {
    const size_t next = end + kWalFrameHeaderBytes + r.payload.size();
    if (next > bytes) break;
    end = next;
    ++n;
  }
  return {n, end};
}

TEST_CASE("wal: on syncfs a crash keeps every synced record and cuts the torn tail",
          "[raft][root]") {
  const uint64_t seed = std::random_device{}();
  INFO("seed " << seed);
  nodetest::SyncfsMount mount;
  std::mt19937_64 rng(seed);

  // One case per log, each in a folder Open creates in the mount (which must survive the
  // drop too): unsynced records in one Append (one write) or in several, dropped with a
  // torn prefix of the newest write or without.
  for (int i = 0; i < 24; ++i) {
    const bool torn = i % 4 != 3;
    const bool one_write = i % 2 == 0;
    const uint64_t torn_seed = rng();
    INFO("case " << i << (torn ? ", torn seed " + std::to_string(torn_seed) : ", not torn")
                 << (one_write ? ", one unsynced write" : ", several unsynced writes"));
    const std::string dir = mount.mnt + "/raft/log" + std::to_string(i);
    const std::vector<WalRecord> synced = MakeRecords(1 + rng() % 20, rng(), 400);
    const std::vector<WalRecord> unsynced = MakeRecords(2 + rng() % 10, rng(), 400);
    uint64_t synced_bytes = 0;
    {
      std::vector<WalRecord> read;
      WalRecovery recovery;
      auto wal = OpenOk(dir, &read, &recovery);
      REQUIRE(wal->Append(synced).ok());
      REQUIRE(wal->Sync().ok());  // acknowledged from here on
      synced_bytes = wal->size_bytes();
      if (one_write) {
        REQUIRE(wal->Append(unsynced).ok());
      } else {
        for (const WalRecord& r : unsynced) REQUIRE(wal->Append({r}).ok());
      }
      // The process dies: its descriptors close, nothing more is synced.
    }
    const nlohmann::json dropped =
        torn ? mount.Ctl({"drop", "--torn", std::to_string(torn_seed)}) : mount.Ctl({"drop"});
    INFO("drop: " << dropped.dump());
    REQUIRE(dropped.is_object());
    CHECK(dropped["dropped_bytes"] > 0);

    // What must come back: the synced records, then — with one unsynced write torn — the
    // unsynced records whose frames the kept prefix holds whole.
    std::vector<WalRecord> expected = synced;
    uint64_t kept_bytes = synced_bytes, cut_bytes = 0;
    std::string reason;
    if (torn) {
      REQUIRE(dropped["torn"].is_object());
      const uint64_t offset = dropped["torn"]["offset"], kept = dropped["torn"]["kept"];
      if (one_write) {
        REQUIRE(offset == synced_bytes);
        REQUIRE(dropped["torn"]["length"] == EncodeFrames(unsynced).size());
        const auto [whole, whole_bytes] = WholeFrames(unsynced, kept);
        expected.insert(expected.end(), unsynced.begin(), unsynced.begin() + whole);
        kept_bytes += whole_bytes;
        cut_bytes = kept - whole_bytes;
        reason = cut_bytes == 0                     ? ""
                 : cut_bytes < kWalFrameHeaderBytes ? kWalTornHeader
                                                    : kWalTornPayload;
      } else {
        // Only the last write's prefix is kept, after a hole where the forgotten writes
        // were: zeros, which no frame's checksum matches.
        REQUIRE(offset ==
                synced_bytes + EncodeFrames({unsynced.begin(), unsynced.end() - 1}).size());
        cut_bytes = offset + kept - synced_bytes;
        reason = kWalChecksumMismatch;
      }
    } else {
      REQUIRE(dropped["torn"].is_null());
    }

    std::vector<WalRecord> read;
    WalRecovery recovery;
    auto wal = OpenOk(dir, &read, &recovery);
    CHECK(read.size() == expected.size());
    CHECK(read == expected);
    CHECK(recovery.reason == reason);
    CHECK(recovery.bytes_kept == kept_bytes);
    CHECK(recovery.bytes_cut == cut_bytes);
    CHECK(fs::file_size(dir + "/wal") == kept_bytes);

    // The cut was made durable: another crash right away brings back the same log, clean.
    wal.reset();
    REQUIRE(mount.Ctl({"drop"}).is_object());
    wal = OpenOk(dir, &read, &recovery);
    CHECK(read == expected);
    CHECK(recovery.reason.empty());
    CHECK(recovery.bytes_cut == 0);

    // Appends after recovery, synced, survive a crash and reopen cleanly.
    REQUIRE(wal->Append({Json(5, i)}).ok());
    REQUIRE(wal->Sync().ok());
    wal.reset();
    REQUIRE(mount.Ctl({"drop", "--torn", std::to_string(torn_seed)}).is_object());
    OpenOk(dir, &read, &recovery);
    expected.push_back(Json(5, i));
    CHECK(read == expected);
    CHECK(recovery.reason.empty());
  }
}

TEST_CASE("wal: on syncfs a Rewrite is durable when it returns", "[raft][root]") {
  nodetest::SyncfsMount mount;
  const std::string dir = mount.mnt + "/raft";
  const std::vector<WalRecord> snapshot = {{9, R"({"snapshot":{"index":30}})"}};
  {
    std::vector<WalRecord> read;
    WalRecovery recovery;
    auto wal = OpenOk(dir, &read, &recovery);
    REQUIRE(wal->Append(MakeRecords(30, 3, 300)).ok());
    REQUIRE(wal->Sync().ok());
    REQUIRE(wal->Rewrite(snapshot).ok());
    REQUIRE(wal->Append({Json(1, 31)}).ok());  // not synced: lost
  }
  REQUIRE(mount.Ctl({"drop"}).is_object());
  std::vector<WalRecord> read;
  WalRecovery recovery;
  OpenOk(dir, &read, &recovery);
  CHECK(read == snapshot);
  CHECK(recovery.reason.empty());
  CHECK_FALSE(fs::exists(dir + "/wal.tmp"));
}

}  // namespace
}  // namespace coordcheck::raft
