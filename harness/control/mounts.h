// Detaching the filesystems a run mounted on its nodes (the disk faults' FUSE mounts,
// recorded with Remote::RecordMount): for Cluster::Destroy and CleanLeftovers, which must
// not remove a node's folder while something is mounted inside it — a dead FUSE daemon's
// mount answers every access with ENOTCONN, and a live one would be emptied through.
//
// Thread-safety: reentrant.
#pragma once

#include <string>

#include "base/status.h"

namespace coordcheck::control {

// True when /proc/self/mountinfo lists `path` as a mount point (it cannot be stat'ed when
// its FUSE daemon is dead, so the table is read instead).
bool IsMountPoint(const std::string& path);

// Detaches (umount2 MNT_DETACH, like `umount -l`) every mount stacked at `path`; ok when
// nothing is mounted there. The error names the path.
Status DetachMount(const std::string& path);

}  // namespace coordcheck::control
