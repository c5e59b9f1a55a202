#include "targets/resource/protocol.h"

namespace coordcheck::resource {
namespace {

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// An optional integer field; false when present, not null and not an integer.
bool OptionalInt(const Json& j, const char* field, std::optional<int64_t>* out) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return true;
  if (!it->is_number_integer()) return false;
  *out = it->get<int64_t>();
  return true;
}

Json OrNull(const std::optional<int64_t>& v) { return v ? Json(*v) : Json(); }

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
  if (auto it = j.find("cs"); it != j.end()) request->cs = *it;
  if (!request->cs.is_null() && !request->cs.is_string() && !request->cs.is_number_integer()) {
    *error = "bad request: cs must be a string, an integer or null";
    return false;
  }
  if (!OptionalInt(j, "process", &request->process)) {
    *error = "bad request: process must be an integer or null";
    return false;
  }
  if (!OptionalInt(j, "fence", &request->fence)) {
    *error = "bad request: fence must be an integer or null";
    return false;
  }
  if (auto it = j.find("value"); it != j.end()) request->value = *it;
  return true;
}

std::string EncodeRequest(const Request& request) {
  Json j = Json::object();
  j["id"] = request.id;
  j["f"] = request.f;
  j["cs"] = request.cs;
  j["process"] = OrNull(request.process);
  j["fence"] = OrNull(request.fence);
  j["value"] = request.value;
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
  if (type == j.end() || !type->is_string() || (*type != "ok" && *type != "fail")) {
    *error = "type must be \"ok\" or \"fail\"";
    return false;
  }
  response->type = type->get<std::string>();
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

}  // namespace coordcheck::resource
