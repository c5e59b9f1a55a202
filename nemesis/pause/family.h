// The pause fault family's data (nemesis/fault_info.h): pauses (SIGSTOP) and resumes (SIGCONT) the
// target's processes on some nodes (ProcessNemesis, nemesis/process/process_nemesis.h).
#pragma once

#include "nemesis/fault_info.h"

namespace coordcheck::fault::pause {

inline const FaultInfo kInfo{
    .name = "pause",
    .description = "SIGSTOP/SIGCONT of the target's processes",
    .colour = "#8e24aa",
    .opens = {"pause"},
    .closes = {"resume"},
    .marks = {},
};

const FaultPackage& Package();  // package.cc

}  // namespace coordcheck::fault::pause
