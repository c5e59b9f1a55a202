#include "targets/etcd/register_client.h"

#include <optional>
#include <string_view>

#include "targets/wire/wire.h"

namespace coordcheck::etcd {
namespace {

constexpr size_t kMaxQuoted = 300;

std::string Quote(const Json& reply) {
  std::string text = reply.dump();
  if (text.size() > kMaxQuoted) text = text.substr(0, kMaxQuoted) + "...";
  return text;
}

// The stored form of a register value.
std::string Encode(const Json& value) { return Base64Encode(value.dump()); }

// True when `reply` is an answer of etcd's kv service: every one carries a header.
bool HasHeader(const Json& reply) {
  auto header = reply.find("header");
  return header != reply.end() && header->is_object();
}

// A string field of `object`; nullopt when absent or of another type.
std::optional<std::string> StringField(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// The write of `value` to `key` as a txn request op (null deletes the key).
Json WriteRequestOp(const std::string& key, const Json& value) {
  if (value.is_null()) return Json{{"request_delete_range", {{"key", key}}}};
  return Json{{"request_put", {{"key", key}, {"value", Encode(value)}}}};
}

}  // namespace

std::string EtcdRegisterClient::EtcdKey(const Json& key) { return kKeyPrefix + key.dump(); }

Status EtcdRegisterClient::Open(const ClientEnv& env, const std::string& node) {
  Close();
  if (env.dialer == nullptr) return Status::Error("etcd client for " + node + ": no dialer");
  auto address = env.addresses.find(node);
  if (address == env.addresses.end()) return Status::Error("etcd client: unknown node " + node);
  auto options = ParseEtcdOptions(env.options);
  if (!options.ok()) return Status::Error("etcd client for " + node + ": " + options.message());
  node_ = node;
  address_ = address->second;
  options_ = *options;
  http_ = std::make_unique<HttpClient>(*env.dialer, address_, options_.client_port);
  return Status::Ok();
}

void EtcdRegisterClient::Close() { http_.reset(); }

std::string EtcdRegisterClient::Where() const {
  return node_ + " (" + wire::JoinHostPort(address_, options_.client_port) + ")";
}

Op EtcdRegisterClient::Invoke(const Op& invoke, Deadline deadline) {
  if (http_ == nullptr) return CompleteFail(invoke, "etcd client: Invoke before Open");
  const std::string key = Base64Encode(EtcdKey(invoke.key));
  if (invoke.f == "read") return Read(invoke, key, deadline);
  if (invoke.f == "write") return Write(invoke, key, deadline);
  if (invoke.f == "cas") return Cas(invoke, key, deadline);
  return CompleteFail(invoke, Where() + ": unknown f \"" + invoke.f + "\"");
}

Op EtcdRegisterClient::Failed(const Op& invoke, const Status& error,
                              const CallOutcome& outcome) const {
  const std::string message = Where() + ": " + error.message();
  return outcome.uncertain ? CompleteInfo(invoke, message) : CompleteFail(invoke, message);
}

Op EtcdRegisterClient::Unreadable(const Op& invoke, const char* method, const Json& reply) const {
  return CompleteInfo(invoke, Where() + ": " + method + ": unexpected answer " + Quote(reply));
}

Op EtcdRegisterClient::Read(const Op& invoke, const std::string& key, Deadline deadline) {
  // "serializable" is left out: false, etcd's default, makes the member confirm with the
  // leader (ReadIndex) before answering — a linearizable read.
  CallOutcome outcome;
  auto reply = Call(*http_, "kv/range", Json{{"key", key}}, deadline, &outcome);
  if (!reply.ok()) return Failed(invoke, reply.status(), outcome);
  if (!HasHeader(*reply)) return Unreadable(invoke, "kv/range", *reply);
  auto kvs = reply->find("kvs");
  if (kvs == reply->end() || kvs->is_null()) return CompleteOk(invoke, nullptr);
  if (!kvs->is_array() || kvs->size() != 1 || !(*kvs)[0].is_object() ||
      StringField((*kvs)[0], "key") != key) {
    return Unreadable(invoke, "kv/range", *reply);
  }
  // An empty value would be omitted (proto3's default), but no register value dumps to "".
  const std::optional<std::string> field = StringField((*kvs)[0], "value");
  const std::optional<std::string> stored = field ? Base64Decode(*field) : std::nullopt;
  Json value = stored ? Json::parse(*stored, nullptr, /*allow_exceptions=*/false)
                      : Json(Json::value_t::discarded);
  if (value.is_discarded()) return Unreadable(invoke, "kv/range", *reply);
  return CompleteOk(invoke, std::move(value));
}

Op EtcdRegisterClient::Write(const Op& invoke, const std::string& key, Deadline deadline) {
  const bool remove = invoke.value.is_null();
  const char* method = remove ? "kv/deleterange" : "kv/put";
  const Json request =
      remove ? Json{{"key", key}} : Json{{"key", key}, {"value", Encode(invoke.value)}};
  CallOutcome outcome;
  auto reply = Call(*http_, method, request, deadline, &outcome);
  if (!reply.ok()) return Failed(invoke, reply.status(), outcome);
  if (!HasHeader(*reply)) return Unreadable(invoke, method, *reply);
  return CompleteOk(invoke, invoke.value);
}

Op EtcdRegisterClient::Cas(const Op& invoke, const std::string& key, Deadline deadline) {
  if (!invoke.value.is_array() || invoke.value.size() != 2) {
    return CompleteFail(
        invoke, Where() + ": cas value must be [expected, new], got " + Quote(invoke.value));
  }
  const Json& expected = invoke.value[0];
  // Absent is null: a key that does not exist was never created (create_revision 0).
  const Json compare =
      expected.is_null()
          ? Json{{"key", key}, {"target", "CREATE"}, {"result", "EQUAL"}, {"create_revision", "0"}}
          : Json{{"key", key},
                 {"target", "VALUE"},
                 {"result", "EQUAL"},
                 {"value", Encode(expected)}};
  const Json request{{"compare", Json::array({compare})},
                     {"success", Json::array({WriteRequestOp(key, invoke.value[1])})}};
  CallOutcome outcome;
  auto reply = Call(*http_, "kv/txn", request, deadline, &outcome);
  if (!reply.ok()) return Failed(invoke, reply.status(), outcome);
  if (!HasHeader(*reply)) return Unreadable(invoke, "kv/txn", *reply);
  // proto3 JSON omits false: an answer without "succeeded" is a compare that failed.
  const Json succeeded = reply->value("succeeded", Json(false));
  if (!succeeded.is_boolean()) return Unreadable(invoke, "kv/txn", *reply);
  if (!succeeded.get<bool>()) return CompleteFail(invoke, "mismatch");
  return CompleteOk(invoke, invoke.value);
}

}  // namespace coordcheck::etcd
