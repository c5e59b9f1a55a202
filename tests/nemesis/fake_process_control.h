// FakeTarget: a ProcessControl that records what it is asked ("kill n1") instead of acting,
// and fails for one chosen node; for the process and restart nemesis tests.
//
// Thread-safety: none (tests are single-threaded).
#pragma once

#include <string>
#include <vector>

#include "nemesis/process/process_control.h"

namespace coordcheck::test {

class FakeTarget final : public ProcessControl {
 public:
  bool can_kill() const override { return true; }
  bool can_pause() const override { return pausable; }
  bool has_primary() const override { return true; }
  control::Status Kill(const std::string& node) override { return Act("kill", node); }
  control::Status Start(const std::string& node) override { return Act("start", node); }
  control::Status Pause(const std::string& node) override { return Act("pause", node); }
  control::Status Resume(const std::string& node) override { return Act("resume", node); }
  control::Result<std::string> Primary() override { return std::string("n2"); }

  control::Status Act(const std::string& what, const std::string& node) {
    if (node == broken && (broken_what.empty() || broken_what == what)) {
      return control::Status::Error("node " + node + ": cannot " + what);
    }
    log.push_back(what + " " + node);
    return control::Status::Ok();
  }
  std::vector<std::string> log;
  std::string broken;       // the node whose actions fail
  std::string broken_what;  // only this action fails there ("start"); empty = every one
  bool pausable = true;
};

}  // namespace coordcheck::test
