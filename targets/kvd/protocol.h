// kvd's wire protocol: line-delimited JSON over TCP, one request per line, one response
// per line, answered in order on each connection.
//
//   request  {"id":N,"f":"read"|"write"|"cas"|"ping","key":K,"value":V}
//   response {"id":N,"type":"ok"|"fail"|"info","value":...,"error":...}
//
// read → ok with the value (null when unset); write → ok; cas [expected, new] → ok when the
// current value equals `expected` (then it becomes `new`), else fail with error "mismatch";
// ping → ok with {"node","role"}. Keys are JSON strings or integers (absent = null); their
// JSON dump is the map key, so 1 and "1" are different keys. "info" means the server does
// not know whether the op took effect (a follower lost its connection to the primary after
// forwarding). Internal: "replicate" (primary → follower, bug follower-reads only).
//
// Thread-safety: plain functions and value types.
#pragma once

#include <string>
#include <string_view>

#include "history/op.h"
#include "targets/wire/json_line.h"

namespace coordcheck::kvd {

struct Request {
  Json id;               // echoed in the response; null when the line had none
  std::string f;         // read, write, cas, ping, replicate
  Json key;              // null, a string or an integer
  std::string key_name;  // key.dump(): the map key
  Json value;            // write: the value; cas: [expected, new]; else null
};

// type: ok, fail or info.
using Response = wire::Response;

// Parses one request line. On error returns false with `*error` set and `request->id` set
// when the line had a readable id. Checks f-independent shape only (id, f, key type); cas's
// value shape is the server's to check.
bool ParseRequest(std::string_view line, Request* request, std::string* error);
// One request line without '\n'; the key is omitted when null.
std::string EncodeRequest(const Json& id, std::string_view f, const Json& key, const Json& value);

// Parses one response line; false with `*error` set when it is not a response.
bool ParseResponse(std::string_view line, Response* response, std::string* error);
// One response line without '\n'; "error" is omitted when null.
using wire::EncodeResponse;

Response OkResponse(const Json& id, Json value);
Response FailResponse(const Json& id, Json error);
Response InfoResponse(const Json& id, Json error);

}  // namespace coordcheck::kvd
