// Network-namespace plumbing shared by the netns backend and CleanLeftovers: where named
// namespaces live, running the `ip` tool (bounded, in the controller's own namespace),
// and finding and killing the processes inside a namespace.
//
// A process is inside a namespace when /proc/PID/ns/net is the same nsfs inode (device
// and inode number) as /run/netns/NAME. Only thread-group leaders are looked at, and the
// calling process is never killed.
//
// Thread-safety: all functions may be called from several threads at once.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/status.h"

namespace coordcheck::control {

// /run/netns/NAME: where `ip netns` keeps named namespaces.
std::string NetnsPath(const std::string& name);
bool NetnsExists(const std::string& name);
// The names in /run/netns that start with `prefix`.
std::vector<std::string> ListNetns(const std::string& prefix);

// Runs `ip ARGS` with `input` on stdin (10 s limit). The error quotes ip's stderr.
Status RunIp(const std::vector<std::string>& args, const std::string& input = "");

// SIGKILLs every process inside any of the namespaces at `ns_paths` (missing ones are
// skipped) until none is left, for at most `budget`. Returns how many were killed, or an
// error naming the survivors.
Result<int> KillProcessesInNetns(const std::vector<std::string>& ns_paths,
                                 std::chrono::milliseconds budget);

// Deletes the named namespaces that exist, in one `ip -force -batch` call. An error names
// each namespace still present afterwards.
Status DeleteNetns(const std::vector<std::string>& names);

}  // namespace coordcheck::control
