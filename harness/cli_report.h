// The `report` and `serve` subcommands: rebuild a run's (or a comparison's) reports from its
// stored files, and serve a store's runs to a browser on 127.0.0.1.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"

namespace CLI {
class App;
}

namespace coordcheck {

struct ReportCommands;

std::shared_ptr<ReportCommands> AddReportCommands(CLI::App* app);
// Runs whichever was given and returns its exit code, or -1 when neither was.
int DispatchReportCommands(ReportCommands& commands);

// Writes the reports of a finished run folder (junit.xml; report.html) — what `run` does at
// its end and `report` does again. Returns the first error, naming the file.
Status WriteRunReports(const std::string& run_dir);
// The same for a comparison folder, and for a swarm folder.
Status WriteCompareReports(const std::string& compare_dir);
Status WriteSwarmReports(const std::string& swarm_dir);

}  // namespace coordcheck
