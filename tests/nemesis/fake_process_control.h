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
  Status Kill(const std::string& node) override { return Act("kill", node); }
  Status Start(const std::string& node) override { return Act("start", node); }
  Status Pause(const std::string& node) override { return Act("pause", node); }
  Status Resume(const std::string& node) override { return Act("resume", node); }
  Result<std::string> Primary() override { return std::string("n2"); }

  Status Act(const std::string& what, const std::string& node) {
    if (node == broken && (broken_what.empty() || broken_what == what)) {
      return Status::Error("node " + node + ": cannot " + what);
    }
    log.push_back(what + " " + node);
    return Status::Ok();
  }
  std::vector<std::string> log;
  std::string broken;       // the node whose actions fail
  std::string broken_what;  // only this action fails there ("start"); empty = every one
  bool pausable = true;
};

}  // namespace coordcheck::test
