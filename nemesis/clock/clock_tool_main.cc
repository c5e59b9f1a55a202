// coordcheck-clock: the clock nemesis's helper on a node.
//
//   coordcheck-clock now              print "BOOT_ID MONO_NS REALTIME_NS MONO_NS": the boot
//                                     id, then CLOCK_REALTIME between two CLOCK_MONOTONIC
//                                     readings (run under the preload: the node's clock)
//   coordcheck-clock create PATH      create an offset file with offset 0 (offset_file.h)
//   coordcheck-clock set PATH NS      write offset NS (nanoseconds) in place
//   coordcheck-clock get PATH         print the current offset in nanoseconds
//
// Exit 0 on success, 1 on an error (message on stderr), 2 on bad usage.
#include <time.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "nemesis/clock/offset_file.h"

namespace {

int Usage() {
  std::fprintf(stderr, "usage: coordcheck-clock now | create PATH | set PATH NS | get PATH\n");
  return 2;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "coordcheck-clock: %s\n", message.c_str());
  return 1;
}

int64_t Nanos(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

int Now() {
  char boot_id[64] = "unknown";
  if (std::FILE* f = std::fopen("/proc/sys/kernel/random/boot_id", "r")) {
    if (std::fgets(boot_id, sizeof boot_id, f) != nullptr) {
      boot_id[std::strcspn(boot_id, "\n")] = '\0';
    }
    std::fclose(f);
  }
  const int64_t before = Nanos(CLOCK_MONOTONIC);
  const int64_t realtime = Nanos(CLOCK_REALTIME);
  const int64_t after = Nanos(CLOCK_MONOTONIC);
  std::printf("%s %" PRId64 " %" PRId64 " %" PRId64 "\n", boot_id, before, realtime, after);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  using coordcheck::clock::OffsetFile;
  if (argc < 2) return Usage();
  const std::string command = argv[1];
  if (command == "now" && argc == 2) return Now();
  if (command == "create" && argc == 3) {
    auto file = OffsetFile::Create(argv[2]);
    return file.ok() ? 0 : Fail(file.message());
  }
  if (command == "set" && argc == 4) {
    char* end = nullptr;
    errno = 0;
    const long long ns = std::strtoll(argv[3], &end, 10);
    if (errno != 0 || end == argv[3] || *end != '\0') return Usage();
    auto file = OffsetFile::Open(argv[2]);
    if (!file.ok()) return Fail(file.message());
    auto written = file->Write(ns);
    return written.ok() ? 0 : Fail(written.message());
  }
  if (command == "get" && argc == 3) {
    auto file = OffsetFile::Open(argv[2]);
    if (!file.ok()) return Fail(file.message());
    auto offset = file->Read();
    if (!offset.ok()) return Fail(offset.message());
    std::printf("%" PRId64 "\n", *offset);
    return std::fflush(stdout) == 0 ? 0 : 1;
  }
  return Usage();
}
