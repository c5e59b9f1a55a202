// The fault packages: nemesis/families.h's list expanded into FaultPackages (the list
// itself lives there, data only, so reports can use it without linking the nemesis).
//
// Thread-safety: immutable after first use.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "nemesis/package.h"

namespace coordcheck {

// Every package, in registry order.
const std::vector<const FaultPackage*>& AllFaultPackages();

// The package named `name`, or null.
const FaultPackage* FindFaultPackage(std::string_view name);

// "partition, packet, ..." — the registry's names, for messages and help.
std::string FaultFamilyNames(const std::string& separator = ", ");

}  // namespace coordcheck
