// ResourceDb: the lifecycle of the protected resource (coordcheck-resource) on its node.
//
// The resource runs on ONE node: ResourceOptions::node when set (Setup on any other node does
// nothing), else every node Setup is called for (the caller calls it for exactly one — the
// lock workload gives the resource a node of its own). Setup uploads
// DbEnv::bin_dir/coordcheck-resource to <root_dir>/bin/coordcheck-resource and starts it as
// daemon "resource" listening on the node's address at ResourceOptions::port, with its log at
// <root_dir>/resource.log, its data (when persisted) in <root_dir>/resource-data, and the
// node's DbEnv::daemon_env entries. Ready pings it until it answers. Teardown stops it (the
// data stays, so a second Setup continues the same log). Uploads and starts are serialized
// (see KvdDb: a fork during another upload would hold the binary open, ETXTBSY).
//
// Errors name the node. Thread-safety: all methods may be called concurrently (the daemon
// handles live in a mutex-protected map).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "targets/db.h"
#include "targets/node_daemons.h"
#include "targets/resource/options.h"

namespace coordcheck::resource {

class ResourceDb final : public Db {
 public:
  explicit ResourceDb(ResourceOptions options = {});

  Status Setup(control::Remote& node, const DbEnv& env) override;
  Status Ready(const DbEnv& env, std::chrono::milliseconds timeout) override;
  Status Teardown(control::Remote& node) override;
  std::vector<std::string> LogFiles(control::Remote& node) override;

  // The node the resource runs on and its address: ResourceOptions::node's entry in
  // env.nodes, else the node Setup started it on. An error when neither is known.
  Result<control::NodeInfo> Node(const DbEnv& env);
  const ResourceOptions& options() const { return options_; }

  // The server's argv on `node` (exposed for tests and for the run log).
  std::vector<std::string> ServerArgv(const control::Remote& node) const;
  // The running server's daemon handle on `node`, or an error naming the node.
  Result<control::Daemon> DaemonOf(const std::string& node) { return daemons_.Of(node); }

 private:
  bool Hosts(const control::Remote& node) const;

  const ResourceOptions options_;
  std::mutex deploy_mu_;  // serializes Upload and StartDaemon
  NodeDaemons daemons_{"resource"};
  std::mutex mu_;
  std::map<std::string, std::string> started_;  // node -> address, for Ready and Node; mu_
};

}  // namespace coordcheck::resource
