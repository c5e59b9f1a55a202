// The state directory: where a controller keeps its ledgers and its nodes' folders, and
// where `coordcheck clean` reads them back. What is in it decides which processes clean
// kills and which folders it removes, so it must be ours alone.
//
// Contract: ResolveStateDir turns a --state-dir value ("" = DefaultStateDir()) into an
// absolute, normalized path without a trailing '/'. OpenStateDir resolves it, creates the
// folder when it does not exist (missing parents with the usual mode) and accepts it only
// when CheckStateDir does. CheckStateDir refuses a path that is a symlink, not a
// directory, not owned by the effective user, or writable by group or others — one error
// naming the path and the reason. A new folder is made 0700, or 0755 as root: services a
// root run starts as their own user (PostgreSQL as postgres) must pass through it to
// their node's folder. An existing 0755 folder is accepted (nobody else can write to it).
//
// Why refuse instead of fixing: /tmp/coordcheck-UID sits in a world-writable /tmp, so
// another user can create it first (or as a symlink to a folder of theirs) and plant
// ledgers naming any pid or folder; a controller that accepted it would hand them its
// clean-up. chmod-ing a folder someone else made would not make its contents ours.
//
// Thread-safety: all functions may be called from several threads at once.
#pragma once

#include <string>

#include "base/status.h"

namespace coordcheck::control {

// /run/coordcheck as root, else $XDG_RUNTIME_DIR/coordcheck, else /tmp/coordcheck-UID.
// $COORDCHECK_STATE_DIR overrides all of these.
std::string DefaultStateDir();

Result<std::string> ResolveStateDir(const std::string& state_dir);

Status CheckStateDir(const std::string& path);

Result<std::string> OpenStateDir(const std::string& state_dir);

}  // namespace coordcheck::control
