#include "targets/etcd/http.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "targets/wire/wire.h"

namespace coordcheck::etcd {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// True when the comma-separated header value contains `token` (case-insensitive).
bool HasToken(const std::string* value, std::string_view token) {
  if (value == nullptr) return false;
  std::string_view rest = *value;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    if (Lower(Trim(rest.substr(0, comma))) == token) return true;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

// Milliseconds until `deadline` for poll(): -1 for "forever", rounded up.
int PollTimeoutMs(Deadline deadline) {
  if (deadline == Deadline::max()) return -1;
  const auto left = deadline - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  const auto ms = std::chrono::ceil<milliseconds>(left).count();
  return ms > 1'000'000'000 ? 1'000'000'000 : static_cast<int>(ms);
}

bool ParseSize(std::string_view digits, int base, size_t* out) {
  if (digits.empty()) return false;
  size_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (ec != std::errc() || end != digits.data() + digits.size()) return false;
  *out = value;
  return true;
}

}  // namespace

const std::string* HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return &value;
  }
  return nullptr;
}

HttpClient::HttpClient(control::Dialer& dialer, std::string address, int port, HttpLimits limits)
    : dialer_(dialer), address_(std::move(address)), port_(port), limits_(limits) {}

HttpClient::~HttpClient() { Close(); }

void HttpClient::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  CloseLocked();
  aborted_ = false;
}

void HttpClient::Drop() {
  std::lock_guard<std::mutex> lock(mu_);
  CloseLocked();
}

void HttpClient::CloseLocked() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  buffer_.clear();
}

void HttpClient::Abort() {
  std::lock_guard<std::mutex> lock(mu_);
  aborted_ = true;
  if (fd_ >= 0) shutdown(fd_, SHUT_RDWR);
}

Result<HttpResponse> HttpClient::Post(std::string_view path, std::string_view body,
                                      Deadline deadline, bool* uncertain) {
  using R = Result<HttpResponse>;
  *uncertain = false;
  const std::string where =
      "http " + address_ + ":" + std::to_string(port_) + " POST " + std::string(path);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (aborted_) return R::Error(where + ": aborted");
    // A connection the server closed (or wrote to) while idle cannot carry a request.
    if (fd_ >= 0 && !wire::IdleConnectionUsable(fd_)) CloseLocked();
  }
  if (Clock::now() >= deadline) return R::Error(where + ": deadline passed before sending");
  if (fd_ < 0) {
    const auto left =
        deadline == Deadline::max()
            ? milliseconds(3'600'000)
            : std::max(milliseconds(1), std::chrono::ceil<milliseconds>(deadline - Clock::now()));
    auto fd = dialer_.Connect(address_, port_, left);
    if (!fd.ok()) return R::Error(where + ": " + fd.message());
    std::lock_guard<std::mutex> lock(mu_);
    if (aborted_) {
      close(*fd);
      return R::Error(where + ": aborted");
    }
    fd_ = *fd;
    buffer_.clear();
    ++connections_opened_;
  }
  const int fd = fd_;

  std::string request;
  request.reserve(body.size() + 256);
  request += "POST ";
  request += path;
  request += " HTTP/1.1\r\nHost: " + address_ + ":" + std::to_string(port_) +
             "\r\nContent-Type: application/json\r\nAccept: application/json\r\n"
             "Content-Length: " +
             std::to_string(body.size()) + "\r\n\r\n";
  request += body;

  size_t sent = 0;
  wire::IoResult io = wire::WriteAll(fd, request, deadline, &sent);
  if (!io.ok()) {
    Drop();
    *uncertain = sent > 0;
    return R::Error(where + ": " + (sent > 0 ? "request partly sent: " : "nothing sent: ") +
                    io.error);
  }

  HttpResponse response;
  bool keep_alive = true;
  Status read = ReadResponse(fd, deadline, &response, &keep_alive);
  if (!read.ok()) {
    bool aborted = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      aborted = aborted_;
      CloseLocked();
    }
    *uncertain = true;
    return R::Error(where + ": request sent, " + (aborted ? "aborted; " : "") + read.message());
  }
  if (!keep_alive) Drop();
  return response;
}

Status HttpClient::Fill(int fd, Deadline deadline, bool* eof) {
  while (true) {
    pollfd p{fd, POLLIN, 0};
    const int n = poll(&p, 1, PollTimeoutMs(deadline));
    if (n == 0) return Status::Error("timed out waiting for the response");
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Error(std::string("poll: ") + std::strerror(errno));
    }
    char chunk[16384];
    const ssize_t got = recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
    if (got > 0) {
      buffer_.append(chunk, static_cast<size_t>(got));
      return Status::Ok();
    }
    if (got == 0) {
      if (eof != nullptr) *eof = true;
      return Status::Error("connection closed by the server");
    }
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
    return Status::Error(std::string("recv: ") + std::strerror(errno));
  }
}

Status HttpClient::ReadLine(int fd, Deadline deadline, size_t limit, std::string* line) {
  size_t scanned = 0;
  while (true) {
    const size_t nl = buffer_.find('\n', scanned);
    if (nl != std::string::npos) {
      if (nl > limit) break;
      size_t end = nl;
      if (end > 0 && buffer_[end - 1] == '\r') --end;
      line->assign(buffer_, 0, end);
      buffer_.erase(0, nl + 1);
      return Status::Ok();
    }
    scanned = buffer_.size();
    if (scanned > limit) break;
    if (Status s = Fill(fd, deadline); !s.ok()) return s;
  }
  return Status::Error("response header line longer than " + std::to_string(limit) + " bytes");
}

Status HttpClient::ReadExact(int fd, Deadline deadline, size_t n, std::string* out) {
  while (buffer_.size() < n) {
    if (Status s = Fill(fd, deadline); !s.ok()) return s;
  }
  out->append(buffer_, 0, n);
  buffer_.erase(0, n);
  return Status::Ok();
}

// Header fields up to the empty line, each counted against `*budget`.
Status HttpClient::ReadHeaderBlock(int fd, Deadline deadline, HttpResponse* response,
                                   size_t* budget) {
  while (true) {
    std::string line;
    if (Status s = ReadLine(fd, deadline, *budget, &line); !s.ok()) return s;
    *budget -= std::min(*budget, line.size() + 2);
    if (line.empty()) return Status::Ok();
    const size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0) {
      return Status::Error("malformed header line \"" + line + "\"");
    }
    response->headers.emplace_back(Lower(Trim(std::string_view(line).substr(0, colon))),
                                   std::string(Trim(std::string_view(line).substr(colon + 1))));
  }
}

Status HttpClient::ReadChunked(int fd, Deadline deadline, HttpResponse* response) {
  while (true) {
    std::string line;
    if (Status s = ReadLine(fd, deadline, 1024, &line); !s.ok()) return s;
    std::string_view digits = Trim(std::string_view(line).substr(0, line.find(';')));
    size_t size = 0;
    if (!ParseSize(digits, 16, &size)) return Status::Error("bad chunk size \"" + line + "\"");
    if (size == 0) break;
    if (size > limits_.max_body_bytes - response->body.size()) {
      return Status::Error("response body longer than " + std::to_string(limits_.max_body_bytes) +
                           " bytes");
    }
    if (Status s = ReadExact(fd, deadline, size, &response->body); !s.ok()) return s;
    std::string crlf;
    if (Status s = ReadLine(fd, deadline, 2, &crlf); !s.ok() || !crlf.empty()) {
      return Status::Error("chunk not followed by CRLF");
    }
  }
  size_t budget = limits_.max_header_bytes;
  return ReadHeaderBlock(fd, deadline, response, &budget);  // the trailer
}

Status HttpClient::ReadResponse(int fd, Deadline deadline, HttpResponse* response,
                                bool* keep_alive) {
  while (true) {
    *response = HttpResponse();
    size_t budget = limits_.max_header_bytes;
    std::string status_line;
    if (Status s = ReadLine(fd, deadline, budget, &status_line); !s.ok()) return s;
    budget -= std::min(budget, status_line.size() + 2);
    // "HTTP/1.1 200 OK"
    if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12 || status_line[8] != ' ') {
      return Status::Error("malformed status line \"" + status_line + "\"");
    }
    const bool http10 = status_line[7] == '0';
    size_t code = 0;
    if (!ParseSize(std::string_view(status_line).substr(9, 3), 10, &code) || code < 100 ||
        code > 999 || (status_line.size() > 12 && status_line[12] != ' ')) {
      return Status::Error("malformed status line \"" + status_line + "\"");
    }
    response->status = static_cast<int>(code);
    if (status_line.size() > 13) response->reason = status_line.substr(13);
    if (Status s = ReadHeaderBlock(fd, deadline, response, &budget); !s.ok()) return s;
    if (code >= 100 && code < 200) continue;  // interim (100 Continue): the real one follows

    const std::string* connection = response->Header("connection");
    *keep_alive = http10 ? HasToken(connection, "keep-alive") : !HasToken(connection, "close");
    if (code == 204 || code == 304) return Status::Ok();
    if (HasToken(response->Header("transfer-encoding"), "chunked")) {
      return ReadChunked(fd, deadline, response);
    }
    if (const std::string* length = response->Header("content-length")) {
      size_t n = 0;
      if (!ParseSize(*length, 10, &n)) {
        return Status::Error("bad Content-Length \"" + *length + "\"");
      }
      if (n > limits_.max_body_bytes) {
        return Status::Error("response body longer than " + std::to_string(limits_.max_body_bytes) +
                             " bytes");
      }
      return ReadExact(fd, deadline, n, &response->body);
    }
    // Neither: the body runs to the end of the connection.
    *keep_alive = false;
    while (true) {
      if (buffer_.size() > limits_.max_body_bytes) {
        return Status::Error("response body longer than " + std::to_string(limits_.max_body_bytes) +
                             " bytes");
      }
      bool eof = false;
      Status s = Fill(fd, deadline, &eof);
      if (!s.ok()) {
        if (!eof) return s;
        response->body = std::move(buffer_);
        buffer_.clear();
        return Status::Ok();
      }
    }
  }
}

}  // namespace coordcheck::etcd
