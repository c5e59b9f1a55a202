// JUnit XML for CI: one <testsuite> per run, one <testcase> per checker (classname =
// "coordcheck.<test name>", name = the checker). A checker's verdict maps to
//   valid    a passing testcase;
//   invalid  <failure type="invalid" message=SUMMARY> with the anomalies' explanations;
//   unknown  <error type="unknown" message=...>: not a pass (the check ran out of budget);
// a run that failed (results.json "verdict": "error") is one testcase "run" with <error>.
// The suite's <properties> carry target, workload, bug, seed, nemesis, commit and command;
// notes (results.json "notes") go to <system-out>. Every text is XML-escaped, and what XML 1.0
// cannot carry (C0 controls but tab/LF/CR, U+FFFE, U+FFFF, ill-formed UTF-8 such as a lone
// surrogate) is replaced by U+FFFD, so the file is always well-formed; attribute values keep
// tab, LF and CR as &#9; &#10; &#13;.
//
// Thread-safety: pure functions, plus file writes.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "history/op.h"

namespace coordcheck::reports {

// One run: its test.json and results.json.
struct RunRecord {
  Json test;
  Json results;
};

// The JUnit document for `runs` (a run, or a comparison's runs).
std::string RenderJUnit(const std::vector<RunRecord>& runs);

// Reads RUN_DIR/test.json and results.json and writes RUN_DIR/junit.xml. Errors name the file.
Status WriteRunJUnit(const std::string& run_dir);
// Reads COMPARE_DIR/compare.json and each run's files; writes COMPARE_DIR/junit.xml.
Status WriteCompareJUnit(const std::string& compare_dir);
// The same for a swarm folder (swarm.json): one <testsuite> per run.
Status WriteSwarmJUnit(const std::string& swarm_dir);

// `text` escaped for XML character data (tab and LF stay raw; CR is &#13;).
std::string XmlEscape(const std::string& text);

}  // namespace coordcheck::reports
