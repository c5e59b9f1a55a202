// PendingData, the cache of coordcheck-syncfs, against a plain string as the file: random
// writes and truncates on top of a random durable file must read back as the string does,
// and its flush plan applied to the durable file must give the same bytes.
#include "nemesis/disk/pending_data.h"

#include <catch2/catch.hpp>

#include <random>

namespace coordcheck::syncfs {
namespace {

std::string Apply(std::string durable, const FlushPlan& plan) {
  if (plan.cut) durable.resize(*plan.cut);
  for (const auto& [offset, bytes] : plan.writes) {
    if (durable.size() < offset + bytes.size()) durable.resize(offset + bytes.size());
    durable.replace(offset, bytes.size(), bytes);
  }
  if (plan.size) durable.resize(*plan.size);
  return durable;
}

std::string Visible(const PendingData& p, const std::string& durable, uint64_t offset = 0,
                    uint64_t length = 1 << 20) {
  const std::string from = offset < durable.size() ? durable.substr(offset, length) : "";
  return p.Read(offset, length, from, durable.size());
}

}  // namespace

TEST_CASE("pending data reads as the file a sequence of writes and truncates makes") {
  std::mt19937_64 rng(GENERATE(1, 2, 3, 4, 5, 6, 7, 8));
  auto below = [&](uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng); };
  for (int round = 0; round < 50; ++round) {
    std::string durable(below(40), 'd');
    for (char& c : durable) c = static_cast<char>('a' + below(26));
    std::string model = durable;
    PendingData p;
    const int ops = static_cast<int>(below(12)) + 1;
    for (int i = 0; i < ops; ++i) {
      if (below(4) == 0) {
        const uint64_t size = below(60);
        p.Truncate(size);
        model.resize(size, '\0');
      } else {
        const uint64_t offset = below(60);
        std::string data(below(20) + 1, static_cast<char>('A' + i));
        p.Write(offset, data, durable.size(), static_cast<uint64_t>(i) + 1);
        if (model.size() < offset + data.size()) model.resize(offset + data.size(), '\0');
        model.replace(offset, data.size(), data);
      }
      INFO("round " << round << " op " << i);
      REQUIRE(p.Size(durable.size()) == model.size());
      REQUIRE(Visible(p, durable) == model);
      const uint64_t from = below(model.size() + 2);
      REQUIRE(Visible(p, durable, from, 7) == (from < model.size() ? model.substr(from, 7) : ""));
    }
    REQUIRE(Apply(durable, p.Plan()) == model);
  }
}

TEST_CASE("pending data keeps the newest write whole and counts each byte once") {
  PendingData p;
  p.Write(0, "hello", 0, 1);
  p.Write(5, " world", 0, 2);  // an append: extends the extent before it
  p.Write(0, "J", 0, 3);
  CHECK(p.bytes() == 11);
  REQUIRE(p.last_write());
  CHECK(p.last_write()->seq == 3);
  CHECK(p.last_write()->data == "J");
  CHECK(Visible(p, "") == "Jello world");
  p.Clear();
  CHECK(p.empty());
  CHECK(Visible(p, "durable") == "durable");
}

TEST_CASE("a truncate below the durable end hides the durable bytes beyond it") {
  PendingData p;
  p.Truncate(2);
  p.Write(4, "xy", 6, 1);
  // Bytes 2 and 3 were cut, then the file grew again: zeros, not the durable "cd".
  CHECK(Visible(p, "abcdef") == std::string("ab\0\0xy", 6));
}

}  // namespace coordcheck::syncfs
