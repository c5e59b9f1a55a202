// coordcheck-ledger: the outbox's consumer (targets/payments/ledger.h). Logs to stderr;
// exits 0 on SIGTERM or SIGINT, 1 when it cannot start, 2 on bad flags.

#include <unistd.h>

#include <cstdio>
#include <string>
#include <string_view>

#include "targets/payments/ledger.h"
#include "targets/wire/server.h"

namespace {

constexpr char kUsage[] =
    "usage: coordcheck-ledger --listen ADDR:PORT --database PATH [--node NAME] [--no-dedup]\n"
    "                         [--slow-every N] [--slow-ms N]\n";

}  // namespace

int main(int argc, char** argv) {
  coordcheck::payments::LedgerOptions options;
  bool help = false;
  // --no-dedup takes no value: take it out before the NAME VALUE flags are parsed.
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (i > 0 && std::string_view(argv[i]) == "--no-dedup") {
      options.dedup = false;
    } else {
      args.push_back(argv[i]);
    }
  }
  auto set = [&](std::string_view name, const std::string& value) -> std::string {
    if (name == "--listen") {
      options.listen = value;
    } else if (name == "--database") {
      options.database = value;
    } else if (name == "--node") {
      options.node = value;
    } else if (name == "--slow-every" || name == "--slow-ms") {
      int64_t n = 0;
      if (!coordcheck::wire::ParseNonNegative(value, &n)) {
        return "flag " + std::string(name) + ": want an integer >= 0";
      }
      if (name == "--slow-every") options.slow_every = static_cast<int>(n);
      if (name == "--slow-ms") options.slow_ms = n;
    } else {
      return "unknown flag " + std::string(name);
    }
    return "";
  };
  std::string error =
      coordcheck::wire::ParseFlags(static_cast<int>(args.size()), args.data(), set, &help);
  if (error.empty() && !help && (options.listen.empty() || options.database.empty())) {
    error = "--listen and --database are required";
  }
  return coordcheck::wire::ServeMain<coordcheck::payments::LedgerService>(
      "coordcheck-ledger", "ledger", kUsage, error, help, options);
}
