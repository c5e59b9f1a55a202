// Calls to etcd's v3 JSON gateway (grpc-gateway in front of the gRPC API) over HttpClient,
// and the gateway's encodings: bytes fields in base64, 64-bit integers as JSON strings,
// fields with zero values omitted, errors as {"error", "message", "code"} with a gRPC
// status code, and streaming methods (lease/keepalive) answering {"result": ...} or
// {"error": {...}} per message.
//
// Why some errors are uncertain: etcd answers Unavailable ("request timed out", "leader
// changed") or DeadlineExceeded when a proposal's fate is unknown to the member — it may
// still commit. Those codes, gateway 5xx pages and unparseable bodies are uncertain, like
// a transport failure after sending; definite refusals (NotFound, InvalidArgument,
// FailedPrecondition, ...) are not.
//
// Thread-safety: free functions; the HttpClient passed in follows its own rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "history/op.h"
#include "targets/etcd/http.h"

namespace coordcheck::etcd {

// gRPC status codes the callers look at.
inline constexpr int kGrpcNotFound = 5;

std::string Base64Encode(std::string_view bytes);
// nullopt when `text` is not padded standard base64.
std::optional<std::string> Base64Decode(std::string_view text);

// An int64 field of a gateway object ("123" or 123); a missing field is proto3's 0.
// nullopt when present but not an integer.
std::optional<int64_t> Int64Field(const Json& object, const char* name);
// The same for a uint64 field (member and cluster ids use the whole 64 bits).
std::optional<uint64_t> Uint64Field(const Json& object, const char* name);

struct CallOutcome {
  bool uncertain = false;  // on error: the call may have taken effect
  int http_status = 0;     // the response's status, 0 when none was read
  int grpc_code = 0;       // the error's gRPC status code, 0 when none was given
};

// POSTs `request` to /v3/<method> ("lease/grant") and returns the reply object (for a
// streaming method, the first message's "result"). The error names the method and what
// failed; `*outcome` says whether it is uncertain and which codes came back.
Result<Json> Call(HttpClient& http, std::string_view method, const Json& request,
                           Deadline deadline, CallOutcome* outcome);

}  // namespace coordcheck::etcd
