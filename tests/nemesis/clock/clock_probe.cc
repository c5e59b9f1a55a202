// cc_clock_probe: what the clock tests run on nodes, usually under libcoordcheck-clock.so.
//
//   once                     print one reading (format below)
//   loop PERIOD_MS           print a reading every PERIOD_MS, forever
//   bench CALLS              print "realtime=NS monotonic=NS syscall=NS": the mean cost of
//                            one clock_gettime(CLOCK_REALTIME) and (CLOCK_MONOTONIC) call
//                            through libc symbols (so through the preload when loaded),
//                            and of one raw clock_gettime syscall
//   hammer THREADS MS A B    THREADS threads read CLOCK_REALTIME for MS ms, each read
//                            followed by the raw syscall; the difference must be offset
//                            A or B ns (± 50 ms); print "reads=N a=N b=N bad=N", exit 1 if
//                            any was bad (a torn or stale offset)
//
// A reading is one line "SEQ MONO RT RAW COARSE TOD_US TIME TAI RAW_TAI": a sequence number,
// CLOCK_MONOTONIC, CLOCK_REALTIME, the raw clock_gettime syscall's CLOCK_REALTIME (which no
// preload can shift), CLOCK_REALTIME_COARSE (all ns), gettimeofday (us), time() (s),
// CLOCK_TAI and the raw syscall's CLOCK_TAI (ns).
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

int64_t ToNs(const timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

int64_t Nanos(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return ToNs(ts);
}

int64_t RawNanos(clockid_t clock) {
  timespec ts;
  syscall(SYS_clock_gettime, clock, &ts);
  return ToNs(ts);
}

void PrintReading(int64_t seq) {
  const int64_t mono = Nanos(CLOCK_MONOTONIC);
  const int64_t rt = Nanos(CLOCK_REALTIME);
  const int64_t raw = RawNanos(CLOCK_REALTIME);
  const int64_t coarse = Nanos(CLOCK_REALTIME_COARSE);
  timeval tv;
  gettimeofday(&tv, nullptr);
  const int64_t tod_us = static_cast<int64_t>(tv.tv_sec) * 1000000 + tv.tv_usec;
  const int64_t seconds = static_cast<int64_t>(time(nullptr));
  const int64_t tai = Nanos(CLOCK_TAI);
  const int64_t raw_tai = RawNanos(CLOCK_TAI);
  std::printf("%" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64
              " %" PRId64 " %" PRId64 "\n",
              seq, mono, rt, raw, coarse, tod_us, seconds, tai, raw_tai);
  std::fflush(stdout);
}

int Bench(long calls) {
  auto per_call = [calls](auto&& body) {
    const int64_t start = RawNanos(CLOCK_MONOTONIC);
    for (long i = 0; i < calls; ++i) body();
    return static_cast<double>(RawNanos(CLOCK_MONOTONIC) - start) / static_cast<double>(calls);
  };
  timespec ts;
  const double realtime = per_call([&] { clock_gettime(CLOCK_REALTIME, &ts); });
  const double monotonic = per_call([&] { clock_gettime(CLOCK_MONOTONIC, &ts); });
  const double raw = per_call([&] { syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts); });
  std::printf("realtime=%.1f monotonic=%.1f syscall=%.1f\n", realtime, monotonic, raw);
  return 0;
}

int Hammer(int threads, long ms, int64_t a, int64_t b) {
  constexpr int64_t kSlackNs = 50000000;
  std::atomic<int64_t> reads{0}, as{0}, bs{0}, bad{0};
  std::atomic<int64_t> first_bad{0};
  const int64_t end = RawNanos(CLOCK_MONOTONIC) + ms * 1000000;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      int64_t n = 0, na = 0, nb = 0, nbad = 0;
      while (true) {
        for (int i = 0; i < 256; ++i) {
          timespec ts;
          clock_gettime(CLOCK_REALTIME, &ts);
          const int64_t diff = ToNs(ts) - RawNanos(CLOCK_REALTIME);
          ++n;
          if (std::llabs(diff - a) < kSlackNs) {
            ++na;
          } else if (std::llabs(diff - b) < kSlackNs) {
            ++nb;
          } else {
            ++nbad;
            first_bad = diff;
          }
        }
        if (RawNanos(CLOCK_MONOTONIC) >= end) break;
      }
      reads += n;
      as += na;
      bs += nb;
      bad += nbad;
    });
  }
  for (auto& w : workers) w.join();
  std::printf("reads=%" PRId64 " a=%" PRId64 " b=%" PRId64 " bad=%" PRId64 " first_bad=%" PRId64
              "\n",
              reads.load(), as.load(), bs.load(), bad.load(), first_bad.load());
  return bad == 0 ? 0 : 1;
}

int Usage() {
  std::fprintf(stderr, "usage: cc_clock_probe once | loop MS | bench N | hammer T MS A B\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  const std::string mode = argv[1];
  if (mode == "once" && argc == 2) {
    PrintReading(0);
    return 0;
  }
  if (mode == "loop" && argc == 3) {
    const long period_ms = std::atol(argv[2]);
    for (int64_t seq = 0;; ++seq) {
      PrintReading(seq);
      usleep(static_cast<useconds_t>(period_ms * 1000));
    }
  }
  if (mode == "bench" && argc == 3) return Bench(std::atol(argv[2]));
  if (mode == "hammer" && argc == 6) {
    return Hammer(std::atoi(argv[2]), std::atol(argv[3]), std::atoll(argv[4]), std::atoll(argv[5]));
  }
  return Usage();
}
