#include "reports/junit.h"

#include <cstdio>
#include <string_view>

#include "history/json_text.h"
#include "reports/files.h"
#include "reports/run_results.h"

namespace coordcheck::reports {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// How `c` is written: a character reference, or "" for as is. In attribute values a parser
// would turn a raw tab, LF or CR into a space; in text a raw CR into LF.
std::string_view Reference(char c, bool attribute) {
  switch (c) {
    case '&':
      return "&amp;";
    case '<':
      return "&lt;";
    case '>':
      return "&gt;";
    case '"':
      return "&quot;";
    case '\'':
      return "&apos;";
    case '\t':
      return attribute ? "&#9;" : "";
    case '\n':
      return attribute ? "&#10;" : "";
    case '\r':
      return "&#13;";
    default:
      return "";
  }
}

// Why U+FFFE/U+FFFF checks on top of RepairUtf8: XML 1.0 allows only tab, LF, CR,
// U+0020-U+D7FF, U+E000-U+FFFD and U+10000-U+10FFFF; one other character makes the whole file
// ill-formed and CI drops every result in it. RepairUtf8 turns ill-formed UTF-8 (lone
// surrogates included) into U+FFFD; C0 controls, U+FFFE and U+FFFF become U+FFFD here.
std::string EscapeXml(const std::string& text, bool attribute) {
  const std::string valid = json_text::RepairUtf8(text);
  std::string out;
  out.reserve(valid.size());
  for (size_t i = 0; i < valid.size(); ++i) {
    const char c = valid[i];
    if (const std::string_view ref = Reference(c, attribute); !ref.empty()) {
      out += ref;
    } else if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') {
      out += kReplacement;
    } else if (valid.compare(i, 3, "\xEF\xBF\xBE") == 0 ||
               valid.compare(i, 3, "\xEF\xBF\xBF") == 0) {
      out += kReplacement;  // U+FFFE, U+FFFF: not characters
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string Attr(const char* name, const std::string& value) {
  return std::string(" ") + name + "=\"" + EscapeXml(value, /*attribute=*/true) + "\"";
}

std::string Text(const Json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

// The explanations of a checker's anomalies, one per line (at most 100), else its summary.
// They come from the typed "anomalies" (checkers/checker.h); details.anomalies only for
// results.json written before anomalies were typed.
std::string AnomalyText(const Json& checker) {
  std::string out;
  const Json details = checker.value("details", Json::object());
  const bool typed =
      checker.is_object() && checker.contains("anomalies") && checker["anomalies"].is_array();
  int listed = 0;
  if (typed || details.is_object()) {
    for (const Json& a : typed ? checker["anomalies"] : details.value("anomalies", Json::array())) {
      if (!a.is_object() || !a.contains("explanation")) continue;
      if (++listed > 100) {
        out += "...\n";
        break;
      }
      out += Text(a["explanation"]) + "\n";
    }
    if (listed == 0 && details.is_object() && details.contains("explanation"))
      out += Text(details["explanation"]) + "\n";
  }
  if (out.empty()) out = Text(checker.value("summary", Json())) + "\n";
  return out;
}

std::string TestName(const RunRecord& run) {
  std::string name = run.test.is_object() ? Text(run.test.value("name", Json())) : "";
  if (name.empty()) name = RunResults::FromJson(run.results).test;
  if (name.empty() && run.test.is_object()) {
    name = Text(run.test.value("workload", Json())) + "-" + Text(run.test.value("target", Json()));
  }
  return name;
}

struct Suite {
  std::string xml;
  int tests = 0, failures = 0, errors = 0;
  double time = 0;
};

Suite RenderSuite(const RunRecord& run) {
  Suite s;
  const Json& test = run.test;
  const RunResults results = RunResults::FromJson(run.results);
  const std::string name = TestName(run);
  const std::string classname = "coordcheck." + name;
  std::string cases;
  const Json& checkers = results.checkers;
  const double check_s = results.check_seconds.value_or(0.0);
  if (results.verdict == "error" || checkers.empty()) {
    ++s.tests;
    ++s.errors;
    const std::string why =
        results.error.empty() ? "the run did not finish: no checker ran" : results.error;
    cases += "    <testcase" + Attr("classname", classname) + Attr("name", "run") +
             Attr("time", "0") + ">\n      <error" + Attr("type", "error") + Attr("message", why) +
             ">" + XmlEscape(why) + "</error>\n    </testcase>\n";
  } else {
    const double per = check_s / static_cast<double>(checkers.size());
    for (auto it = checkers.begin(); it != checkers.end(); ++it) {
      ++s.tests;
      const Json& c = it.value();
      const std::string v = c.is_object() ? Text(c.value("verdict", Json())) : "";
      const std::string summary = c.is_object() ? Text(c.value("summary", Json())) : "";
      cases += "    <testcase" + Attr("classname", classname) + Attr("name", it.key()) +
               Attr("time", Seconds(per)) + ">\n";
      if (v == "invalid") {
        ++s.failures;
        cases += "      <failure" + Attr("type", "invalid") + Attr("message", summary) + ">" +
                 XmlEscape(AnomalyText(c)) + "</failure>\n";
      } else if (v != "valid") {
        ++s.errors;
        cases += "      <error" + Attr("type", v.empty() ? "unknown" : v) +
                 Attr("message", summary) + ">" + XmlEscape(summary) + "</error>\n";
      }
      cases += "    </testcase>\n";
    }
  }
  // Properties: what the run was.
  std::string props;
  auto prop = [&](const char* key, const Json& v) {
    if (v.is_null()) return;
    props += "      <property" + Attr("name", key) + Attr("value", Text(v)) + "/>\n";
  };
  if (test.is_object()) {
    for (const char* key : {"target", "workload", "bug", "seed", "nodes", "nemesis"}) {
      prop(key, test.value(key, Json()));
    }
    const Json meta = test.value("meta", Json::object());
    if (meta.is_object()) {
      prop("commit", meta.value("commit", Json()));
      prop("command", meta.value("command", Json()));
    }
  }
  if (!results.run_dir.empty()) prop("run_dir", results.run_dir);
  for (const auto& [phase, figures] : results.phases) s.time += figures.seconds;
  s.time += check_s;
  std::string out = "  <testsuite" + Attr("name", name) + Attr("tests", std::to_string(s.tests)) +
                    Attr("failures", std::to_string(s.failures)) +
                    Attr("errors", std::to_string(s.errors)) + Attr("skipped", "0") +
                    Attr("time", Seconds(s.time)) + ">\n";
  if (!props.empty()) out += "    <properties>\n" + props + "    </properties>\n";
  out += cases;
  std::string notes;
  for (const std::string& n : results.notes) notes += "note: " + n + "\n";
  if (!notes.empty()) out += "    <system-out>" + XmlEscape(notes) + "</system-out>\n";
  out += "  </testsuite>\n";
  s.xml = std::move(out);
  return s;
}

}  // namespace

std::string XmlEscape(const std::string& text) { return EscapeXml(text, /*attribute=*/false); }

std::string RenderJUnit(const std::vector<RunRecord>& runs) {
  std::string suites;
  int tests = 0, failures = 0, errors = 0;
  double time = 0;
  for (const RunRecord& run : runs) {
    Suite s = RenderSuite(run);
    suites += s.xml;
    tests += s.tests;
    failures += s.failures;
    errors += s.errors;
    time += s.time;
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites" + Attr("name", "coordcheck") +
         Attr("tests", std::to_string(tests)) + Attr("failures", std::to_string(failures)) +
         Attr("errors", std::to_string(errors)) + Attr("time", Seconds(time)) + ">\n" + suites +
         "</testsuites>\n";
}

Status WriteRunJUnit(const std::string& run_dir) {
  RunRecord run;
  if (auto st = ReadJsonObject(run_dir + "/results.json", &run.results); !st.ok()) return st;
  if (auto st = ReadJsonObject(run_dir + "/test.json", &run.test); !st.ok()) return st;
  return WriteFileReplacing(run_dir + "/junit.xml", RenderJUnit({run}));
}

namespace {

// DIR/LIST's "runs" (each with "run_dir", and "target" for a run that left no test.json) →
// DIR/junit.xml.
Status WriteRunListJUnit(const std::string& dir, const std::string& list) {
  Json record;
  if (auto st = ReadJsonObject(dir + "/" + list, &record); !st.ok()) return st;
  std::vector<RunRecord> runs;
  for (const Json& run : record.value("runs", Json::array())) {
    const std::string run_dir = run.value("run_dir", "");
    RunRecord r;
    if (auto st = ReadJsonObject(run_dir + "/results.json", &r.results); !st.ok()) {
      r.results = Json{{"verdict", "error"}, {"error", st.message()}};  // a run that left none
    }
    if (auto st = ReadJsonObject(run_dir + "/test.json", &r.test); !st.ok()) {
      r.test = Json{{"target", run.value("target", "")}};
    }
    runs.push_back(std::move(r));
  }
  return WriteFileReplacing(dir + "/junit.xml", RenderJUnit(runs));
}

}  // namespace

Status WriteCompareJUnit(const std::string& compare_dir) {
  return WriteRunListJUnit(compare_dir, "compare.json");
}

Status WriteSwarmJUnit(const std::string& swarm_dir) {
  return WriteRunListJUnit(swarm_dir, "swarm.json");
}

}  // namespace coordcheck::reports
