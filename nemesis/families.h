// The fault families: THE registry, one line each in COORDCHECK_FAULT_FAMILIES (plus the
// include of the family's family.h). Everything users see of a family — `coordcheck list`,
// --nemesis help and validation, the fault schedule, the nemesis set-up, report colours and
// op pairing — is a loop over this list; nothing else names families.
//
// A family is a folder nemesis/<dir>/ with
//   family.h    coordcheck::fault::<dir>::kInfo, its FaultInfo (data only, nemesis/fault_info.h)
//               and the declaration of Package();
//   package.cc  Package(): its FaultPackage (nemesis/package.h) — needs, schedule step, heal,
//               nemesis — in the nemesis library.
// This header is data only: reports include it without linking the nemesis; AllFaultPackages()
// (nemesis/registry.h) expands the same list into packages.
//
// Thread-safety: immutable after first use.
#pragma once

#include <string_view>
#include <vector>

#include "nemesis/client_pause/family.h"
#include "nemesis/clock/family.h"
#include "nemesis/disk/family.h"
#include "nemesis/kill/family.h"
#include "nemesis/packet/family.h"
#include "nemesis/partition/family.h"
#include "nemesis/pause/family.h"
#include "nemesis/restart/family.h"

// The families, in the order `coordcheck list` shows them. FAMILY(dir) per line.
#define COORDCHECK_FAULT_FAMILIES(FAMILY) \
  FAMILY(partition)                       \
  FAMILY(packet)                          \
  FAMILY(clock)                           \
  FAMILY(pause)                           \
  FAMILY(kill)                            \
  FAMILY(client_pause)                    \
  FAMILY(restart)                         \
  FAMILY(disk)

namespace coordcheck {

// Every family's data, in registry order.
inline const std::vector<const FaultInfo*>& FaultCatalogue() {
#define COORDCHECK_FAULT_INFO(dir) &fault::dir::kInfo,
  static const std::vector<const FaultInfo*> all = {
      COORDCHECK_FAULT_FAMILIES(COORDCHECK_FAULT_INFO)};
#undef COORDCHECK_FAULT_INFO
  return all;
}

// The family named `name`, or null.
inline const FaultInfo* FindFaultInfo(std::string_view name) {
  for (const FaultInfo* info : FaultCatalogue()) {
    if (info->name == name) return info;
  }
  return nullptr;
}

}  // namespace coordcheck
