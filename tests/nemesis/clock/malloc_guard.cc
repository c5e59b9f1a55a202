// cc_clock_malloc_guard: proves that the preload allocates nothing, by replacing malloc.
//
// This executable defines malloc and friends, so every library in the process (libc, the
// preload) allocates through them. They serve from a static arena and count the calls
// made before main (libc's start-up plus every constructor, the preload's included); the
// test compares that count with and without the preload. In main, threads call every
// overridden clock function many times with a per-thread flag armed: an allocation while
// it is armed prints "allocation inside a clock call" and exits 3.
//
// Prints "premain_allocs=N offset_ns=OFFSET" (the shift the clock functions applied:
// CLOCK_REALTIME minus the raw syscall's) and exits 0. With the argument "selftest" it
// allocates while armed instead, to show the guard catches that.
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cinttypes>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

namespace {

constexpr size_t kArenaSize = size_t{64} << 20;
constexpr size_t kHeader = 16;

alignas(64) unsigned char g_arena[kArenaSize];
std::atomic<size_t> g_used{0};
std::atomic<int64_t> g_premain_allocs{0};
std::atomic<bool> g_in_main{false};
thread_local bool t_armed = false;

[[noreturn]] void Die(const char* message) {
  (void)!write(2, message, std::strlen(message));
  _exit(3);
}

// `size` bytes aligned to `align` (a power of two >= 16), the size stored just before.
void* Allocate(size_t size, size_t align) {
  if (t_armed) Die("allocation inside a clock call\n");
  if (!g_in_main.load(std::memory_order_relaxed)) ++g_premain_allocs;
  if (align < kHeader) align = kHeader;
  const size_t need = size + align + kHeader;
  const size_t start = g_used.fetch_add(need);
  if (start + need > kArenaSize) Die("malloc guard arena exhausted\n");
  auto base = reinterpret_cast<uintptr_t>(g_arena + start) + kHeader;
  base = (base + align - 1) & ~(uintptr_t{align} - 1);
  std::memcpy(reinterpret_cast<void*>(base - kHeader), &size, sizeof size);
  return reinterpret_cast<void*>(base);
}

size_t SizeOf(void* p) {
  size_t size;
  std::memcpy(&size, static_cast<unsigned char*>(p) - kHeader, sizeof size);
  return size;
}

int64_t ToNs(const timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void CallEveryClock() {
  static constexpr clockid_t kClocks[] = {
      CLOCK_REALTIME,           CLOCK_REALTIME_COARSE,   CLOCK_MONOTONIC,
      CLOCK_MONOTONIC_RAW,      CLOCK_BOOTTIME,          CLOCK_TAI,
      CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, CLOCK_REALTIME_ALARM};
  timespec ts;
  timeval tv;
  struct timezone tz;
  for (int i = 0; i < 2000; ++i) {
    for (clockid_t c : kClocks) clock_gettime(c, &ts);
    gettimeofday(&tv, nullptr);
    gettimeofday(&tv, &tz);
    time(nullptr);
    timespec_get(&ts, TIME_UTC);
  }
}

}  // namespace

extern "C" {
void* malloc(size_t size) { return Allocate(size, 16); }
void free(void*) {}
void* calloc(size_t n, size_t size) { return Allocate(n * size, 16); }  // the arena is zero
void* realloc(void* p, size_t size) {
  void* q = Allocate(size, 16);
  if (p != nullptr) std::memcpy(q, p, SizeOf(p) < size ? SizeOf(p) : size);
  return q;
}
void* memalign(size_t align, size_t size) { return Allocate(size, align); }
void* aligned_alloc(size_t align, size_t size) { return Allocate(size, align); }
int posix_memalign(void** out, size_t align, size_t size) {
  *out = Allocate(size, align);
  return 0;
}
void* valloc(size_t size) { return Allocate(size, 4096); }
void* pvalloc(size_t size) { return Allocate((size + 4095) & ~size_t{4095}, 4096); }
size_t malloc_usable_size(void* p) { return p == nullptr ? 0 : SizeOf(p); }
}

int main(int argc, char** argv) {
  g_in_main = true;
  const int64_t premain = g_premain_allocs.load();
  if (argc == 2 && std::strcmp(argv[1], "selftest") == 0) {
    t_armed = true;
    char* volatile copy = strdup(argv[1]);
    t_armed = false;
    std::printf("not caught: %s\n", copy);
    return 0;
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([] {
      t_armed = true;
      CallEveryClock();
      t_armed = false;
    });
  }
  t_armed = true;
  CallEveryClock();
  timespec shifted;
  clock_gettime(CLOCK_REALTIME, &shifted);
  timespec raw;
  syscall(SYS_clock_gettime, CLOCK_REALTIME, &raw);
  t_armed = false;
  for (auto& t : threads) t.join();
  std::printf("premain_allocs=%" PRId64 " offset_ns=%" PRId64 "\n", premain,
              ToNs(shifted) - ToNs(raw));
  return 0;
}
