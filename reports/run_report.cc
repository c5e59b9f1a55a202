// RenderRunReport and WriteRunReport (reports/report.h): the run page's HTML, its JSON blocks
// and the file.
#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "history/jsonl.h"
#include "nemesis/families.h"
#include "reports/assets.h"
#include "reports/checker_sections.h"
#include "reports/files.h"
#include "reports/history_view.h"
#include "reports/html.h"
#include "reports/nemesis_view.h"
#include "reports/op_refs.h"
#include "reports/plots.h"
#include "reports/report.h"
#include "reports/run_results.h"

namespace coordcheck::reports {

namespace {

// test[key] when it is a non-empty string or a number, else "".
std::string Field(const Json& test, const char* key) {
  const Json& v = Member(test, key);
  if (v.is_string() && !v.get_ref<const std::string&>().empty()) return v.get<std::string>();
  if (v.is_number()) return JsonText(v, 40);
  return "";
}

// `value`, or test[key] when `value` is empty.
std::string Either(const std::string& value, const Json& test, const char* key) {
  return value.empty() ? Field(test, key) : value;
}

std::string Row(const std::string& name, const std::string& html, const std::string& id = "") {
  return "<tr" + (id.empty() ? "" : " id=\"" + id + "\"") + "><th>" + EscapeHtml(name) +
         "</th><td>" + html + "</td></tr>\n";
}

std::string Code(const std::string& text) { return "<code>" + EscapeHtml(text) + "</code>"; }

// Values of the ops a reader may click: referenced ops, then nemesis ops, then client ops in
// history order, within the budget. {"<op>": {"v", "r", "e", "k", "n", "vt", "rt", "et"}}.
class ValueEmbedder {
 public:
  ValueEmbedder(const History& history, const HistoryView& view, const ReportOptions& options)
      : history_(history), view_(view), options_(options) {}

  // Embeds op `op` (its first event's index) unless present; false when the byte budget is spent.
  bool Add(int64_t op, int64_t byte_limit) {
    if (op < 0 || op >= static_cast<int64_t>(history_.size())) return true;
    const std::string key = std::to_string(op);
    if (out_.contains(key)) return true;
    if (bytes_ >= byte_limit) return false;
    const Op& first = history_.ops[op];
    Json entry = Json::object();
    int64_t done = -1;
    if (const ClientSpan* span = view_.ClientOf(op)) {
      done = span->complete;
    } else if (op < static_cast<int64_t>(view_.span_of_event.size()) &&
               view_.span_of_event[op] <= -2) {
      done = view_.nemesis[-2 - view_.span_of_event[op]].complete;
    }
    if (first.is_invoke()) {
      Put(&entry, "v", "vt", first.value);
      if (first.has_key()) Put(&entry, "k", "kt", first.key);
      if (!first.node.empty()) entry["n"] = first.node;
    } else {
      done = op;
    }
    if (done >= 0) {
      const Op& end = history_.ops[done];
      Put(&entry, "r", "rt", end.value);
      if (!end.error.is_null()) Put(&entry, "e", "et", end.error);
      if (!end.node.empty() && !entry.contains("n")) entry["n"] = end.node;
      if (end.extra.is_object()) Put(&entry, "x", "xt", end.extra);
    }
    bytes_ += static_cast<int64_t>(key.size() + JsonText(entry, SIZE_MAX).size() + 4);
    out_[key] = std::move(entry);
    return true;
  }
  Json Take() { return std::move(out_); }
  size_t count() const { return out_.size(); }

 private:
  void Put(Json* entry, const char* full, const char* cut, const Json& value) {
    if (value.is_null()) return;
    const std::string text =
        JsonText(value, static_cast<size_t>(std::max<int64_t>(16, options_.max_value_chars)));
    if (text.size() <= static_cast<size_t>(options_.max_value_chars)) {
      (*entry)[full] = value;
    } else {
      (*entry)[cut] = text;
    }
  }
  const History& history_;
  const HistoryView& view_;
  const ReportOptions& options_;
  Json out_ = Json::object();
  int64_t bytes_ = 0;
};

std::string NemesisTable(const std::vector<FaultInterval>& intervals, OpRefs* refs) {
  if (intervals.empty())
    return "<p class=\"muted\" id=\"nemesis-none\">No faults in the history.</p>\n";
  std::string out =
      "<div class=\"table-wrap\"><table class=\"list\" "
      "id=\"nemesis-table\"><thead><tr><th>fault</th><th>from</th>"
      "<th>to</th><th>for</th><th>what</th><th>ops</th></tr></thead><tbody>\n";
  for (const FaultInterval& f : intervals) {
    out += "<tr class=\"fault fault-" + Slug(f.family) + "\"><td><span class=\"swatch fault-" +
           Slug(f.family) + "\"></span>" + EscapeHtml(f.family) + "</td><td>" +
           FormatSeconds(f.start_ns) + "</td><td>" +
           (f.mark ? "\u2013"
                   : FormatSeconds(f.end_ns) + (f.healed ? "" : " (not healed in the history)")) +
           "</td><td>" + (f.mark ? "" : FormatDuration(f.end_ns - f.start_ns)) + "</td><td>" +
           EscapeHtml(f.label) + "</td><td>" +
           refs->Link(f.open_op, "#" + std::to_string(f.open_op));
    if (f.close_op >= 0 && f.close_op != f.open_op)
      out += " " + refs->Link(f.close_op, "#" + std::to_string(f.close_op));
    out += "</td></tr>\n";
  }
  return out + "</tbody></table></div>\n";
}

std::string PhasesText(const RunResults& results) {
  std::string out;
  for (const auto& [name, p] : results.phases) {
    out += (out.empty() ? "" : ", ") + name + " " +
           FormatDuration(static_cast<int64_t>(p.seconds * 1e9));
  }
  return out;
}

std::string PhaseCounts(const RunResults& results) {
  const PhaseFigures* main = results.Phase("main");
  if (main == nullptr) return "";
  return "main phase: " + std::to_string(main->invoked) + " invoked, " +
         std::to_string(main->ok) + " ok, " + std::to_string(main->fail) + " fail, " +
         std::to_string(main->info) + " info";
}

std::string FiguresTable(const Json& figures) {
  if (!figures.is_object() || figures.empty()) return "";
  std::string rows;
  for (const auto& [key, v] : figures.items()) {
    std::string name = key;
    std::replace(name.begin(), name.end(), '_', ' ');
    rows += "<tr><th>" + EscapeHtml(name) + "</th><td>" +
            EscapeHtml(v.is_null() ? "\u2013" : PlainText(v, 200)) + "</td></tr>";
  }
  return "<section id=\"figures-section\"><h2>Figures</h2><table class=\"figures\" "
         "id=\"figures\">" +
         rows + "</table></section>\n";
}

// What the header names the run by.
struct RunNames {
  std::string name, target, workload, verdict;
};

RunNames NamesOf(const Json& test, const RunResults& results) {
  RunNames n;
  n.name = Either(results.test, test, "test");
  if (n.name.empty()) n.name = Field(test, "name");
  n.target = Either(results.target, test, "target");
  n.workload = Either(results.workload, test, "workload");
  if (n.name.empty()) n.name = n.workload + (n.target.empty() ? "" : "-" + n.target);
  if (n.name.empty()) n.name = "run";
  n.verdict = results.verdict.empty() ? "unknown" : results.verdict;
  return n;
}

std::string Banner(const RunNames& names, const Json& results_json, const RunResults& results,
                   OpRefs* refs) {
  std::string banner = "<div class=\"banner verdict-" + Slug(names.verdict) +
                       "\" id=\"verdict-banner\" data-verdict=\"" + EscapeHtml(names.verdict) +
                       "\"><span class=\"verdict-word\">" + EscapeHtml(names.verdict) + "</span>";
  if (!results.error.empty()) {
    banner += "<p class=\"error\" id=\"run-error\">The run failed: " +
              refs->Linkify(results.error) + "</p>";
  }
  if (!results.summary.empty()) {
    banner += "<p class=\"summary\">" + refs->Linkify(results.summary) + "</p>";
  }
  if (!results_json.is_object() || results_json.empty()) {
    banner += "<p class=\"summary\">results.json holds no verdict.</p>";
  }
  return banner + "</div>\n";
}

// What a reader must know before trusting the figures: results.json's notes, run problems,
// a missing or partial history, faults never stopped.
std::string NotesSection(const RunResults& results, const HistoryView& view,
                         const std::vector<FaultInterval>& intervals, const ReportOptions& options,
                         OpRefs* refs) {
  std::vector<std::string> notes;
  for (const std::string& n : results.notes) notes.push_back(refs->Linkify(n));
  if (!options.history_problem.empty()) notes.push_back(EscapeHtml(options.history_problem));
  if (!results.recovery_error.empty()) {
    notes.push_back("After healing, the target was not ready: " +
                    EscapeHtml(results.recovery_error));
  }
  if (!results.teardown_error.empty()) {
    notes.push_back("Teardown failed: " + EscapeHtml(results.teardown_error));
  }
  if (!results.unhealed.empty()) {
    notes.push_back("Faults left unhealed: " + EscapeHtml(results.unhealed));
  }
  if (view.unpaired > 0) {
    notes.push_back(std::to_string(view.unpaired) +
                    " completions without a matching invoke were left out of the timeline.");
  }
  for (const FaultInterval& f : intervals) {
    if (!f.healed) {
      notes.push_back("The " + EscapeHtml(f.family) + " fault started at " +
                      FormatSeconds(f.start_ns) + " was never stopped in the history.");
    }
  }
  if (notes.empty()) return "";
  std::string out = "<section id=\"notes\" class=\"notes\"><h2>Notes</h2><ul>";
  for (const std::string& n : notes) out += "<li class=\"note\">" + n + "</li>";
  return out + "</ul></section>\n";
}

// The run's identity and size: target, workload, nemesis, seed, commit, command, duration...
std::string RunInfoSection(const RunNames& names, const Json& test, const RunResults& results,
                           const History& history, const HistoryView& view) {
  std::string info = Row("test", EscapeHtml(names.name));
  const std::string bug = Either(results.bug, test, "bug");
  info += Row("target", EscapeHtml(names.target.empty() ? "\u2013" : names.target) +
                            (bug.empty() ? "" : " (bug " + Code(bug) + ")"));
  std::string workload = EscapeHtml(names.workload.empty() ? "\u2013" : names.workload);
  const Json& wopts = Member(test, "workload_options");
  if (wopts.is_object() && !wopts.empty()) workload += " " + Code(JsonText(wopts, 300));
  info += Row("workload", workload);
  std::string nemesis;
  std::vector<std::string> families = results.nemesis_families;
  if (Member(test, "nemesis").is_array()) {
    families.clear();
    for (const Json& f : Member(test, "nemesis")) families.push_back(PlainText(f, 60));
  }
  for (const std::string& f : families) nemesis += (nemesis.empty() ? "" : ", ") + f;
  if (Member(test, "nemesis_interval_s").is_number() && !nemesis.empty()) {
    nemesis += " (every " + JsonText(Member(test, "nemesis_interval_s"), 20) + " s)";
  }
  info += Row("nemesis", EscapeHtml(nemesis.empty() ? "none" : nemesis), "run-nemesis");
  const std::string nodes = Field(test, "nodes");
  if (!nodes.empty()) {
    std::string extras;
    for (const auto& [role, node] : results.extra_nodes) {
      extras += ", " + node + " runs the " + role;
    }
    info += Row("nodes", EscapeHtml(nodes + " " + Field(test, "backend") + " nodes" + extras +
                                    "; " + Field(test, "concurrency") + " clients"));
  }
  info += Row("seed", Code(results.seed ? std::to_string(*results.seed) : Field(test, "seed")),
              "run-seed");
  const Json& meta = Member(test, "meta");
  info += Row("commit", Code(PlainText(Member(meta, "commit"), 80)), "run-commit");
  info += Row(
      "command",
      "<code class=\"command\">" + EscapeHtml(PlainText(Member(meta, "command"), 4000)) + "</code>",
      "run-command");
  std::string duration =
      history.empty() ? "no history" : FormatDuration(view.end_ns) + " of history";
  const std::string phases = PhasesText(results);
  if (!phases.empty()) duration += " (" + phases + ")";
  info += Row("duration", EscapeHtml(duration), "run-duration");
  size_t counts[4] = {0, 0, 0, 0};
  for (const ClientSpan& op : view.ops) counts[static_cast<int>(op.outcome)]++;
  const std::string phase_counts = PhaseCounts(results);
  info += Row(
      "ops",
      EscapeHtml(std::to_string(history.size()) + " events: " + std::to_string(view.ops.size()) +
                 " client ops (" + std::to_string(counts[0]) + " ok, " + std::to_string(counts[1]) +
                 " fail, " + std::to_string(counts[2]) + " info, " + std::to_string(counts[3]) +
                 " never completed), " + std::to_string(view.nemesis.size()) + " nemesis ops" +
                 (phase_counts.empty() ? "" : "; " + phase_counts)));
  const Json& clock_effect = results.clock_effect;
  if (clock_effect.is_object()) {
    const Json& note = Member(clock_effect, "note");
    info += Row("clock faults",
                EscapeHtml(PlainText(Member(clock_effect, "verdict"), 60) +
                           (note.is_string() ? " \u2014 " + note.get<std::string>() : "")),
                "run-clock-effect");
  }
  if (results.concurrency.is_object()) {
    const Json& c = results.concurrency;
    const Json& mean = Member(c, "mean_open");
    const Json& busiest = Member(c, "busiest_process_share");
    const Json& note = Member(c, "note");
    char detail[160] = "";
    if (mean.is_number() && busiest.is_number()) {
      std::snprintf(detail, sizeof detail,
                    "; %.2f ops open on the key at an invoke (mean); %s processes, the busiest "
                    "issued %.1f%% of ops",
                    mean.get<double>(), JsonText(Member(c, "processes"), 12).c_str(),
                    busiest.get<double>() * 100);
    }
    info += Row("concurrency",
                EscapeHtml(ConcurrencyCell(c) + detail +
                           (note.is_string() ? " \u2014 " + note.get<std::string>() : "")),
                "run-concurrency");
  }
  if (results.check_seconds) {
    info += Row("check time",
                EscapeHtml(FormatDuration(static_cast<int64_t>(*results.check_seconds * 1e9))));
  }
  const std::string run_dir = Either(results.run_dir, meta, "run_dir");
  if (!run_dir.empty()) info += Row("run folder", Code(run_dir));
  info += Row("files",
              "<a href=\"history.jsonl\">history.jsonl</a> \u00b7 <a href=\"results.json\">"
              "results.json</a> \u00b7 <a href=\"test.json\">test.json</a>");
  return "<section id=\"run-info\"><h2>Run</h2><table class=\"info\">" + info +
         "</table></section>\n";
}

// The "report-data" block (see assets/report.js): everything the page draws except the
// timeline's columns and the op values.
Json ReportData(const RunNames& names, const History& history, const HistoryView& view,
                const std::vector<FaultInterval>& intervals, const Json& bands, const Json& clock,
                const OpRefs& refs, size_t values_embedded, const ReportOptions& options) {
  Json lanes = Json::array();
  for (const Lane& lane : view.lanes) {
    Json processes = Json::array();
    for (size_t i = 0; i < lane.processes.size() && i < 64; ++i) {
      processes.push_back(lane.processes[i]);
    }
    lanes.push_back(Json{
        {"label", lane.label}, {"processes", processes}, {"more", lane.processes.size() > 64}});
  }
  Json faults = Json::array();
  for (const FaultInterval& f : intervals) {
    faults.push_back(Json{{"family", f.family},
                          {"s", f.start_ns / 1000},
                          {"e", f.end_ns / 1000},
                          {"mark", f.mark},
                          {"healed", f.healed},
                          {"label", f.label},
                          {"open", f.open_op},
                          {"close", f.close_op}});
  }
  Json nemesis = Json::array();  // [first event, completion, start_us, end_us, f]
  for (const NemesisSpan& span : view.nemesis) {
    nemesis.push_back(Json::array({span.first(), span.complete, span.start_ns / 1000,
                                   span.end_ns / 1000, history.ops[span.first()].f}));
  }
  Json referenced = Json::array();
  for (int64_t op : refs.referenced()) referenced.push_back(op);
  return Json{
      {"name", names.name},
      {"verdict", names.verdict},
      {"events", history.size()},
      {"t_end_us", view.end_ns / 1000},
      {"f_names", view.f_names},
      {"lanes", lanes},
      {"lane_mode", view.lane_mode},
      {"faults", faults},
      {"fault_colours", FaultColours()},
      {"bands", bands},
      {"nemesis", nemesis},
      {"buckets", BucketSeries(view, options.time_buckets)},
      {"scatter", ScatterPoints(view, options.max_scatter_points, options.time_buckets)},
      {"clock", clock},
      {"referenced", referenced},
      {"values_embedded", values_embedded},
  };
}

// The fault legend and the fault-<family> classes, from the families' catalogue.
std::string FaultLegend() {
  std::string out = "<div class=\"legend fault-legend\">";
  for (const FaultInfo* info : FaultCatalogue()) {
    std::string label = info->name;
    std::replace(label.begin(), label.end(), '-', ' ');
    out += "<span><i class=\"swatch fault-" + Slug(info->name) + "\"></i>" + EscapeHtml(label) +
           "</span>";
  }
  return out + "</div>";
}

std::string FaultCss() {
  std::string out;
  for (const FaultInfo* info : FaultCatalogue()) {
    out += ".fault-" + Slug(info->name) + " { background: " + EscapeHtml(info->colour) + "; }\n";
  }
  return out;
}

// The timeline, latency, throughput and clock sections: canvases the script draws on. `bands`:
// whether checkers marked stretches on the timeline (TimelineBands).
std::string PlotSections(const HistoryView& view, bool clock, bool bands) {
  const std::string lanes = view.lane_mode == "process" ? "process"
                            : view.lane_mode == "thread"
                                ? "worker thread (process mod concurrency)"
                                : "group of processes never active at once";
  std::string html =
      "<section id=\"timeline-section\"><h2>Timeline</h2>\n<p class=\"help\">One lane per " +
      lanes +
      "; the top lane is the nemesis. Wheel to zoom, drag to pan, click an op for its details; "
      "links to ops (<code>#op-N</code>) zoom here.</p>\n"
      "<div class=\"toolbar\"><button type=\"button\" id=\"tl-zoom-in\">zoom in</button>"
      "<button type=\"button\" id=\"tl-zoom-out\">zoom out</button>"
      "<button type=\"button\" id=\"tl-reset\">whole run</button>"
      "<span id=\"tl-range\" class=\"muted\"></span></div>\n"
      "<div class=\"legend\"><span><i class=\"swatch op-ok\"></i>ok</span>"
      "<span><i class=\"swatch op-fail\"></i>fail</span>"
      "<span><i class=\"swatch op-info\"></i>info</span>"
      "<span><i class=\"swatch op-pending\"></i>never completed</span>"
      "<span><i class=\"swatch op-nemesis\"></i>nemesis op</span>"
      "<span><i class=\"swatch op-referenced\"></i>named by a checker</span>" +
      std::string(bands ? "<span><i class=\"swatch checker-band\"></i>marked by a checker "
                          "(strip under the nemesis lane)</span>"
                        : "") +
      "</div>" + FaultLegend() +
      "\n<div class=\"canvas-wrap\" id=\"timeline-wrap\"><canvas id=\"timeline\" "
      "height=\"200\"></canvas></div>\n"
      "<div id=\"op-details\" class=\"op-details\" hidden></div>\n</section>\n";
  html +=
      "<section id=\"latency-section\"><h2>Latency</h2>\n<p class=\"help\">Each completed op at "
      "its invoke time (log scale). The plots follow the timeline's window; click a point to "
      "open its op.</p><div class=\"legend\" id=\"latency-legend\"></div>"
      "<div class=\"canvas-wrap\"><canvas id=\"latency-scatter\" height=\"260\"></canvas></div>\n"
      "<h3>Latency quantiles</h3><div class=\"legend\" id=\"quantile-legend\"></div>"
      "<div class=\"canvas-wrap\"><canvas id=\"latency-quantiles\" height=\"260\"></canvas></div>\n"
      "</section>\n";
  html +=
      "<section id=\"throughput-section\"><h2>Throughput</h2><p class=\"help\">Completions per "
      "second by f and outcome.</p><div class=\"legend\" id=\"throughput-legend\"></div>"
      "<div class=\"canvas-wrap\"><canvas id=\"throughput\" height=\"220\"></canvas></div>\n"
      "</section>\n";
  if (clock) {
    html +=
        "<section id=\"clock-section\"><h2>Clock offsets</h2><p class=\"help\">Each node's clock "
        "offset as the fault tools measured it (line), and the target's own clock against the "
        "controller's where it could be read (circles, with their error bound).</p>"
        "<div class=\"legend\" id=\"clock-legend\"></div><div class=\"canvas-wrap\">"
        "<canvas id=\"clock-plot\" height=\"220\"></canvas></div>\n</section>\n";
  }
  return html;
}

}  // namespace

std::string RenderRunReport(const Json& test, const Json& results_json, const History& history,
                            const ReportOptions& options) {
  const RunResults results = RunResults::FromJson(results_json);
  const Json& concurrency = Member(test, "concurrency");
  const HistoryView view =
      BuildHistoryView(history, concurrency.is_number_integer() ? concurrency.get<int>() : 0,
                       options.max_process_lanes);
  OpRefs refs(history, view);
  const RunNames names = NamesOf(test, results);

  // The parts that name ops come first: they decide which ops' values are embedded.
  const std::string checkers = RenderCheckers(results.checkers, &refs, options);
  const std::vector<FaultInterval> intervals = FaultIntervals(history, view);
  const std::string faults = NemesisTable(intervals, &refs);
  const std::string banner = Banner(names, results_json, results, &refs);
  const std::string notes = NotesSection(results, view, intervals, options, &refs);

  ValueEmbedder values(history, view, options);
  for (int64_t op : refs.referenced()) values.Add(op, 2 * options.max_value_bytes);
  int64_t nemesis_embedded = 0;
  for (const NemesisSpan& span : view.nemesis) {
    if (nemesis_embedded++ >= options.max_nemesis_ops) break;
    if (!values.Add(span.first(), 2 * options.max_value_bytes)) break;
  }
  int64_t client_embedded = 0;
  for (const ClientSpan& span : view.ops) {
    if (client_embedded++ >= options.max_value_ops) break;
    if (!values.Add(span.invoke, options.max_value_bytes)) break;
  }
  const Json clock = ClockSeries(history, view);
  const Json bands = TimelineBands(results.checkers);
  const Json data =
      ReportData(names, history, view, intervals, bands, clock, refs, values.count(), options);
  const Json timeline = {{"n", view.ops.size()}, {"b64", EncodeTimeline(view)}};

  std::string nav =
      "<nav id=\"toc\"><a href=\"#checkers\">checkers</a> <a href=\"#timeline-section\">"
      "timeline</a> <a href=\"#latency-section\">latency</a> <a href=\"#throughput-section\">"
      "throughput</a> ";
  if (!clock.is_null()) nav += "<a href=\"#clock-section\">clock</a> ";
  nav += "<a href=\"#nemesis-section\">faults</a></nav>\n";

  std::string html;
  html.reserve(timeline["b64"].get_ref<const std::string&>().size() + 400'000);
  html +=
      "<!DOCTYPE html>\n<html lang=\"en\" data-page=\"run\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += "<script>" + std::string(kErrorHook) + "</script>\n";
  html += std::string(kContentSecurityPolicy) + "\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += "<title>" + EscapeHtml(names.name) + " \u2014 " + EscapeHtml(names.verdict) +
          " \u2014 coordcheck</title>\n";
  html += "<style>" + std::string(kReportCss) + FaultCss() + "</style>\n</head>\n<body>\n";
  html += "<header><h1 id=\"report-title\">" + EscapeHtml(names.name) + "</h1>\n" + banner + nav +
          "</header>\n<main>\n";
  html += notes;
  html += RunInfoSection(names, test, results, history, view);
  html += FiguresTable(results.figures);
  html += "<section id=\"checkers\"><h2>Checkers</h2>\n" + checkers + "</section>\n";
  html += PlotSections(view, !clock.is_null(), !bands.empty());
  html += "<section id=\"nemesis-section\"><h2>Faults</h2>" + FaultLegend() + "\n" + faults +
          "</section>\n";
  html += "</main>\n<div id=\"tooltip\" class=\"tooltip\" hidden></div>\n";
  html += "<footer>coordcheck report \u00b7 " + std::to_string(values.count()) +
          " ops carry their values here; the others name their line of history.jsonl.</footer>\n";
  html += ScriptBlock("report-data", data);
  html += ScriptBlock("timeline-data", timeline);
  html += ScriptBlock("op-values", values.Take());
  html += "<script>" + std::string(kReportJs) + "</script>\n</body>\n</html>\n";
  return html;
}

Status WriteRunReport(const std::string& run_dir, const ReportOptions& options) {
  namespace fs = std::filesystem;
  const fs::path dir(run_dir);
  Json test, results;
  if (auto st = ReadJsonObject((dir / "test.json").string(), &test); !st.ok()) return st;
  if (auto st = ReadJsonObject((dir / "results.json").string(), &results); !st.ok()) return st;
  History history;
  ReportOptions opts = options;
  const fs::path history_path = dir / "history.jsonl";
  std::error_code ec;
  if (!fs::exists(history_path, ec)) {
    opts.history_problem =
        "history.jsonl is missing: there is no timeline, no latency and no throughput.";
  } else if (Status st = ReadHistoryFile(history_path.string(), &history); !st) {
    opts.history_problem = "history.jsonl is broken (" + st.message() + "): the report shows the " +
                           std::to_string(history.size()) + " events before that line.";
  }
  return WriteFileReplacing((dir / "report.html").string(),
                            RenderRunReport(test, results, history, opts));
}

}  // namespace coordcheck::reports
