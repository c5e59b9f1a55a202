// coordcheck-raft: our own Raft's node executable (see targets/raft/server.h). Logs to
// stderr; exits 0 on SIGTERM or SIGINT, 1 when it cannot start, 2 on bad flags.

#include <charconv>
#include <string>
#include <string_view>
#include <vector>

#include "targets/raft/server.h"
#include "targets/wire/server.h"

namespace {

using coordcheck::raft::ServerOptions;

constexpr char kUsage[] =
    "usage: coordcheck-raft --id I --names N1,N2,... --clients ADDR:PORT,... --peers "
    "ADDR:PORT,...\n"
    "                       --data-dir DIR --events-file FILE [--bug NAME] [--seed N]\n"
    "                       [--tick-ms N] [--election-ticks N] [--heartbeat-ticks N]\n"
    "                       [--request-timeout-ms N] [--connect-timeout-ms N]\n"
    "                       [--compact-entries N]\n"
    "bugs: no-persist-vote, local-reads, lease-reads, commit-prior-term, no-fence, no-fsync\n";

std::vector<std::string> SplitCommas(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    if (std::string_view item = text.substr(0, comma); !item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::string ParseFlags(int argc, char** argv, ServerOptions* options, bool* help) {
  auto set = [options](std::string_view name, const std::string& value) -> std::string {
    int64_t number = 0;
    auto positive = [&](auto* field) -> std::string {
      if (!coordcheck::wire::ParseNonNegative(value, &number) || number < 1 ||
          number > 100'000'000) {
        return "flag " + std::string(name) + ": want an integer 1..100000000, got \"" + value +
               "\"";
      }
      *field = static_cast<std::remove_pointer_t<decltype(field)>>(number);
      return "";
    };
    if (name == "--id") {
      if (!coordcheck::wire::ParseNonNegative(value, &number)) return "flag --id: want N >= 0";
      options->node.id = static_cast<int>(number);
    } else if (name == "--names") {
      options->node.names = SplitCommas(value);
    } else if (name == "--clients") {
      options->clients = SplitCommas(value);
    } else if (name == "--peers") {
      options->peers = SplitCommas(value);
    } else if (name == "--data-dir") {
      options->node.data_dir = value;
    } else if (name == "--events-file") {
      options->node.events_file = value;
    } else if (name == "--bug") {
      options->node.bug = value;
    } else if (name == "--seed") {
      uint64_t seed = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seed);
      if (ec != std::errc() || end != value.data() + value.size()) {
        return "flag --seed: want an unsigned integer, got \"" + value + "\"";
      }
      options->node.seed = seed;
    } else if (name == "--tick-ms") {
      return positive(&options->node.tick_ms);
    } else if (name == "--election-ticks") {
      return positive(&options->node.election_ticks);
    } else if (name == "--heartbeat-ticks") {
      return positive(&options->node.heartbeat_ticks);
    } else if (name == "--request-timeout-ms") {
      return positive(&options->request_timeout_ms);
    } else if (name == "--connect-timeout-ms") {
      return positive(&options->connect_timeout_ms);
    } else if (name == "--compact-entries") {
      return positive(&options->node.compact_entries);
    } else {
      return "unknown flag " + std::string(name);
    }
    return "";
  };
  if (std::string error = coordcheck::wire::ParseFlags(argc, argv, set, help);
      !error.empty() || *help) {
    return error;
  }
  if (options->node.names.empty() || options->clients.empty() || options->peers.empty() ||
      options->node.data_dir.empty() || options->node.events_file.empty()) {
    return "--names, --clients, --peers, --data-dir and --events-file are required";
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  ServerOptions options;
  bool help = false;
  const std::string error = ParseFlags(argc, argv, &options, &help);
  return coordcheck::wire::ServeMain<coordcheck::raft::Server>("coordcheck-raft", "raft", kUsage,
                                                               error, help, options);
}
