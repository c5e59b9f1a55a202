#include "targets/resource/protocol.h"

namespace coordcheck::resource {
namespace {

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
  Json j;
  if (!wire::ParseRequestLine(line, &j, &request->id, &request->f, error)) return false;
  request->cs = wire::FieldOrNull(j, "cs");
  if (!wire::IsNullStringOrInteger(request->cs)) {
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
  request->value = wire::FieldOrNull(j, "value");
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
  return wire::Dump(j);
}

bool ParseResponse(std::string_view line, Response* response, std::string* error) {
  return wire::ParseResponse(line, {"ok", "fail"}, response, error);
}

}  // namespace coordcheck::resource
