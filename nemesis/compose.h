// ComposeNemesis: several nemeses as one, each op routed by its f to the nemesis that
// handles it (Jepsen's nemesis/compose). It also enforces the contract every completion
// keeps: same process and f as the invoke, type info (a fault's effect is never certain).
//
// Teardown tears every part down (in reverse order) even when one fails, and returns an
// error listing every part that could not heal — the run's report says so.
//
// Thread-safety: as Nemesis.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nemesis/nemesis.h"

namespace coordcheck {

class ComposeNemesis final : public Nemesis {
 public:
  // Two parts may not handle the same f (checked by Setup).
  explicit ComposeNemesis(std::vector<std::unique_ptr<Nemesis>> parts);

  std::vector<std::string> fs() const override;
  // Sets the parts up in order; after a failure, tears down the ones already set up.
  Status Setup() override;
  Op Invoke(const Op& invoke) override;
  Status Teardown() override;
  // Every part's entries, in part order.
  std::vector<std::string> DaemonEnv(const std::string& node) const override;

  Nemesis* part(size_t i) { return parts_[i].get(); }
  size_t size() const { return parts_.size(); }

 private:
  std::vector<std::unique_ptr<Nemesis>> parts_;
  std::map<std::string, Nemesis*> by_f_;
  size_t set_up_ = 0;
};

}  // namespace coordcheck
