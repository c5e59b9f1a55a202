#include "targets/kvd/protocol.h"

namespace coordcheck::kvd {

bool ParseRequest(std::string_view line, Request* request, std::string* error) {
  *request = Request();
  Json j;
  if (!wire::ParseRequestLine(line, &j, &request->id, &request->f, error)) return false;
  request->key = wire::FieldOrNull(j, "key");
  if (!wire::IsNullStringOrInteger(request->key)) {
    *error = "bad request: key must be a string or an integer";
    return false;
  }
  request->key_name = wire::Dump(request->key);
  request->value = wire::FieldOrNull(j, "value");
  return true;
}

std::string EncodeRequest(const Json& id, std::string_view f, const Json& key, const Json& value) {
  Json j = Json::object();
  j["id"] = id;
  j["f"] = f;
  if (!key.is_null()) j["key"] = key;
  j["value"] = value;
  return wire::Dump(j);
}

bool ParseResponse(std::string_view line, Response* response, std::string* error) {
  return wire::ParseResponse(line, {"ok", "fail", "info"}, response, error);
}

Response OkResponse(const Json& id, Json value) { return {id, "ok", std::move(value), nullptr}; }
Response FailResponse(const Json& id, Json error) {
  return {id, "fail", nullptr, std::move(error)};
}
Response InfoResponse(const Json& id, Json error) {
  return {id, "info", nullptr, std::move(error)};
}

}  // namespace coordcheck::kvd
