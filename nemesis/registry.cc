#include "nemesis/registry.h"

#include "nemesis/families.h"

namespace coordcheck {

const std::vector<const FaultPackage*>& AllFaultPackages() {
#define COORDCHECK_FAULT_PACKAGE(dir) &fault::dir::Package(),
  static const std::vector<const FaultPackage*> all = {
      COORDCHECK_FAULT_FAMILIES(COORDCHECK_FAULT_PACKAGE)};
#undef COORDCHECK_FAULT_PACKAGE
  return all;
}

const FaultPackage* FindFaultPackage(std::string_view name) {
  for (const FaultPackage* p : AllFaultPackages()) {
    if (p->info.name == name) return p;
  }
  return nullptr;
}

std::string FaultFamilyNames(const std::string& separator) {
  std::string out;
  for (const FaultPackage* p : AllFaultPackages()) {
    out += (out.empty() ? "" : separator) + p->info.name;
  }
  return out;
}

}  // namespace coordcheck
