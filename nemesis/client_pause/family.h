// The client-pause fault family's data (nemesis/fault_info.h): a pause of one client inside
// its critical section (ClientPauseNemesis, client_pause_nemesis.h).
#pragma once

#include "nemesis/fault_info.h"

namespace coordcheck::fault::client_pause {

inline const FaultInfo kInfo{
    .name = "client-pause",
    .description =
        "a stop-the-world pause of one client inside its critical section, longer "
        "than its lease (lock workload)",
    .colour = "#00897b",
    .opens = {},
    .closes = {},
    .marks = {"pause-client"},
};

const FaultPackage& Package();  // package.cc

}  // namespace coordcheck::fault::client_pause
