// The kill fault family's data (nemesis/fault_info.h): kills (SIGKILL) and restarts (data kept) the
// target's processes on some nodes (ProcessNemesis, nemesis/process/process_nemesis.h).
#pragma once

#include "nemesis/fault_info.h"

namespace coordcheck::fault::kill {

inline const FaultInfo kInfo{
    .name = "kill",
    .description = "SIGKILL and restart (data kept) of the target's processes",
    .colour = "#6d4c41",
    .opens = {"kill"},
    .closes = {"start"},
    .marks = {},
};

const FaultPackage& Package();  // package.cc

}  // namespace coordcheck::fault::kill
