// The `run`, `list` and `clean` subcommands of the coordcheck command line.
#pragma once

#include <memory>

namespace CLI {
class App;
}

namespace coordcheck {

struct RunCommands;

// Registers run, list and clean on `app`.
std::shared_ptr<RunCommands> AddRunCommands(CLI::App* app);
// After parsing: runs whichever of them was given and returns its exit code, or -1 when
// none was.
int DispatchRunCommands(RunCommands& commands, int argc, char** argv);

}  // namespace coordcheck
