#include "targets/wire/json_line.h"

#include <algorithm>

namespace coordcheck::wire {

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

Json FieldOrNull(const Json& j, std::string_view name) {
  auto it = j.find(name);
  return it == j.end() ? Json() : *it;
}

bool IsNullStringOrInteger(const Json& j) {
  return j.is_null() || j.is_string() || j.is_number_integer();
}

bool ParseRequestLine(std::string_view line, Json* object, Json* id, std::string* f,
                      std::string* error) {
  *object = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (object->is_discarded() || !object->is_object()) {
    *error = "bad request: not a JSON object";
    return false;
  }
  *id = FieldOrNull(*object, "id");
  auto it = object->find("f");
  if (it == object->end() || !it->is_string()) {
    *error = "bad request: f must be a string";
    return false;
  }
  *f = it->get<std::string>();
  return true;
}

bool ParseResponse(std::string_view line, std::initializer_list<std::string_view> types,
                   Response* response, std::string* error) {
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
  if (std::find(types.begin(), types.end(), response->type) == types.end()) {
    *error = "unknown type \"" + response->type + "\"";
    return false;
  }
  response->id = FieldOrNull(j, "id");
  response->value = FieldOrNull(j, "value");
  response->error = FieldOrNull(j, "error");
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

}  // namespace coordcheck::wire
