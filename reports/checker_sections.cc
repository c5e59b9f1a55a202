#include "reports/checker_sections.h"

#include <algorithm>
#include <set>
#include <vector>

#include "reports/html.h"

namespace coordcheck::reports {

namespace {

// Members of a linearizability result rendered as its counterexample, not as figures.
constexpr std::string_view kCounterexampleKeys[] = {"op", "prefix", "states", "proof",
                                                    "explanation"};
// The fallback for results.json written before anomalies were typed (no "anomalies" array in a
// checker's result): integer members of a details anomaly that name an op (a heuristic over
// the checkers' details: these names held event indices wherever they were integers). A
// result with typed anomalies never goes through this guess.
constexpr std::string_view kOpFields[] = {"op",     "index",     "invoke",      "complete",
                                          "read",   "overwrite", "last_writer", "write",
                                          "writer", "event"};
constexpr size_t kMaxAnomalyOps = 20;

// Array members that list ops (the payments checkers' attempts of one key).
bool IsOpListField(std::string_view key) { return key == "attempts" || key == "ops"; }

bool IsOpField(std::string_view key) {
  return std::find(std::begin(kOpFields), std::end(kOpFields), key) != std::end(kOpFields);
}

std::string Label(const std::string& key) {
  std::string out = key;
  for (char& c : out)
    if (c == '_') c = ' ';
  return out;
}

std::string ScalarText(const Json& v) {
  if (v.is_null()) return "\u2013";
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  return PlainText(v, 400);
}

bool IsScalar(const Json& v) { return !v.is_structured(); }

bool IsSmallScalarArray(const Json& v) {
  if (!v.is_array() || v.size() > 20) return false;
  for (const Json& e : v)
    if (!IsScalar(e)) return false;
  return true;
}

bool IsObjectArray(const Json& v) {
  if (!v.is_array() || v.empty()) return false;
  for (const Json& e : v)
    if (!e.is_object()) return false;
  return true;
}

// The fallback guess (see kOpFields): the ops a details anomaly seems to name, from op-index
// fields and critical sections, recursively.
void CollectOps(const Json& v, int depth, OpRefs* refs, std::vector<int64_t>* ops) {
  if (depth > 4 || ops->size() >= kMaxAnomalyOps) return;
  auto add = [&](int64_t op) {
    if (op < 0 || ops->size() >= kMaxAnomalyOps) return;
    for (int64_t o : *ops)
      if (o == op) return;
    ops->push_back(op);
  };
  if (v.is_object()) {
    for (const auto& [key, member] : v.items()) {
      if (member.is_number_integer() && IsOpField(key)) {
        add(refs->Resolve(member.get<int64_t>()));
      } else if (member.is_array() && IsOpListField(key)) {
        for (const Json& e : member)
          if (e.is_number_integer()) add(refs->Resolve(e.get<int64_t>()));
      } else if (key == "cs" && member.is_string()) {
        add(refs->OpOfCs(member.get<std::string>()));
      } else if (member.is_structured()) {
        CollectOps(member, depth + 1, refs, ops);
      }
    }
  } else if (v.is_array()) {
    for (const Json& e : v) CollectOps(e, depth + 1, refs, ops);
  }
}

std::string FiguresTable(const Json& details, const std::set<std::string>& skip) {
  std::string rows;
  for (const auto& [key, v] : details.items()) {
    if (skip.count(key)) continue;
    std::string text;
    if (IsScalar(v)) {
      text = ScalarText(v);
    } else if (IsSmallScalarArray(v)) {
      for (const Json& e : v) text += (text.empty() ? "" : ", ") + ScalarText(e);
      if (v.empty()) text = "none";
    } else {
      continue;
    }
    rows += "<tr><th>" + EscapeHtml(Label(key)) + "</th><td>" + EscapeHtml(text) + "</td></tr>";
  }
  return rows.empty() ? "" : "<table class=\"figures\">" + rows + "</table>\n";
}

// An array of objects as a table of their members (nested values as cut JSON text); with
// `guess_ops` (an untyped result) a last column of the ops each row seems to name.
std::string ObjectTable(const std::string& title, const Json& rows, bool guess_ops, OpRefs* refs,
                        const ReportOptions& options) {
  std::vector<std::string> columns;
  std::set<std::string> seen;
  const size_t shown =
      std::min(rows.size(), static_cast<size_t>(std::max(0, options.max_list_rows)));
  for (size_t i = 0; i < shown; ++i) {
    for (const auto& [key, v] : rows[i].items()) {
      if (seen.insert(key).second) columns.push_back(key);
    }
  }
  std::string out =
      "<h4>" + EscapeHtml(Label(title)) + " (" + std::to_string(rows.size()) + ")</h4>\n";
  out += "<div class=\"table-wrap\"><table class=\"list\"><thead><tr>";
  for (const std::string& c : columns) out += "<th>" + EscapeHtml(Label(c)) + "</th>";
  out += guess_ops ? "<th>ops</th></tr></thead><tbody>\n" : "</tr></thead><tbody>\n";
  for (size_t i = 0; i < shown; ++i) {
    const Json& row = rows[i];
    out += "<tr>";
    for (const std::string& c : columns) {
      auto it = row.find(c);
      if (it == row.end()) {
        out += "<td></td>";
      } else if (it->is_string() && c == "explanation") {
        out += "<td>" + refs->Linkify(it->get<std::string>()) + "</td>";
      } else {
        out += "<td>" + EscapeHtml(IsScalar(*it) ? ScalarText(*it) : JsonText(*it, 200)) + "</td>";
      }
    }
    if (guess_ops) {
      std::vector<int64_t> ops;
      CollectOps(row, 0, refs, &ops);
      out += "<td>";
      for (int64_t op : ops) out += refs->Link(op, "#" + std::to_string(op)) + " ";
      out += "</td>";
    }
    out += "</tr>\n";
  }
  out += "</tbody></table></div>\n";
  if (rows.size() > shown) {
    out += "<p class=\"muted\">" + std::to_string(rows.size() - shown) +
           " more not shown (see results.json).</p>\n";
  }
  return out;
}

// The ops of one anomaly, each linked and described.
std::string AnomalyOps(const std::vector<int64_t>& ops, OpRefs* refs) {
  if (ops.empty()) return "";
  std::string out = "<ul class=\"anomaly-ops\">";
  for (int64_t op : ops) {
    out += "<li>" + refs->Link(op, "op " + std::to_string(op)) + ": " +
           EscapeHtml(refs->Describe(op)) + "</li>";
  }
  return out + "</ul>";
}

// A typed anomaly's ops (checkers/checker.h): every event index it lists that is in the
// history, resolved to its op, each once.
std::vector<int64_t> TypedOps(const Json& a, OpRefs* refs) {
  std::vector<int64_t> ops;
  if (!a.contains("ops") || !a["ops"].is_array()) return ops;
  for (const Json& e : a["ops"]) {
    const int64_t op = e.is_number_integer() ? refs->Resolve(e.get<int64_t>()) : -1;
    if (op >= 0 && std::find(ops.begin(), ops.end(), op) == ops.end()) ops.push_back(op);
  }
  return ops;
}

// A link that zooms the timeline to a typed anomaly's "interval_ns" (report.js reads
// data-start-us / data-end-us, the timeline's unit); "" without a valid interval.
std::string IntervalLink(const Json& a) {
  if (!a.contains("interval_ns") || !a["interval_ns"].is_array() || a["interval_ns"].size() != 2 ||
      !a["interval_ns"][0].is_number_integer() || !a["interval_ns"][1].is_number_integer()) {
    return "";
  }
  const int64_t start = a["interval_ns"][0].get<int64_t>(),
                end = a["interval_ns"][1].get<int64_t>();
  if (end < start) return "";
  return " <a class=\"interval-link\" href=\"#timeline-section\" data-start-us=\"" +
         std::to_string(start / 1000) + "\" data-end-us=\"" + std::to_string(end / 1000) + "\">" +
         FormatSeconds(start) + " \u2013 " + FormatSeconds(end) + "</a>";
}

// The anomalies as a list. `typed`: the result's typed "anomalies" (their ops and interval are
// data); else details.anomalies of an older results.json, whose ops are guessed (CollectOps).
std::string AnomalyList(const std::string& slug, const Json& anomalies, bool typed, bool truncated,
                        OpRefs* refs, const ReportOptions& options) {
  const size_t shown =
      std::min(anomalies.size(), static_cast<size_t>(std::max(0, options.max_list_rows)));
  std::string out = "<h4>Anomalies (" + std::to_string(anomalies.size()) +
                    (truncated ? "+, list truncated by the checker" : "") +
                    ")</h4>\n<ol class=\"anomalies\" id=\"anomalies-" + slug + "\">\n";
  for (size_t i = 0; i < shown; ++i) {
    const Json& a = anomalies[i];
    out += "<li class=\"anomaly\" id=\"anomaly-" + slug + "-" + std::to_string(i + 1) + "\">";
    if (a.is_object() && a.contains("type")) {
      out += "<span class=\"anomaly-type\">" + EscapeHtml(PlainText(a["type"], 80)) + "</span>" +
             (typed ? IntervalLink(a) : "") + " ";
    }
    if (a.is_object() && a.contains("explanation") && a["explanation"].is_string()) {
      out += refs->Linkify(a["explanation"].get<std::string>());
    } else if (a.is_string()) {
      out += refs->Linkify(a.get<std::string>());
    } else {
      out += "<code>" + EscapeHtml(JsonText(a, 600)) + "</code>";
    }
    std::vector<int64_t> ops;
    if (typed) {
      if (a.is_object()) ops = TypedOps(a, refs);
    } else {
      CollectOps(a, 0, refs, &ops);
    }
    out += AnomalyOps(ops, refs) + "</li>\n";
  }
  out += "</ol>\n";
  if (anomalies.size() > shown) {
    out += "<p class=\"muted\">" + std::to_string(anomalies.size() - shown) +
           " more anomalies not shown (see results.json).</p>\n";
  }
  return out;
}

std::string OpRow(const std::string& order, int64_t op, const std::string& cls, OpRefs* refs) {
  const History& h = refs->history();
  if (op < 0 || op >= static_cast<int64_t>(h.size())) {
    return "<tr class=\"" + cls + "\"><td>" + EscapeHtml(order) + "</td><td colspan=\"7\">op " +
           std::to_string(op) + " is not in the history</td></tr>\n";
  }
  const Op& inv = h.ops[op];
  const ClientSpan* span = refs->view().ClientOf(op);
  const Op* done = span != nullptr && span->complete >= 0 ? &h.ops[span->complete] : nullptr;
  std::string row = "<tr class=\"" + cls + "\" data-op=\"" + std::to_string(op) + "\"><td>" +
                    EscapeHtml(order) + "</td><td>" + refs->Link(op, "#" + std::to_string(op)) +
                    "</td><td>" + std::to_string(inv.process) + "</td><td>" + EscapeHtml(inv.f) +
                    (inv.has_key() ? " <span class=\"muted\">key " +
                                         EscapeHtml(PlainText(inv.key, 60)) + "</span>"
                                   : "") +
                    "</td><td><code>" + EscapeHtml(JsonText(inv.value, 200)) + "</code></td><td>";
  if (done != nullptr) {
    row += EscapeHtml(std::string(OpTypeName(done->type))) + " <code>" +
           EscapeHtml(JsonText(done->value, 200)) + "</code>";
  } else {
    row += "pending";
  }
  row += "</td><td>" + FormatSeconds(inv.time_ns) + "</td><td>" +
         (done != nullptr ? FormatSeconds(done->time_ns) : std::string("\u2013")) + "</td></tr>\n";
  return row;
}

// The stale-read proof in words: "process 2 read 1 at 0.050 s (op #8, invoked at 0.040 s), but
// op #6 (process 1 write 2) overwrote 1, completed at 0.030 s — before the read was invoked;
// every op that could have written 1 completed before op #6 was invoked (the last: op #0,
// completed at 0.010 s)."
std::string StaleReadProof(const Json& proof, OpRefs* refs) {
  const History& h = refs->history();
  auto index = [&](const char* key) -> int64_t {
    return proof.contains(key) && proof[key].is_number_integer()
               ? refs->Resolve(proof[key].get<int64_t>())
               : -1;
  };
  const int64_t read = index("read"), overwrite = index("overwrite"), last = index("last_writer");
  if (read < 0) return "";
  const Op& r = h.ops[read];
  const std::string value = EscapeHtml(JsonText(proof.value("value", Json()), 120));
  std::string out = "<div class=\"proof\" id=\"stale-read-proof\"><h5>Stale read</h5><p>process " +
                    std::to_string(r.process) + " read " + value + " at " +
                    refs->CompletedAt(read) + " (" +
                    refs->Link(read, "op #" + std::to_string(read)) + ", invoked at " +
                    FormatSeconds(r.time_ns) + "), but ";
  if (overwrite < 0) {
    out += "no op could have written " + value;
  } else {
    const Op& w = h.ops[overwrite];
    out += refs->Link(overwrite, "op #" + std::to_string(overwrite)) + " (process " +
           std::to_string(w.process) + " " + EscapeHtml(w.f) + " " +
           EscapeHtml(JsonText(w.value, 120)) + ") overwrote " + value + ", completed at " +
           refs->CompletedAt(overwrite) + " \u2014 before the read was invoked; ";
    if (last >= 0) {
      out += "every op that could have written " + value + " completed before " +
             refs->Link(overwrite, "op #" + std::to_string(overwrite)) +
             " was invoked (the last: " + refs->Link(last, "op #" + std::to_string(last)) +
             ", completed at " + refs->CompletedAt(last) + ")";
    } else {
      out += value + " was the initial value";
    }
  }
  return out + ".</p></div>\n";
}

std::string Counterexample(const Json& details, bool first, OpRefs* refs,
                           const ReportOptions& options) {
  std::string out = std::string("<div class=\"counterexample\"") +
                    (first ? " id=\"counterexample\"" : "") + ">\n";
  out += "<h4>Counterexample";
  if (details.contains("key") && !details["key"].is_null())
    out += " on key " + EscapeHtml(PlainText(details["key"], 80));
  out += "</h4>\n";
  if (details.contains("explanation") && details["explanation"].is_string()) {
    out += "<p class=\"explanation\">" + refs->Linkify(details["explanation"].get<std::string>()) +
           "</p>\n";
  }
  int64_t failing = -1;
  if (details["op"].is_object() && details["op"].contains("index") &&
      details["op"]["index"].is_number_integer()) {
    failing = refs->Resolve(details["op"]["index"].get<int64_t>());
  }
  if (details.contains("proof") && details["proof"].is_object())
    out += StaleReadProof(details["proof"], refs);
  const Json prefix = details.contains("prefix") && details["prefix"].is_array() ? details["prefix"]
                                                                                 : Json::array();
  if (failing >= 0) {
    out +=
        std::string("<p class=\"cannot-place\"") + (first ? " id=\"cannot-place\"" : "") +
        ">The op that cannot be placed: " + refs->Link(failing, "op #" + std::to_string(failing)) +
        ", " + EscapeHtml(refs->Describe(failing));
    if (details.contains("states") && details["states"].is_array() && !details["states"].empty()) {
      std::string states;
      for (size_t i = 0; i < details["states"].size() && i < 10; ++i) {
        states += (i ? ", " : "") + JsonText(details["states"][i], 120);
      }
      if (details["states"].size() > 10) states += ", \u2026";
      out += "; the state" + std::string(details["states"].size() > 1 ? "s" : "") +
             " it could have seen: " + EscapeHtml(states);
    }
    out += ".</p>\n";
  }
  if (!prefix.empty() || failing >= 0) {
    out += "<p>The partial linearization: the longest linearizable prefix found (" +
           std::to_string(prefix.size()) +
           " ops, in linearization order), then the op that cannot be placed after it.</p>\n";
    out += std::string("<div class=\"table-wrap\"><table class=\"ops\"") +
           (first ? " id=\"counterexample-table\"" : "") +
           "><thead><tr><th>order</th><th>op</th><th>process</th><th>f</th><th>value</"
           "th><th>result</th>"
           "<th>invoked</th><th>completed</th></tr></thead><tbody>\n";
    const size_t rows = static_cast<size_t>(std::max(1, options.max_list_rows));
    size_t from = 0;
    if (prefix.size() > rows) {
      from = prefix.size() - rows;
      out += "<tr class=\"elided\"><td colspan=\"8\">" + std::to_string(from) +
             " earlier ops of the prefix not shown</td></tr>\n";
    }
    for (size_t i = from; i < prefix.size(); ++i) {
      const int64_t op =
          prefix[i].is_number_integer() ? refs->Resolve(prefix[i].get<int64_t>()) : -1;
      out += OpRow(std::to_string(i + 1), op, "prefix", refs);
    }
    if (failing >= 0) out += OpRow("\u2717", failing, "cannot-place", refs);
    out += "</tbody></table></div>\n";
  }
  if (details.contains("states") && details["states"].is_array() && !details["states"].empty()) {
    out += "<h5>States it could have seen</h5><ul class=\"states\"" +
           std::string(first ? " id=\"counterexample-states\"" : "") + ">";
    size_t n = 0;
    for (const Json& s : details["states"]) {
      if (++n > static_cast<size_t>(std::max(1, options.max_list_rows))) {
        out += "<li class=\"muted\">" + std::to_string(details["states"].size() - n + 1) +
               " more</li>";
        break;
      }
      out += "<li><code>" + EscapeHtml(JsonText(s, 400)) + "</code></li>";
    }
    out += "</ul>\n";
  }
  return out + "</div>\n";
}

}  // namespace

std::string VerdictOf(const Json& result) {
  if (!result.is_object()) return "unknown";
  if (result.contains("verdict") && result["verdict"].is_string())
    return result["verdict"].get<std::string>();
  if (result.contains("valid")) {
    const Json& v = result["valid"];
    if (v.is_boolean()) return v.get<bool>() ? "valid" : "invalid";
  }
  return "unknown";
}

std::string RenderCheckers(const Json& checkers, OpRefs* refs, const ReportOptions& options) {
  if (!checkers.is_object() || checkers.empty()) {
    return "<p class=\"muted\" id=\"no-checkers\">No checker results in results.json.</p>\n";
  }
  // Invalid checkers first, then unknown ones, then valid ones (each group in name order).
  std::vector<std::pair<std::string, const Json*>> order;
  for (const auto& [name, result] : checkers.items()) order.emplace_back(name, &result);
  auto rank = [](const Json& r) {
    const std::string v = VerdictOf(r);
    return v == "invalid" ? 0 : v == "valid" ? 2 : 1;
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](const auto& a, const auto& b) { return rank(*a.second) < rank(*b.second); });
  std::string out;
  std::set<std::string> ids;
  bool counterexample_shown = false;
  for (const auto& [name, result_ptr] : order) {
    const Json& result = *result_ptr;
    std::string slug = Slug(name);
    while (!ids.insert(slug).second) slug += "-x";
    const std::string verdict = VerdictOf(result);
    out += "<section class=\"checker verdict-" + Slug(verdict) + "\" id=\"checker-" + slug +
           "\" data-checker=\"" + EscapeHtml(name) + "\" data-verdict=\"" + EscapeHtml(verdict) +
           "\">\n";
    out += "<h3>" + Badge(verdict) + " " + EscapeHtml(name) + "</h3>\n";
    if (!result.is_object()) {
      out += "<p><code>" + EscapeHtml(JsonText(result, 1000)) + "</code></p></section>\n";
      continue;
    }
    const Json details = result.contains("details") && result["details"].is_object()
                             ? result["details"]
                             : Json::object();
    // (A linearizability failure's summary is its explanation, shown with the counterexample.)
    if (result.contains("summary") && result["summary"].is_string() &&
        !(details.contains("explanation") && details["explanation"] == result["summary"])) {
      out += "<p class=\"checker-summary\">" + refs->Linkify(result["summary"].get<std::string>()) +
             "</p>\n";
    }
    const bool lin_counterexample = details.contains("op") && details["op"].is_object() &&
                                    (details.contains("prefix") || details.contains("proof"));
    std::set<std::string> skip = {"anomalies", "witness", "anomaly_types", "timeline_bands"};
    if (lin_counterexample) {
      for (std::string_view key : kCounterexampleKeys) skip.emplace(key);
    }
    out += FiguresTable(details, skip);
    if (details.contains("anomaly_types") && details["anomaly_types"].is_array() &&
        !details["anomaly_types"].empty()) {
      out += "<p>Anomaly types: ";
      for (const Json& t : details["anomaly_types"])
        out += "<span class=\"anomaly-type\">" + EscapeHtml(PlainText(t, 80)) + "</span> ";
      out += "</p>\n";
    }
    if (details.contains("witness") && details["witness"].is_object()) {
      size_t ops = 0;
      for (const auto& [key, w] : details["witness"].items()) ops += w.is_array() ? w.size() : 0;
      out += "<p class=\"muted\">Witness: a linearization of " + std::to_string(ops) +
             " ops over " + std::to_string(details["witness"].size()) +
             " keys (in results.json, not shown).</p>\n";
    }
    if (lin_counterexample) {
      out += Counterexample(details, !counterexample_shown, refs, options);
      counterexample_shown = true;
    }
    // Typed anomalies (checkers/checker.h) name their ops; without them (a results.json
    // written before they were typed) the ops of details.anomalies are guessed.
    const bool typed = result.contains("anomalies") && result["anomalies"].is_array();
    const Json& listed = typed ? result["anomalies"] : details.value("anomalies", Json());
    if (listed.is_array() && !listed.empty()) {
      out += AnomalyList(
          slug, listed, typed,
          details.contains("anomalies_truncated") && details["anomalies_truncated"] == true, refs,
          options);
    }
    for (const auto& [key, v] : details.items()) {
      if (skip.count(key) || IsScalar(v) || IsSmallScalarArray(v)) continue;
      if (IsObjectArray(v)) {
        out += ObjectTable(key, v, !typed, refs, options);
      } else if (v.is_array() && v.empty()) {
        continue;
      } else {
        out += "<h4>" + EscapeHtml(Label(key)) + "</h4><pre class=\"json\">" +
               EscapeHtml(JsonText(v, 4000)) + "</pre>\n";
      }
    }
    out += "</section>\n";
  }
  return out;
}

Json TimelineBands(const Json& checkers) {
  Json bands = Json::array();
  if (!checkers.is_object()) return bands;
  for (const auto& [name, result] : checkers.items()) {
    if (!result.is_object() || !result.contains("details") || !result["details"].is_object()) {
      continue;
    }
    const Json& listed = result["details"].value("timeline_bands", Json());
    if (!listed.is_array()) continue;
    for (const Json& b : listed) {
      if (bands.size() >= kMaxTimelineBands) return bands;
      if (!b.is_object() || !b.contains("from_ns") || !b.contains("to_ns") ||
          !b["from_ns"].is_number_integer() || !b["to_ns"].is_number_integer() ||
          !b.contains("label") || !b["label"].is_string()) {
        continue;
      }
      const int64_t from = b["from_ns"].get<int64_t>(), to = b["to_ns"].get<int64_t>();
      if (to < from) continue;
      bands.push_back(
          {{"checker", name}, {"s", from / 1000}, {"e", to / 1000}, {"label", b["label"]}});
    }
  }
  return bands;
}

}  // namespace coordcheck::reports
