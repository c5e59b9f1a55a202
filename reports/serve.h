// `coordcheck serve [STORE]`: a small HTTP server on 127.0.0.1 only, for looking at runs in
// a browser — an index of every run and comparison in the store (verdict colours, target,
// time, links to report.html, results.json, junit.xml, history.jsonl, the logs) and the
// store's files themselves, read-only.
//
// Only GET and HEAD; a path that leaves the store (.., symlinks pointing out, %2e%2e) is 404;
// directories other than the root are 404. Connections are served one at a time, each
// bounded by a 5 s read timeout; every response closes its connection.
//
// Thread-safety: Serve runs on one thread; Stop may be flagged from another (an atomic).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "harness/control/status.h"
#include "history/op.h"

namespace coordcheck::reports {

struct ServeOptions {
  std::string store = "store";
  std::string address = "127.0.0.1";  // loopback only
  int port = 8080;                     // 0 = any free port (StoreServer::port says which)
};

// One run or comparison of the store, as the index lists it.
struct StoreEntry {
  std::string path;     // relative to the store: "<test>/<timestamp>"
  std::string test;     // the test's folder name
  std::string stamp;    // the timestamp folder name (sorts by time)
  std::string kind;     // "run" or "comparison"
  std::string target;   // runs: the target; comparisons: the targets, comma-separated
  std::string verdict;  // valid, invalid, unknown, error, or "" when results are missing
  std::string summary;  // the first line of the summary
  std::vector<std::string> files;  // the files present, of those the index links
};

// Every run and comparison below `store`, newest first.
std::vector<StoreEntry> ScanStore(const std::string& store);
// The index page (self-contained HTML; every value escaped).
std::string RenderStoreIndex(const std::string& store, const std::vector<StoreEntry>& entries);

class StoreServer {
 public:
  // Binds address:port; the error names them.
  static control::Result<std::unique_ptr<StoreServer>> Start(const ServeOptions& options);
  ~StoreServer();
  int port() const { return port_; }
  // Serves until `stop` becomes true (checked a few times a second).
  void Serve(const std::atomic<bool>& stop);

 private:
  StoreServer(ServeOptions options, int fd, int port);
  void Handle(int fd);

  const ServeOptions options_;
  const int fd_;
  const int port_;
};

}  // namespace coordcheck::reports
