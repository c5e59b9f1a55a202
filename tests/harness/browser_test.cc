// The reports in a real browser (Debian's chromium, headless): the report of a valid run, of
// an invalid one (with its linearizability counterexample) and of a comparison open with no
// console errors and no script errors, finish rendering, and have their key elements; a
// screenshot of each is written to build/screenshots/ for a person to look at. A run whose
// history is full of markup renders it as text: nothing in it runs.
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/harness/run_util.h"
#include "tests/support/node_env.h"

namespace coordcheck::testing {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

struct Page {
  std::string dom;      // the DOM after the page's scripts ran (--dump-dom)
  std::string console;  // the browser's log lines for the page's console ("INFO:CONSOLE")
};

// Opens `html` in headless Chromium; also writes a screenshot to screenshots/<name>.png.
Page Browse(const std::string& html, const std::string& name) {
  const std::string flags =
      "chromium --headless --no-sandbox --disable-gpu --hide-scrollbars "
      "--virtual-time-budget=5000 ";
  const std::string dir = FreshDir("browser-" + name);
  const std::string dom = dir + "/dom.html", log = dir + "/chromium.log";
  const int code = std::system((flags + "--enable-logging=stderr --v=0 --dump-dom 'file://" + html +
                                "' > " + dom + " 2> " + log)
                                   .c_str());
  REQUIRE(code == 0);
  Page page;
  page.dom = ReadFile(dom);
  std::istringstream lines(ReadFile(log));
  for (std::string line; std::getline(lines, line);) {
    if (line.find(":CONSOLE") != std::string::npos) page.console += line + "\n";
  }
  fs::create_directories(COORDCHECK_SCREENSHOT_DIR);
  const std::string shot = std::string(COORDCHECK_SCREENSHOT_DIR) + "/" + name + ".png";
  fs::remove(shot);
  CHECK(std::system((flags + "--window-size=1400,2400 --screenshot=" + shot + " 'file://" + html +
                     "' > /dev/null 2>&1")
                        .c_str()) == 0);
  CHECK(fs::exists(shot));
  CHECK(fs::file_size(shot) > 20000);  // a rendered page, not a blank one
  return page;
}

void CheckRendered(const Page& page, const std::vector<std::string>& ids) {
  INFO(page.console);
  CHECK(page.console.empty());  // no console output at all: no errors, no warnings
  CHECK(page.dom.find("data-report-ready=\"1\"") != std::string::npos);
  CHECK(page.dom.find("data-js-errors") == std::string::npos);
  for (const std::string& id : ids) {
    INFO("element #" << id);
    CHECK(page.dom.find("id=\"" + id + "\"") != std::string::npos);
  }
}

std::string RunFolder(const RunDirs& d, const std::vector<std::string>& extra, int expect) {
  std::string out;
  const int code = RunCoordcheck(RegisterRunArgs(d, extra), &out);
  INFO(out);
  CHECK(code == expect);
  return LatestRun(d);
}

}  // namespace

TEST_CASE("browser: the report of a valid run renders, with its key elements") {
  nodetest::RequireRoot();
  RunDirs d = FreshRunDirs("browser-valid");
  const std::string run =
      RunFolder(d, {"--time-limit", "3", "--nemesis", "pause,clock", "--nemesis-interval", "0.7"}, 0);
  Page page = Browse(run + "/report.html", "valid-run");
  CheckRendered(page, {"verdict-banner", "run-info", "checkers", "timeline", "latency-scatter",
                       "latency-quantiles", "throughput", "nemesis-table", "clock-plot"});
  CHECK(page.dom.find("id=\"verdict-banner\" data-verdict=\"valid\"") != std::string::npos);
}

TEST_CASE("browser: the report of an invalid run shows its counterexample") {
  nodetest::RequireRoot();
  RunDirs d = FreshRunDirs("browser-invalid");
  const std::string run = RunFolder(d, {"--bug", "lost-cas", "--time-limit", "3", "--seed", "1"}, 1);
  Page page = Browse(run + "/report.html", "invalid-run");
  CheckRendered(page, {"verdict-banner", "checkers", "counterexample", "counterexample-table",
                       "cannot-place", "timeline"});
}

TEST_CASE("browser: a comparison's page sets the targets side by side and links their reports") {
  nodetest::RequireRoot();
  RunDirs d = FreshRunDirs("browser-compare");
  std::string out;
  RunCoordcheck({"compare", "-w", "lock", "--targets", "redis-lock,etcd-lock", "--nemesis",
                 "client-pause", "--nemesis-interval", "1", "--time-limit", "4", "--store",
                 d.store, "--state-dir", d.state, "--quiet"},
                &out, std::chrono::minutes(3));
  const size_t at = out.find("comparison folder: ");
  REQUIRE(at != std::string::npos);
  const std::string folder = out.substr(at + 19, out.find('\n', at) - at - 19);
  Page page = Browse(folder + "/report.html", "comparison");
  CheckRendered(page, {"verdict-banner", "compare-table", "runs-section"});
  Json record = Json::parse(ReadFile(folder + "/compare.json"));
  for (const Json& run : record["runs"]) {
    const std::string link = fs::relative(run["run_dir"].get<std::string>() + "/report.html",
                                          folder).string();
    INFO(link);
    CHECK(page.dom.find("href=\"" + link + "\"") != std::string::npos);
    CHECK(fs::exists(run["run_dir"].get<std::string>() + "/report.html"));
  }
}

TEST_CASE("browser: markup and quotes in a history render as text, nothing in them runs") {
  // A stored run folder made by hand, its values hostile; `coordcheck report` builds its report.
  const std::string dir = FreshDir("browser-hostile");
  const std::string evil = "<script>document.documentElement.dataset.pwned='1'</script>"
                           "<img src=x onerror=\"document.documentElement.dataset.pwned='2'\">"
                           "\"'</script><!--";
  Json test = {{"name", "hostile"}, {"workload", "register"}, {"target", "kvd"}, {"seed", 1},
               {"nemesis", Json::array()}, {"meta", {{"command", evil}, {"commit", evil}}}};
  std::ofstream(dir + "/test.json") << test.dump();
  std::ofstream history(dir + "/history.jsonl");
  history << Json{{"index", 0}, {"time", 1000}, {"process", 0}, {"type", "invoke"}, {"f", "write"},
                  {"key", evil}, {"value", evil}}.dump() << "\n";
  history << Json{{"index", 1}, {"time", 2000}, {"process", 0}, {"type", "fail"}, {"f", "write"},
                  {"key", evil}, {"value", evil}, {"error", evil}}.dump() << "\n";
  history.close();
  Json results = {{"valid", false}, {"verdict", "invalid"}, {"summary", evil}, {"notes", {evil}},
                  {"checkers", {{"linearizable", {{"valid", false}, {"verdict", "invalid"},
                                                  {"summary", evil},
                                                  {"details", {{"explanation", evil}}}}}}}};
  std::ofstream(dir + "/results.json") << results.dump();
  std::string out;
  REQUIRE(RunCoordcheck({"report", dir}, &out) == 0);
  Page page = Browse(dir + "/report.html", "hostile");
  CheckRendered(page, {"verdict-banner", "checkers", "timeline"});
  CHECK(page.dom.find("data-pwned") == std::string::npos);
  CHECK(page.dom.find("&lt;script&gt;document.documentElement.dataset.pwned") != std::string::npos);
  CHECK(page.dom.find("<img src=\"x\"") == std::string::npos);
  // junit.xml next to it parses, the same values escaped.
  CHECK(std::system(("xmllint --noout " + dir + "/junit.xml").c_str()) == 0);
}

}  // namespace coordcheck::testing
