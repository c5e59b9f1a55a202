// The restart fault family's data (nemesis/fault_info.h): the target's processes on some
// nodes killed and started again at once (RestartNemesis, restart_nemesis.h).
#pragma once

#include "nemesis/fault_info.h"

namespace coordcheck::fault::restart {

inline const FaultInfo kInfo{
    .name = "restart",
    .description =
        "crash-restart: SIGKILL and an immediate restart (data kept) of the "
        "target's processes, in one op",
    .colour = "#f4511e",
    .opens = {},
    .closes = {},
    .marks = {"restart"},
};

const FaultPackage& Package();  // package.cc

}  // namespace coordcheck::fault::restart
