// The fault registry: the data catalogue (what reports use) and the packages are the same
// list; names are unique; every op a package's step or heal emits is one its FaultInfo
// declares (or belongs to no family, like check-clock-offsets), so the report pairs what the
// schedule does.
#include "nemesis/registry.h"

#include <set>

#include <catch2/catch.hpp>

#include "nemesis/families.h"

namespace coordcheck {
namespace {

bool Has(const std::vector<std::string>& fs, const std::string& f) {
  return std::find(fs.begin(), fs.end(), f) != fs.end();
}

// The family whose FaultInfo names `f`, or "".
std::string OwnerOf(const std::string& f) {
  for (const FaultInfo* info : FaultCatalogue()) {
    if (Has(info->opens, f) || Has(info->closes, f) || Has(info->marks, f)) return info->name;
  }
  return "";
}

}  // namespace

TEST_CASE("fault registry: catalogue and packages are one list") {
  const auto& packages = AllFaultPackages();
  const auto& catalogue = FaultCatalogue();
  REQUIRE(packages.size() == catalogue.size());
  std::set<std::string> names;
  for (size_t i = 0; i < packages.size(); ++i) {
    CHECK(&packages[i]->info == catalogue[i]);
    CHECK(names.insert(packages[i]->info.name).second);
    CHECK(FindFaultPackage(packages[i]->info.name) == packages[i]);
    CHECK(FindFaultInfo(packages[i]->info.name) == catalogue[i]);
    CHECK_FALSE(packages[i]->info.description.empty());
    CHECK(packages[i]->info.colour.rfind('#', 0) == 0);
  }
  CHECK(FindFaultPackage("earthquake") == nullptr);
  CHECK(FaultFamilyNames(",").find("partition,packet,clock") == 0);
}

TEST_CASE("fault registry: each package emits only the ops its info declares") {
  FaultScheduleOptions o;
  o.nodes = {"n1", "n2", "n3", "n4", "n5"};
  o.has_primary = true;
  std::set<std::string> owners_seen;
  for (const FaultPackage* p : AllFaultPackages()) {
    INFO(p->info.name);
    gen::Rng rng(42);
    for (int i = 0; i < 50; ++i) {
      FaultStep step = p->step(rng, o);
      REQUIRE_FALSE(step.start.empty());
      for (const auto& op : step.start) {
        const std::string owner = OwnerOf(op.f);
        CHECK((owner.empty() || owner == p->info.name));
        if (owner == p->info.name) {
          CHECK((Has(p->info.opens, op.f) || Has(p->info.marks, op.f)));
        }
      }
      CHECK(OwnerOf(step.start.front().f) == p->info.name);  // the fault itself is declared
      for (const auto& op : step.stop) {
        CHECK((OwnerOf(op.f).empty() || Has(p->info.closes, op.f)));
      }
    }
    for (const std::string& f : p->heal) CHECK((OwnerOf(f).empty() || Has(p->info.closes, f)));
  }
}

}  // namespace coordcheck
