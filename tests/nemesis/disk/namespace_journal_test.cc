// NamespaceJournal on a real folder (no FUSE, no root): a drop undoes every unsynced entry
// change, newest first; a directory fsync commits what changed that directory and
// everything before it.
#include "nemesis/disk/namespace_journal.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>

#include "tests/support/node_env.h"

namespace coordcheck::syncfs {
namespace {

namespace fs = std::filesystem;

// Every path under `root` with the content of each file ("dir/" for folders).
std::set<std::string> Tree(const std::string& root) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    const std::string rel = fs::relative(e.path(), root).string();
    out.insert(e.is_directory() ? rel + "/" : rel + "=" + nodetest::ReadFile(e.path().string()));
  }
  return out;
}

void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

struct Folder {
  nodetest::TempDir tmp;
  std::string root = tmp.path() + "/root";
  std::string trash = tmp.path() + "/trash";
  NamespaceJournal journal{root, trash};
  Folder() {
    fs::create_directories(root);
    REQUIRE(journal.Init().ok());
  }
  struct stat Stat(const std::string& path) {
    struct stat st;
    REQUIRE(::stat(journal.Backing(path).c_str(), &st) == 0);
    return st;
  }
};

}  // namespace

TEST_CASE("a drop undoes unsynced creates, unlinks, renames and mkdirs, newest first") {
  Folder f;
  Write(f.root + "/kept", "old");
  Write(f.root + "/gone", "g");
  const auto before = Tree(f.root);

  REQUIRE(f.journal.Mkdir("/d", 0755, 0, 0) == 0);
  Write(f.root + "/d/new", "n");
  f.journal.Created("/d/new", false);
  REQUIRE(f.journal.Unlink("/gone") == 0);
  REQUIRE(f.journal.Rename("/d/new", "/kept", 0) == 0);  // replaces kept
  REQUIRE(f.journal.Link("/kept", "/hard") == 0);
  REQUIRE(f.journal.Symlink("kept", "/sym", 0, 0) == 0);
  CHECK(nodetest::ReadFile(f.root + "/kept") == "n");
  CHECK_FALSE(fs::exists(f.root + "/gone"));

  std::vector<std::string> errors;
  CHECK(f.journal.Drop(&errors) == 7);  // mkdir, create, unlink, trash kept, rename, link, symlink
  CHECK(errors.empty());
  CHECK(Tree(f.root) == before);
  CHECK(fs::is_empty(f.trash));
}

TEST_CASE("a directory fsync commits its changes and every older one, and the rest is undone") {
  Folder f;
  REQUIRE(f.journal.Mkdir("/a", 0755, 0, 0) == 0);
  REQUIRE(f.journal.Mkdir("/b", 0755, 0, 0) == 0);
  f.journal.SyncDir(f.Stat("/"));  // both mkdirs are durable now
  Write(f.root + "/b/early", "1");
  f.journal.Created("/b/early", false);
  Write(f.root + "/a/x", "x");
  f.journal.Created("/a/x", false);
  Write(f.root + "/b/late", "2");
  f.journal.Created("/b/late", false);
  f.journal.SyncDir(f.Stat("/a"));  // commits /a/x and /b/early before it, not /b/late
  CHECK(f.journal.pending() == 1);
  std::vector<std::string> errors;
  CHECK(f.journal.Drop(&errors) == 1);
  CHECK(Tree(f.root) == std::set<std::string>{"a/", "b/", "a/x=x", "b/early=1"});
}

TEST_CASE("a committed unlink leaves nothing in the trash, and a renamed directory is still known") {
  Folder f;
  REQUIRE(f.journal.Mkdir("/d", 0755, 0, 0) == 0);
  f.journal.SyncDir(f.Stat("/"));
  Write(f.root + "/d/f", "f");
  f.journal.Created("/d/f", false);
  REQUIRE(f.journal.Rename("/d", "/e", 0) == 0);
  f.journal.SyncDir(f.Stat("/e"));  // /d/f's directory, now named /e
  REQUIRE(f.journal.Unlink("/e/f") == 0);
  CHECK_FALSE(fs::is_empty(f.trash));
  f.journal.SyncDir(f.Stat("/e"));
  CHECK(f.journal.pending() == 0);
  CHECK(fs::is_empty(f.trash));
  CHECK(Tree(f.root) == std::set<std::string>{"e/"});
}

TEST_CASE("rename refuses what rename(2) refuses, before anything moves") {
  Folder f;
  REQUIRE(f.journal.Mkdir("/d", 0755, 0, 0) == 0);
  Write(f.root + "/d/x", "x");
  Write(f.root + "/file", "f");
  CHECK(f.journal.Rename("/file", "/d", 0) == -EISDIR);
  CHECK(f.journal.Rename("/file", "/d/x", RENAME_NOREPLACE) == -EEXIST);
  CHECK(f.journal.Rename("/missing", "/y", 0) == -ENOENT);
  CHECK(f.journal.Rmdir("/d") == -ENOTEMPTY);
  CHECK(f.journal.pending() == 1);  // the mkdir only
}

}  // namespace coordcheck::syncfs
