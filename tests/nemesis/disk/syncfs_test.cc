// SyncFs without FUSE (no root): the filesystem's calls on a real backing folder — what
// reads and sizes show, what fsync writes to the backing file, what a drop forgets, and
// which write a torn drop cuts.
#include "nemesis/disk/syncfs.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "tests/support/node_env.h"

namespace coordcheck::syncfs {
namespace {

using nodetest::ReadFile;

struct Fs {
  nodetest::TempDir tmp;
  std::string backing = tmp.path() + "/backing";
  SyncFs fs{backing, tmp.path() + "/trash"};
  Fs() {
    std::filesystem::create_directories(backing);
    REQUIRE(fs.Init().ok());
  }
  Handle* Create(const std::string& path) {
    Handle* h = nullptr;
    REQUIRE(fs.Create(path, 0644, O_WRONLY, 0, 0, &h) == 0);
    return h;
  }
  Handle* Open(const std::string& path, int flags) {
    Handle* h = nullptr;
    REQUIRE(fs.Open(path, flags, &h) == 0);
    return h;
  }
  void Write(Handle* h, const std::string& data, off_t offset) {
    REQUIRE(fs.Write(h, data.data(), data.size(), offset) == static_cast<int>(data.size()));
  }
  std::string Read(Handle* h) {
    std::string buf(4096, '\0');
    const int n = fs.Read(h, buf.data(), buf.size(), 0);
    REQUIRE(n >= 0);
    buf.resize(static_cast<size_t>(n));
    return buf;
  }
  off_t Size(const std::string& path) {
    struct stat st;
    REQUIRE(fs.GetAttr(path.c_str(), &st, nullptr) == 0);
    return st.st_size;
  }
  void SyncRoot() { REQUIRE(fs.FsyncDir("/", -1) == 0); }
};

}  // namespace

TEST_CASE("syncfs: writes show at once and reach the backing file only at fsync") {
  Fs f;
  Handle* h = f.Create("/log");
  f.Write(h, "one\n", 0);
  f.Write(h, "two\n", 4);
  CHECK(f.Read(h) == "one\ntwo\n");
  CHECK(f.Size("/log") == 8);
  CHECK(ReadFile(f.backing + "/log").empty());
  CHECK(f.fs.Pending().bytes == 8);
  REQUIRE(f.fs.Fsync(nullptr, h) == 0);
  CHECK(ReadFile(f.backing + "/log") == "one\ntwo\n");
  CHECK(f.fs.Pending().bytes == 0);
  CHECK(f.fs.Pending().entries == 1);  // the create, until its directory is synced
  f.SyncRoot();
  CHECK(f.fs.Pending().entries == 0);
  f.fs.Release(h);
}

TEST_CASE("syncfs: an O_TRUNC open and a cut-then-grow are cached, then flushed exactly") {
  Fs f;
  std::ofstream(f.backing + "/f") << "abcdef";
  Handle* h = f.Open("/f", O_WRONLY | O_TRUNC);
  CHECK(f.Size("/f") == 0);
  CHECK(ReadFile(f.backing + "/f") == "abcdef");
  f.Write(h, "xy", 4);  // bytes 0..3 are a hole now, not the durable "abcd"
  CHECK(f.Read(h) == std::string("\0\0\0\0xy", 6));
  REQUIRE(f.fs.Fsync(nullptr, h) == 0);
  CHECK(ReadFile(f.backing + "/f") == std::string("\0\0\0\0xy", 6));
  f.fs.Release(h);
}

TEST_CASE("syncfs: a drop forgets data and entries, and torn keeps a prefix of the newest write") {
  Fs f;
  std::ofstream(f.backing + "/a") << "A:";
  std::ofstream(f.backing + "/b") << "B:";
  Handle* a = f.Open("/a", O_WRONLY | O_APPEND);
  Handle* b = f.Open("/b", O_WRONLY | O_APPEND);
  f.Write(b, "older write to b", 2);
  f.Write(a, "newest write, to a", 2);
  Handle* c = f.Create("/c");
  f.Write(c, "synced, but its entry is not", 0);
  REQUIRE(f.fs.Fsync(nullptr, c) == 0);
  // The newest unsynced write is a's (c's was synced).
  const DropReport r = f.fs.Drop(uint64_t{42});
  CHECK(r.errors.empty());
  CHECK(r.files == 2);
  CHECK(r.entries == 1);
  REQUIRE(r.torn);
  CHECK(r.torn_offset == 2);
  CHECK(r.torn_length == 18);
  CHECK(r.torn_kept >= 1);
  CHECK(r.torn_kept < 18);
  CHECK(r.bytes == 16 + 18 - r.torn_kept);
  CHECK(ReadFile(f.backing + "/a") ==
        "A:" + std::string("newest write, to a").substr(0, r.torn_kept));
  CHECK(ReadFile(f.backing + "/b") == "B:");
  CHECK_FALSE(std::filesystem::exists(f.backing + "/c"));
  CHECK(f.Read(b) == "B:");  // what a reader sees now is the backing file
  for (Handle* h : {a, b, c}) f.fs.Release(h);
}

TEST_CASE("syncfs: a clean stop writes back every file and commits every entry") {
  Fs f;
  Handle* h = f.Create("/x");
  f.Write(h, "cached", 0);
  REQUIRE(f.fs.SyncAll().ok());
  CHECK(ReadFile(f.backing + "/x") == "cached");
  const DropReport r = f.fs.Drop(std::nullopt);
  CHECK(r.bytes == 0);
  CHECK(r.entries == 0);
  CHECK(std::filesystem::exists(f.backing + "/x"));
  f.fs.Release(h);
}

}  // namespace coordcheck::syncfs
