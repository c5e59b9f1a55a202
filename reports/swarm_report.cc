// The swarm page (report.h, WriteSwarmReport): the detection figures, then one row per run —
// its seed, faults, interval, verdict, time, concurrency and checker summary, a link to its
// report and the command that repeats it.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "reports/files.h"
#include "reports/html.h"
#include "reports/report.h"
#include "reports/run_results.h"

namespace coordcheck::reports {
namespace {

std::string Fixed(const Json& v, const char* format) {
  if (!v.is_number()) return "\u2013";
  char text[48];
  std::snprintf(text, sizeof text, format, v.get<double>());
  return text;
}

std::string Headline(const Json& detection, const std::string& overall) {
  const Json& runs = Member(detection, "runs");
  const Json& invalid = Member(detection, "invalid");
  if (!runs.is_number_integer() || !invalid.is_number_integer()) return overall;
  std::string out = "Detected in " + std::to_string(invalid.get<int64_t>()) + " of " +
                    std::to_string(runs.get<int64_t>()) + " runs (" +
                    Fixed(Member(detection, "rate").is_number()
                              ? Json(Member(detection, "rate").get<double>() * 100)
                              : Json(),
                          "%.0f%%") +
                    ")";
  const Json& first = Member(detection, "first");
  if (first.is_object()) {
    out += "; first at run " + JsonText(Member(first, "run"), 12) + " after " +
           Fixed(Member(first, "swarm_seconds"), "%.1f") + " s";
  }
  return out;
}

}  // namespace

std::string RenderSwarmReport(const Json& swarm, const std::vector<Json>& run_results,
                              const std::vector<std::string>& report_links) {
  const Json& runs = Member(swarm, "runs");
  auto rank = [](const std::string& v) {
    return v == "error" ? 3 : v == "invalid" ? 2 : v == "valid" ? 0 : 1;
  };
  std::string overall = runs.is_array() && !runs.empty() ? "valid" : "unknown";
  for (size_t i = 0; runs.is_array() && i < runs.size(); ++i) {
    const std::string v = PlainText(Member(runs[i], "verdict"), 20);
    if (rank(v) > rank(overall)) overall = v;
  }
  const std::string workload = PlainText(Member(swarm, "workload"), 80);
  std::string target = PlainText(Member(swarm, "target"), 80);
  const std::string bug = PlainText(Member(swarm, "bug"), 80);
  if (!bug.empty()) target += " --bug " + bug;
  const std::string title = "swarm " + workload + " on " + target;
  const Json& detection = Member(swarm, "detection");
  std::string html = SummaryPageStart("swarm", title, overall,
                                      "<span id=\"swarm-headline\">" +
                                          EscapeHtml(Headline(detection, overall)) + "</span>");
  html += "<section id=\"run-info\"><h2>Swarm</h2><table class=\"info\">";
  auto info = [&](const std::string& name, const std::string& value_html) {
    html += "<tr><th>" + EscapeHtml(name) + "</th><td>" + value_html + "</td></tr>";
  };
  info("seed", "<code>" + EscapeHtml(JsonText(Member(swarm, "seed"), 40)) + "</code>");
  std::string pool;
  for (const Json& f : Member(swarm, "faults")) pool += (pool.empty() ? "" : ", ") + PlainText(f, 40);
  info("faults drawn from", EscapeHtml(pool.empty() ? "none" : pool));
  info("runs", EscapeHtml(JsonText(Member(detection, "runs"), 12) + " of " +
                          JsonText(Member(swarm, "planned_runs"), 12) + " planned, " +
                          Fixed(Member(swarm, "time_limit_s"), "%g") + " s each" +
                          (Member(swarm, "all") == true ? "" : "; stops at the first invalid run")));
  info("running time", EscapeHtml(Fixed(Member(detection, "seconds"), "%.1f") + " s"));
  info("command", "<code class=\"command\">" +
                      EscapeHtml(PlainText(Member(swarm, "command"), 4000)) + "</code>");
  info("exit code", EscapeHtml(JsonText(Member(swarm, "exit_code"), 20)));
  html += "</table></section>\n";

  html += "<section id=\"swarm-runs\"><h2>Runs</h2><div class=\"table-wrap\"><table class=\"list\" "
          "id=\"swarm-table\"><thead><tr><th>run</th><th>verdict</th><th>faults</th>"
          "<th>interval</th><th>seconds</th><th>concurrency</th><th>what the checkers said</th>"
          "<th>report</th></tr></thead><tbody>\n";
  for (size_t i = 0; runs.is_array() && i < runs.size(); ++i) {
    const Json& run = runs[i];
    std::optional<RunResults> results;
    if (i < run_results.size() && run_results[i].is_object()) {
      results = RunResults::FromJson(run_results[i]);
    }
    std::string faults;
    for (const Json& f : Member(run, "nemesis")) faults += (faults.empty() ? "" : ", ") + PlainText(f, 40);
    const std::string link = i < report_links.size() ? PlainRelativeHref(report_links[i]) : "";
    const std::string verdict = PlainText(Member(run, "verdict"), 20);
    html += "<tr class=\"swarm-run verdict-" + Slug(verdict) + "\"><td>" +
            EscapeHtml(JsonText(Member(run, "run"), 12)) + "<br><span class=\"muted\">seed " +
            EscapeHtml(JsonText(Member(run, "seed"), 30)) + "</span></td><td>" + Badge(verdict) +
            "</td><td>" + EscapeHtml(faults.empty() ? "none" : faults) + "</td><td>" +
            EscapeHtml(Fixed(Member(run, "nemesis_interval_s"), "%.1f") + " s") + "</td><td>" +
            EscapeHtml(Fixed(Member(run, "seconds"), "%.1f")) + "</td><td>" +
            EscapeHtml(results ? ConcurrencyCell(results->concurrency) : "\u2013") + "</td><td>" +
            EscapeHtml(PlainText(Member(run, "summary"), 600)) +
            (verdict == "valid" ? std::string()
                                : "<br><code class=\"command\">" +
                                      EscapeHtml(PlainText(Member(run, "reproduce"), 2000)) +
                                      "</code>") +
            "</td><td>" +
            (link.empty() ? std::string("\u2013")
                          : "<a class=\"run-report\" href=\"" + EscapeHtml(link) +
                                "\">report.html</a>") +
            "</td></tr>\n";
  }
  html += "</tbody></table></div></section>\n";
  html += SummaryPageEnd("coordcheck swarm");
  return html;
}

Status WriteSwarmReport(const std::string& swarm_dir) {
  namespace fs = std::filesystem;
  const fs::path dir(swarm_dir);
  Json swarm;
  if (auto st = ReadJsonObject((dir / "swarm.json").string(), &swarm); !st.ok()) return st;
  if (!swarm.contains("runs") || !swarm["runs"].is_array()) {
    return Status::Error((dir / "swarm.json").string() + ": no \"runs\" array");
  }
  std::vector<Json> results;
  std::vector<std::string> links;
  for (const Json& run : swarm["runs"]) {
    const Json& run_dir_json = Member(run, "run_dir");
    if (!run_dir_json.is_string() || run_dir_json.get_ref<const std::string&>().empty()) {
      results.emplace_back(), links.emplace_back();
      continue;
    }
    const fs::path run_dir(run_dir_json.get<std::string>());
    Json r;
    results.push_back(ReadJsonObject((run_dir / "results.json").string(), &r).ok() ? r : Json());
    std::error_code ec;
    const fs::path report = fs::absolute(run_dir / "report.html", ec).lexically_normal();
    links.push_back(
        report.lexically_relative(fs::absolute(dir, ec).lexically_normal()).generic_string());
  }
  return WriteFileReplacing((dir / "report.html").string(),
                            RenderSwarmReport(swarm, results, links));
}

}  // namespace coordcheck::reports
