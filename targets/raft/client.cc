#include "targets/raft/client.h"

#include "targets/raft/options.h"

namespace coordcheck::raft {

std::unique_ptr<kvd::KvdClient> MakeLineClient() {
  return std::make_unique<kvd::KvdClient>(
      "raft", [](const Json& options) -> Result<kvd::LineEndpoint> {
        auto parsed = ParseRaftOptions(options);
        if (!parsed.ok()) return parsed.status();
        return kvd::LineEndpoint{parsed->port, parsed->connect_timeout_ms};
      });
}

RaftClient::RaftClient() : home_(MakeLineClient()) {}

Status RaftClient::Open(const ClientEnv& env, const std::string& node) {
  env_ = env;
  return home_->Open(env, node);
}

void RaftClient::Close() { home_->Close(); }

Op RaftClient::Invoke(const Op& invoke, Deadline deadline) {
  if (invoke.f == "raft-events") return CollectEvents(invoke, deadline);
  return home_->Invoke(invoke, deadline);
}

Op RaftClient::CollectEvents(const Op& invoke, Deadline deadline) {
  Json events = Json::object();
  Json errors = Json::object();
  const size_t target_nodes = env_.nodes.size() - static_cast<size_t>(env_.extra_nodes);
  for (size_t i = 0; i < target_nodes; ++i) {
    const std::string& node = env_.nodes[i];
    auto client = MakeLineClient();
    if (Status s = client->Open(env_, node); !s.ok()) {
      errors[node] = s.message();
      continue;
    }
    Op ask = invoke;
    ask.value = nullptr;
    Op answer = client->Invoke(ask, deadline);
    client->Close();
    if (answer.type == OpType::kOk && answer.value.is_object() && answer.value.contains("events") &&
        answer.value["events"].is_array()) {
      events[node] = std::move(answer.value["events"]);
    } else {
      errors[node] = answer.error.is_null() ? Json("no events in the answer") : answer.error;
    }
  }
  if (events.empty()) return CompleteFail(invoke, Json{{"errors", errors}});
  return CompleteOk(invoke, Json{{"events", std::move(events)}, {"errors", std::move(errors)}});
}

}  // namespace coordcheck::raft
