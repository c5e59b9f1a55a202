// LineLink: one request line, one answer line, over a kept TCP connection to host:port, each
// exchange bounded by a timeout — what the payments service uses to reach the ledger
// (publishing events, the relay) and what the Db uses to ping its servers.
//
// After any failure the connection is dropped (a late answer must never be taken for the
// next request's), and the next Call dials again. `sent` tells "nothing left this host"
// (a certain failure) from "the request may have arrived" (unknown).
//
// Thread-safety: used by one thread at a time.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "targets/wire/wire.h"

namespace coordcheck::payments {

struct LinkReply {
  bool ok = false;          // an answer arrived and parsed as a JSON object
  bool sent = false;        // (on failure) some of the request may have left this host
  nlohmann::json answer;    // the answer when ok
  std::string error;        // why not, when !ok
};

// Opens a connected socket to host:port within the timeout (the controller's control::Dialer,
// which reaches the nodes' namespaces; wire::DialTcp by default).
using DialFn = std::function<Result<int>(const std::string& host, int port,
                                                  std::chrono::milliseconds timeout)>;

class LineLink {
 public:
  LineLink(std::string host, int port, DialFn dial = nullptr,
           size_t max_line_bytes = size_t{256} << 20)
      : host_(std::move(host)), port_(port), dial_(std::move(dial)), reader_(max_line_bytes) {}
  ~LineLink() { Close(); }
  LineLink(const LineLink&) = delete;
  LineLink& operator=(const LineLink&) = delete;

  LinkReply Call(const nlohmann::json& request, std::chrono::milliseconds timeout);
  void Close();
  std::string where() const { return wire::JoinHostPort(host_, port_); }

 private:
  std::string host_;
  int port_;
  DialFn dial_;
  int fd_ = -1;
  wire::LineReader reader_;
};

}  // namespace coordcheck::payments
