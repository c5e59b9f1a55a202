#include "reports/nemesis_view.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "nemesis/families.h"
#include "reports/html.h"

namespace coordcheck::reports {

namespace {

constexpr size_t kLabelChars = 240;

std::string NodesText(const Json& nodes) {
  if (!nodes.is_array()) return PlainText(nodes, 80);
  std::string out;
  for (const Json& n : nodes) out += (out.empty() ? "" : ",") + PlainText(n, 40);
  return out;
}

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// What an opening op did, in a few words, from its invoke value and completion value.
std::string Describe(const std::string& f, const Json& value, const Json& result) {
  if (f == "start-partition") {
    const Json& r = result.is_object() ? result : value;
    std::string out = r.is_object() && r.contains("kind") ? PlainText(r["kind"], 40) : "partition";
    if (r.is_object() && r.contains("mode")) out += " (" + PlainText(r["mode"], 20) + ")";
    if (r.is_object() && r.contains("grudge") && r["grudge"].is_object()) {
      std::string g;
      for (const auto& [node, dropped] : r["grudge"].items()) {
        g += (g.empty() ? "" : "; ") + node + " drops " + NodesText(dropped);
      }
      out += ": " + g;
    }
    return out;
  }
  if (f == "start-packet" && value.is_object()) {
    std::string out;
    if (value.contains("loss") && value["loss"].is_number())
      out += "loss " + Number(value["loss"].get<double>());
    if (value.contains("delay_ms") && value["delay_ms"].is_number()) {
      out += (out.empty() ? "" : ", ") + std::string("delay ") +
             Number(value["delay_ms"].get<double>()) + " ms";
      if (value.contains("jitter_ms") && value["jitter_ms"].is_number())
        out += " \u00b1" + Number(value["jitter_ms"].get<double>()) + " ms";
    }
    if (value.contains("nodes")) out += " on " + NodesText(value["nodes"]);
    return out;
  }
  if (f == "bump-clock" && value.is_object()) {
    std::string out;
    for (const auto& [node, delta] : value.items()) {
      out += (out.empty() ? "" : ", ") + node + " " +
             (delta.is_number()
                  ? (delta.get<double>() > 0 ? "+" : "") + Number(delta.get<double>()) + " ms"
                  : PlainText(delta, 40));
    }
    return "bump " + out;
  }
  if (f == "strobe-clock" && value.is_object()) {
    std::string out = "strobe";
    if (value.contains("nodes")) out += " " + NodesText(value["nodes"]);
    if (value.contains("delta_ms")) out += " \u00b1" + PlainText(value["delta_ms"], 20) + " ms";
    if (value.contains("period_ms")) out += " every " + PlainText(value["period_ms"], 20) + " ms";
    if (value.contains("duration_ms")) out += " for " + PlainText(value["duration_ms"], 20) + " ms";
    return out;
  }
  if (f == "pause-client" && value.is_object() && value.contains("ms")) {
    return "client pause " + PlainText(value["ms"], 20) + " ms";
  }
  if (value.is_object() && value.contains("nodes")) return f + " " + NodesText(value["nodes"]);
  if (value.is_object() && value.contains("target"))
    return f + " " + PlainText(value["target"], 40);
  if (value.is_null()) return f;
  return f + " " + JsonText(value, 120);
}

// An op's part in its family's intervals (nemesis/fault_info.h): its family ("" when not a
// fault op) and whether it opens, closes or marks.
struct Role {
  std::string family;
  bool closes = false;
  bool mark = false;
};

bool Contains(const std::vector<std::string>& fs, const std::string& f) {
  return std::find(fs.begin(), fs.end(), f) != fs.end();
}

Role RoleOf(const std::string& f) {
  for (const FaultInfo* info : FaultCatalogue()) {
    if (Contains(info->opens, f)) return {info->name, false, false};
    if (Contains(info->closes, f)) return {info->name, true, false};
    if (Contains(info->marks, f)) return {info->name, false, true};
  }
  return {};
}

}  // namespace

std::string FaultFamily(const std::string& f) { return RoleOf(f).family; }

Json FaultColours() {
  Json out = Json::object();
  for (const FaultInfo* info : FaultCatalogue()) out[info->name] = info->colour;
  return out;
}

std::vector<FaultInterval> FaultIntervals(const History& history, const HistoryView& view) {
  std::vector<FaultInterval> out;
  std::map<std::string, size_t> open;  // family → index in out
  for (const NemesisSpan& span : view.nemesis) {
    const Op& first = history.ops[span.first()];
    const std::string& f = first.f;
    const Role role = RoleOf(f);
    if (role.family.empty()) continue;
    const Json& value = span.invoke >= 0 ? first.value : Json();
    const Json result = span.complete >= 0 ? history.ops[span.complete].value : Json();
    const Json error = span.complete >= 0 ? history.ops[span.complete].error : Json();
    std::string error_text = error.is_null() ? "" : " (error: " + PlainText(error, 120) + ")";
    if (role.closes) {
      auto it = open.find(role.family);
      if (it == open.end()) continue;
      FaultInterval& interval = out[it->second];
      interval.end_ns = span.end_ns;
      interval.close_op = span.first();
      if (!error_text.empty()) interval.label += "; " + f + error_text;
      open.erase(it);
      continue;
    }
    std::string label = Describe(f, value, result) + error_text;
    if (role.mark) {
      out.push_back(FaultInterval{role.family, span.start_ns, span.start_ns, span.first(), -1, true,
                                  true, label.substr(0, kLabelChars)});
      continue;
    }
    if (value.is_object() && value.contains("duration_ms") && value["duration_ms"].is_number()) {
      // Lasts as long as it says (strobe-clock), at least until its completion.
      int64_t end =
          std::max(span.end_ns,
                   span.start_ns + static_cast<int64_t>(value["duration_ms"].get<double>() * 1e6));
      end = std::min(end, std::max(view.end_ns, span.end_ns));
      out.push_back(FaultInterval{role.family, span.start_ns, end, span.first(), span.first(),
                                  false, true, label.substr(0, kLabelChars)});
      continue;
    }
    if (auto it = open.find(role.family); it != open.end()) {
      FaultInterval& interval = out[it->second];  // a further bump while open: extend
      if (interval.label.size() < kLabelChars) interval.label += "; " + label;
      if (interval.label.size() > kLabelChars)
        interval.label = PlainText(interval.label, kLabelChars);
      continue;
    }
    open[role.family] = out.size();
    out.push_back(FaultInterval{role.family, span.start_ns, view.end_ns, span.first(), -1, false,
                                true, label.substr(0, kLabelChars)});
  }
  for (auto& [family, index] : open) out[index].healed = false;
  return out;
}

Json ClockSeries(const History& history, const HistoryView& view) {
  Json nodes = Json::object();
  Json target = Json::object();
  Json methods = Json::object();
  int64_t samples = 0;
  for (const NemesisSpan& span : view.nemesis) {
    if (span.complete < 0) continue;
    const Op& done = history.ops[span.complete];
    if (done.f != "check-clock-offsets" || !done.value.is_object()) continue;
    ++samples;
    const int64_t t_us = span.end_ns / 1000;
    for (const auto& [node, offset] : done.value.items()) {
      if (offset.is_number()) nodes[node].push_back(Json::array({t_us, offset.get<double>()}));
    }
    if (!done.extra.is_object() || !done.extra.contains("clock") ||
        !done.extra["clock"].is_object())
      continue;
    for (const auto& [node, reading] : done.extra["clock"].items()) {
      if (!reading.is_object() || !reading.contains("target") || !reading["target"].is_object())
        continue;
      const Json& t = reading["target"];
      if (!t.contains("offset_ms") || !t["offset_ms"].is_number()) continue;
      const double err =
          t.contains("error_ms") && t["error_ms"].is_number() ? t["error_ms"].get<double>() : 0;
      target[node].push_back(Json::array({t_us, t["offset_ms"].get<double>(), err}));
      if (t.contains("method") && t["method"].is_string()) methods[node] = t["method"];
    }
  }
  if (samples == 0) return nullptr;
  return Json{{"nodes", nodes}, {"target", target}, {"methods", methods}, {"samples", samples}};
}

}  // namespace coordcheck::reports
