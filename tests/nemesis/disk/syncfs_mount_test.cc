// coordcheck-syncfs mounted for real (FUSE: root), tested by effect: a program writes, is
// SIGKILLed, the mount drops what was not synced, and the file is read back.
//   - data written and not fsynced is gone; fsynced (file and directory) it is kept;
//   - a new file whose directory was not synced disappears, even when the file was fsynced;
//   - before the drop, other readers see the unsynced data (contents and size);
//   - torn-write mode leaves a strict, non-empty prefix of the last write;
//   - status counts what is pending; a SIGTERM writes everything back and unmounts.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "harness/control/mounts.h"
#include "tests/support/node_env.h"
#include "tests/support/syncfs_mount.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using nodetest::ReadFile;

using Mount = nodetest::SyncfsMount;
using nodetest::RunCaptured;
using nodetest::SpawnPiped;

// Runs cc_disk_writer with `args`, waits for "written", SIGKILLs it.
void WriteAndCrash(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {CC_DISK_WRITER};
  argv.insert(argv.end(), args.begin(), args.end());
  int fd;
  const pid_t pid = SpawnPiped(argv, &fd);
  std::string out;
  char c;
  while (out.find("written\n") == std::string::npos && read(fd, &c, 1) == 1) out += c;
  close(fd);
  kill(pid, SIGKILL);
  int status;
  waitpid(pid, &status, 0);
  REQUIRE(out == "written\n");
  REQUIRE((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
}

// A file in the mount made durable: written, fsynced, its directory fsynced.
void Durable(Mount& m, const std::string& name, const std::string& text) {
  WriteAndCrash({"--fsync", "--fsync-dir", m.mnt + "/" + name, text});
}

}  // namespace

TEST_CASE("data written without fsync is gone after a crash and a drop", "[root]") {
  Mount m;
  Durable(m, "log", "synced\n");
  WriteAndCrash({"--append", m.mnt + "/log", "lost\n"});
  WriteAndCrash({m.mnt + "/new", "lost too\n"});
  // Before the drop the written data is there for every reader.
  CHECK(ReadFile(m.mnt + "/log") == "synced\nlost\n");
  CHECK(fs::file_size(m.mnt + "/log") == 12);
  CHECK(ReadFile(m.mnt + "/new") == "lost too\n");
  CHECK(ReadFile(m.backing + "/log") == "synced\n");
  const json status = m.Ctl({"status"});
  CHECK(status["unsynced_bytes"] == 5 + 9);
  CHECK(status["unsynced_files"] == 2);
  CHECK(status["unsynced_entries"] == 1);

  const json dropped = m.Ctl({"drop"});
  REQUIRE(dropped.is_object());
  CHECK(dropped["dropped_bytes"] == 14);
  CHECK(dropped["undone_entries"] == 1);
  CHECK(dropped["torn"].is_null());
  CHECK(ReadFile(m.mnt + "/log") == "synced\n");
  CHECK(fs::file_size(m.mnt + "/log") == 7);
  CHECK_FALSE(fs::exists(m.mnt + "/new"));
  CHECK(m.Ctl({"status"})["unsynced_bytes"] == 0);
}

TEST_CASE("data fsynced, with its directory, survives a crash and a drop", "[root]") {
  Mount m;
  Durable(m, "a", "kept\n");
  WriteAndCrash({"--append", "--fsync", m.mnt + "/a", "kept too\n"});
  REQUIRE(m.Ctl({"drop"}).is_object());
  CHECK(ReadFile(m.mnt + "/a") == "kept\nkept too\n");
}

TEST_CASE("a new file whose directory was not synced disappears, fsynced or not", "[root]") {
  Mount m;
  Durable(m, "old", "o");
  WriteAndCrash({"--fsync", m.mnt + "/g", "fsynced data, unsynced entry"});
  WriteAndCrash({m.mnt + "/h", "nothing synced"});
  CHECK(fs::exists(m.mnt + "/g"));
  REQUIRE(m.Ctl({"drop"})["undone_entries"] == 2);
  CHECK_FALSE(fs::exists(m.mnt + "/g"));
  CHECK_FALSE(fs::exists(m.mnt + "/h"));
  CHECK(ReadFile(m.mnt + "/old") == "o");
}

TEST_CASE("an unlink and a rename not synced are undone by a drop", "[root]") {
  Mount m;
  Durable(m, "one", "1");
  Durable(m, "two", "2");
  fs::remove(m.mnt + "/one");
  fs::rename(m.mnt + "/two", m.mnt + "/three");
  REQUIRE(m.Ctl({"drop"}).is_object());
  CHECK(ReadFile(m.mnt + "/one") == "1");
  CHECK(ReadFile(m.mnt + "/two") == "2");
  CHECK_FALSE(fs::exists(m.mnt + "/three"));
}

TEST_CASE("torn-write mode keeps a strict prefix of the last write", "[root]") {
  const uint64_t seed = std::random_device{}();
  INFO("seed " << seed);
  Mount m;
  Durable(m, "log", "head\n");
  std::string last(1000, 'x');
  for (size_t i = 0; i < last.size(); ++i) last[i] = static_cast<char>('a' + i % 26);
  WriteAndCrash({"--append", m.mnt + "/log", last});
  const json dropped = m.Ctl({"drop", "--torn", std::to_string(seed)});
  REQUIRE(dropped.is_object());
  const std::string after = ReadFile(m.mnt + "/log");
  REQUIRE(after.size() > 5);
  REQUIRE(after.size() < 5 + last.size());
  CHECK(after == "head\n" + last.substr(0, after.size() - 5));
  CHECK(dropped["torn"]["kept"] == after.size() - 5);
  CHECK(dropped["torn"]["length"] == 1000);
  CHECK(dropped["torn"]["offset"] == 5);
  // The same seed keeps the same length.
  Mount again;
  Durable(again, "log", "head\n");
  WriteAndCrash({"--append", again.mnt + "/log", last});
  CHECK(again.Ctl({"drop", "--torn", std::to_string(seed)})["torn"] == dropped["torn"]);
}

TEST_CASE("a stopped daemon writes everything back and unmounts", "[root]") {
  auto m = std::make_unique<Mount>();
  WriteAndCrash({m->mnt + "/f", "unsynced"});
  const std::string backing = m->backing, mnt = m->mnt;
  kill(m->pid(), SIGTERM);
  REQUIRE(nodetest::WaitUntil([&] { return !coordcheck::control::IsMountPoint(mnt); },
                              std::chrono::seconds(10)));
  CHECK(ReadFile(backing + "/f") == "unsynced");
  m.reset();
}

TEST_CASE("ctl names the mount when its daemon cannot be reached", "[root]") {
  nodetest::TempDir tmp;
  std::string out;
  CHECK(RunCaptured({Mount::Program(), "ctl", "--socket", tmp.path() + "/none.sock", "--mount",
                     "/some/mount", "status"},
                    &out, /*errors=*/true) == 1);
  CHECK(out.find("/some/mount") != std::string::npos);
}
