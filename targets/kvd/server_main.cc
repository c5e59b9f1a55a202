// coordcheck-kvd: kvd's server executable (see targets/kvd/server.h). Logs to stderr; exits
// 0 on SIGTERM or SIGINT, 1 when it cannot start, 2 on bad flags.

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "targets/kvd/server.h"
#include "targets/wire/server.h"

namespace {

using coordcheck::kvd::Server;
using coordcheck::kvd::ServerOptions;

constexpr char kUsage[] =
    "usage: coordcheck-kvd --node NAME --listen ADDR:PORT --primary ADDR:PORT\n"
    "                      [--peers ADDR:PORT,...] [--data-dir DIR] [--bug NAME]\n"
    "                      [--replication-delay-ms N] [--lost-cas-delay-ms N]\n"
    "                      [--forward-timeout-ms N] [--connect-timeout-ms N] [--seed N]\n"
    "bugs: follower-reads, lost-cas, no-fsync\n";

bool ParseInt(std::string_view text, int64_t min, int64_t max, int64_t* out) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return false;
  }
  *out = value;
  return true;
}

std::vector<std::string> SplitCommas(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

// Parses argv into *options; an error message, or "" when fine.
std::string ParseFlags(int argc, char** argv, ServerOptions* options, bool* help) {
  auto set = [options](std::string_view name, const std::string& value) -> std::string {
    int64_t number = 0;
    auto int_flag = [&](int* field) -> std::string {
      if (!ParseInt(value, 0, 3'600'000, &number)) {
        return "flag " + std::string(name) + ": want an integer 0..3600000, got \"" + value + "\"";
      }
      *field = static_cast<int>(number);
      return "";
    };
    if (name == "--node") {
      options->node = value;
    } else if (name == "--listen") {
      options->listen = value;
    } else if (name == "--primary") {
      options->primary = value;
    } else if (name == "--peers") {
      options->peers = SplitCommas(value);
    } else if (name == "--data-dir") {
      options->data_dir = value;
    } else if (name == "--bug") {
      options->bug = value;
    } else if (name == "--replication-delay-ms") {
      return int_flag(&options->replication_delay_ms);
    } else if (name == "--lost-cas-delay-ms") {
      return int_flag(&options->lost_cas_delay_ms);
    } else if (name == "--forward-timeout-ms") {
      return int_flag(&options->forward_timeout_ms);
    } else if (name == "--connect-timeout-ms") {
      return int_flag(&options->connect_timeout_ms);
    } else if (name == "--seed") {
      uint64_t seed = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seed);
      options->seed = seed;
      if (ec != std::errc() || end != value.data() + value.size()) {
        return "flag --seed: want an unsigned integer, got \"" + value + "\"";
      }
    } else {
      return "unknown flag " + std::string(name);
    }
    return "";
  };
  if (std::string error = coordcheck::wire::ParseFlags(argc, argv, set, help);
      !error.empty() || *help) {
    return error;
  }
  if (options->node.empty() || options->listen.empty() || options->primary.empty()) {
    return "--node, --listen and --primary are required";
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  ServerOptions options;
  bool help = false;
  if (std::string error = ParseFlags(argc, argv, &options, &help); !error.empty()) {
    std::fprintf(stderr, "coordcheck-kvd: %s\n%s", error.c_str(), kUsage);
    return 2;
  }
  if (help) {
    std::fputs(kUsage, stdout);
    return 0;
  }

  auto stop_fd = coordcheck::wire::StopOnSignals();
  if (!stop_fd.ok()) {
    std::fprintf(stderr, "kvd %s: %s\n", options.node.c_str(), stop_fd.message().c_str());
    return 1;
  }

  auto server = Server::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.message().c_str());
    return 1;
  }
  std::fprintf(stderr, "%s\n", (*server)->Describe().c_str());
  std::fflush(stderr);
  (*server)->Serve(*stop_fd);
  (*server)->Shutdown();
  std::fprintf(stderr, "kvd %s: stopping on signal\n", options.node.c_str());
  std::fflush(stderr);
  // Connection threads may be blocked in reads; leave them to the kernel.
  _exit(0);
}
