#include "history/validator.h"

#include "history/json_text.h"

namespace coordcheck {
namespace {

std::string Quoted(std::string_view s) {
  std::string out;
  json_text::AppendString(&out, s);
  return out;
}

std::string ProcessName(int64_t process) {
  return process == kNemesisProcess ? "the nemesis" : "process " + std::to_string(process);
}

std::string KeyName(const Json& key) {
  return key.is_null() ? "no key" : "key " + json_text::Abbreviate(key);
}

}  // namespace

Status HistoryValidator::Next(const Op& op, int64_t line) {
  if (Status st = CheckFields(op); !st) return st;
  if (Status st = CheckPairing(op, line); !st) return st;
  last_time_ns_ = op.time_ns;
  last_time_line_ = line;
  ++count_;
  return Status::Ok();
}

Status HistoryValidator::CheckFields(const Op& op) const {
  if (op.index != count_) {
    return Status::Error("\"index\" is " + std::to_string(op.index) + ", expected " +
                         std::to_string(count_));
  }
  if (op.time_ns < 0)
    return Status::Error("\"time\" is " + std::to_string(op.time_ns) + ", expected >= 0");
  if (count_ > 0 && op.time_ns < last_time_ns_) {
    return Status::Error("\"time\" is " + std::to_string(op.time_ns) + ", earlier than " +
                         std::to_string(last_time_ns_) + " at line " +
                         std::to_string(last_time_line_) + "; time never decreases");
  }
  if (op.process < 0 && op.process != kNemesisProcess) {
    return Status::Error("\"process\" is " + std::to_string(op.process) +
                         ", expected >= 0 or \"nemesis\"");
  }
  if (op.f.empty()) return Status::Error("\"f\" is empty");
  if (!op.key.is_null() && !op.key.is_string() && !op.key.is_number_integer()) {
    return Status::Error("\"key\" is " + json_text::Abbreviate(op.key) +
                         ", expected a string or an integer");
  }
  if (!op.extra.is_null() && !op.extra.is_object()) {
    return Status::Error("extra fields are " + json_text::Abbreviate(op.extra) +
                         ", expected an object");
  }
  return Status::Ok();
}

Status HistoryValidator::CheckPairing(const Op& op, int64_t line) {
  ProcessState& state = processes_[op.process];
  auto who = [&] { return ProcessName(op.process); };
  if (state.retired) {
    return Status::Error(who() + " is used again after its info completion (line " +
                         std::to_string(state.line) + "); a process id is never reused after info");
  }
  if (op.is_invoke()) {
    if (state.outstanding) {
      return Status::Error(who() + " invokes " + Quoted(op.f) + " but its invoke of " +
                           Quoted(state.f) + " (line " + std::to_string(state.line) +
                           ") is still outstanding; a process has at most one outstanding invoke");
    }
    state.outstanding = true;
    state.line = line;
    state.f = op.f;
    state.key = op.key;
    return Status::Ok();
  }
  if (!state.outstanding) {
    // Jepsen records faults as lone nemesis info events.
    if (op.is_nemesis() && op.type == OpType::kInfo) return Status::Ok();
    return Status::Error(who() + " completes " + Quoted(op.f) + " (" +
                         std::string(OpTypeName(op.type)) + ") with no outstanding invoke");
  }
  if (op.f != state.f) {
    return Status::Error(who() + " completes " + Quoted(op.f) +
                         " but its outstanding invoke (line " + std::to_string(state.line) +
                         ") is " + Quoted(state.f));
  }
  if (op.key != state.key) {
    return Status::Error(who() + " completes " + Quoted(op.f) + " on " + KeyName(op.key) +
                         " but its outstanding invoke (line " + std::to_string(state.line) +
                         ") is on " + KeyName(state.key));
  }
  state.outstanding = false;
  if (op.type == OpType::kInfo && !op.is_nemesis()) {
    state.retired = true;
    state.line = line;
  }
  return Status::Ok();
}

}  // namespace coordcheck
