// Helpers shared by the linearizability tests: run LinearizableChecker the way
// the tests do, and judge its result with the independent code of tests/support
// (witness replay, brute force).
//
// Contract: every helper records its findings through Catch2 assertions in the
// calling test, with enough INFO to name the history. Not thread-safe (Catch2).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "checkers/linearizable.h"
#include "tests/support/brute_force.h"

namespace coordcheck::test {

// Backstop for checks that should finish in milliseconds: a hang becomes unknown
// (and a failed expectation), not a stuck test.
inline constexpr std::chrono::milliseconds kCheckTimeLimit{60'000};

// Checks `history` (which must be well-formed and fit the model) with the witness on.
// `depth_first_iterations` as in LinearizableOptions (low values exercise the
// best-first phases and the restarts between phases).
inline CheckResult RunLinearizable(const History& history, const std::string& model,
                                   const std::optional<Json>& init,
                                   uint64_t depth_first_iterations = 50'000) {
  const Status malformed = history.Validate();
  INFO("history invalid: " << malformed.message());
  REQUIRE(malformed.ok());
  LinearizableOptions options;
  options.model = model;
  options.init = init;
  options.witness = true;
  options.depth_first_iterations = depth_first_iterations;
  const Status unfit = ValidateForModel(history, options);
  INFO("ValidateForModel: " << unfit.message());
  REQUIRE(unfit.ok());
  CheckBudget budget;
  budget.time_limit = kCheckTimeLimit;
  return LinearizableChecker(options).Check(history, budget);
}

// The whole history as text, for failure messages.
inline std::string HistoryText(const History& history) {
  std::string text;
  for (const Op& op : history.ops) text += OpToLine(op) + "\n";
  return text;
}

// A valid result's witness replays on the reference model.
inline void CheckWitness(const History& history, const std::string& model,
                         const std::optional<Json>& init, const CheckResult& result) {
  REQUIRE(result.details.contains("witness"));
  const std::optional<std::string> error =
      VerifyWitnessDetails(history, model, init, result.details["witness"]);
  INFO("witness " << result.details["witness"].dump());
  CHECK(error.value_or("") == "");
}

// An invalid result's details name a real op of a real key, and its prefix is a
// linearizable prefix that does not contain that op, after which `states` holds.
inline void CheckInvalidDetails(const History& history, const std::string& model,
                                const std::optional<Json>& init, const CheckResult& result) {
  const Json& d = result.details;
  REQUIRE(d.contains("op"));
  REQUIRE(d["op"].contains("index"));
  REQUIRE(d["op"]["index"].is_number_integer());
  const int64_t index = d["op"]["index"].get<int64_t>();
  REQUIRE(index >= 0);
  REQUIRE(index < static_cast<int64_t>(history.size()));
  const Op& op = history[static_cast<size_t>(index)];
  CHECK(op.type == OpType::kInvoke);
  CHECK_FALSE(op.is_nemesis());
  CHECK(d["op"].value("f", "") == op.f);
  CHECK(d["op"].value("process", int64_t{-2}) == op.process);
  REQUIRE(d.contains("key"));
  // The op's own key (null when it has none), or its witness spelling ("").
  const std::string key = WitnessKey(op);
  CHECK((d["key"] == op.key || d["key"] == Json(key)));
  REQUIRE(d.contains("prefix"));
  REQUIRE(d["prefix"].is_array());
  std::vector<int64_t> prefix;
  for (const Json& i : d["prefix"]) {
    REQUIRE(i.is_number_integer());
    prefix.push_back(i.get<int64_t>());
  }
  CHECK(std::find(prefix.begin(), prefix.end(), index) == prefix.end());
  Json state;
  const std::optional<std::string> error =
      VerifyWitness(history, model, init, key, prefix, WitnessKind::kPrefix, &state);
  CHECK(error.value_or("") == "");
  REQUIRE(d.contains("states"));
  REQUIRE(d["states"].is_array());
  CHECK_FALSE(d["states"].empty());
  if (!error && (model == "register" || model == "cas-register" || model == "kv")) {
    // States of these models are plain values; the replayed one must be listed.
    INFO("state after the prefix " << state.dump());
    CHECK(std::find(d["states"].begin(), d["states"].end(), state) != d["states"].end());
  }
}

// Runs the checker and requires `expected`; then checks the witness or the
// invalid details. For histories small enough, brute force must agree too.
inline CheckResult ExpectVerdict(const History& history, const std::string& model,
                                 const std::optional<Json>& init, Validity expected) {
  INFO("model " << model << " init " << (init ? init->dump() : "(default)") << "\n"
                << HistoryText(history));
  const CheckResult result = RunLinearizable(history, model, init);
  INFO("summary " << result.summary << "\ndetails " << result.details.dump());
  REQUIRE(ValidityName(result.valid) == ValidityName(expected));
  if (expected == Validity::kValid) CheckWitness(history, model, init, result);
  if (expected == Validity::kInvalid) CheckInvalidDetails(history, model, init, result);
  const BruteForceResult brute = BruteForceCheck(history, model, init);
  if (brute.error.rfind("too many ops", 0) != 0) {
    INFO("brute force: " << brute.error);
    CHECK(brute.error == "");
    CHECK(brute.valid == (expected == Validity::kValid));
  }
  return result;
}

inline CheckResult ExpectValid(const History& history, const std::string& model,
                               const std::optional<Json>& init = std::nullopt) {
  return ExpectVerdict(history, model, init, Validity::kValid);
}

inline CheckResult ExpectInvalid(const History& history, const std::string& model,
                                 const std::optional<Json>& init = std::nullopt) {
  return ExpectVerdict(history, model, init, Validity::kInvalid);
}

// The witness of `key` as a list of invoke indices (empty when absent).
inline std::vector<int64_t> WitnessOf(const CheckResult& result, const std::string& key = "") {
  std::vector<int64_t> order;
  if (!result.details.contains("witness") || !result.details["witness"].contains(key)) {
    return order;
  }
  for (const Json& i : result.details["witness"][key]) order.push_back(i.get<int64_t>());
  return order;
}

}  // namespace coordcheck::test
