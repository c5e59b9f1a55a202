// The clock fault family's data (nemesis/fault_info.h): clock bumps and strobes through our
// LD_PRELOAD library (ClockNemesis, clock_nemesis.h).
#pragma once

#include "nemesis/fault_info.h"

namespace coordcheck::fault::clock {

inline const FaultInfo kInfo{
    .name = "clock",
    .description =
        "clock bumps and strobes through our LD_PRELOAD library (never the host's clock)",
    .colour = "#fdd835",
    .opens = {"bump-clock", "strobe-clock"},
    .closes = {"reset-clock"},
    .marks = {},
};

const FaultPackage& Package();  // package.cc

}  // namespace coordcheck::fault::clock
