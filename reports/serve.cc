#include "reports/serve.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include <httplib.h>

#include "reports/files.h"
#include "reports/html.h"

namespace coordcheck::reports {
namespace fs = std::filesystem;
namespace {

// The files the index links, in this order, when present.
const char* const kLinked[] = {"report.html", "results.json",   "junit.xml",    "history.jsonl",
                               "test.json",   "coordcheck.log", "compare.json", "table.txt"};

std::string FirstLine(const std::string& s) {
  const size_t nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

std::string ContentType(const std::string& name) {
  const std::string ext = fs::path(name).extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".json") return "application/json; charset=utf-8";
  if (ext == ".xml") return "application/xml; charset=utf-8";
  if (ext == ".png") return "image/png";
  // .svg can carry script: shown as text, like .jsonl, .log, .txt and anything else
  return "text/plain; charset=utf-8";
}

// What served files may do: nothing (sandbox), and nothing loaded from anywhere. A report.html
// runs its own inline script and style, in an opaque origin (no allow-same-origin), so it can
// reach neither the other files of the store nor the network.
constexpr const char* kFilePolicy = "sandbox; default-src 'none'";
constexpr const char* kReportPolicy =
    "sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; "
    "style-src 'unsafe-inline'; img-src data:";
constexpr const char* kIndexPolicy = "sandbox; default-src 'none'; style-src 'unsafe-inline'";

// httplib's Stream on a connected socket with one deadline for every read and write; past it
// every call fails, and httplib gives up on the connection.
class DeadlineStream final : public httplib::Stream {
 public:
  DeadlineStream(int fd, std::chrono::steady_clock::time_point deadline)
      : fd_(fd), deadline_(deadline) {}

  bool is_readable() const override { return Wait(POLLIN); }
  bool is_writable() const override { return Wait(POLLOUT); }
  ssize_t read(char* ptr, size_t size) override {
    while (Wait(POLLIN)) {
      const ssize_t n = ::recv(fd_, ptr, size, MSG_DONTWAIT);
      if (n >= 0 || (errno != EAGAIN && errno != EINTR)) return n;
    }
    return -1;
  }
  using httplib::Stream::write;
  ssize_t write(const char* ptr, size_t size) override {
    while (Wait(POLLOUT)) {
      const ssize_t n = ::send(fd_, ptr, size, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n >= 0 || (errno != EAGAIN && errno != EINTR)) return n;
    }
    return -1;
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    Endpoint(::getpeername, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    Endpoint(::getsockname, ip, port);
  }
  int socket() const override { return fd_; }

 private:
  // Whether `events` came before the deadline.
  bool Wait(short events) const {
    while (true) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(
          deadline_ - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, events, 0};
      const int r = ::poll(&p, 1, static_cast<int>(left.count()));
      if (r > 0) return true;  // POLLHUP and POLLERR too: recv or send reports them
      if (r == 0 || errno != EINTR) return false;
    }
  }
  void Endpoint(int (*get)(int, sockaddr*, socklen_t*), std::string& ip, int& port) const {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    char text[INET_ADDRSTRLEN] = "";
    if (get(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0 ||
        ::inet_ntop(AF_INET, &a.sin_addr, text, sizeof text) == nullptr) {
      return;
    }
    ip = text;
    port = ntohs(a.sin_port);
  }

  const int fd_;
  const std::chrono::steady_clock::time_point deadline_;
};

// The regular file at `path` ("/a/b/c") below the folder `store_fd`, opened for reading, or -1.
// One openat per component, none of them a symbolic link, "", "." or ".."; a FIFO or device is
// never opened for real (O_NONBLOCK, then fstat says it is not a regular file).
int OpenInStore(int store_fd, const std::string& path) {
  if (path.size() < 2 || path[0] != '/') return -1;
  int dir = -1;  // the folder opened last (owned); -1 = the store
  for (size_t at = 1;;) {
    const size_t slash = path.find('/', at);
    const bool last = slash == std::string::npos;
    const std::string name = path.substr(at, last ? std::string::npos : slash - at);
    int fd = -1;
    if (!name.empty() && name != "." && name != ".." && name.find('\0') == std::string::npos) {
      const int flags = last ? O_RDONLY | O_NONBLOCK | O_NOCTTY : O_RDONLY | O_DIRECTORY;
      fd = ::openat(dir < 0 ? store_fd : dir, name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC);
    }
    if (dir >= 0) ::close(dir);
    if (fd < 0) return -1;
    if (!last) {
      dir = fd;
      at = slash + 1;
      continue;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return -1;
    }
    return fd;
  }
}

void Reply(httplib::Response* res, int status, const std::string& text) {
  res->status = status;
  res->set_content(text, "text/plain; charset=utf-8");
  res->set_header("Content-Security-Policy", kFilePolicy);
}

// `fd` (owned from here on) as the body, read as it is sent.
void ReplyWithFile(httplib::Response* res, int fd, const std::string& path) {
  struct stat st {};
  ::fstat(fd, &st);
  const std::string type = ContentType(path);
  res->status = 200;
  res->set_header("Content-Security-Policy",
                  type.rfind("text/html", 0) == 0 ? kReportPolicy : kFilePolicy);
  if (st.st_size <= 0) {
    ::close(fd);
    res->set_content("", type);
    return;
  }
  res->set_content_provider(
      static_cast<size_t>(st.st_size), type,
      [fd](size_t offset, size_t length, httplib::DataSink& sink) {
        char buf[1 << 16];
        const ssize_t n =
            ::pread(fd, buf, std::min(length, sizeof buf), static_cast<off_t>(offset));
        return n > 0 && sink.write(buf, static_cast<size_t>(n));  // a file cut short: abort
      },
      [fd](bool) { ::close(fd); });
}

// One request: the method, the Host header, then the index or a file below the store.
void Route(const std::string& store_name, int store_fd, const std::string& store_path,
           const std::vector<std::string>& hosts, const httplib::Request& req,
           httplib::Response* res) {
  if (req.method != "GET" && req.method != "HEAD") {
    Reply(res, 405, "GET or HEAD only\n");
    res->set_header("Allow", "GET, HEAD");
    return;
  }
  if (!req.has_header("Host")) {
    if (req.version != "HTTP/1.0") return Reply(res, 400, "no Host header\n");
  } else {
    std::string host = req.get_header_value("Host");
    std::transform(host.begin(), host.end(), host.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (req.get_header_value_count("Host") != 1 ||
        std::find(hosts.begin(), hosts.end(), host) == hosts.end()) {
      return Reply(res, 403, "Host not served here: use http://" + hosts.front() + "/\n");
    }
  }
  if (req.path == "/") {
    res->status = 200;
    res->set_content(RenderStoreIndex(store_name, ScanStore(store_path)),
                     "text/html; charset=utf-8");
    res->set_header("Content-Security-Policy", kIndexPolicy);
    return;
  }
  const int fd = OpenInStore(store_fd, req.path);
  if (fd < 0) return Reply(res, 404, "not found\n");
  ReplyWithFile(res, fd, req.path);
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
            e.target += (e.target.empty() ? "" : ", ") + r.value("target", std::string("?")) + " " +
                        r.value("verdict", std::string("?"));
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
        if (e.target.empty() &&
            ReadJsonObject((run.path() / "test.json").string(), &test_json).ok()) {
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
         "tr.unknown .verdict{background:#ffd}tr.error .verdict,tr.missing "
         ".verdict{background:#ddd}"
         "</style></head><body><h1>coordcheck runs</h1><p>store: <code>" +
         EscapeHtml(store) + "</code>, " + std::to_string(entries.size()) +
         " runs and comparisons, newest first</p>\n<table id=\"runs\"><tr><th>time (UTC)</th>"
         "<th>test</th><th>kind</th><th>target</th><th>verdict</th><th>summary</th>"
         "<th>files</th></tr>\n" +
         rows + "</table></body></html>\n";
}

// Why our own process_and_close_socket: cpp-httplib 0.11.4 bounds each read and write (its
// read/write timeouts), not the exchange, so a client sending a byte every few seconds keeps a
// worker forever. It lets a server subclass run process_request on any Stream (its SSLServer
// does so); ours carries the one deadline.
class StoreServer::Http final : public httplib::Server {
 public:
  explicit Http(int deadline_ms) : deadline_(std::chrono::milliseconds(deadline_ms)) {}

 private:
  // Replaces httplib's per-read timeouts by one deadline for the connection, and serves exactly
  // one request on it (the response closes it).
  bool process_and_close_socket(int sock) override {
    DeadlineStream stream(sock, std::chrono::steady_clock::now() + deadline_);
    bool closed = false;
    const bool ok = process_request(stream, /*close_connection=*/true, closed, nullptr);
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  const std::chrono::milliseconds deadline_;
};

Result<std::unique_ptr<StoreServer>> StoreServer::Start(const ServeOptions& options) {
  const std::string where = options.address + ":" + std::to_string(options.port);
  if (options.port < 0 || options.port > 65535) {
    return Status::Error("serve: --port must be 1..65535 (0 = any free port), not " +
                                  std::to_string(options.port));
  }
  in_addr ignored{};
  if (::inet_pton(AF_INET, options.address.c_str(), &ignored) != 1) {
    return Status::Error("serve: not an IPv4 address: " + options.address);
  }
  if (options.deadline_ms <= 0 || options.workers <= 0) {
    return Status::Error("serve: deadline_ms and workers must be positive");
  }
  const int store_fd = ::open(options.store.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (store_fd < 0) {
    return Status::Error("serve: " + options.store + ": " + std::strerror(errno));
  }
  auto http = std::make_unique<Http>(options.deadline_ms);
  const int workers = options.workers;
  http->new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  // httplib's default also sets SO_REUSEPORT, which would let another process bind our port.
  http->set_socket_options([](int fd) {
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  });
  const int port = options.port == 0
                       ? http->bind_to_any_port(options.address)
                       : (http->bind_to_port(options.address, options.port) ? options.port : -1);
  if (port <= 0) {
    const std::string err = std::strerror(errno);
    ::close(store_fd);
    return Status::Error("serve: cannot listen on " + where + ": " + err);
  }
  const std::string port_text = ":" + std::to_string(port);
  std::vector<std::string> hosts = {options.address + port_text, "127.0.0.1" + port_text,
                                    "localhost" + port_text};
  if (port == 80) hosts.insert(hosts.end(), {options.address, "127.0.0.1", "localhost"});
  const std::string root = "/proc/self/fd/" + std::to_string(store_fd);
  http->set_default_headers({{"X-Content-Type-Options", "nosniff"},
                             {"Referrer-Policy", "no-referrer"},
                             {"Cache-Control", "no-store"}});
  http->set_pre_routing_handler(
      [options, store_fd, hosts, root](const httplib::Request& req, httplib::Response& res) {
        Route(options.store, store_fd, root, hosts, req, &res);
        return httplib::Server::HandlerResponse::Handled;
      });
  return std::unique_ptr<StoreServer>(new StoreServer(options, store_fd, std::move(http), port));
}

StoreServer::StoreServer(ServeOptions options, int store_fd, std::unique_ptr<Http> http, int port)
    : options_(std::move(options)), store_fd_(store_fd), http_(std::move(http)), port_(port) {}

StoreServer::~StoreServer() { ::close(store_fd_); }

void StoreServer::Serve(const std::atomic<bool>& stop) {
  std::atomic<bool> listening_done{false};
  std::thread listener([&] {
    http_->listen_after_bind();
    listening_done.store(true);
  });
  // httplib's stop() is a no-op until the listener runs: wait for it before stopping.
  while (!listening_done.load() && (!http_->is_running() || !stop.load())) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  http_->stop();
  listener.join();
}

}  // namespace coordcheck::reports
