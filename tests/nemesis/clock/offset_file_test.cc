// The offset file: format, in-place rewrites, and readers that never see a torn value.
#include "nemesis/clock/offset_file.h"

#include <sys/stat.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <thread>

#include "nemesis/clock/offset_layout.h"
#include "tests/support/node_env.h"

namespace {

using coordcheck::clock::kOffsetFileSize;
using coordcheck::clock::OffsetFile;
using coordcheck::clock::OffsetMapping;

ino_t Inode(const std::string& path) {
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  return st.st_ino;
}

TEST_CASE("an offset file is created at its full size and rewritten in place", "[nemesis][clock]") {
  nodetest::TempDir dir;
  const std::string path = dir.path() + "/a/b/offset";
  auto file = OffsetFile::Create(path);
  INFO(file.message());
  REQUIRE(file.ok());
  CHECK(std::filesystem::file_size(path) == kOffsetFileSize);
  CHECK(nodetest::ReadFile(path).substr(0, 8) == "ccclock1");
  CHECK(*file->Read() == 0);
  const ino_t inode = Inode(path);

  auto mapping = OffsetMapping::Map(path);
  REQUIRE(mapping.ok());
  for (int64_t v : {int64_t{10'000'000'000}, int64_t{-3'000'000'000}, int64_t{1}, INT64_MIN,
                    INT64_MAX, int64_t{0}, int64_t{-7}}) {
    REQUIRE(file->Write(v).ok());
    CHECK(*file->Read() == v);
    CHECK(mapping->Read() == v);  // the mapping made before the writes sees every one
    CHECK(std::filesystem::file_size(path) == kOffsetFileSize);
  }
  CHECK(Inode(path) == inode);

  // Creating it again keeps the file (and so every process's mapping) and sets 0.
  REQUIRE(file->Write(5).ok());
  auto again = OffsetFile::Create(path);
  REQUIRE(again.ok());
  CHECK(Inode(path) == inode);
  CHECK(mapping->Read() == 0);
  auto opened = OffsetFile::Open(path);
  REQUIRE(opened.ok());
  REQUIRE(opened->Write(-42).ok());
  CHECK(mapping->Read() == -42);
  CHECK(*file->Read() == -42);
}

TEST_CASE("anything that is not an offset file is refused and left as it was", "[nemesis][clock]") {
  nodetest::TempDir dir;
  const std::string path = dir.path() + "/offset";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    REQUIRE(f != nullptr);
    std::fputs("not an offset file, and not 64 bytes long", f);
    std::fclose(f);
  }
  const std::string before = nodetest::ReadFile(path);
  auto created = OffsetFile::Create(path);
  REQUIRE(!created.ok());
  CHECK_THAT(created.message(), Catch::Contains(path) && Catch::Contains("size"));
  CHECK(nodetest::ReadFile(path) == before);
  CHECK(!OffsetFile::Open(path).ok());
  CHECK(!OffsetMapping::Map(path).ok());

  std::string wrong_magic(kOffsetFileSize, '\0');
  std::memcpy(wrong_magic.data(), "xxclock1", 8);
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fwrite(wrong_magic.data(), 1, wrong_magic.size(), f);
    std::fclose(f);
  }
  auto opened = OffsetFile::Open(path);
  REQUIRE(!opened.ok());
  CHECK_THAT(opened.message(), Catch::Contains("magic"));
  CHECK(!OffsetFile::Open(dir.path() + "/missing").ok());
}

// A writer flips between two offsets that differ in every byte, as fast as it can, while a
// reader reads through a shared mapping exactly as the preload does.
TEST_CASE("a concurrent reader never sees a torn offset", "[nemesis][clock]") {
  nodetest::TempDir dir;
  const std::string path = dir.path() + "/offset";
  auto file = OffsetFile::Create(path);
  REQUIRE(file.ok());
  constexpr int64_t kA = 0x0123456789abcdef;
  constexpr int64_t kB = -0x1032547698badcff;  // every byte differs from kA's
  REQUIRE(file->Write(kA).ok());
  auto mapping = OffsetMapping::Map(path);
  REQUIRE(mapping.ok());

  std::atomic<bool> stop{false};
  std::atomic<int64_t> reads{0}, torn{0}, seen_a{0}, seen_b{0}, bad_value{0};
  std::thread reader([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      const int64_t v = mapping->Read();
      ++reads;
      if (v == kA) {
        ++seen_a;
      } else if (v == kB) {
        ++seen_b;
      } else {
        ++torn;
        bad_value = v;
      }
    }
  });
  constexpr int kWrites = 100000;
  bool writes_ok = true;
  for (int i = 0; i < kWrites && writes_ok; ++i) writes_ok = file->Write(i % 2 == 0 ? kB : kA).ok();
  stop = true;
  reader.join();
  CHECK(writes_ok);
  INFO("reads " << reads << ", A " << seen_a << ", B " << seen_b << ", torn example " << bad_value);
  CHECK(torn == 0);
  CHECK(seen_a > 0);
  CHECK(seen_b > 0);
  CHECK(mapping->Read() == kA);
}

}  // namespace
