// The status line: phase, elapsed and remaining time, ops/s and outcomes of this phase,
// faults in effect as the nemesis's completions say; lines printed above it; nothing drawn
// when disabled.
#include "harness/progress.h"

#include <cstdio>
#include <string>

#include <catch2/catch.hpp>

namespace coordcheck {
namespace {

using namespace std::chrono_literals;

Op Event(int64_t process, OpType type, const std::string& f, Json value = nullptr) {
  Op op;
  op.process = process;
  op.type = type;
  op.f = f;
  op.value = std::move(value);
  return op;
}

Op Fault(const std::string& f, Json value = nullptr) {
  Op op = Event(0, OpType::kInfo, f, std::move(value));
  op.process = kNemesisProcess;
  return op;
}

std::string Contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return out;
}

bool Has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("progress: time, outcomes and the faults in effect") {
  std::FILE* out = std::tmpfile();
  REQUIRE(out != nullptr);
  {
    Progress p(out, true);
    p.StartPhase("main phase", 30);
    const auto t0 = Progress::Clock::now();
    p.Observe(Event(0, OpType::kInvoke, "read"));
    p.Observe(Event(0, OpType::kOk, "read"));
    p.Observe(Event(1, OpType::kOk, "write"));
    p.Observe(Event(2, OpType::kFail, "cas"));
    p.Observe(Event(3, OpType::kInfo, "cas"));
    p.Observe(Fault("start-partition", {{"kind", "halves"}}));
    p.Observe(Fault("kill", {{"nodes", {"n1", "n3"}}}));
    p.Observe(Fault("pause-client", {{"ms", 4000}}));
    std::string line = p.Render(t0 + 2s);
    INFO(line);
    CHECK(Has(line, "main phase 2 s of 30 s (28 s left)"));
    CHECK(Has(line, "ok 2 fail 1 info 1"));
    CHECK(Has(line, "faults: client pause (4000 ms) killed (n1 n3) partition (halves)"));
    CHECK_FALSE(Has(line, "pause-client"));
    p.Observe(Fault("stop-partition"));
    p.Observe(Fault("start"));
    line = p.Render(t0 + 10s);  // the client pause is over too
    INFO(line);
    CHECK_FALSE(Has(line, "faults"));
    CHECK(Has(line, "(20 s left)"));
    CHECK(Has(p.Render(t0 + 31s), "(waiting for the ops in flight)"));
    p.Print("healing: 2 fault families");
    p.EndPhase();
    p.StartPhase("checking 10 events", 300, "budget");  // figures start again
    line = p.Render(Progress::Clock::now() + 2s);
    CHECK(Has(line, "checking 10 events 2 s of 300 s budget"));
    CHECK_FALSE(Has(line, "ok "));
  }
  const std::string drawn = Contents(out);
  // The printed line sits on a line of its own, the status line cleared before it.
  CHECK(Has(drawn, "\r\033[Khealing: 2 fault families\n"));
  CHECK(Has(drawn, "main phase"));
  std::fclose(out);
}

TEST_CASE("progress: disabled, only printed lines come out") {
  std::FILE* out = std::tmpfile();
  REQUIRE(out != nullptr);
  {
    Progress p(out, false);
    p.StartPhase("main phase", 30);
    p.Observe(Event(0, OpType::kOk, "read"));
    p.Print("a line");
    p.EndPhase();
  }
  CHECK(Contents(out) == "a line\n");
  std::fclose(out);
}

}  // namespace coordcheck
