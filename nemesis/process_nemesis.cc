#include "nemesis/process_nemesis.h"

#include <algorithm>

#include "nemesis/ops.h"

namespace coordcheck {

ProcessNemesis::ProcessNemesis(ProcessControl* control, std::vector<std::string> nodes)
    : control_(control), nodes_(std::move(nodes)) {}

std::vector<std::string> ProcessNemesis::fs() const {
  return {fault::kKill, fault::kStart, fault::kPause, fault::kResume};
}

control::Status ProcessNemesis::Setup() {
  if (control_ == nullptr) return control::Status::Error("process faults: no target to act on");
  return control::Status::Ok();
}

control::Result<std::vector<std::string>> ProcessNemesis::Targets(
    const Op& op, const std::set<std::string>& if_null) {
  using R = control::Result<std::vector<std::string>>;
  if (op.value.is_null()) return std::vector<std::string>(if_null.begin(), if_null.end());
  if (op.value.is_object() && op.value.value("target", "") == "primary") {
    if (!control_->has_primary()) return R::Error("the target does not report a primary");
    auto primary = control_->Primary();
    if (!primary.ok()) return primary.status().Wrap("cannot find the primary");
    return std::vector<std::string>{*primary};
  }
  if (!op.value.is_object() || !op.value.contains("nodes") || !op.value["nodes"].is_array()) {
    return R::Error("value must be {\"nodes\": [...]}, {\"target\": \"primary\"} or null");
  }
  std::vector<std::string> out;
  for (const Json& n : op.value["nodes"]) {
    if (!n.is_string() || std::find(nodes_.begin(), nodes_.end(), n.get<std::string>()) == nodes_.end()) {
      return R::Error("unknown node " + n.dump());
    }
    out.push_back(n.get<std::string>());
  }
  return out;
}

Op ProcessNemesis::Invoke(const Op& invoke) {
  Op done = invoke;
  done.type = OpType::kInfo;
  const bool kill = invoke.f == fault::kKill, start = invoke.f == fault::kStart;
  const bool pause = invoke.f == fault::kPause, resume = invoke.f == fault::kResume;
  if (!(kill || start || pause || resume)) {
    done.error = "process nemesis: unknown fault " + invoke.f;
    return done;
  }
  if ((kill || start) && !control_->can_kill()) {
    done.error = "the target cannot be killed and restarted";
    return done;
  }
  if ((pause || resume) && !control_->can_pause()) {
    done.error = "the target cannot be paused";
    return done;
  }
  auto targets = Targets(invoke, start ? killed_ : paused_);
  if (!targets.ok()) {
    done.error = targets.message();
    return done;
  }
  Json acted = Json::array();
  std::string errors;
  for (const std::string& node : *targets) {
    control::Status st;
    if (kill) {
      st = control_->Kill(node);
      if (st.ok()) killed_.insert(node);
    } else if (start) {
      st = control_->Start(node);
      if (st.ok()) killed_.erase(node);
    } else if (pause) {
      st = control_->Pause(node);
      if (st.ok()) paused_.insert(node);
    } else {
      st = control_->Resume(node);
      if (st.ok()) paused_.erase(node);
    }
    if (st.ok()) {
      acted.push_back(node);
    } else {
      errors += (errors.empty() ? "" : "; ") + st.message();
    }
  }
  done.value = Json{{"nodes", acted}};
  if (!errors.empty()) done.error = errors;
  return done;
}

control::Status ProcessNemesis::Teardown() {
  control::Status first;
  for (const std::string& node : std::set<std::string>(paused_)) {
    auto st = control_->Resume(node);
    if (st.ok()) paused_.erase(node);
    else if (first.ok()) first = st;
  }
  for (const std::string& node : std::set<std::string>(killed_)) {
    auto st = control_->Start(node);
    if (st.ok()) killed_.erase(node);
    else if (first.ok()) first = st;
  }
  return first;
}

}  // namespace coordcheck
