// The coordcheck command line: subcommands and their exit codes
// (shared/DESIGN.md: 0 valid, 1 invalid, 2 unknown, 3 bad input or error).
#pragma once

#include <string>

namespace coordcheck {

inline constexpr int kExitValid = 0;
inline constexpr int kExitInvalid = 1;
inline constexpr int kExitUnknown = 2;
inline constexpr int kExitError = 3;

// Prints "coordcheck: error: MESSAGE" on stderr and returns kExitError.
int Fail(const std::string& message);

// Makes SIGINT, SIGTERM, SIGHUP (a closed terminal or SSH session) and SIGQUIT (Ctrl-\\)
// all run `handler` — a stop request that the command honours with its full teardown —
// instead of killing the controller with its nodes left standing.
void InstallStopSignals(void (*handler)(int));

// Runs `coordcheck ARGS...`; returns the process exit code.
int RunCli(int argc, char** argv);

}  // namespace coordcheck
