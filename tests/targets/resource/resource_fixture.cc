#include "tests/targets/resource/resource_fixture.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <thread>

#include "workloads/lock/ops.h"
#include "targets/wire/wire.h"

namespace coordcheck::test {

using Clock = std::chrono::steady_clock;

std::string ResourceBinDir() {
  return std::filesystem::path(COORDCHECK_RESOURCE_BINARY).parent_path().string();
}

std::chrono::steady_clock::time_point In(int64_t ms) {
  return Clock::now() + std::chrono::milliseconds(ms);
}

ResourceNode::ResourceNode(resource::ResourceOptions options, const std::string& backend, int nodes)
    : cluster_(backend, nodes), db_(std::make_unique<resource::ResourceDb>(options)) {
  env_.nodes = cluster_.cluster().nodes();
  env_.bin_dir = ResourceBinDir();
  env_.dialer = &cluster_.cluster().dialer();
  const std::string target = options.node.empty() ? env_.nodes[0].name : options.node;
  for (const control::NodeInfo& node : env_.nodes) {
    if (!options.node.empty() || node.name == target) {
      Status s = db_->Setup(cluster_.remote(node.name), env_);
      INFO("Setup on " << node.name << ": " << s.message());
      REQUIRE(s.ok());
    }
  }
  Status ready = db_->Ready(env_, std::chrono::seconds(5));
  INFO("Ready: " << ready.message() << "\n" << ServerLog());
  REQUIRE(ready.ok());
  auto where = db_->Node(env_);
  REQUIRE(where.ok());
  node_ = where->name;
  address_ = where->address;
}

ResourceNode::~ResourceNode() {
  for (const control::NodeInfo& node : env_.nodes) {
    Status s = db_->Teardown(cluster_.remote(node.name));
    INFO("Teardown on " << node.name << ": " << s.message());
    CHECK(s.ok());
  }
}

std::unique_ptr<resource::ResourceClient> ResourceNode::Client() {
  auto client = std::make_unique<resource::ResourceClient>();
  REQUIRE(client->Open(env_.dialer, address_, port()).ok());
  return client;
}

std::string ResourceNode::ServerLog() {
  if (node_.empty()) return "";
  return nodetest::ReadFile(cluster_.remote(node_).root_dir() + "/resource.log");
}

std::string ResourceNode::RawCall(const std::string& line) {
  auto fd = env_.dialer->Connect(address_, port(), std::chrono::seconds(1));
  INFO("connect: " << fd.message());
  REQUIRE(fd.ok());
  size_t sent = 0;
  std::string answer;
  if (wire::WriteAll(*fd, line + "\n", In(2000), &sent).ok()) {
    wire::LineReader reader;
    if (!reader.ReadLine(*fd, In(2000), &answer).ok()) answer.clear();
  }
  close(*fd);
  return answer;
}

Recorder::Recorder() : start_(Clock::now()) {}

void Recorder::Invoke(int64_t process, const std::string& f, Json value) {
  Complete(process, OpType::kInvoke, f, std::move(value));
}

void Recorder::Complete(int64_t process, OpType type, const std::string& f, Json value,
                        Json error) {
  std::lock_guard<std::mutex> lock(mu_);
  Op op;
  op.time_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start_).count();
  op.process = process;
  op.type = type;
  op.f = f;
  op.value = std::move(value);
  op.error = std::move(error);
  history_.Append(std::move(op));
}

History Recorder::Take() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::move(history_);
}

void CriticalSection(resource::ResourceClient& client, Recorder& recorder, int64_t process,
                     const std::string& cs, std::optional<int64_t> fence,
                     std::chrono::milliseconds hold, const std::function<void()>& between) {
  const Json fence_json = fence ? Json(*fence) : Json();
  recorder.Invoke(process, lock_ops::kIncrement, Json{{"cs", cs}, {"fence", fence_json}});
  auto info = [&](const std::string& why) {
    recorder.Complete(process, OpType::kInfo, lock_ops::kIncrement, Json{{"cs", cs}}, why);
  };
  resource::Reply read = client.Read(cs, process, fence, In(2000));
  if (!read.ok()) {
    if (read.failed()) {
      recorder.Complete(process, OpType::kFail, lock_ops::kIncrement, Json{{"cs", cs}}, read.error);
    } else {
      info(read.error);
    }
    return;
  }
  if (between) between();
  std::this_thread::sleep_for(hold);
  const int64_t value = read.value.get<int64_t>() + 1;
  resource::Reply write = client.Write(cs, process, fence, value, In(2000));
  Json result = {{"cs", cs}, {"read", read.value}, {"wrote", value}};
  if (write.ok()) {
    result["accepted"] = true;
    recorder.Complete(process, OpType::kOk, lock_ops::kIncrement, result);
  } else if (write.failed()) {
    result["accepted"] = false;
    recorder.Complete(process, OpType::kFail, lock_ops::kIncrement, result, write.error);
  } else {
    info(write.error);
  }
}

void FinalPhase(resource::ResourceClient& client, Recorder& recorder, int64_t process) {
  recorder.Invoke(process, lock_ops::kResourceLog);
  resource::Reply log = client.Log(In(5000));
  INFO("resource-log: " << log.error);
  REQUIRE(log.ok());
  recorder.Complete(process, OpType::kOk, lock_ops::kResourceLog, log.value);
  recorder.Invoke(process, lock_ops::kResourceRead);
  resource::Reply read = client.Read("", process, std::nullopt, In(2000));
  INFO("resource-read: " << read.error);
  REQUIRE(read.ok());
  recorder.Complete(process, OpType::kOk, lock_ops::kResourceRead, read.value);
}

}  // namespace coordcheck::test
