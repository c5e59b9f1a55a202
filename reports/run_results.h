// RunResults: what one run found — results.json as a value. The run (harness/run.cc) fills
// one and writes it with ToJson; every reader (the run and compare reports, JUnit, `compare`)
// reads it back with FromJson. This file is the one place that names results.json's members.
//
// results.json (shared/DESIGN.md):
//   test, target, workload, bug, seed, run_dir      what ran
//   extra_nodes {role: node}                         nodes beside the target's own
//   phases {main|heal|final: {invoked, ok, fail, info, abandoned, seconds}}
//   nemesis {families, unhealed}                     what was asked, what stayed broken
//   recovery_error, teardown_error, error            run problems (absent when none)
//   valid (true/false/"unknown"), verdict ("valid"/"invalid"/"unknown"/"error"), summary
//   checkers {name: CheckResult::ToJson()}           each checker's result
//   figures {name: number|null}                      the workload's figures
//   notes [text]                                     what a reader must know
//   clock_effect {...}                               only when clock faults were asked
//   concurrency {...}                                what concurrency the history holds
//                                                    (checkers/concurrency.h)
//   check_seconds, events
//
// Thread-safety: a plain value type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "history/op.h"

namespace coordcheck::reports {

// What one phase of a run did (the Runner's PhaseStats as stored).
struct PhaseFigures {
  int64_t invoked = 0;
  int64_t ok = 0;
  int64_t fail = 0;
  int64_t info = 0;
  int64_t abandoned = 0;  // invoked but never completed (the run was stopped)
  double seconds = 0;
};

struct RunResults {
  std::string test;  // the run's name
  std::string target;
  std::string workload;
  std::string bug;  // "" = the correct target
  std::optional<uint64_t> seed;
  std::string run_dir;
  // Nodes beside the target's own, by role ("kafka" -> "n4"), in role order.
  std::vector<std::pair<std::string, std::string>> extra_nodes;
  // The phases that ran, in the order main, heal, final.
  std::vector<std::pair<std::string, PhaseFigures>> phases;
  // The fault families asked for, and what the nemesis could not heal ("" = all healed).
  std::vector<std::string> nemesis_families;
  std::string unhealed;
  bool has_nemesis = false;  // whether `nemesis` is present (teardown was reached)
  // Run problems; "" = none.
  std::string recovery_error;  // the target was not ready again after healing
  std::string teardown_error;
  std::string error;  // the run failed (verdict "error")
  // "valid", "invalid", "unknown" or "error"; "" when the file holds none.
  std::string verdict;
  std::string summary;
  Json checkers = Json::object();  // {name: CheckResult::ToJson()}
  Json figures = Json::object();   // {name: number or null}
  std::vector<std::string> notes;
  Json clock_effect;  // null unless clock faults were asked for
  Json concurrency;   // checkers/concurrency.h's object; null in files written before it
  std::optional<double> check_seconds;
  std::optional<int64_t> events;

  // The phase called `name`, or null.
  const PhaseFigures* Phase(const std::string& name) const;

  // results.json's object.
  Json ToJson() const;
  // Reads what `json` holds; members missing or of the wrong type are left empty, so a
  // damaged or foreign results.json still gives a report (never throws).
  static RunResults FromJson(const Json& json);
};

// The concurrency object in a few words for a table cell, e.g. "62.3% overlapped, max 5 open
// (low)"; "-" when `concurrency` is not an object.
std::string ConcurrencyCell(const Json& concurrency);

}  // namespace coordcheck::reports
