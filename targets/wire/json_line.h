// Line-delimited JSON: what kvd's protocol (targets/kvd/protocol.h) and the protected
// resource's (targets/resource/protocol.h) share. One JSON object per line; every request
// has "id" (any JSON, echoed in the response) and "f" (a string); every response is
// {"id", "type", "value", "error"}. Which fs and types a protocol knows is its own.
//
// Contract: nothing here throws; text that is not valid UTF-8 is written as U+FFFD, so a
// line can always be written.
//
// Thread-safety: plain functions and value types.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace coordcheck::wire {

using Json = nlohmann::json;

struct Response {
  Json id;           // echoed from the request; null when it had none
  std::string type;  // ok, fail, info (the ones the protocol uses)
  Json value;        // null when absent
  Json error;        // null when absent
};

// `j` as compact JSON on one line.
std::string Dump(const Json& j);

// j[name], or null when `j` has no such field.
Json FieldOrNull(const Json& j, std::string_view name);

// True for null, a string or an integer (a kvd key, a resource critical section).
bool IsNullStringOrInteger(const Json& j);

// Parses what every request line has: a JSON object (*object) with "f" a string (*f) and
// "id" (*id; null when absent). False with *error = "bad request: ..." otherwise; *id is
// set whenever the line was an object, so the error can still be answered to that id.
bool ParseRequestLine(std::string_view line, Json* object, Json* id, std::string* f,
                      std::string* error);

// Parses one response line whose "type" is one of `types`; false with *error set when it is
// not such a response.
bool ParseResponse(std::string_view line, std::initializer_list<std::string_view> types,
                   Response* response, std::string* error);
// One response line without '\n'; "error" is omitted when null.
std::string EncodeResponse(const Response& response);

}  // namespace coordcheck::wire
