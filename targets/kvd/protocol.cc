#include "targets/kvd/protocol.h"

namespace coordcheck::kvd {
namespace {

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace

bool ParseRequest(std::string_view line, Request* request, std::string* error) {
  *request = Request();
  Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    *error = "bad request: not a JSON object";
    return false;
  }
  if (auto it = j.find("id"); it != j.end()) request->id = *it;
  auto f = j.find("f");
  if (f == j.end() || !f->is_string()) {
    *error = "bad request: f must be a string";
    return false;
  }
  request->f = f->get<std::string>();
  if (auto it = j.find("key"); it != j.end()) request->key = *it;
  if (!request->key.is_null() && !request->key.is_string() && !request->key.is_number_integer()) {
    *error = "bad request: key must be a string or an integer";
    return false;
  }
  request->key_name = Dump(request->key);
  if (auto it = j.find("value"); it != j.end()) request->value = *it;
  return true;
}

std::string EncodeRequest(const Json& id, std::string_view f, const Json& key, const Json& value) {
  Json j = Json::object();
  j["id"] = id;
  j["f"] = f;
  if (!key.is_null()) j["key"] = key;
  j["value"] = value;
  return Dump(j);
}

bool ParseResponse(std::string_view line, Response* response, std::string* error) {
  *response = Response();
  Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    *error = "not a JSON object";
    return false;
  }
  auto type = j.find("type");
  if (type == j.end() || !type->is_string()) {
    *error = "no type";
    return false;
  }
  response->type = type->get<std::string>();
  if (response->type != "ok" && response->type != "fail" && response->type != "info") {
    *error = "unknown type \"" + response->type + "\"";
    return false;
  }
  if (auto it = j.find("id"); it != j.end()) response->id = *it;
  if (auto it = j.find("value"); it != j.end()) response->value = *it;
  if (auto it = j.find("error"); it != j.end()) response->error = *it;
  return true;
}

std::string EncodeResponse(const Response& response) {
  Json j = Json::object();
  j["id"] = response.id;
  j["type"] = response.type;
  j["value"] = response.value;
  if (!response.error.is_null()) j["error"] = response.error;
  return Dump(j);
}

Response OkResponse(const Json& id, Json value) { return {id, "ok", std::move(value), nullptr}; }
Response FailResponse(const Json& id, Json error) {
  return {id, "fail", nullptr, std::move(error)};
}
Response InfoResponse(const Json& id, Json error) {
  return {id, "info", nullptr, std::move(error)};
}

}  // namespace coordcheck::kvd
