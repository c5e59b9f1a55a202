// The shared histories (tests/data/shared-histories, see its README.md): 231
// real histories from Porcupine's and Knossos's test suites with known verdicts.
// Every one must get the manifest's verdict with the manifest's model and init;
// a valid verdict's witness must replay on tests/support's reference model, and
// an invalid verdict's details must name a real op after a real prefix.

#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "checkers/linearizable.h"
#include "history/jsonl.h"
#include "tests/checkers/check_util.h"

namespace coordcheck::test {
namespace {

constexpr size_t kSharedHistories = 231;

struct ManifestEntry {
  std::string path;  // absolute
  std::string name;  // folder/file, for messages
  std::string model;
  Json init;             // null = a register with no value
  std::string expected;  // "valid" / "invalid"
};

std::vector<ManifestEntry> LoadManifests() {
  std::vector<ManifestEntry> entries;
  for (const std::string folder : {"porcupine", "knossos"}) {
    const std::string dir = std::string(COORDCHECK_TEST_DATA) + "/shared-histories/" + folder;
    std::ifstream in(dir + "/manifest.json");
    INFO(dir << "/manifest.json");
    REQUIRE(in.good());
    const Json manifest = Json::parse(in);
    REQUIRE(manifest.is_array());
    for (const Json& e : manifest) {
      ManifestEntry entry;
      entry.path = dir + "/" + e.at("file").get<std::string>();
      entry.name = folder + "/" + e.at("file").get<std::string>();
      entry.model = e.at("model").get<std::string>();
      entry.init = e.at("init");
      entry.expected = e.at("expected").get<std::string>();
      entries.push_back(std::move(entry));
    }
  }
  return entries;
}

TEST_CASE("shared histories: every verdict matches its manifest", "[shared]") {
  const std::vector<ManifestEntry> entries = LoadManifests();
  REQUIRE(entries.size() == kSharedHistories);

  size_t checked = 0;
  size_t valid = 0;
  size_t invalid = 0;
  size_t empty = 0;
  for (const ManifestEntry& e : entries) {
    INFO(e.name << " (model " << e.model << ", init " << e.init.dump() << ", expected "
                << e.expected << ")");
    History history;
    const Status read_error = ReadHistoryFile(e.path, &history);
    INFO("read: " << (read_error.ok() ? "ok" : read_error.message()));
    if (e.name == "porcupine/etcd_095.jsonl") {
      // Empty (Porcupine judges it trivially valid): the reader refuses a history with no
      // events, since a truncated history must never pass.
      CHECK(read_error.message() == e.path + ": no events");
      ++empty;
      ++checked;
      continue;
    }
    CHECK(read_error.ok());
    if (!read_error.ok()) continue;

    // The manifest's init is explicit, including null ("no value").
    const std::optional<Json> init(e.init);
    const CheckResult result = RunLinearizable(history, e.model, init);
    INFO("summary: " << result.summary);
    CHECK(ValidityName(result.valid) == e.expected);
    if (result.valid == Validity::kValid && e.expected == "valid") {
      CheckWitness(history, e.model, init, result);
      ++valid;
    }
    if (result.valid == Validity::kInvalid && e.expected == "invalid") {
      CheckInvalidDetails(history, e.model, init, result);
      ++invalid;
    }
    ++checked;
  }
  CHECK(checked == kSharedHistories);
  CHECK(empty == 1);
  CHECK(valid == 23 + 3 + 113 + 1);  // porcupine cas-register + kv, knossos cas + multi
  CHECK(invalid == 79 + 3 + 7 + 1);  // porcupine cas-register + kv, knossos cas + mutex
}

}  // namespace
}  // namespace coordcheck::test
