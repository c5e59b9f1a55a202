// The disk fault family's data (nemesis/fault_info.h): crashes that lose what the target did
// not fsync — the node's processes killed, the unsynced data and directory entries of its
// data folder dropped (coordcheck-syncfs), the processes started again (DiskNemesis,
// disk_nemesis.h).
#pragma once

#include "nemesis/fault_info.h"

namespace coordcheck::fault::disk {

inline const FaultInfo kInfo{
    .name = "disk",
    .description =
        "crash that loses what was not fsynced: SIGKILL, drop of the data folder's unsynced "
        "writes and entries (torn-write: a prefix of the last write kept), restart",
    .colour = "#5e35b1",
    .opens = {},
    .closes = {},
    .marks = {"lose-unsynced", "torn-write"},
};

const FaultPackage& Package();  // package.cc

}  // namespace coordcheck::fault::disk
