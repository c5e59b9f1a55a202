#include "nemesis/process/process_nemesis.h"

#include <algorithm>
#include <functional>

#include "nemesis/ops.h"

namespace coordcheck {

Json ProcessFaultTargets(gen::Rng& rng, const FaultScheduleOptions& o) {
  if (o.has_primary && rng.Uniform(4) == 0) return Json{{"target", "primary"}};
  return Json{{"nodes", PickNodes(rng, o.nodes)}};
}

FaultPackage ProcessFaultPackage(const FaultInfo& info, ProcessFaults faults) {
  const std::string start = faults.kill ? fault::kKill : fault::kPause;
  const std::string stop = faults.kill ? fault::kStart : fault::kResume;
  return FaultPackage{
      .info = info,
      .needs = {.kill = faults.kill, .pause = faults.pause},
      .step =
          [start, stop](gen::Rng& rng, const FaultScheduleOptions& o) {
            return FaultStep{{FaultStepOp(start, ProcessFaultTargets(rng, o))},
                             {FaultStepOp(stop)}};
          },
      .heal = {stop},
      .make_nemesis = [faults](const FaultContext& c) -> std::unique_ptr<Nemesis> {
        return std::make_unique<ProcessNemesis>(c.process_control, c.target_nodes, faults);
      },
  };
}

ProcessNemesis::ProcessNemesis(ProcessControl* control, std::vector<std::string> nodes,
                               ProcessFaults faults)
    : control_(control), nodes_(std::move(nodes)), faults_(faults) {}

std::vector<std::string> ProcessNemesis::fs() const {
  std::vector<std::string> out;
  if (faults_.kill) out.insert(out.end(), {fault::kKill, fault::kStart});
  if (faults_.pause) out.insert(out.end(), {fault::kPause, fault::kResume});
  return out;
}

Status ProcessNemesis::Setup() {
  if (control_ == nullptr) return Status::Error("process faults: no target to act on");
  return Status::Ok();
}

Result<std::vector<std::string>> FaultNodes(ProcessControl& control, const Op& op,
                                                     const std::vector<std::string>& nodes,
                                                     const std::set<std::string>& if_null) {
  using R = Result<std::vector<std::string>>;
  if (op.value.is_null()) return std::vector<std::string>(if_null.begin(), if_null.end());
  if (op.value.is_object() && op.value.value("target", "") == "primary") {
    if (!control.has_primary()) return R::Error("the target does not report a primary");
    auto primary = control.Primary();
    if (!primary.ok()) return primary.status().Wrap("cannot find the primary");
    return std::vector<std::string>{*primary};
  }
  if (!op.value.is_object() || !op.value.contains("nodes") || !op.value["nodes"].is_array()) {
    return R::Error("value must be {\"nodes\": [...]}, {\"target\": \"primary\"} or null");
  }
  std::vector<std::string> out;
  for (const Json& n : op.value["nodes"]) {
    if (!n.is_string() ||
        std::find(nodes.begin(), nodes.end(), n.get<std::string>()) == nodes.end()) {
      return R::Error("unknown node " + n.dump());
    }
    out.push_back(n.get<std::string>());
  }
  return out;
}

void ActOnNodes(const std::vector<std::string>& nodes, Op* done,
                const std::function<Status(const std::string& node)>& act) {
  Json acted = Json::array();
  std::string errors;
  for (const std::string& node : nodes) {
    const Status st = act(node);
    if (st.ok()) {
      acted.push_back(node);
    } else {
      errors += (errors.empty() ? "" : "; ") + st.message();
    }
  }
  done->value = Json{{"nodes", acted}};
  if (!errors.empty()) done->error = errors;
}

Status UndoAll(std::set<std::string>* nodes,
                        const std::function<Status(const std::string& node)>& undo) {
  Status first;
  for (const std::string& node : std::set<std::string>(*nodes)) {
    Status st = undo(node);
    if (st.ok()) {
      nodes->erase(node);
    } else if (first.ok()) {
      first = st;
    }
  }
  return first;
}

Status CrashRestart(ProcessControl& control, const std::string& node,
                    std::set<std::string>* down, const std::function<Status()>& while_down) {
  if (Status st = control.Kill(node); !st.ok()) return st;
  down->insert(node);
  // The node is started again even when `while_down` failed: the op reports the error, the
  // run goes on with every node up.
  const Status meanwhile = while_down ? while_down() : Status::Ok();
  Status st = control.Start(node);
  if (st.ok()) down->erase(node);
  return meanwhile.ok() ? st : meanwhile;
}

namespace {

// `st`, having moved `node` from `from` to `to` (either may be null) when it is ok.
Status Moved(Status st, const std::string& node, std::set<std::string>* from,
                      std::set<std::string>* to) {
  if (st.ok() && from != nullptr) from->erase(node);
  if (st.ok() && to != nullptr) to->insert(node);
  return st;
}

}  // namespace

Op ProcessNemesis::Invoke(const Op& invoke) {
  Op done = invoke;
  done.type = OpType::kInfo;
  const bool kill = invoke.f == fault::kKill, start = invoke.f == fault::kStart;
  const bool pause = invoke.f == fault::kPause, resume = invoke.f == fault::kResume;
  if (!((faults_.kill && (kill || start)) || (faults_.pause && (pause || resume)))) {
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
  auto targets = FaultNodes(*control_, invoke, nodes_, start ? killed_ : paused_);
  if (!targets.ok()) {
    done.error = targets.message();
    return done;
  }
  ActOnNodes(*targets, &done, [&](const std::string& node) {
    if (kill) return Moved(control_->Kill(node), node, nullptr, &killed_);
    if (start) return Moved(control_->Start(node), node, &killed_, nullptr);
    if (pause) return Moved(control_->Pause(node), node, nullptr, &paused_);
    return Moved(control_->Resume(node), node, &paused_, nullptr);
  });
  return done;
}

Status ProcessNemesis::Teardown() {
  Status resumed =
      UndoAll(&paused_, [&](const std::string& n) { return control_->Resume(n); });
  Status started =
      UndoAll(&killed_, [&](const std::string& n) { return control_->Start(n); });
  return resumed.ok() ? started : resumed;
}

}  // namespace coordcheck
