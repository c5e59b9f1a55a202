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
      int64_t n = -1;
      try {
        size_t used = 0;
        n = std::stoll(value, &used);
        if (used != value.size()) n = -1;
      } catch (...) {
      }
      if (n < 0) return "flag " + std::string(name) + ": want an integer >= 0";
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
  if (!error.empty()) {
    std::fprintf(stderr, "coordcheck-ledger: %s\n%s", error.c_str(), kUsage);
    return 2;
  }
  if (help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  auto stop_fd = coordcheck::wire::StopOnSignals();
  if (!stop_fd.ok()) {
    std::fprintf(stderr, "ledger: %s\n", stop_fd.message().c_str());
    return 1;
  }
  auto ledger = coordcheck::payments::LedgerService::Start(options);
  if (!ledger.ok()) {
    std::fprintf(stderr, "%s\n", ledger.message().c_str());
    return 1;
  }
  std::fprintf(stderr, "%s\n", (*ledger)->Describe().c_str());
  std::fflush(stderr);
  (*ledger)->Serve(*stop_fd);
  std::fprintf(stderr, "ledger: stopping on signal\n");
  std::fflush(stderr);
  _exit(0);
}
