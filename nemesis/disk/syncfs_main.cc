// coordcheck-syncfs: the filesystem of the disk faults (SyncFs, syncfs.h, says what is
// durable and what a drop forgets) as a FUSE daemon, and the command that controls it.
//
//   coordcheck-syncfs mount --backing DIR --mountpoint DIR --socket PATH [--trash DIR]
//       Mounts (as root: allow_other, default_permissions) and serves in the foreground
//       until SIGTERM/SIGINT or an unmount; then writes everything cached to the backing
//       folder, commits every entry and unmounts. The control socket answers once the
//       mount is in place. The trash folder (NamespaceJournal) defaults to DIR.trash next
//       to the backing folder.
//   coordcheck-syncfs ctl --socket PATH [--mount DIR] [--timeout-ms T] [--wait-ms W] CMD
//       CMD: status | drop | drop --torn SEED. Prints the daemon's answer (one JSON
//       object: "mount", and for drop "dropped_bytes", "dropped_files", "undone_entries",
//       "torn": {"offset", "kept", "length"} or null; for status "unsynced_bytes",
//       "unsynced_files", "unsynced_entries"). Bounded by T ms (default 5000); with W it
//       keeps trying to connect for up to W ms (to wait for a mount coming up). Errors name
//       the mount (DIR, else the socket).
//
// Exit codes: 0 ok, 1 runtime error, 2 bad arguments.
//
// A daemon that is SIGKILLed leaves a dead mount ("Transport endpoint is not connected")
// and loses its cache (the backing folder holds what was synced, and every unsynced entry
// change as made; unsynced unlinks stay in the trash). Remove such a mount with
// `fusermount3 -u -z DIR` or `umount -l DIR`; `coordcheck clean` does so for the mounts a
// run's ledger lists.
#define FUSE_USE_VERSION 31

#include <fcntl.h>
#include <fuse3/fuse.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <dirent.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "nemesis/disk/syncfs.h"

namespace {

using coordcheck::syncfs::Handle;
using coordcheck::syncfs::NamespaceJournal;
using coordcheck::syncfs::SyncFs;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

SyncFs* Fs() { return static_cast<SyncFs*>(fuse_get_context()->private_data); }
Handle* H(fuse_file_info* fi) {
  return fi != nullptr ? reinterpret_cast<Handle*>(fi->fh) : nullptr;
}
std::string B(const char* path) { return Fs()->Backing(path); }

// ---- FUSE operations: SyncFs for data and entries, the backing folder for the rest.

void* Init(fuse_conn_info* conn, fuse_config* cfg) {
  (void)conn;
  // No kernel caching across opens and lookups: after a drop the backing state shows.
  cfg->entry_timeout = 0;
  cfg->attr_timeout = 0;
  cfg->negative_timeout = 0;
  cfg->kernel_cache = 0;
  cfg->auto_cache = 0;
  cfg->hard_remove = 1;  // unlink an open file for real, no .fuse_hidden renames
  cfg->use_ino = 1;
  cfg->nullpath_ok = 1;
  return fuse_get_context()->private_data;
}

int GetAttr(const char* path, struct stat* st, fuse_file_info* fi) {
  return Fs()->GetAttr(path, st, H(fi));
}

int Access(const char* path, int mask) { return access(B(path).c_str(), mask) < 0 ? -errno : 0; }

int ReadLink(const char* path, char* buf, size_t size) {
  const ssize_t n = readlink(B(path).c_str(), buf, size - 1);
  if (n < 0) return -errno;
  buf[n] = '\0';
  return 0;
}

int OpenDir(const char* path, fuse_file_info* fi) {
  DIR* d = opendir(B(path).c_str());
  if (d == nullptr) return -errno;
  fi->fh = reinterpret_cast<uint64_t>(d);
  return 0;
}

int ReadDir(const char* path, void* buf, fuse_fill_dir_t filler, off_t offset, fuse_file_info* fi,
            fuse_readdir_flags flags) {
  (void)path;
  (void)offset;
  (void)flags;
  DIR* d = reinterpret_cast<DIR*>(fi->fh);
  rewinddir(d);
  while (dirent* e = readdir(d)) {
    struct stat st {};
    st.st_ino = e->d_ino;
    st.st_mode = static_cast<mode_t>(DTTOIF(e->d_type));
    if (filler(buf, e->d_name, &st, 0, static_cast<fuse_fill_dir_flags>(0)) != 0) break;
  }
  return 0;
}

int ReleaseDir(const char* path, fuse_file_info* fi) {
  (void)path;
  closedir(reinterpret_cast<DIR*>(fi->fh));
  return 0;
}

int FsyncDir(const char* path, int datasync, fuse_file_info* fi) {
  (void)datasync;
  return Fs()->FsyncDir(path, fi != nullptr ? dirfd(reinterpret_cast<DIR*>(fi->fh)) : -1);
}

int Mknod(const char* path, mode_t mode, dev_t rdev) {
  const auto* ctx = fuse_get_context();
  return Fs()->Namespace(
      [&](NamespaceJournal& j) { return j.Mknod(path, mode, rdev, ctx->uid, ctx->gid); });
}

int Mkdir(const char* path, mode_t mode) {
  const auto* ctx = fuse_get_context();
  return Fs()->Namespace(
      [&](NamespaceJournal& j) { return j.Mkdir(path, mode, ctx->uid, ctx->gid); });
}

int Symlink(const char* target, const char* path) {
  const auto* ctx = fuse_get_context();
  return Fs()->Namespace(
      [&](NamespaceJournal& j) { return j.Symlink(target, path, ctx->uid, ctx->gid); });
}

int Unlink(const char* path) {
  return Fs()->Namespace([&](NamespaceJournal& j) { return j.Unlink(path); });
}

int Rmdir(const char* path) {
  return Fs()->Namespace([&](NamespaceJournal& j) { return j.Rmdir(path); });
}

int Rename(const char* from, const char* to, unsigned int flags) {
  return Fs()->Namespace([&](NamespaceJournal& j) { return j.Rename(from, to, flags); });
}

int Link(const char* from, const char* to) {
  return Fs()->Namespace([&](NamespaceJournal& j) { return j.Link(from, to); });
}

int Chmod(const char* path, mode_t mode, fuse_file_info* fi) {
  const int r = fi != nullptr ? fchmod(H(fi)->fd, mode) : chmod(B(path).c_str(), mode);
  return r < 0 ? -errno : 0;
}

int Chown(const char* path, uid_t uid, gid_t gid, fuse_file_info* fi) {
  const int r = fi != nullptr ? fchown(H(fi)->fd, uid, gid) : lchown(B(path).c_str(), uid, gid);
  return r < 0 ? -errno : 0;
}

int Utimens(const char* path, const timespec tv[2], fuse_file_info* fi) {
  const int r = fi != nullptr ? futimens(H(fi)->fd, tv)
                              : utimensat(AT_FDCWD, B(path).c_str(), tv, AT_SYMLINK_NOFOLLOW);
  return r < 0 ? -errno : 0;
}

int Truncate(const char* path, off_t size, fuse_file_info* fi) {
  return Fs()->Truncate(path, size, H(fi));
}

int Open(const char* path, fuse_file_info* fi) {
  Handle* h = nullptr;
  if (int r = Fs()->Open(path, fi->flags, &h); r < 0) return r;
  fi->fh = reinterpret_cast<uint64_t>(h);
  return 0;
}

int Create(const char* path, mode_t mode, fuse_file_info* fi) {
  const auto* ctx = fuse_get_context();
  Handle* h = nullptr;
  if (int r = Fs()->Create(path, mode, fi->flags, ctx->uid, ctx->gid, &h); r < 0) return r;
  fi->fh = reinterpret_cast<uint64_t>(h);
  return 0;
}

int Read(const char* path, char* buf, size_t size, off_t offset, fuse_file_info* fi) {
  (void)path;
  return Fs()->Read(H(fi), buf, size, offset);
}

int Write(const char* path, const char* buf, size_t size, off_t offset, fuse_file_info* fi) {
  (void)path;
  return Fs()->Write(H(fi), buf, size, offset);
}

int Release(const char* path, fuse_file_info* fi) {
  (void)path;
  return Fs()->Release(H(fi));
}

int Fsync(const char* path, int datasync, fuse_file_info* fi) {
  (void)datasync;
  return Fs()->Fsync(path, H(fi));
}

int StatFs(const char* path, struct statvfs* st) {
  return statvfs(B(path).c_str(), st) < 0 ? -errno : 0;
}

fuse_operations Operations() {
  fuse_operations ops{};
  ops.init = Init;
  ops.getattr = GetAttr;
  ops.access = Access;
  ops.readlink = ReadLink;
  ops.opendir = OpenDir;
  ops.readdir = ReadDir;
  ops.releasedir = ReleaseDir;
  ops.fsyncdir = FsyncDir;
  ops.mknod = Mknod;
  ops.mkdir = Mkdir;
  ops.symlink = Symlink;
  ops.unlink = Unlink;
  ops.rmdir = Rmdir;
  ops.rename = Rename;
  ops.link = Link;
  ops.chmod = Chmod;
  ops.chown = Chown;
  ops.utimens = Utimens;
  ops.truncate = Truncate;
  ops.open = Open;
  ops.create = Create;
  ops.read = Read;
  ops.write = Write;
  ops.release = Release;
  ops.fsync = Fsync;
  ops.statfs = StatFs;
  return ops;
}

// ---- The control socket.

constexpr auto kRequestLimit = std::chrono::seconds(5);

// One line from `fd` until `deadline`; false on timeout, error or EOF first.
bool ReadLine(int fd, Clock::time_point deadline, std::string* line) {
  char c;
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int r = poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    const ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    if (c == '\n') return true;
    line->push_back(c);
  }
}

bool WriteAll(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

Json Answer(SyncFs& fs, const std::string& mountpoint, const std::string& line) {
  const Json request = Json::parse(line, nullptr, false);
  Json out = {{"mount", mountpoint}};
  const std::string op = request.is_object() ? request.value("op", "") : "";
  if (op == "status") {
    const auto s = fs.Pending();
    out["unsynced_bytes"] = s.bytes;
    out["unsynced_files"] = s.files;
    out["unsynced_entries"] = s.entries;
    return out;
  }
  if (op != "drop") {
    out["error"] = "unknown request " + line;
    return out;
  }
  // Dirty pages of shared mappings reach us only when the kernel writes them back: ask for
  // that now, so that no write made before the drop arrives after it.
  if (int fd = open(mountpoint.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
    syncfs(fd);
    close(fd);
  }
  std::optional<uint64_t> seed;
  if (request.contains("torn_seed") && request["torn_seed"].is_number_unsigned()) {
    seed = request["torn_seed"].get<uint64_t>();
  }
  const auto r = fs.Drop(seed);
  out["dropped_bytes"] = r.bytes;
  out["dropped_files"] = r.files;
  out["undone_entries"] = r.entries;
  out["torn"] =
      r.torn ? Json{{"offset", r.torn_offset}, {"kept", r.torn_kept}, {"length", r.torn_length}}
             : Json(nullptr);
  if (!r.errors.empty()) {
    std::string joined;
    for (const auto& e : r.errors) joined += (joined.empty() ? "" : "; ") + e;
    out["error"] = joined;
  }
  return out;
}

// Serves the control socket until `stop_fd` is readable, one request at a time.
void ServeControl(int listen_fd, int stop_fd, SyncFs* fs, std::string mountpoint) {
  while (true) {
    pollfd p[2] = {{listen_fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (p[1].revents != 0) return;
    const int conn = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) continue;
    std::string line;
    if (ReadLine(conn, Clock::now() + kRequestLimit, &line)) {
      WriteAll(conn, Answer(*fs, mountpoint, line).dump() + "\n");
    }
    close(conn);
  }
}

int Listen(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  std::strcpy(addr.sun_path, path.c_str());
  unlink(path.c_str());
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || listen(fd, 8) < 0) {
    const int err = errno;
    close(fd);
    errno = err;
    return -1;
  }
  chmod(path.c_str(), 0600);
  return fd;
}

// ---- Subcommands.

int Usage(const char* why) {
  std::fprintf(stderr,
               "coordcheck-syncfs: %s\n"
               "usage: coordcheck-syncfs mount --backing DIR --mountpoint DIR --socket PATH "
               "[--trash DIR]\n"
               "       coordcheck-syncfs ctl --socket PATH [--mount DIR] [--timeout-ms T] "
               "[--wait-ms W] status|drop [--torn SEED]\n",
               why);
  return 2;
}

// The value after argv[*i] (advancing *i), or null.
const char* Next(int argc, char** argv, int* i) { return *i + 1 < argc ? argv[++*i] : nullptr; }

int Mount(int argc, char** argv) {
  std::string backing, mountpoint, socket_path, trash;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    const char* v = Next(argc, argv, &i);
    if (v == nullptr) return Usage(("missing value after " + a).c_str());
    if (a == "--backing")
      backing = v;
    else if (a == "--mountpoint")
      mountpoint = v;
    else if (a == "--socket")
      socket_path = v;
    else if (a == "--trash")
      trash = v;
    else
      return Usage(("unknown argument " + a).c_str());
  }
  if (backing.empty() || mountpoint.empty() || socket_path.empty()) {
    return Usage("mount needs --backing, --mountpoint and --socket");
  }
  while (backing.size() > 1 && backing.back() == '/') backing.pop_back();
  if (trash.empty()) trash = backing + ".trash";
  umask(0);  // modes come from the callers, already masked by the kernel
  SyncFs fs(backing, trash);
  if (auto st = fs.Init(); !st.ok()) {
    std::fprintf(stderr, "coordcheck-syncfs: mount %s: %s\n", mountpoint.c_str(),
                 st.message().c_str());
    return 1;
  }
  const int listen_fd = Listen(socket_path);
  if (listen_fd < 0) {
    std::fprintf(stderr, "coordcheck-syncfs: mount %s: control socket %s: %s\n", mountpoint.c_str(),
                 socket_path.c_str(), std::strerror(errno));
    return 1;
  }
  std::vector<std::string> args = {"coordcheck-syncfs", "-o",
                                   "allow_other,default_permissions,fsname=coordcheck-syncfs"};
  std::vector<char*> cargs;
  for (auto& a : args) cargs.push_back(a.data());
  fuse_args fargs = FUSE_ARGS_INIT(static_cast<int>(cargs.size()), cargs.data());
  const fuse_operations ops = Operations();
  fuse* f = fuse_new(&fargs, &ops, sizeof ops, &fs);
  if (f == nullptr) {
    std::fprintf(stderr, "coordcheck-syncfs: mount %s: fuse_new failed\n", mountpoint.c_str());
    return 1;
  }
  if (fuse_mount(f, mountpoint.c_str()) != 0) {
    std::fprintf(stderr, "coordcheck-syncfs: mount %s: cannot mount\n", mountpoint.c_str());
    fuse_destroy(f);
    return 1;
  }
  fuse_set_signal_handlers(fuse_get_session(f));
  int stop[2];
  if (pipe2(stop, O_CLOEXEC) < 0) return 1;
  std::thread control(ServeControl, listen_fd, stop[0], &fs, mountpoint);
  std::fprintf(stderr, "coordcheck-syncfs: mounted %s on %s\n", backing.c_str(),
               mountpoint.c_str());
  const int loop = fuse_loop_mt(f, 0);
  (void)!write(stop[1], "x", 1);
  control.join();
  close(listen_fd);
  unlink(socket_path.c_str());
  const auto synced = fs.SyncAll();
  fuse_unmount(f);
  fuse_remove_signal_handlers(fuse_get_session(f));
  fuse_destroy(f);
  if (!synced.ok()) {
    std::fprintf(stderr, "coordcheck-syncfs: mount %s: %s\n", mountpoint.c_str(),
                 synced.message().c_str());
    return 1;
  }
  std::fprintf(stderr, "coordcheck-syncfs: unmounted %s (everything written back)\n",
               mountpoint.c_str());
  return loop < 0 ? 1 : 0;
}

int Ctl(int argc, char** argv) {
  std::string socket_path, mount, command;
  long timeout_ms = 5000, wait_ms = 0;
  std::optional<uint64_t> torn;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "status" || a == "drop") {
      command = a;
      continue;
    }
    const char* v = Next(argc, argv, &i);
    if (v == nullptr) return Usage(("missing value after " + a).c_str());
    char* end = nullptr;
    if (a == "--socket")
      socket_path = v;
    else if (a == "--mount")
      mount = v;
    else if (a == "--timeout-ms")
      timeout_ms = std::strtol(v, &end, 10);
    else if (a == "--wait-ms")
      wait_ms = std::strtol(v, &end, 10);
    else if (a == "--torn")
      torn = std::strtoull(v, &end, 10);
    else
      return Usage(("unknown argument " + a).c_str());
    if (end != nullptr && (*end != '\0' || end == v)) return Usage(("bad number " + a).c_str());
  }
  if (socket_path.empty() || command.empty()) return Usage("ctl needs --socket and a command");
  if (torn && command != "drop") return Usage("--torn goes with drop");
  const std::string where = "mount " + (mount.empty() ? socket_path : mount);
  auto fail = [&](const std::string& why) {
    std::fprintf(stderr, "coordcheck-syncfs ctl: %s: %s\n", where.c_str(), why.c_str());
    return 1;
  };
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms + wait_ms);
  const auto connect_until = Clock::now() + std::chrono::milliseconds(wait_ms);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(addr.sun_path)) return fail("socket path too long");
  std::strcpy(addr.sun_path, socket_path.c_str());
  int fd = -1;
  while (true) {
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(std::string("socket: ") + std::strerror(errno));
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) break;
    const int err = errno;
    close(fd);
    if (Clock::now() >= connect_until) {
      return fail("cannot reach the syncfs daemon at " + socket_path + ": " + std::strerror(err));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Json request = {{"op", command}};
  if (torn) request["torn_seed"] = *torn;
  std::string line;
  const bool ok = WriteAll(fd, request.dump() + "\n") && ReadLine(fd, deadline, &line);
  close(fd);
  if (!ok) return fail("no answer within " + std::to_string(timeout_ms) + " ms");
  const Json answer = Json::parse(line, nullptr, false);
  if (!answer.is_object()) return fail("bad answer: " + line);
  std::printf("%s\n", line.c_str());
  if (answer.contains("error")) return fail(answer["error"].get<std::string>());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage("missing subcommand");
  const std::string sub = argv[1];
  if (sub == "mount") return Mount(argc, argv);
  if (sub == "ctl") return Ctl(argc, argv);
  return Usage(("unknown subcommand " + sub).c_str());
}
