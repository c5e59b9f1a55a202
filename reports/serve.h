// `coordcheck serve [STORE]`: a small HTTP server on 127.0.0.1 only, for looking at runs in
// a browser — an index of every run and comparison in the store (verdict colours, target,
// time, links to report.html, results.json, junit.xml, history.jsonl, the logs) and the
// store's files themselves, read-only.
//
// Contract:
// - Only GET and HEAD (405 otherwise). Only "/" (the index) and regular files below the store.
// - Every request is resolved below a handle on the store's folder opened at Start, one path
//   component at a time (openat, O_NOFOLLOW): "", "." and ".." components, NUL bytes and
//   symbolic links anywhere are 404, and so is any error. A store renamed while serving is
//   still served; a removed one serves nothing.
// - The Host header must name the served address: ADDRESS:PORT, 127.0.0.1:PORT or
//   localhost:PORT (403 otherwise: DNS rebinding); HTTP/1.1 without Host is 400.
// - Every connection has one overall deadline (ServeOptions::deadline_ms) from accept to the
//   last byte of its one response; a client that dribbles is cut off then, and meanwhile the
//   other clients are answered by the other workers.
// - Responses carry X-Content-Type-Options: nosniff and a Content-Security-Policy with
//   `sandbox`; a report.html runs its inline script in an opaque origin, with no network
//   access. .svg is served as text/plain, never as an image.
//
// HTTP parsing is Debian's cpp-httplib (libcpp-httplib-dev); our part is the Stream under it
// (the deadline), path resolution, the Host check and the headers.
//
// Thread-safety: Serve runs the listener and a pool of workers; Stop may be flagged from
// another thread or a signal handler (an atomic). ScanStore and RenderStoreIndex are safe to
// call from several threads.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "history/op.h"

namespace coordcheck::reports {

struct ServeOptions {
  std::string store = "store";
  std::string address = "127.0.0.1";  // an IPv4 address to bind; loopback only
  int port = 8080;                    // 1..65535; 0 = any free port (StoreServer::port says which)
  int deadline_ms = 10000;            // per connection: request read and response written
  int workers = 8;                    // connections served at once
};

// One run or comparison of the store, as the index lists it.
struct StoreEntry {
  std::string path;                // relative to the store: "<test>/<timestamp>"
  std::string test;                // the test's folder name
  std::string stamp;               // the timestamp folder name (sorts by time)
  std::string kind;                // "run" or "comparison"
  std::string target;              // runs: the target; comparisons: the targets, comma-separated
  std::string verdict;             // valid, invalid, unknown, error, or "" when results are missing
  std::string summary;             // the first line of the summary
  std::vector<std::string> files;  // the files present, of those the index links
};

// Every run and comparison below `store`, newest first.
std::vector<StoreEntry> ScanStore(const std::string& store);
// The index page (self-contained HTML; every value escaped).
std::string RenderStoreIndex(const std::string& store, const std::vector<StoreEntry>& entries);

class StoreServer {
 public:
  // Opens the store and binds address:port; errors name them ("--port must be ...").
  static Result<std::unique_ptr<StoreServer>> Start(const ServeOptions& options);
  ~StoreServer();
  StoreServer(const StoreServer&) = delete;
  StoreServer& operator=(const StoreServer&) = delete;
  int port() const { return port_; }
  // Serves until `stop` becomes true (checked a few times a second).
  void Serve(const std::atomic<bool>& stop);

 private:
  class Http;  // the cpp-httplib server, kept out of this header
  StoreServer(ServeOptions options, int store_fd, std::unique_ptr<Http> http, int port);

  const ServeOptions options_;
  const int store_fd_;  // O_DIRECTORY handle every request is resolved below
  const std::unique_ptr<Http> http_;
  const int port_;
};

}  // namespace coordcheck::reports
