#include "nemesis/compose.h"

#include <exception>

namespace coordcheck {

ComposeNemesis::ComposeNemesis(std::vector<std::unique_ptr<Nemesis>> parts)
    : parts_(std::move(parts)) {}

std::vector<std::string> ComposeNemesis::fs() const {
  std::vector<std::string> out;
  for (const auto& p : parts_)
    for (const std::string& f : p->fs()) out.push_back(f);
  return out;
}

std::vector<std::string> ComposeNemesis::DaemonEnv(const std::string& node) const {
  std::vector<std::string> out;
  for (const auto& p : parts_)
    for (const std::string& e : p->DaemonEnv(node)) out.push_back(e);
  return out;
}

Status ComposeNemesis::Setup() {
  by_f_.clear();
  for (const auto& p : parts_) {
    for (const std::string& f : p->fs()) {
      if (!by_f_.emplace(f, p.get()).second) {
        return Status::Error("two nemeses handle the fault " + f);
      }
    }
  }
  for (set_up_ = 0; set_up_ < parts_.size(); ++set_up_) {
    Status st = parts_[set_up_]->Setup();
    if (!st.ok()) {
      Teardown();
      return st;
    }
  }
  return Status::Ok();
}

Op ComposeNemesis::Invoke(const Op& invoke) {
  Op done;
  auto it = by_f_.find(invoke.f);
  if (it == by_f_.end()) {
    done = invoke;
    done.error = "no nemesis handles the fault " + invoke.f;
  } else {
    try {
      done = it->second->Invoke(invoke);
    } catch (const std::exception& ex) {
      done = invoke;
      done.error = std::string("nemesis threw: ") + ex.what();
    }
  }
  done.process = invoke.process;
  done.f = invoke.f;
  done.type = OpType::kInfo;
  return done;
}

Status ComposeNemesis::Teardown() {
  std::string errors;
  for (size_t i = set_up_; i-- > 0;) {
    Status st;
    try {
      st = parts_[i]->Teardown();
    } catch (const std::exception& ex) {
      st = Status::Error(std::string("teardown threw: ") + ex.what());
    }
    if (!st.ok()) errors += (errors.empty() ? "" : "; ") + st.message();
  }
  set_up_ = 0;
  return errors.empty() ? Status::Ok() : Status::Error(errors);
}

}  // namespace coordcheck
