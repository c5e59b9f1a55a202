#include "harness/cli_report.h"

#include <csignal>
#include <cstdio>
#include <filesystem>

#include <CLI/CLI.hpp>

#include "harness/cli.h"
#include "reports/junit.h"
#include "reports/report.h"
#include "reports/serve.h"

namespace coordcheck {
namespace {

std::atomic<bool> g_serve_stop{false};

void OnServeStop(int) { g_serve_stop.store(true); }

}  // namespace

struct ReportCommands {
  CLI::App* report = nullptr;
  CLI::App* serve = nullptr;
  std::string dir;
  reports::ServeOptions serve_options;
};

std::shared_ptr<ReportCommands> AddReportCommands(CLI::App* app) {
  auto c = std::make_shared<ReportCommands>();
  c->report = app->add_subcommand(
      "report", "Rebuild the reports (junit.xml, report.html) of a run, comparison or swarm "
                "folder from its stored files");
  c->report->add_option("dir", c->dir, "a run folder (store/<test>/<time>) or a comparison folder")
      ->required();
  c->serve = app->add_subcommand(
      "serve", "Serve a store's runs to a browser: an index with verdicts and links to every "
               "report and file, on 127.0.0.1 only");
  c->serve->add_option("store", c->serve_options.store, "the store folder")->capture_default_str();
  c->serve->add_option("--port,-p", c->serve_options.port, "TCP port on 127.0.0.1 (0 = any free)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  return c;
}

Status WriteRunReports(const std::string& run_dir) {
  Status junit = reports::WriteRunJUnit(run_dir);
  Status html = reports::WriteRunReport(run_dir);
  return junit.ok() ? html : junit;
}

Status WriteCompareReports(const std::string& compare_dir) {
  Status junit = reports::WriteCompareJUnit(compare_dir);
  Status html = reports::WriteCompareReport(compare_dir);
  return junit.ok() ? html : junit;
}

Status WriteSwarmReports(const std::string& swarm_dir) {
  Status junit = reports::WriteSwarmJUnit(swarm_dir);
  Status html = reports::WriteSwarmReport(swarm_dir);
  return junit.ok() ? html : junit;
}

int DispatchReportCommands(ReportCommands& c) {
  if (c.report->parsed()) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(c.dir, ec)) return Fail(c.dir + ": not a folder");
    const bool comparison = fs::exists(fs::path(c.dir) / "compare.json", ec);
    const bool swarm = fs::exists(fs::path(c.dir) / "swarm.json", ec);
    Status st = comparison ? WriteCompareReports(c.dir)
                : swarm    ? WriteSwarmReports(c.dir)
                           : WriteRunReports(c.dir);
    if (!st.ok()) return Fail(st.message());
    std::printf("wrote %s/report.html and %s/junit.xml\n", c.dir.c_str(), c.dir.c_str());
    return 0;
  }
  if (c.serve->parsed()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(c.serve_options.store, ec)) {
      return Fail(c.serve_options.store + ": not a folder (no runs stored there yet?)");
    }
    auto server = reports::StoreServer::Start(c.serve_options);
    if (!server.ok()) return Fail(server.message());
    InstallStopSignals(OnServeStop);
    std::printf("serving %s on http://127.0.0.1:%d/ (Ctrl-C stops)\n",
                c.serve_options.store.c_str(), (*server)->port());
    std::fflush(stdout);
    (*server)->Serve(g_serve_stop);
    return 0;
  }
  return -1;
}

}  // namespace coordcheck
