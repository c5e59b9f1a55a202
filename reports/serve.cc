#include "reports/serve.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "reports/files.h"
#include "reports/html.h"

namespace coordcheck::reports {
namespace fs = std::filesystem;
namespace {

// The files the index links, in this order, when present.
const char* const kLinked[] = {"report.html", "results.json", "junit.xml", "history.jsonl",
                               "test.json",   "coordcheck.log", "compare.json", "table.txt"};

std::string FirstLine(const std::string& s) {
  const size_t nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

std::string ContentType(const fs::path& p) {
  const std::string ext = p.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".json") return "application/json; charset=utf-8";
  if (ext == ".xml") return "application/xml; charset=utf-8";
  if (ext == ".png") return "image/png";
  if (ext == ".svg") return "image/svg+xml";
  return "text/plain; charset=utf-8";  // .jsonl, .log, .txt and anything else: shown, never run
}

// %XX decoding; false on a malformed escape or a NUL.
bool Decode(const std::string& in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      *out += in[i];
      continue;
    }
    if (i + 2 >= in.size() || !std::isxdigit(static_cast<unsigned char>(in[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      return false;
    }
    const char c = static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16));
    if (c == '\0') return false;
    *out += c;
    i += 2;
  }
  return true;
}

void SendAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

void Respond(int fd, int code, const std::string& reason, const std::string& type,
             const std::string& body, bool head, const std::string& extra_headers = "") {
  std::string r = "HTTP/1.1 " + std::to_string(code) + " " + reason + "\r\n" +
                  "Content-Type: " + type + "\r\nContent-Length: " + std::to_string(body.size()) +
                  "\r\nConnection: close\r\nX-Content-Type-Options: nosniff\r\n" + extra_headers +
                  "\r\n";
  if (!head) r += body;
  SendAll(fd, r);
}

}  // namespace

std::vector<StoreEntry> ScanStore(const std::string& store) {
  std::vector<StoreEntry> out;
  std::error_code ec;
  for (const auto& test : fs::directory_iterator(store, ec)) {
    if (test.is_symlink(ec) || !test.is_directory(ec)) continue;  // store/latest
    for (const auto& run : fs::directory_iterator(test.path(), ec)) {
      if (run.is_symlink(ec) || !run.is_directory(ec)) continue;  // <test>/latest
      StoreEntry e;
      e.test = test.path().filename().string();
      e.stamp = run.path().filename().string();
      e.path = e.test + "/" + e.stamp;
      for (const char* f : kLinked) {
        if (fs::exists(run.path() / f, ec)) e.files.push_back(f);
      }
      if (fs::exists(run.path() / "compare.json", ec)) {
        e.kind = "comparison";
        Json record;
        if (ReadJsonObject((run.path() / "compare.json").string(), &record).ok()) {
          const int code = record.value("exit_code", 3);
          e.verdict = code == 0 ? "valid" : code == 1 ? "invalid" : code == 2 ? "unknown" : "error";
          for (const Json& r : record.value("runs", Json::array())) {
            e.target += (e.target.empty() ? "" : ", ") + r.value("target", std::string("?")) +
                        " " + r.value("verdict", std::string("?"));
          }
        }
      } else {
        e.kind = "run";
        Json results;
        if (ReadJsonObject((run.path() / "results.json").string(), &results).ok()) {
          e.verdict = results.value("verdict", "");
          e.target = results.value("target", "");
          const Json summary = results.value("summary", Json());
          e.summary = FirstLine(summary.is_string() ? summary.get<std::string>()
                                                    : results.value("error", ""));
        }
        Json test_json;
        if (e.target.empty() && ReadJsonObject((run.path() / "test.json").string(), &test_json).ok()) {
          e.target = test_json.value("target", "");
        }
      }
      if (e.files.empty()) continue;
      out.push_back(std::move(e));
    }
  }
  std::sort(out.begin(), out.end(), [](const StoreEntry& a, const StoreEntry& b) {
    return a.stamp != b.stamp ? a.stamp > b.stamp : a.path < b.path;
  });
  return out;
}

std::string RenderStoreIndex(const std::string& store, const std::vector<StoreEntry>& entries) {
  std::string rows;
  for (const StoreEntry& e : entries) {
    const std::string verdict = e.verdict.empty() ? "missing" : e.verdict;
    std::string links;
    for (const std::string& f : e.files) {
      links += "<a href=\"/" + EscapeHtml(e.path + "/" + f) + "\">" + EscapeHtml(f) + "</a> ";
    }
    rows += "<tr class=\"" + EscapeHtml(verdict) + "\"><td>" + EscapeHtml(e.stamp) + "</td><td>" +
            EscapeHtml(e.test) + "</td><td>" + EscapeHtml(e.kind) + "</td><td>" +
            EscapeHtml(e.target) + "</td><td class=\"verdict\">" + EscapeHtml(verdict) +
            "</td><td>" + EscapeHtml(e.summary) + "</td><td>" + links + "</td></tr>\n";
  }
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<title>coordcheck store</title><style>"
         "body{font:14px system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse}"
         "td,th{padding:.3em .6em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}"
         "tr.valid .verdict{background:#cfc}tr.invalid .verdict{background:#fcc}"
         "tr.unknown .verdict{background:#ffd}tr.error .verdict,tr.missing .verdict{background:#ddd}"
         "</style></head><body><h1>coordcheck runs</h1><p>store: <code>" +
         EscapeHtml(store) + "</code>, " + std::to_string(entries.size()) +
         " runs and comparisons, newest first</p>\n<table id=\"runs\"><tr><th>time (UTC)</th>"
         "<th>test</th><th>kind</th><th>target</th><th>verdict</th><th>summary</th>"
         "<th>files</th></tr>\n" +
         rows + "</table></body></html>\n";
}

control::Result<std::unique_ptr<StoreServer>> StoreServer::Start(const ServeOptions& options) {
  const std::string where = options.address + ":" + std::to_string(options.port);
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return control::Status::Error("serve: socket: " + std::string(std::strerror(errno)));
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(options.port));
  if (::inet_pton(AF_INET, options.address.c_str(), &addr.sin_addr) != 1) {
    ::close(fd);
    return control::Status::Error("serve: not an IPv4 address: " + options.address);
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 16) != 0) {
    const std::string err = std::strerror(errno);
    ::close(fd);
    return control::Status::Error("serve: cannot listen on " + where + ": " + err);
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return std::unique_ptr<StoreServer>(new StoreServer(options, fd, ntohs(addr.sin_port)));
}

StoreServer::StoreServer(ServeOptions options, int fd, int port)
    : options_(std::move(options)), fd_(fd), port_(port) {}

StoreServer::~StoreServer() { ::close(fd_); }

void StoreServer::Serve(const std::atomic<bool>& stop) {
  while (!stop.load()) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    timeval tv{5, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    Handle(c);
    ::close(c);
  }
}

void StoreServer::Handle(int fd) {
  std::string request;
  char buf[4096];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 16384) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return;
    request.append(buf, static_cast<size_t>(n));
  }
  std::istringstream line(request.substr(0, request.find("\r\n")));
  std::string method, target;
  line >> method >> target;
  const bool head = method == "HEAD";
  if (method != "GET" && !head) {
    Respond(fd, 405, "Method Not Allowed", "text/plain; charset=utf-8", "GET or HEAD only\n", false,
            "Allow: GET, HEAD\r\n");
    return;
  }
  const std::string raw = target.substr(0, target.find_first_of("?#"));
  std::string path;
  if (raw.empty() || raw[0] != '/' || !Decode(raw, &path)) {
    Respond(fd, 400, "Bad Request", "text/plain; charset=utf-8", "bad path\n", head);
    return;
  }
  if (path == "/") {
    Respond(fd, 200, "OK", "text/html; charset=utf-8",
            RenderStoreIndex(options_.store, ScanStore(options_.store)), head,
            "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\n");
    return;
  }
  // Inside the store only: resolve links and .., then compare with the store's real path.
  std::error_code ec;
  const fs::path root = fs::canonical(options_.store, ec);
  const fs::path file = fs::weakly_canonical(fs::path(options_.store) / path.substr(1), ec);
  const std::string r = root.string() + "/";
  if (ec || file.string().compare(0, r.size(), r) != 0 || !fs::is_regular_file(file, ec)) {
    Respond(fd, 404, "Not Found", "text/plain; charset=utf-8", "not found\n", head);
    return;
  }
  std::ifstream in(file, std::ios::binary);
  std::stringstream body;
  body << in.rdbuf();
  Respond(fd, 200, "OK", ContentType(file), body.str(), head);
}

}  // namespace coordcheck::reports
