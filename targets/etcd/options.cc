#include "targets/etcd/options.h"

#include <string>

namespace coordcheck::etcd {

const OptionTable<EtcdOptions>& EtcdOptionTable() {
  static const OptionTable<EtcdOptions> table =
      OptionTable<EtcdOptions>("etcd option", "etcd")
          .Int("client_port", &EtcdOptions::client_port, 1, 65535,
               "port of the client API (gRPC and the v3 JSON gateway) on every node")
          .Int("peer_port", &EtcdOptions::peer_port, 1, 65535,
               "port of the raft peer traffic on every node");
  return table;
}

Result<EtcdOptions> ParseEtcdOptions(const Json& options) {
  auto parsed = EtcdOptionTable().Read(options);
  if (parsed.ok() && parsed->client_port == parsed->peer_port) {
    return Result<EtcdOptions>::Error(
        "etcd options \"client_port\" and \"peer_port\" must differ, both are " +
        std::to_string(parsed->client_port));
  }
  return parsed;
}

}  // namespace coordcheck::etcd
