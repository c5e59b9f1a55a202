// WriteCompareReport, RenderCompareReport and LatencySummary (reports/report.h): the page that
// sets the runs of a comparison side by side.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>

#include "history/jsonl.h"
#include "reports/assets.h"
#include "reports/checker_sections.h"
#include "reports/files.h"
#include "reports/history_view.h"
#include "reports/html.h"
#include "reports/plots.h"
#include "reports/report.h"
#include "reports/run_results.h"

namespace coordcheck::reports {

namespace {

std::string Ms(const Json& v) {
  if (!v.is_number()) return "\u2013";
  char buf[32];
  const double ms = v.get<double>();
  std::snprintf(buf, sizeof buf, ms < 10 ? "%.2f" : ms < 100 ? "%.1f" : "%.0f", ms);
  return buf;
}

std::string Label(std::string key) {
  std::replace(key.begin(), key.end(), '_', ' ');
  return key;
}

// Anomaly counts per checker: "mutual-exclusion: 24 (overlap, lost-updates)".
std::string AnomalyText(const RunResults& results) {
  std::string out;
  for (const auto& [name, r] : results.checkers.items()) {
    const Json& details = Member(r, "details");
    const Json& anomalies = Member(details, "anomalies");
    size_t count = anomalies.is_array() ? anomalies.size() : 0;
    if (VerdictOf(r) == "invalid" && count == 0)
      count = 1;  // e.g. a linearizability counterexample
    if (count == 0) continue;
    std::string types;
    for (const Json& t : Member(details, "anomaly_types"))
      types += (types.empty() ? "" : ", ") + PlainText(t, 40);
    const bool more = Member(details, "anomalies_truncated") == true;
    out += (out.empty() ? "" : "; ") + name + ": " + std::to_string(count) + (more ? "+" : "") +
           (types.empty() ? "" : " (" + types + ")");
  }
  return out.empty() ? "none" : out;
}

// One run of the comparison with what is known about it.
struct CompareRun {
  const Json* run = nullptr;      // its entry in compare.json's runs
  std::optional<RunResults> results;  // its results.json; none when missing or unreadable
  const Json* latency = nullptr;  // LatencySummary of its history (null Json when unknown)
  std::string link;               // href of its report.html; empty when none
  std::string target, verdict;
  const Json& figures() const {
    static const Json kNone = Json::object();
    if (Member(*run, "figures").is_object()) return (*run)["figures"];
    return results ? results->figures : kNone;
  }
};

// Latency of ok ops as inline SVG bars, log scale: per f (those with at least 10 ok ops in some
// run; all f together when none has), per target, p50, p95 and p99.
std::string LatencySvg(const std::vector<CompareRun>& runs) {
  std::vector<std::string> fs;
  for (const CompareRun& r : runs) {
    if (!r.latency->is_object()) continue;
    for (const auto& [f, q] : r.latency->items()) {
      if (f == "*" || !Member(q, "count").is_number() || Member(q, "count").get<double>() < 10)
        continue;
      if (std::find(fs.begin(), fs.end(), f) == fs.end()) fs.push_back(f);
    }
  }
  if (fs.empty()) fs.push_back("*");
  struct Bar {
    std::string f, target;
    double q[3];
  };
  std::vector<Bar> bars;
  double hi = 0, lo = 1e300;
  const char* keys[3] = {"p50_ms", "p95_ms", "p99_ms"};
  for (const std::string& f : fs) {
    for (const CompareRun& r : runs) {
      const Json& q = Member(*r.latency, f.c_str());
      if (!q.is_object()) continue;
      Bar b{f, r.target, {0, 0, 0}};
      for (int k = 0; k < 3; ++k) {
        b.q[k] = std::max(
            0.001, Member(q, keys[k]).is_number() ? Member(q, keys[k]).get<double>() : 0.001);
        hi = std::max(hi, b.q[k]);
        lo = std::min(lo, b.q[k]);
      }
      bars.push_back(b);
    }
  }
  if (bars.empty())
    return "<p class=\"muted\" id=\"latency-compare-none\">No latency: no run's history could be "
           "read.</p>\n";
  const double top = std::pow(10, std::ceil(std::log10(hi)));
  double bottom = std::pow(10, std::floor(std::log10(lo)));
  if (bottom >= top) bottom = top / 10;
  const int cluster = 3 * 14 + 16, group_gap = 30, plot_top = 16, plot_h = 170;
  int w = 80;
  for (size_t i = 0; i < bars.size(); ++i)
    w += cluster + (i + 1 < bars.size() && bars[i + 1].f != bars[i].f ? group_gap : 0);
  w += 20;
  const int h = plot_top + plot_h + 50;
  auto y = [&](double v) {
    return plot_top + plot_h -
           plot_h * (std::log10(v) - std::log10(bottom)) / (std::log10(top) - std::log10(bottom));
  };
  char buf[320];
  std::string svg = "<svg id=\"latency-compare\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    std::to_string(w) + "\" height=\"" + std::to_string(h) +
                    "\" role=\"img\" aria-label=\"latency of ok ops per f and target\">";
  for (double v = bottom; v <= top * 1.0001; v *= 10) {
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"70\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
                  "<text x=\"64\" y=\"%.1f\" text-anchor=\"end\" class=\"axis\">%g ms</text>",
                  w - 10, y(v), y(v), y(v) + 4, v);
    svg += buf;
  }
  const char* names[3] = {"p50", "p95", "p99"};
  int x = 80;
  int group_start = x;
  for (size_t i = 0; i < bars.size(); ++i) {
    for (int k = 0; k < 3; ++k) {
      const double yy = y(bars[i].q[k]);
      std::snprintf(buf, sizeof buf,
                    "<rect x=\"%d\" y=\"%.1f\" width=\"13\" height=\"%.1f\" class=\"bar q%d\">",
                    x + k * 14, yy, plot_top + plot_h - yy, k);
      svg += buf;
      std::snprintf(buf, sizeof buf, " %s: %.3g ms</title></rect>", names[k], bars[i].q[k]);
      svg += "<title>" +
             EscapeHtml(bars[i].target + " " + (bars[i].f == "*" ? "all f" : bars[i].f)) + buf;
    }
    svg += "<text x=\"" + std::to_string(x + 21) + "\" y=\"" +
           std::to_string(plot_top + plot_h + 14) + "\" text-anchor=\"middle\" class=\"axis\">" +
           EscapeHtml(bars[i].target) + "</text>";
    x += cluster;
    if (i + 1 == bars.size() || bars[i + 1].f != bars[i].f) {
      svg += "<text x=\"" + std::to_string((group_start + x - 16) / 2) + "\" y=\"" +
             std::to_string(plot_top + plot_h + 32) +
             "\" text-anchor=\"middle\" class=\"axis group\">" +
             EscapeHtml(bars[i].f == "*" ? "all f" : bars[i].f) + "</text>";
      x += group_gap;
      group_start = x;
    }
  }
  svg += "</svg>\n";
  return "<p class=\"help\">Latency of ok ops per f and target: p50, p95 and p99 (log scale).</p>"
         "<div class=\"legend\"><span><i class=\"swatch q0\"></i>p50</span><span><i class=\"swatch "
         "q1\"></i>p95</span>"
         "<span><i class=\"swatch q2\"></i>p99</span></div><div class=\"table-wrap\">" +
         svg + "</div>";
}

// One column per target, one row per measure.
std::string SideBySide(const std::vector<CompareRun>& runs) {
  std::vector<std::string> columns;  // figure names, in first-seen order
  std::set<std::string> seen;
  bool any_clock = false;
  for (const CompareRun& r : runs) {
    for (const auto& [key, v] : r.figures().items()) {
      if (seen.insert(key).second) columns.push_back(key);
    }
    any_clock |= r.results && r.results->clock_effect.is_object();
  }
  std::string html =
      "<section id=\"compare-section\"><h2>Targets side by side</h2><div class=\"table-wrap\">"
      "<table class=\"list side-by-side\" id=\"compare-table\"><thead><tr><th></th>";
  for (const CompareRun& r : runs) {
    html += "<th class=\"compare-run verdict-" + Slug(r.verdict) + "\" data-target=\"" +
            EscapeHtml(r.target) + "\">" +
            (r.link.empty()
                 ? EscapeHtml(r.target)
                 : "<a href=\"" + EscapeHtml(r.link) + "\">" + EscapeHtml(r.target) + "</a>") +
            "</th>";
  }
  html += "</tr></thead><tbody>\n";
  auto row = [&](const std::string& name,
                 const std::function<std::string(const CompareRun&)>& cell) {
    html += "<tr><th>" + EscapeHtml(name) + "</th>";
    for (const CompareRun& r : runs) html += "<td>" + cell(r) + "</td>";
    html += "</tr>\n";
  };
  auto text = [](const Json& v) { return EscapeHtml(v.is_null() ? "\u2013" : PlainText(v, 120)); };
  row("verdict", [](const CompareRun& r) { return Badge(r.verdict); });
  for (const std::string& c : columns) {
    row(Label(c), [&](const CompareRun& r) { return text(Member(r.figures(), c.c_str())); });
  }
  if (!seen.count("rejected_stale_writes")) {
    row("rejected stale writes", [&](const CompareRun& r) {
      if (!r.results) return text(Json());
      const Json& fencing = Member(r.results->checkers, "fencing");
      return text(Member(Member(fencing, "details"), "rejected_stale_writes"));
    });
  }
  if (any_clock) {
    row("clock faults", [&](const CompareRun& r) {
      return text(r.results ? Member(r.results->clock_effect, "verdict") : Json());
    });
  }
  row("concurrency", [](const CompareRun& r) {
    return EscapeHtml(r.results ? ConcurrencyCell(r.results->concurrency) : "\u2013");
  });
  row("anomalies", [](const CompareRun& r) {
    return EscapeHtml(r.results ? AnomalyText(*r.results) : "results.json missing");
  });
  row("latency p50 / p99 (ok ops)", [](const CompareRun& r) {
    const Json& all = Member(*r.latency, "*");
    return all.is_object() ? Ms(Member(all, "p50_ms")) + " / " + Ms(Member(all, "p99_ms")) + " ms"
                           : std::string("\u2013");
  });
  row("exit code", [&](const CompareRun& r) { return text(Member(*r.run, "exit_code")); });
  row("report", [](const CompareRun& r) {
    return r.link.empty()
               ? std::string("\u2013")
               : "<a class=\"run-report\" href=\"" + EscapeHtml(r.link) + "\">report.html</a>";
  });
  return html + "</tbody></table></div></section>\n";
}

std::string LatencySection(const std::vector<CompareRun>& runs) {
  std::string html = "<section id=\"latency-section\"><h2>Latency</h2>\n" + LatencySvg(runs) +
                     "<div class=\"table-wrap\"><table class=\"list\" id=\"latency-table\"><thead>"
                     "<tr><th>target</th><th>f</th><th>ok ops</th><th>p50 ms</th><th>p95 ms</th>"
                     "<th>p99 ms</th><th>max ms</th></tr></thead><tbody>\n";
  for (const CompareRun& r : runs) {
    if (!r.latency->is_object()) continue;
    for (const auto& [f, q] : r.latency->items()) {
      if (f == "*") continue;
      html += "<tr><td>" + EscapeHtml(r.target) + "</td><td>" + EscapeHtml(f) + "</td><td>" +
              EscapeHtml(JsonText(Member(q, "count"), 20)) + "</td><td>" + Ms(Member(q, "p50_ms")) +
              "</td><td>" + Ms(Member(q, "p95_ms")) + "</td><td>" + Ms(Member(q, "p99_ms")) +
              "</td><td>" + Ms(Member(q, "max_ms")) + "</td></tr>\n";
    }
  }
  return html + "</tbody></table></div></section>\n";
}

// Each run's checkers' summaries and notes.
std::string RunsSection(const std::vector<CompareRun>& runs) {
  std::string html = "<section id=\"runs-section\"><h2>Runs</h2>\n";
  for (size_t i = 0; i < runs.size(); ++i) {
    const CompareRun& r = runs[i];
    html += "<section class=\"compare-detail\" id=\"run-" + Slug(r.target) + "-" +
            std::to_string(i) + "\"><h3>" + Badge(r.verdict) + " " + EscapeHtml(r.target) +
            (r.link.empty()
                 ? ""
                 : " <a class=\"run-report\" href=\"" + EscapeHtml(r.link) + "\">report</a>") +
            "</h3>\n";
    if (!r.results) {
      html += "<p class=\"error\">results.json of this run is missing or unreadable.</p>";
    } else {
      if (!r.results->error.empty()) {
        html += "<p class=\"error\">The run failed: " + EscapeHtml(r.results->error) + "</p>";
      }
      html += "<ul>";
      for (const auto& [name, result] : r.results->checkers.items()) {
        html += "<li>" + Badge(VerdictOf(result)) + " <b>" + EscapeHtml(name) +
                "</b>: " + EscapeHtml(PlainText(Member(result, "summary"), 1200)) + "</li>";
      }
      html += "</ul>";
      for (const std::string& n : r.results->notes) {
        html += "<p class=\"note\">note: " + EscapeHtml(PlainText(n, 2000)) + "</p>";
      }
    }
    html += "<p class=\"muted\">run folder: <code>" +
            EscapeHtml(PlainText(Member(*r.run, "run_dir"), 400)) + "</code>; exit code " +
            EscapeHtml(JsonText(Member(*r.run, "exit_code"), 10)) + "</p></section>\n";
  }
  return html + "</section>\n";
}

}  // namespace

Json LatencySummary(const History& history) { return LatencyByF(BuildHistoryView(history, 0, 0)); }

std::string RenderCompareReport(const Json& compare, const std::vector<Json>& run_results,
                                const std::vector<Json>& latency,
                                const std::vector<std::string>& report_links) {
  static const Json kNull;
  const Json& runs_json = Member(compare, "runs");
  std::vector<CompareRun> runs;
  // The overall verdict: error > invalid > unknown > valid (the CI contract's order).
  auto rank = [](const std::string& v) {
    return v == "error" ? 3 : v == "invalid" ? 2 : v == "valid" ? 0 : 1;
  };
  std::string overall = runs_json.is_array() && !runs_json.empty() ? "valid" : "unknown";
  for (size_t i = 0; runs_json.is_array() && i < runs_json.size(); ++i) {
    CompareRun r;
    r.run = &runs_json[i];
    if (i < run_results.size() && run_results[i].is_object()) {
      r.results = RunResults::FromJson(run_results[i]);
    }
    r.latency = i < latency.size() ? &latency[i] : &kNull;
    r.link = i < report_links.size() ? PlainRelativeHref(report_links[i]) : "";
    r.target = PlainText(Member(*r.run, "target"), 80);
    r.verdict = Member(*r.run, "verdict").is_string() ? (*r.run)["verdict"].get<std::string>()
                                                      : r.results && !r.results->verdict.empty()
                                                            ? r.results->verdict
                                                            : "unknown";
    if (rank(r.verdict) > rank(overall)) overall = r.verdict;
    runs.push_back(std::move(r));
  }

  const std::string workload = PlainText(Member(compare, "workload"), 80);
  const std::string title = "compare " + workload + ": " + std::to_string(runs.size()) + " targets";
  std::string summary;
  for (size_t i = 0; i < runs.size(); ++i) {
    summary += (i ? " \u00b7 " : "") + EscapeHtml(runs[i].target + " " + runs[i].verdict);
  }
  std::string html = SummaryPageStart("compare", title, overall, summary);
  html +=
      "<section id=\"run-info\"><h2>Comparison</h2>"
      "<table class=\"info\"><tr><th>workload</th><td>" +
      EscapeHtml(workload) + "</td></tr><tr id=\"run-seed\"><th>seed</th><td><code>" +
      EscapeHtml(JsonText(Member(compare, "seed"), 40)) +
      "</code></td></tr><tr id=\"run-command\"><th>command</th><td><code class=\"command\">" +
      EscapeHtml(PlainText(Member(compare, "command"), 4000)) +
      "</code></td></tr><tr><th>exit code</th><td>" +
      EscapeHtml(JsonText(Member(compare, "exit_code"), 20)) + "</td></tr></table></section>\n";
  html += SideBySide(runs);
  html += LatencySection(runs);
  html += RunsSection(runs);
  html += SummaryPageEnd("coordcheck comparison");
  return html;
}

Status WriteCompareReport(const std::string& compare_dir, const ReportOptions& options) {
  namespace fs = std::filesystem;
  const fs::path dir(compare_dir);
  Json compare;
  if (auto st = ReadJsonObject((dir / "compare.json").string(), &compare); !st.ok()) return st;
  if (!compare.contains("runs") || !compare["runs"].is_array()) {
    return Status::Error((dir / "compare.json").string() + ": no \"runs\" array");
  }
  std::vector<Json> results, latency;
  std::vector<std::string> links;
  for (const Json& run : compare["runs"]) {
    const Json& run_dir_json = Member(run, "run_dir");
    if (!run_dir_json.is_string() || run_dir_json.get_ref<const std::string&>().empty()) {
      results.emplace_back(), latency.emplace_back(), links.emplace_back();
      continue;
    }
    const fs::path run_dir(run_dir_json.get<std::string>());
    Json r;
    results.push_back(ReadJsonObject((run_dir / "results.json").string(), &r).ok() ? r : Json());
    std::error_code ec;
    const fs::path history_path = run_dir / "history.jsonl";
    const auto size = fs::file_size(history_path, ec);
    Json l;
    if (!ec && static_cast<int64_t>(size) <= options.max_compare_history_bytes) {
      History history;
      ReadHistoryFile(history_path.string(),
                      &history);  // a broken file: the events before the break
      if (!history.empty()) l = LatencySummary(history);
    }
    latency.push_back(l);
    // Relative to the comparison's folder; RenderCompareReport drops what is not a plain path.
    const fs::path report = fs::absolute(run_dir / "report.html", ec).lexically_normal();
    links.push_back(
        report.lexically_relative(fs::absolute(dir, ec).lexically_normal()).generic_string());
  }
  return WriteFileReplacing((dir / "report.html").string(),
                            RenderCompareReport(compare, results, latency, links));
}

}  // namespace coordcheck::reports
