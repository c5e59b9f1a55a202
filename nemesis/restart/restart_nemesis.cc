#include "nemesis/restart/restart_nemesis.h"

#include "nemesis/process/process_nemesis.h"

namespace coordcheck {

Status RestartNemesis::Setup() {
  if (control_ == nullptr) return Status::Error("restart: no target to act on");
  return Status::Ok();
}

Op RestartNemesis::Invoke(const Op& invoke) {
  Op done = invoke;
  done.type = OpType::kInfo;
  if (!control_->can_kill()) {
    done.error = "the target cannot be killed and restarted";
    return done;
  }
  auto targets = FaultNodes(*control_, invoke, nodes_, down_);
  if (!targets.ok()) {
    done.error = targets.message();
    return done;
  }
  ActOnNodes(*targets, &done,
             [&](const std::string& node) { return CrashRestart(*control_, node, &down_); });
  return done;
}

Status RestartNemesis::Teardown() {
  return UndoAll(&down_, [&](const std::string& node) { return control_->Start(node); });
}

}  // namespace coordcheck
