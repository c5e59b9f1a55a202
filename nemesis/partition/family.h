// The partition fault family's data (nemesis/fault_info.h): iptables cuts inside the nodes'
// network namespaces (PartitionNemesis, partition_nemesis.h).
#pragma once

#include "nemesis/fault_info.h"

namespace coordcheck::fault::partition {

inline const FaultInfo kInfo{
    .name = "partition",
    .description =
        "iptables cuts in node namespaces: halves, random halves, isolate one, "
        "majority/minority, majorities ring, bridge, one-way, isolate the primary "
        "(DROP or REJECT)",
    .colour = "#e53935",
    .opens = {"start-partition"},
    .closes = {"stop-partition"},
    .marks = {},
};

const FaultPackage& Package();  // package.cc

}  // namespace coordcheck::fault::partition
