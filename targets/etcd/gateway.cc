#include "targets/etcd/gateway.h"

#include <array>
#include <charconv>
#include <limits>
#include <type_traits>

namespace coordcheck::etcd {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool UncertainGrpcCode(int code) {
  switch (code) {
    case 1:   // Canceled
    case 2:   // Unknown
    case 4:   // DeadlineExceeded
    case 10:  // Aborted
    case 13:  // Internal
    case 14:  // Unavailable
    case 15:  // DataLoss
      return true;
    default:
      return false;
  }
}

template <class T>
std::optional<T> IntegerField(const Json& object, const char* name) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return T{0};
  if (it->is_number_unsigned()) {
    const uint64_t v = it->get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<T>::max())) return std::nullopt;
    return static_cast<T>(v);
  }
  if (it->is_number_integer()) {
    const int64_t v = it->get<int64_t>();
    if (v < 0 && std::is_unsigned_v<T>) return std::nullopt;
    return static_cast<T>(v);
  }
  if (!it->is_string()) return std::nullopt;
  const std::string& s = it->get_ref<const std::string&>();
  T value{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::string Shorten(const std::string& text) {
  constexpr size_t kMax = 300;
  return text.size() <= kMax ? text : text.substr(0, kMax) + "...";
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (uint32_t{static_cast<unsigned char>(bytes[i])} << 16) |
                       (uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8) |
                       uint32_t{static_cast<unsigned char>(bytes[i + 2])};
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t{static_cast<unsigned char>(bytes[i])} << 16;
    if (rest == 2) v |= uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    std::array<int, 4> v{};
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && last && k >= 2) {
        ++pad;
        v[k] = 0;
        continue;
      }
      if (pad > 0) return std::nullopt;  // data after padding
      v[k] = Base64Value(c);
      if (v[k] < 0) return std::nullopt;
    }
    const uint32_t bits =
        (uint32_t(v[0]) << 18) | (uint32_t(v[1]) << 12) | (uint32_t(v[2]) << 6) | uint32_t(v[3]);
    out += static_cast<char>((bits >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((bits >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(bits & 0xff);
  }
  return out;
}

std::optional<int64_t> Int64Field(const Json& object, const char* name) {
  return IntegerField<int64_t>(object, name);
}

std::optional<uint64_t> Uint64Field(const Json& object, const char* name) {
  return IntegerField<uint64_t>(object, name);
}

Result<Json> Call(HttpClient& http, std::string_view method, const Json& request,
                           Deadline deadline, CallOutcome* outcome) {
  using R = Result<Json>;
  *outcome = CallOutcome();
  const std::string path = "/v3/" + std::string(method);
  auto response = http.Post(path, request.dump(), deadline, &outcome->uncertain);
  if (!response.ok()) return response.status();
  outcome->http_status = response->status;
  const std::string where =
      "etcd " + http.address() + ":" + std::to_string(http.port()) + " " + std::string(method);
  // A streaming method's messages are newline-separated; the first one is the answer.
  const std::string& body = response->body;
  const std::string first = body.substr(0, body.find('\n'));
  Json reply = Json::parse(first, nullptr, /*allow_exceptions=*/false);
  if (reply.is_discarded() || !reply.is_object()) {
    // Not the gateway's JSON: a proxy's or the HTTP server's own page.
    outcome->uncertain = response->status == 200 || response->status >= 500;
    return R::Error(where + ": HTTP " + std::to_string(response->status) +
                    " with a body that is not a JSON object: " + Shorten(body));
  }
  // Errors: {"error": "text", "message": "text", "code": N} for a unary call,
  // {"error": {"grpc_code": N, "message": "text", ...}} inside a stream.
  auto error = reply.find("error");
  if (response->status != 200 || (error != reply.end() && !error->is_null())) {
    std::string message;
    int code = 0;
    const Json* holder = &reply;
    if (error != reply.end() && error->is_object()) holder = &*error;
    if (auto m = holder->find("message"); m != holder->end() && m->is_string()) {
      message = m->get<std::string>();
    } else if (error != reply.end() && error->is_string()) {
      message = error->get<std::string>();
    }
    for (const char* key : {"code", "grpc_code"}) {
      if (auto c = holder->find(key); c != holder->end() && c->is_number_integer()) {
        code = c->get<int>();
      }
    }
    outcome->grpc_code = code;
    outcome->uncertain =
        code != 0 ? UncertainGrpcCode(code) : (response->status >= 500 || response->status == 200);
    return R::Error(where + ": HTTP " + std::to_string(response->status) + ": " +
                    (message.empty() ? Shorten(body) : message) +
                    (code != 0 ? " (code " + std::to_string(code) + ")" : ""));
  }
  if (auto result = reply.find("result"); result != reply.end() && result->is_object()) {
    return *result;
  }
  return reply;
}

}  // namespace coordcheck::etcd
