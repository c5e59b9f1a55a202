// libcoordcheck-clock.so: an LD_PRELOAD library that shifts a process's wall clock by the
// offset in a clock offset file (offset_layout.h), so the clock nemesis can skew one
// node's processes without touching the host's clock.
//
// Overrides clock_gettime, gettimeofday, time and timespec_get. Shifted: CLOCK_REALTIME,
// CLOCK_REALTIME_COARSE, CLOCK_REALTIME_ALARM and CLOCK_TAI (a step of the real clock moves
// all four). Untouched: the monotonic, boot-time and CPU-time clocks, as a step of the real
// clock leaves them untouched.
//
// Environment: COORDCHECK_CLOCK_FILE = path of the offset file. Unset, missing, or not an
// offset file of the right size: time passes through unchanged.
//
// Why it is written this way (libfaketime deadlocks redis-server, shared/PLATFORM.md):
// the first clock call can come from inside malloc (jemalloc's initialisation holds its
// lock and reads the clock), before this library's constructor ran, and from any thread.
// So nothing here allocates, takes a lock or resolves a symbol at run time: the file is
// opened and mapped with raw syscalls (once, by a constructor or by whichever clock call
// comes first), each call reads the offset from the mapping with plain loads, and the real
// time comes from the kernel's vDSO (found by walking its ELF symbol table in memory) or,
// without one, from the raw syscall. The only libc functions used are syscall, getauxval
// and __errno_location (checked by tests/nemesis/clock). It is linked with the C driver,
// so no C++ runtime is loaded, and with -z now, so no lazy binding happens in a call.
//
// Limitation: absolute-deadline waits on CLOCK_REALTIME made inside libc or the kernel
// (pthread_cond_timedwait, sem_timedwait, clock_nanosleep with TIMER_ABSTIME, timerfd)
// still see the real clock; a deadline computed from the shifted clock is off by the
// offset there. Relative timeouts (poll, epoll_wait, nanosleep) are unaffected.
//
// Thread-safety: every function may be called from any thread, signal handler or fork
// child at any time.
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>

#include "nemesis/clock/offset_layout.h"

#define CC_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

using VdsoClockGettime = int (*)(clockid_t, struct timespec*);

constexpr int64_t kNsPerSec = 1000000000;

#if defined(__x86_64__)
constexpr const char* kVdsoClockGettime = "__vdso_clock_gettime";
#elif defined(__aarch64__)
constexpr const char* kVdsoClockGettime = "__kernel_clock_gettime";
#else
constexpr const char* kVdsoClockGettime = nullptr;
#endif

enum InitState : int { kUninitialised = 0, kInitialising = 1, kReady = 2 };

int g_state = kUninitialised;
const void* g_mapping = nullptr;            // the offset file; null = pass through
VdsoClockGettime g_vdso_gettime = nullptr;  // null = raw syscall

bool SameString(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}

// The value of NAME in `env` ("NAME=" prefix), or null.
const char* FindEnv(char** env, const char* name) {
  if (env == nullptr) return nullptr;
  for (; *env != nullptr; ++env) {
    const char* entry = *env;
    const char* n = name;
    while (*n != '\0' && *entry == *n) {
      ++entry;
      ++n;
    }
    if (*n == '\0' && *entry == '=') return entry + 1;
  }
  return nullptr;
}

// Number of symbols in a DT_GNU_HASH table (it has no count field: one past the highest
// symbol reachable from a bucket's chain).
uint32_t GnuHashSymbolCount(const uint32_t* table) {
  const uint32_t nbuckets = table[0];
  const uint32_t symoffset = table[1];
  const uint32_t bloom_words = table[2];
  const auto* bloom = reinterpret_cast<const ElfW(Addr)*>(table + 4);
  const auto* buckets = reinterpret_cast<const uint32_t*>(bloom + bloom_words);
  const uint32_t* chain = buckets + nbuckets;
  uint32_t last = 0;
  for (uint32_t b = 0; b < nbuckets; ++b) {
    if (buckets[b] > last) last = buckets[b];
  }
  if (last < symoffset) return symoffset;
  while ((chain[last - symoffset] & 1) == 0) ++last;
  return last + 1;
}

// clock_gettime in the vDSO the kernel mapped into this process, or null.
VdsoClockGettime FindVdsoClockGettime() {
  if (kVdsoClockGettime == nullptr) return nullptr;
  const auto base = static_cast<uintptr_t>(getauxval(AT_SYSINFO_EHDR));
  if (base == 0) return nullptr;
  const auto* ehdr = reinterpret_cast<const ElfW(Ehdr)*>(base);
  if (ehdr->e_ident[EI_MAG0] != ELFMAG0 || ehdr->e_ident[EI_MAG1] != ELFMAG1 ||
      ehdr->e_ident[EI_MAG2] != ELFMAG2 || ehdr->e_ident[EI_MAG3] != ELFMAG3) {
    return nullptr;
  }
  const auto* phdr = reinterpret_cast<const ElfW(Phdr)*>(base + ehdr->e_phoff);
  uintptr_t load_bias = 0;
  bool have_load = false;
  const ElfW(Dyn)* dynamic = nullptr;
  for (int i = 0; i < ehdr->e_phnum; ++i) {
    if (phdr[i].p_type == PT_LOAD && !have_load) {
      load_bias = base + phdr[i].p_offset - phdr[i].p_vaddr;
      have_load = true;
    } else if (phdr[i].p_type == PT_DYNAMIC) {
      dynamic = reinterpret_cast<const ElfW(Dyn)*>(base + phdr[i].p_offset);
    }
  }
  if (!have_load || dynamic == nullptr) return nullptr;
  const ElfW(Sym)* symbols = nullptr;
  const char* names = nullptr;
  const uint32_t* hash = nullptr;
  const uint32_t* gnu_hash = nullptr;
  for (const ElfW(Dyn)* d = dynamic; d->d_tag != DT_NULL; ++d) {
    const uintptr_t address = load_bias + d->d_un.d_ptr;
    if (d->d_tag == DT_SYMTAB) symbols = reinterpret_cast<const ElfW(Sym)*>(address);
    if (d->d_tag == DT_STRTAB) names = reinterpret_cast<const char*>(address);
    if (d->d_tag == DT_HASH) hash = reinterpret_cast<const uint32_t*>(address);
    if (d->d_tag == DT_GNU_HASH) gnu_hash = reinterpret_cast<const uint32_t*>(address);
  }
  if (symbols == nullptr || names == nullptr) return nullptr;
  const uint32_t count =
      hash != nullptr ? hash[1] : (gnu_hash != nullptr ? GnuHashSymbolCount(gnu_hash) : 0);
  for (uint32_t i = 0; i < count; ++i) {
    const ElfW(Sym)& sym = symbols[i];
    if (ELF64_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF) continue;
    if (SameString(names + sym.st_name, kVdsoClockGettime)) {
      return reinterpret_cast<VdsoClockGettime>(load_bias + sym.st_value);
    }
  }
  return nullptr;
}

// Maps the offset file named by COORDCHECK_CLOCK_FILE; null when there is none to use.
const void* MapOffsetFile() {
  const char* path = FindEnv(environ, "COORDCHECK_CLOCK_FILE");
  if (path == nullptr || *path == '\0') return nullptr;
  const long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  const void* mapping = nullptr;
  if (syscall(SYS_lseek, fd, 0, SEEK_END) == coordcheck::clock::kOffsetFileSize) {
    const long address = syscall(SYS_mmap, nullptr, coordcheck::clock::kOffsetFileSize, PROT_READ,
                                 MAP_SHARED, fd, 0);
    if (address != -1) mapping = reinterpret_cast<const void*>(address);
  }
  syscall(SYS_close, fd);
  if (mapping != nullptr && !coordcheck::clock::HasOffsetMagic(mapping)) {
    syscall(SYS_munmap, mapping, coordcheck::clock::kOffsetFileSize);
    mapping = nullptr;
  }
  return mapping;
}

// Runs once per process, from whichever comes first: the constructor or a clock call.
// A call that finds another thread initialising passes time through rather than wait
// (it may be a signal handler interrupting that very initialisation).
void EnsureInitialised() {
  if (__atomic_load_n(&g_state, __ATOMIC_ACQUIRE) == kReady) return;
  int expected = kUninitialised;
  if (!__atomic_compare_exchange_n(&g_state, &expected, kInitialising, false, __ATOMIC_ACQ_REL,
                                   __ATOMIC_ACQUIRE)) {
    return;
  }
  const int saved_errno = errno;
  __atomic_store_n(&g_vdso_gettime, FindVdsoClockGettime(), __ATOMIC_RELAXED);
  __atomic_store_n(&g_mapping, MapOffsetFile(), __ATOMIC_RELAXED);
  errno = saved_errno;
  __atomic_store_n(&g_state, kReady, __ATOMIC_RELEASE);
}

__attribute__((constructor)) void Initialise() { EnsureInitialised(); }

// The real clock; 0 or -1 with errno set, like clock_gettime.
int RealClockGettime(clockid_t clock, struct timespec* ts) {
  const VdsoClockGettime vdso =
      __atomic_load_n(&g_state, __ATOMIC_ACQUIRE) == kReady ? g_vdso_gettime : nullptr;
  if (vdso != nullptr) {
    const int r = vdso(clock, ts);
    if (r == 0) return 0;
    errno = -r;
    return -1;
  }
  return static_cast<int>(syscall(SYS_clock_gettime, clock, ts));
}

bool IsWallClock(clockid_t clock) {
  return clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE ||
         clock == CLOCK_REALTIME_ALARM || clock == CLOCK_TAI;
}

int64_t CurrentOffsetNs() {
  EnsureInitialised();
  if (__atomic_load_n(&g_state, __ATOMIC_ACQUIRE) != kReady) return 0;
  const void* mapping = g_mapping;
  return mapping == nullptr ? 0 : coordcheck::clock::ReadOffsetNs(mapping);
}

void Shift(struct timespec* ts, int64_t offset_ns) {
  if (offset_ns == 0) return;
  int64_t sec = ts->tv_sec + offset_ns / kNsPerSec;
  int64_t nsec = ts->tv_nsec + offset_ns % kNsPerSec;
  if (nsec < 0) {
    nsec += kNsPerSec;
    --sec;
  } else if (nsec >= kNsPerSec) {
    nsec -= kNsPerSec;
    ++sec;
  }
  ts->tv_sec = static_cast<time_t>(sec);
  ts->tv_nsec = static_cast<long>(nsec);
}

int ShiftedClockGettime(clockid_t clock, struct timespec* ts) {
  const int64_t offset_ns = IsWallClock(clock) ? CurrentOffsetNs() : 0;
  if (RealClockGettime(clock, ts) != 0) return -1;
  Shift(ts, offset_ns);
  return 0;
}

}  // namespace

CC_EXPORT int clock_gettime(clockid_t clock, struct timespec* ts) __THROW {
  if (!IsWallClock(clock)) {
    EnsureInitialised();
    return RealClockGettime(clock, ts);
  }
  return ShiftedClockGettime(clock, ts);
}

CC_EXPORT int gettimeofday(struct timeval* __restrict tv, void* __restrict tz) __THROW {
  // The obsolete timezone, when asked for, comes from the kernel unshifted.
  if (tz != nullptr && syscall(SYS_gettimeofday, nullptr, tz) != 0) return -1;
  struct timespec ts;
  if (ShiftedClockGettime(CLOCK_REALTIME, &ts) != 0) return -1;
  tv->tv_sec = ts.tv_sec;
  tv->tv_usec = ts.tv_nsec / 1000;
  return 0;
}

CC_EXPORT time_t time(time_t* out) __THROW {
  struct timespec ts;
  if (ShiftedClockGettime(CLOCK_REALTIME, &ts) != 0) return static_cast<time_t>(-1);
  if (out != nullptr) *out = ts.tv_sec;
  return ts.tv_sec;
}

CC_EXPORT int timespec_get(struct timespec* ts, int base) __THROW {
  if (base != TIME_UTC) return 0;
  return ShiftedClockGettime(CLOCK_REALTIME, ts) == 0 ? base : 0;
}
