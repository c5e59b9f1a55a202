#include "targets/raft/state_machine.h"

namespace coordcheck::raft {
namespace {

ApplyResult Ok(Json value = nullptr) { return {true, std::move(value), ""}; }
ApplyResult Fail(std::string error) { return {false, nullptr, std::move(error)}; }

}  // namespace

ApplyResult StateMachine::Apply(uint64_t index, const std::string& command) {
  if (command.empty()) return Ok();  // a leader's no-op
  try {
    return ApplyCommand(index, command);
  } catch (const Json::exception& e) {
    // The server builds commands from checked requests; a bad one changes nothing.
    return Fail(std::string("bad command: ") + e.what());
  }
}

ApplyResult StateMachine::ApplyCommand(uint64_t index, const std::string& command) {
  const Json c = Json::parse(command, nullptr, false);
  if (!c.is_object() || !c.contains("op") || !c["op"].is_string()) {
    return Fail("unknown command");
  }
  const std::string op = c["op"];
  if (op == "write") {
    values_[c.value("key", Json()).dump()] = c.value("value", Json());
    return Ok();
  }
  if (op == "cas") {
    const std::string key = c.value("key", Json()).dump();
    auto it = values_.find(key);
    const Json current = it == values_.end() ? Json() : it->second;
    if (current != c.value("expected", Json())) return Fail("mismatch");
    values_[key] = c.value("new", Json());
    return Ok();
  }
  if (op == "acquire") {
    const std::string name = c.value("name", "");
    const std::string owner = c.value("owner", "");
    auto it = locks_.find(name);
    if (it != locks_.end() && it->second.owner != owner) return Fail("held");
    if (it == locks_.end()) {
      it = locks_.emplace(name, LockHolder{owner, index, c.value("ttl_ms", int64_t{0})}).first;
    }
    return Ok(Json{{"fence", it->second.fence}, {"ttl_ms", it->second.ttl_ms}});
  }
  if (op == "release" || op == "expire") {
    const std::string name = c.value("name", "");
    auto it = locks_.find(name);
    // A release names its owner, and its fence when it got one (bug no-fence: none).
    const bool fence_matches =
        op == "release" && !c.contains("fence")
            ? true
            : it != locks_.end() && it->second.fence == c.value("fence", uint64_t{0});
    const bool held = it != locks_.end() && fence_matches &&
                      (op == "expire" || it->second.owner == c.value("owner", ""));
    if (!held) return Fail("not held");
    locks_.erase(it);
    return Ok();
  }
  return Fail("unknown command");
}

Json StateMachine::Read(const Json& key) const {
  auto it = values_.find(key.dump());
  return it == values_.end() ? Json() : it->second;
}

std::string StateMachine::Serialize() const {
  Json values = Json::object();
  for (const auto& [key, value] : values_) values[key] = value;
  Json locks = Json::object();
  for (const auto& [name, holder] : locks_) {
    locks[name] = {{"owner", holder.owner}, {"fence", holder.fence}, {"ttl_ms", holder.ttl_ms}};
  }
  return Json{{"values", values}, {"locks", locks}}.dump();
}

bool StateMachine::Restore(const std::string& data) {
  const Json j = Json::parse(data, nullptr, false);
  if (!j.is_object() || !j.contains("values") || !j["values"].is_object() || !j.contains("locks") ||
      !j["locks"].is_object()) {
    return false;
  }
  std::map<std::string, Json> values;
  for (const auto& [key, value] : j["values"].items()) values[key] = value;
  std::map<std::string, LockHolder> locks;
  for (const auto& [name, holder] : j["locks"].items()) {
    if (!holder.is_object()) return false;
    locks[name] = {holder.value("owner", ""), holder.value("fence", uint64_t{0}),
                   holder.value("ttl_ms", int64_t{0})};
  }
  values_ = std::move(values);
  locks_ = std::move(locks);
  return true;
}

}  // namespace coordcheck::raft
