// libcoordcheck-clock.so on its own: pass-through, shifting under concurrent rewrites,
// what it links and calls, that nothing in it allocates, and what it costs per call.
#include <elf.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <thread>

#include "nemesis/clock/offset_file.h"
#include "tests/nemesis/clock/clock_test_util.h"

namespace {

using clocktest::ClockCluster;
using coordcheck::control::ExecOptions;
using coordcheck::control::ExecResult;

// Runs argv on the cluster's node n1 with `env` and returns the result (fails on error).
ExecResult Run(ClockCluster& c, const std::vector<std::string>& argv,
               const std::vector<std::string>& env,
               std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  ExecOptions options;
  options.env = env;
  options.timeout = timeout;
  auto result = c.remote("n1").Exec(argv, options);
  INFO(result.message());
  REQUIRE(result.ok());
  INFO("stdout: " << result->out << "\nstderr: " << result->err);
  REQUIRE(result->success());
  return *result;
}

clocktest::Reading OneReading(ClockCluster& c, const std::vector<std::string>& env) {
  const std::string out = Run(c, {clocktest::kProbe, "once"}, env).out;
  std::istringstream fields(out);
  clocktest::Reading r;
  REQUIRE(fields >> r.seq >> r.mono >> r.rt >> r.raw >> r.coarse >> r.tod_us >> r.time_s >> r.tai >>
          r.raw_tai);
  return r;
}

std::string OffsetPath(ClockCluster& c) { return c.remote("n1").root_dir() + "/clock/offset"; }

TEST_CASE("the preload passes time through without a usable offset file", "[nemesis][clock]") {
  ClockCluster c("local", 1);
  const std::string lib = "LD_PRELOAD=" + clocktest::kPreload;
  REQUIRE(coordcheck::clock::OffsetFile::Open(OffsetPath(c))->Write(7'000'000'000).ok());
  // Sanity: with the file the shift is there.
  CHECK(clocktest::AppliedOffsetMs(OneReading(c, c.nemesis().DaemonEnv("n1"))) ==
        Approx(7000).margin(5));

  const std::string bad = c.remote("n1").root_dir() + "/not-an-offset-file";
  { std::ofstream(bad) << "hello"; }
  for (const auto& env : std::vector<std::vector<std::string>>{
           {lib},
           {lib, "COORDCHECK_CLOCK_FILE="},
           {lib, "COORDCHECK_CLOCK_FILE=/nonexistent/offset"},
           {lib, "COORDCHECK_CLOCK_FILE=" + bad},
       }) {
    INFO(env.back());
    const clocktest::Reading r = OneReading(c, env);
    CHECK(clocktest::AppliedOffsetMs(r) == Approx(0).margin(5));
    CHECK(clocktest::RealtimeOffsetMs(r) == Approx(0).margin(5));
  }
}

TEST_CASE("every wall clock is shifted and no other", "[nemesis][clock]") {
  ClockCluster c("local", 1);
  REQUIRE(coordcheck::clock::OffsetFile::Open(OffsetPath(c))->Write(-2'500'000'000).ok());
  const clocktest::Reading r = OneReading(c, c.nemesis().DaemonEnv("n1"));
  CHECK(clocktest::AppliedOffsetMs(r) == Approx(-2500).margin(2));
  CHECK(clocktest::RealtimeOffsetMs(r) == Approx(-2500).margin(2));
  CHECK(clocktest::CoarseOffsetMs(r) == Approx(-2500).margin(20));
  CHECK(clocktest::GettimeofdayOffsetMs(r) == Approx(-2500).margin(2));
  CHECK(std::llabs(r.time_s - r.rt / 1000000000) <= 1);
  CHECK(static_cast<double>(r.tai - r.raw_tai) / 1e6 == Approx(-2500).margin(2));
  // Monotonic: the probe ran just now on the shared monotonic clock, unshifted.
  const int64_t now = clocktest::Nanos(CLOCK_MONOTONIC);
  CHECK(r.mono <= now);
  CHECK(now - r.mono < 2'000'000'000);
}

// The probe's threads compare every CLOCK_REALTIME read with the raw syscall while the
// test rewrites the file between +1000 s and -1000 s as fast as it can.
TEST_CASE("the preload never applies a torn offset while the file is rewritten",
          "[nemesis][clock]") {
  ClockCluster c("local", 1);
  constexpr int64_t kA = 1'000'000'000'000;
  constexpr int64_t kB = -1'000'000'000'000;
  auto file = coordcheck::clock::OffsetFile::Open(OffsetPath(c));
  REQUIRE(file.ok());
  REQUIRE(file->Write(kA).ok());
  std::atomic<bool> stop{false};
  std::atomic<int64_t> writes{0};
  std::thread writer([&] {
    while (!stop) {
      if (!file->Write(writes % 2 == 0 ? kB : kA).ok()) break;
      ++writes;
    }
  });
  ExecOptions options;
  options.env = c.nemesis().DaemonEnv("n1");
  auto result = c.remote("n1").Exec(
      {clocktest::kProbe, "hammer", "2", "700", std::to_string(kA), std::to_string(kB)}, options);
  stop = true;
  writer.join();
  REQUIRE(result.ok());
  INFO(result->out << result->err << "writes " << writes);
  CHECK(result->success());
  CHECK_THAT(result->out, Catch::Contains("bad=0"));
  CHECK(writes > 1000);
  CHECK_THAT(result->out, !Catch::Contains(" a=0 ") && !Catch::Contains(" b=0 "));
}

// What the library can call at all: its undefined dynamic symbols and needed libraries,
// read from its ELF file. None of the allowed functions allocates or takes a lock.
TEST_CASE("the preload links only libc and calls nothing that can allocate", "[nemesis][clock]") {
  std::ifstream in(clocktest::kPreload, std::ios::binary);
  const std::string image((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(image.size() > sizeof(Elf64_Ehdr));
  const auto* ehdr = reinterpret_cast<const Elf64_Ehdr*>(image.data());
  REQUIRE(std::memcmp(ehdr->e_ident, ELFMAG, SELFMAG) == 0);
  REQUIRE(ehdr->e_ident[EI_CLASS] == ELFCLASS64);
  const auto* sections = reinterpret_cast<const Elf64_Shdr*>(image.data() + ehdr->e_shoff);
  std::set<std::string> undefined;
  std::set<std::string> needed;
  bool bind_now = false;
  for (int i = 0; i < ehdr->e_shnum; ++i) {
    const Elf64_Shdr& s = sections[i];
    const char* strings = image.data() + sections[s.sh_link].sh_offset;
    if (s.sh_type == SHT_DYNSYM) {
      const auto* syms = reinterpret_cast<const Elf64_Sym*>(image.data() + s.sh_offset);
      for (size_t k = 1; k < s.sh_size / sizeof(Elf64_Sym); ++k) {
        if (syms[k].st_shndx == SHN_UNDEF) undefined.insert(strings + syms[k].st_name);
      }
    } else if (s.sh_type == SHT_DYNAMIC) {
      const auto* dyn = reinterpret_cast<const Elf64_Dyn*>(image.data() + s.sh_offset);
      for (size_t k = 0; k < s.sh_size / sizeof(Elf64_Dyn) && dyn[k].d_tag != DT_NULL; ++k) {
        if (dyn[k].d_tag == DT_NEEDED) needed.insert(strings + dyn[k].d_un.d_val);
        if (dyn[k].d_tag == DT_FLAGS && (dyn[k].d_un.d_val & DF_BIND_NOW) != 0) bind_now = true;
        if (dyn[k].d_tag == DT_FLAGS_1 && (dyn[k].d_un.d_val & DF_1_NOW) != 0) bind_now = true;
      }
    }
  }
  const std::set<std::string> allowed = {
      "syscall", "getauxval", "__errno_location", "environ", "__environ",
      // the C start-up files' weak hooks
      "__cxa_finalize", "__gmon_start__", "_ITM_deregisterTMCloneTable",
      "_ITM_registerTMCloneTable"};
  for (const auto& name : undefined) {
    INFO("the preload calls " << name);
    CHECK(allowed.count(name) == 1);
  }
  CHECK(undefined.count("syscall") == 1);
  CHECK(needed == std::set<std::string>{"libc.so.6"});
  CHECK(bind_now);
}

// cc_clock_malloc_guard replaces malloc for the whole process: it counts the allocations
// made before main (every constructor's, the preload's included) and exits 3 if any
// clock call, in any of its four threads, allocates.
TEST_CASE("no clock call and no start-up under the preload allocates", "[nemesis][clock]") {
  ClockCluster c("local", 1);
  REQUIRE(coordcheck::clock::OffsetFile::Open(OffsetPath(c))->Write(5'000'000'000).ok());
  const std::string plain = Run(c, {clocktest::kMallocGuard}, {}).out;
  const std::string preloaded = Run(c, {clocktest::kMallocGuard}, c.nemesis().DaemonEnv("n1")).out;
  INFO("without: " << plain << "with: " << preloaded);
  int64_t plain_allocs = -1, preloaded_allocs = -1, plain_offset = 0, preloaded_offset = 0;
  REQUIRE(std::sscanf(plain.c_str(), "premain_allocs=%ld offset_ns=%ld", &plain_allocs,
                      &plain_offset) == 2);
  REQUIRE(std::sscanf(preloaded.c_str(), "premain_allocs=%ld offset_ns=%ld", &preloaded_allocs,
                      &preloaded_offset) == 2);
  CHECK(preloaded_allocs == plain_allocs);
  CHECK(plain_allocs >= 0);
  CHECK(plain_offset / 1e6 == Approx(0).margin(5));
  CHECK(preloaded_offset / 1e6 == Approx(5000).margin(5));  // the preload was active

  // The guard itself: an allocation while armed is caught.
  auto caught = c.remote("n1").Exec({clocktest::kMallocGuard, "selftest"});
  REQUIRE(caught.ok());
  CHECK(caught->exit_code == 3);
  CHECK_THAT(caught->err, Catch::Contains("allocation inside a clock call"));
}

TEST_CASE("clock call overhead with and without the preload", "[nemesis][clock]") {
  ClockCluster c("local", 1);
  REQUIRE(coordcheck::clock::OffsetFile::Open(OffsetPath(c))->Write(1'000'000'000).ok());
  auto bench = [&](const std::vector<std::string>& env) {
    const std::string out = Run(c, {clocktest::kProbe, "bench", "2000000"}, env).out;
    double realtime = 0, monotonic = 0, raw = 0;
    REQUIRE(std::sscanf(out.c_str(), "realtime=%lf monotonic=%lf syscall=%lf", &realtime,
                        &monotonic, &raw) == 3);
    return std::array<double, 3>{realtime, monotonic, raw};
  };
  const auto without = bench({});
  const auto with = bench(c.nemesis().DaemonEnv("n1"));
  std::printf(
      "clock_gettime ns/call: REALTIME %.1f -> %.1f with the preload, MONOTONIC %.1f -> %.1f; "
      "raw syscall %.1f\n",
      without[0], with[0], without[1], with[1], without[2]);
  // Generous bounds: the point is "about a vDSO call", not a benchmark verdict.
  CHECK(with[0] < without[0] + 200);
  CHECK(with[1] < without[1] + 200);
}

}  // namespace
