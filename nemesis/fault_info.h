// FaultInfo: the data part of a fault family's package (nemesis/package.h) — its name, the
// line `coordcheck list` shows, its colour in reports and the op names it records — and
// nothing that runs. Each family's folder defines its FaultInfo in family.h; families.h
// lists them.
//
// Why a data part apart: reports draw and pair the fault ops of any stored history, but must
// not link the nemesis (shared/DESIGN.md: reports depend on history only; a stored history
// is re-rendered offline). So what reports need of a family is header-only data they include
// without linking anything, while the family's behaviour (needs, schedule, nemesis) is in
// its package.cc, in the nemesis library. Writing the catalogue into results.json instead
// would still need a built-in default for histories without one — this same data.
//
// Thread-safety: immutable values.
#pragma once

#include <string>
#include <vector>

namespace coordcheck {

struct FaultPackage;  // nemesis/package.h

struct FaultInfo {
  // The --nemesis name ("partition").
  std::string name;
  // One line for `coordcheck list`.
  std::string description;
  // CSS colour of its intervals and marks in reports ("#e53935").
  std::string colour;
  // Its op f names (nemesis/ops.h), by their role in a report's fault intervals:
  // `opens` start an interval (another while one is open extends it), `closes` end the open
  // one, `marks` are point events. An op of none of these (check-clock-offsets) is not a
  // fault of its own.
  std::vector<std::string> opens;
  std::vector<std::string> closes;
  std::vector<std::string> marks;
};

}  // namespace coordcheck
