// coordcheck-payments: the payments service (targets/payments/service.h). Logs to stderr;
// exits 0 on SIGTERM or SIGINT, 1 when it cannot start, 2 on bad flags.

#include <unistd.h>

#include <cstdio>
#include <string>
#include <string_view>

#include "targets/payments/service.h"
#include "targets/wire/server.h"

namespace {

using coordcheck::payments::ParseBug;
using coordcheck::payments::PaymentsService;
using coordcheck::payments::ServiceOptions;

constexpr char kUsage[] =
    "usage: coordcheck-payments --listen ADDR:PORT --database sqlite:PATH|postgres:CONNINFO\n"
    "                           --ledger ADDR:PORT [--node NAME] [--bug NAME]\n"
    "                           [--work-ms N] [--slow-every N] [--slow-ms N]\n"
    "                           [--short-key-ttl-ms N] [--relay-interval-ms N]\n";

std::string ParseFlags(int argc, char** argv, ServiceOptions* o, bool* help) {
  auto set = [&](std::string_view name, const std::string& value) -> std::string {
    int64_t n = 0;
    if (name == "--listen") {
      o->listen = value;
    } else if (name == "--database") {
      o->database = value;
    } else if (name == "--ledger") {
      o->ledger = value;
    } else if (name == "--node") {
      o->node = value;
    } else if (name == "--bug") {
      if (!ParseBug(value, &o->bug)) return "flag --bug: unknown bug \"" + value + "\"";
    } else if (name == "--work-ms" || name == "--slow-every" || name == "--slow-ms" ||
               name == "--short-key-ttl-ms" || name == "--relay-interval-ms") {
      if (!coordcheck::wire::ParseNonNegative(value, &n)) return "flag " + std::string(name) + ": want an integer >= 0";
      if (name == "--work-ms") o->work_ms = n;
      if (name == "--slow-every") o->slow_every = static_cast<int>(n);
      if (name == "--slow-ms") o->slow_ms = n;
      if (name == "--short-key-ttl-ms") o->short_key_ttl_ms = n;
      if (name == "--relay-interval-ms") o->relay_interval_ms = std::max<int64_t>(1, n);
    } else {
      return "unknown flag " + std::string(name);
    }
    return "";
  };
  if (std::string error = coordcheck::wire::ParseFlags(argc, argv, set, help);
      !error.empty() || *help) {
    return error;
  }
  if (o->listen.empty()) return "--listen is required";
  if (o->database.empty()) return "--database is required";
  if (o->ledger.empty()) return "--ledger is required";
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  ServiceOptions options;
  bool help = false;
  const std::string error = ParseFlags(argc, argv, &options, &help);
  return coordcheck::wire::ServeMain<PaymentsService>("coordcheck-payments", "payments", kUsage,
                                                      error, help, options);
}
