#include "tests/support/syncfs_mount.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "harness/control/mounts.h"

extern char** environ;

namespace nodetest {

pid_t SpawnPiped(const std::vector<std::string>& argv, int* out_fd, bool errors) {
  int p[2];
  REQUIRE(pipe2(p, O_CLOEXEC) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, p[1], 1);
  if (errors) posix_spawn_file_actions_adddup2(&actions, p[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int r = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(p[1]);
  REQUIRE(r == 0);
  *out_fd = p[0];
  return pid;
}

int RunCaptured(const std::vector<std::string>& argv, std::string* out, bool errors) {
  int fd;
  const pid_t pid = SpawnPiped(argv, &fd, errors);
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out->append(buf, static_cast<size_t>(n));
  close(fd);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

SyncfsMount::SyncfsMount() {
  RequireRoot("FUSE mounts");
  std::filesystem::create_directories(backing);
  std::filesystem::create_directories(mnt);
  int fd;
  pid_ = SpawnPiped(
      {Program(), "mount", "--backing", backing, "--mountpoint", mnt, "--socket", socket}, &fd);
  close(fd);
  REQUIRE(Ctl({"--wait-ms", "5000", "status"}).is_object());
}

SyncfsMount::~SyncfsMount() {
  kill(pid_, SIGTERM);
  int status;
  waitpid(pid_, &status, 0);
  coordcheck::control::DetachMount(mnt);  // in case it died
}

nlohmann::json SyncfsMount::Ctl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {Program(), "ctl", "--socket", socket, "--mount", mnt};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out;
  if (RunCaptured(argv, &out) != 0) return nullptr;
  return nlohmann::json::parse(out, nullptr, false);
}

std::string SyncfsMount::Program() { return COORDCHECK_SYNCFS_BINARY; }

}  // namespace nodetest
