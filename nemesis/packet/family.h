// The packet fault family's data (nemesis/fault_info.h): loss and delay on what nodes send
// (PacketNemesis, packet_nemesis.h).
#pragma once

#include "nemesis/fault_info.h"

namespace coordcheck::fault::packet {

inline const FaultInfo kInfo{
    .name = "packet",
    .description = "loss (statistic match) and delay/jitter (NFQUEUE)",
    .colour = "#1e88e5",
    .opens = {"start-packet"},
    .closes = {"stop-packet"},
    .marks = {},
};

const FaultPackage& Package();  // package.cc

}  // namespace coordcheck::fault::packet
