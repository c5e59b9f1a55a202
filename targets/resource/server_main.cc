// coordcheck-resource: the protected resource's server executable (see
// targets/resource/server.h and protocol.h). Logs to stderr; exits 0 on SIGTERM or SIGINT, 1
// when it cannot start, 2 on bad flags.

#include <unistd.h>

#include <cstdio>
#include <string>
#include <string_view>

#include "targets/resource/server.h"
#include "targets/wire/server.h"

namespace {

using coordcheck::resource::ParseMode;
using coordcheck::resource::ResourceServer;
using coordcheck::resource::ServerOptions;

constexpr char kUsage[] =
    "usage: coordcheck-resource --listen ADDR:PORT [--mode fenced|unfenced]\n"
    "                           [--data-dir DIR] [--node NAME]\n";

// Parses argv into *options; an error message, or "" when fine.
std::string ParseFlags(int argc, char** argv, ServerOptions* options, bool* help) {
  auto set = [options](std::string_view name, const std::string& value) -> std::string {
    if (name == "--listen") {
      options->listen = value;
    } else if (name == "--mode") {
      if (!ParseMode(value, &options->mode)) {
        return "flag --mode: want fenced or unfenced, got \"" + value + "\"";
      }
    } else if (name == "--data-dir") {
      options->data_dir = value;
    } else if (name == "--node") {
      options->node = value;
    } else {
      return "unknown flag " + std::string(name);
    }
    return "";
  };
  if (std::string error = coordcheck::wire::ParseFlags(argc, argv, set, help);
      !error.empty() || *help) {
    return error;
  }
  if (options->listen.empty()) return "--listen is required";
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  ServerOptions options;
  bool help = false;
  const std::string error = ParseFlags(argc, argv, &options, &help);
  return coordcheck::wire::ServeMain<ResourceServer>("coordcheck-resource", "resource", kUsage,
                                                     error, help, options);
}
