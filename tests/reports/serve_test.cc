// StoreServer over real loopback sockets, in-process: requests stay below the store's folder
// (also once it is renamed or removed), symbolic links and FIFOs are refused, one slow client
// does not hold up the others and is cut off at the deadline, the Host header is checked, and
// served files carry nosniff and a sandboxing Content-Security-Policy (.svg never as an image).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "reports/serve.h"
#include "tests/reports/report_test_util.h"
#include "tests/support/slack.h"

namespace coordcheck {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using reports::ServeOptions;
using reports::StoreServer;
using Clock = std::chrono::steady_clock;

// A store with one run, DIR/store/t/r/{results.json,plot.svg}; options serving it on any port.
ServeOptions MakeStore(const test::TempDir& dir) {
  ServeOptions options;
  options.store = dir.path() + "/store";
  options.port = 0;
  fs::create_directories(options.store + "/t/r");
  test::WriteFile(options.store + "/t/r/results.json", R"({"verdict": "valid", "target": "kvd"})");
  test::WriteFile(options.store + "/t/r/plot.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
  return options;
}

// A StoreServer serving on its own thread until destroyed.
class Served {
 public:
  explicit Served(const ServeOptions& options) {
    auto started = StoreServer::Start(options);
    REQUIRE(started.ok());
    server_ = std::move(*started);
    thread_ = std::thread([this] { server_->Serve(stop_); });
  }
  ~Served() {
    stop_.store(true);
    thread_.join();
  }
  int port() const { return server_->port(); }

 private:
  std::unique_ptr<StoreServer> server_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A connected socket to 127.0.0.1:port (receives time out after 10 s), or -1.
int Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends `request` and reads the response until the server closes.
std::string Exchange(int port, const std::string& request) {
  const int fd = Connect(port);
  if (fd < 0) return "";
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string response;
  char buf[8192];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) response.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return response;
}

// GET `path` over HTTP/1.1 with Host: `host` (default 127.0.0.1:PORT).
std::string Get(int port, const std::string& path, std::string host = "") {
  if (host.empty()) host = "127.0.0.1:" + std::to_string(port);
  return Exchange(port, "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
}

bool Status(const std::string& response, int code) {
  return response.rfind("HTTP/1.1 " + std::to_string(code) + " ", 0) == 0;
}

TEST_CASE("serve: requests stay below the store's open folder, also once it is renamed or gone") {
  test::TempDir dir;
  const ServeOptions options = MakeStore(dir);
  const std::string& store = options.store;
  fs::create_directory_symlink("/etc", store + "/escape");
  fs::create_symlink(store + "/t/r/results.json", store + "/t/r/link.json");  // inside, still no
  REQUIRE(::mkfifo((store + "/t/r/fifo").c_str(), 0600) == 0);
  Served served(options);
  const int port = served.port();

  CHECK(Status(Get(port, "/"), 200));
  CHECK(Get(port, "/t/r/results.json").find("\"verdict\": \"valid\"") != std::string::npos);
  for (const char* path :
       {"//etc/passwd", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/t/../../etc/passwd",
        "/t/r/./results.json", "/t//r/results.json", "/escape/passwd", "/t/r/link.json",
        "/t/r/fifo", "/t/r", "/t/r/results.json%00.txt", "/nope/x.json"}) {
    INFO(path);
    CHECK(Status(Get(port, path), 404));
  }

  // Renamed while serving: the same folder is still served, nothing outside it.
  fs::rename(store, dir.path() + "/moved");
  CHECK(Get(port, "/t/r/results.json").find("\"verdict\": \"valid\"") != std::string::npos);
  CHECK(Get(port, "/").find("<tr class=\"valid\">") != std::string::npos);
  for (const char* path : {"//etc/passwd", "/%2F%2Fetc/passwd", "//proc/self/environ"}) {
    INFO(path);
    const std::string r = Get(port, path);
    CHECK(Status(r, 404));
    CHECK(r.find("root:") == std::string::npos);
  }
  // Removed while serving: nothing at all.
  fs::remove_all(dir.path() + "/moved");
  CHECK(Status(Get(port, "/t/r/results.json"), 404));
  const std::string passwd = Get(port, "//etc/passwd");
  CHECK(Status(passwd, 404));
  CHECK(passwd.find("root:") == std::string::npos);
  CHECK(Status(Get(port, "/"), 200));
}

TEST_CASE("serve: a client dribbling its request neither blocks others nor outlives the deadline") {
  test::TempDir dir;
  ServeOptions options = MakeStore(dir);
  options.deadline_ms = 4000;
  Served served(options);
  const int port = served.port();

  // One byte every 300 ms: each read is quick, the request never ends.
  const int slow = Connect(port);
  REQUIRE(slow >= 0);
  std::atomic<bool> cut{false};
  std::atomic<int64_t> cut_after_ms{-1};
  std::atomic<int> dribbled{0};
  std::thread dribbler([&] {
    const auto begin = Clock::now();
    const std::string request = "GET / HTTP/1.1\r\nX-Slow: " + std::string(100, 'a');
    for (size_t i = 0; i < request.size() && Clock::now() - begin < 10s; ++i) {
      char byte;
      const ssize_t n = ::recv(slow, &byte, 1, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN) || ::send(slow, &request[i], 1, MSG_NOSIGNAL) != 1) {
        cut = true;  // closed (or reset) by the server
        break;
      }
      ++dribbled;
      std::this_thread::sleep_for(300ms);
    }
    cut_after_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - begin).count();
  });
  // Once the slow request is under way, the others are answered at once: long before the
  // slow one's deadline (4 s) would free a worker.
  REQUIRE(nodetest::WaitUntil([&] { return dribbled.load() >= 2; }, 10s));
  for (int i = 0; i < 3; ++i) {
    const auto begin = Clock::now();
    CHECK(Status(Get(port, "/t/r/results.json"), 200));
    CHECK(Clock::now() - begin < 2500ms);
  }
  dribbler.join();
  ::close(slow);
  INFO("the slow connection ended after " << cut_after_ms << " ms");
  CHECK(cut);
  CHECK(cut_after_ms >= 3500);  // at its deadline (4 s, counted from the accept)...
  CHECK(cut_after_ms < 4000 + 2 * testtime::kSlack.count());  // ...not after 10 s of bytes
}

TEST_CASE("serve: only the served address is a Host, and only GET and HEAD are served") {
  test::TempDir dir;
  Served served(MakeStore(dir));
  const int port = served.port();
  const std::string p = std::to_string(port);
  for (const std::string& host : {"127.0.0.1:" + p, "localhost:" + p, "LOCALHOST:" + p}) {
    INFO(host);
    CHECK(Status(Get(port, "/", host), 200));
  }
  // DNS rebinding: a name that now points at 127.0.0.1 is refused.
  for (const std::string& host :
       std::vector<std::string>{"evil.example:" + p, "evil.example", "127.0.0.1", "localhost:1",
                                "127.0.0.1:" + p + "x"}) {
    INFO(host);
    const std::string r = Get(port, "/t/r/results.json", host);
    CHECK(Status(r, 403));
    CHECK(r.find("valid") == std::string::npos);
  }
  CHECK(Status(Exchange(port, "GET / HTTP/1.1\r\n\r\n"), 400));                    // no Host
  CHECK(Exchange(port, "GET / HTTP/1.0\r\n\r\n").rfind("HTTP/1.1 200 ", 0) == 0);  // 1.0: none
  const std::string twice =
      "GET / HTTP/1.1\r\nHost: 127.0.0.1:" + p + "\r\nHost: evil.example\r\n\r\n";
  CHECK(Status(Exchange(port, twice), 403));
  const std::string post =
      "POST /t/r/results.json HTTP/1.1\r\nHost: 127.0.0.1:" + p + "\r\nContent-Length: 2\r\n\r\n{}";
  const std::string r = Exchange(port, post);
  CHECK(Status(r, 405));
  CHECK(r.find("Allow: GET, HEAD") != std::string::npos);
}

// Every file and folder below `root` with its size, modification time and content.
std::vector<std::string> TreeSnapshot(const std::string& root) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    struct stat st {};
    REQUIRE(::lstat(e.path().c_str(), &st) == 0);
    std::string line = e.path().string() + " mode " + std::to_string(st.st_mode) + " mtime " +
                       std::to_string(st.st_mtim.tv_sec) + "." +
                       std::to_string(st.st_mtim.tv_nsec) + " size " + std::to_string(st.st_size);
    if (e.is_regular_file()) line += " " + test::ReadFile(e.path().string());
    out.push_back(line);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_CASE("serve: read-only: no request changes, adds or removes anything in the store") {
  test::TempDir dir;
  const ServeOptions options = MakeStore(dir);
  const std::vector<std::string> before = TreeSnapshot(options.store);
  Served served(options);
  const int port = served.port();
  const std::string host = "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
  for (const std::string method : {"POST", "PUT", "DELETE", "PATCH", "MKCOL", "MOVE", "COPY"}) {
    for (const std::string path : {"/t/r/results.json", "/t/r/new.json", "/t/new", "/"}) {
      INFO(method << " " << path);
      const std::string r = Exchange(port, method + " " + path + " HTTP/1.1\r\n" + host +
                                               "Destination: /t/r/moved.json\r\n"
                                               "Content-Length: 2\r\n\r\n{}");
      CHECK((Status(r, 405) || Status(r, 400)));
    }
  }
  // Reading changes nothing either.
  CHECK(Status(Get(port, "/"), 200));
  CHECK(Status(Get(port, "/t/r/results.json"), 200));
  CHECK(Status(Exchange(port, "HEAD /t/r/plot.svg HTTP/1.1\r\n" + host + "\r\n"), 200));
  CHECK(TreeSnapshot(options.store) == before);
}

TEST_CASE("serve: files come with nosniff and a sandboxing CSP, and .svg is text, never an image") {
  test::TempDir dir;
  const ServeOptions options = MakeStore(dir);
  test::WriteFile(options.store + "/t/r/report.html", "<!DOCTYPE html><p>report</p>");
  Served served(options);
  const int port = served.port();
  for (const char* path : {"/", "/t/r/results.json", "/t/r/plot.svg", "/t/r/report.html"}) {
    INFO(path);
    const std::string r = Get(port, path);
    CHECK(Status(r, 200));
    CHECK(r.find("\r\nX-Content-Type-Options: nosniff\r\n") != std::string::npos);
    const size_t csp = r.find("\r\nContent-Security-Policy: sandbox");
    CHECK(csp != std::string::npos);
    CHECK(r.find("allow-same-origin") == std::string::npos);
  }
  const std::string svg = Get(port, "/t/r/plot.svg");
  CHECK(svg.find("Content-Type: text/plain") != std::string::npos);
  CHECK(svg.find("image/svg") == std::string::npos);
  const std::string head =
      Exchange(port, "HEAD /t/r/results.json HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                         "\r\n\r\n");
  CHECK(Status(head, 200));
  CHECK(head.find("Content-Length: 37\r\n") != std::string::npos);
  CHECK(head.find("verdict") == std::string::npos);
}

TEST_CASE("serve: the index survives a results.json and a compare.json nested 100,000 deep") {
  test::TempDir dir;
  const ServeOptions options = MakeStore(dir);
  const std::string& store = options.store;
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  fs::create_directories(store + "/t/deep");
  test::WriteFile(store + "/t/deep/results.json",
                  R"({"verdict": "valid", "summary": )" + deep + "}");
  fs::create_directories(store + "/compare-t/deep");
  test::WriteFile(store + "/compare-t/deep/compare.json",
                  R"({"exit_code": 0, "runs": )" + deep + "}");
  Served served(options);
  const std::string index = Get(served.port(), "/");
  CHECK(Status(index, 200));
  CHECK(index.find("<tr class=\"valid\">") != std::string::npos);    // t/r still listed
  CHECK(index.find("<tr class=\"missing\">") != std::string::npos);  // the deep ones, unread
}

TEST_CASE("serve: a port outside 0..65535 is refused with a message naming --port") {
  test::TempDir dir;
  for (int port : {-1, 65536, 70000}) {
    ServeOptions options;
    options.store = dir.path();
    options.port = port;
    auto started = StoreServer::Start(options);
    INFO(port);
    REQUIRE_FALSE(started.ok());
    CHECK(started.message().find("--port must be 1..65535") != std::string::npos);
  }
}

}  // namespace
}  // namespace coordcheck
