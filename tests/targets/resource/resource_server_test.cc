// coordcheck-resource's protocol, deployed by ResourceDb on a local node: fencing in both
// modes, the log, bad requests, flags.
#include <catch2/catch.hpp>

#include "targets/resource/client.h"
#include "targets/resource/db.h"
#include "tests/targets/resource/resource_fixture.h"

namespace coordcheck::test {
namespace {

using resource::Mode;
using resource::Reply;
using resource::ResourceOptions;

ResourceOptions WithMode(Mode mode) {
  ResourceOptions options;
  options.mode = mode;
  return options;
}

void RequireOk(const Reply& reply) {
  INFO(resource::OutcomeName(reply.outcome) << ": " << reply.error);
  REQUIRE(reply.ok());
}

TEST_CASE("resource: fenced mode rejects a null or lower fence, accepts equal or higher",
          "[resource]") {
  ResourceNode node(WithMode(Mode::kFenced));
  auto client = node.Client();

  Reply ping = client->Ping(In(2000));
  RequireOk(ping);
  CHECK(ping.value["mode"] == "fenced");
  CHECK(ping.value["node"] == "n1");

  Reply read = client->Read("1-0", 1, 5, In(2000));
  RequireOk(read);
  CHECK(read.value == 0);

  Reply first = client->Write("1-0", 1, 5, 1, In(2000));
  RequireOk(first);
  CHECK(first.value == Json{{"counter", 1}, {"highest_fence", 5}});

  Reply lower = client->Write("2-0", 2, 4, 7, In(2000));
  CHECK(lower.failed());
  CHECK(lower.error == "stale fence");
  CHECK(lower.value == Json{{"highest_fence", 5}});

  Reply unfenced = client->Write("2-1", 2, std::nullopt, 7, In(2000));
  CHECK(unfenced.failed());
  CHECK(unfenced.error == "stale fence");

  RequireOk(client->Write("1-0", 1, 5, 2, In(2000)));  // equal: the same holder again
  Reply higher = client->Write("3-0", 3, 9, 3, In(2000));
  RequireOk(higher);
  CHECK(higher.value == Json{{"counter", 3}, {"highest_fence", 9}});

  Reply after = client->Read("", 1000, std::nullopt, In(2000));
  RequireOk(after);
  CHECK(after.value == 3);  // rejected writes changed nothing
}

TEST_CASE("resource: unfenced mode accepts every write", "[resource]") {
  ResourceNode node(WithMode(Mode::kUnfenced));
  auto client = node.Client();
  RequireOk(client->Write("1-0", 1, 9, 1, In(2000)));
  RequireOk(client->Write("2-0", 2, 3, 2, In(2000)));
  RequireOk(client->Write("3-0", 3, std::nullopt, 3, In(2000)));
  Reply read = client->Read("", 1000, std::nullopt, In(2000));
  RequireOk(read);
  CHECK(read.value == 3);
  Reply log = client->Log(In(2000));
  RequireOk(log);
  REQUIRE(log.value.size() == 4);
  for (int i = 0; i < 3; ++i) CHECK(log.value[i]["accepted"] == true);
}

TEST_CASE("resource: fenced, a newer holder's read fences off the old holder's late write",
          "[resource]") {
  // The interleaving a write-only check lets through: the old holder (fence 1) reads, stalls
  // past its lease; the new holder (fence 2) reads; the old one writes before the new one
  // does. Checking writes only, both writes would be accepted and an update lost.
  ResourceNode node(WithMode(Mode::kFenced));
  auto old_holder = node.Client();
  auto new_holder = node.Client();
  RequireOk(old_holder->Read("1-1", 1, 1, In(2000)));
  RequireOk(new_holder->Read("2-1", 2, 2, In(2000)));
  Reply late = old_holder->Write("1-1", 1, 1, 1, In(2000));
  CHECK(late.failed());
  CHECK(late.error == "stale fence");
  CHECK(late.value["highest_fence"] == 2);
  RequireOk(new_holder->Write("2-1", 2, 2, 1, In(2000)));
  // A read with a stale fence is refused too, and logged as not accepted.
  Reply stale_read = old_holder->Read("1-2", 1, 1, In(2000));
  CHECK(stale_read.failed());
  CHECK(stale_read.error == "stale fence");
  // A read without a fence (the final read) is always served.
  Reply final_read = old_holder->Read("", 9, std::nullopt, In(2000));
  RequireOk(final_read);
  CHECK(final_read.value == 1);
  Reply log = old_holder->Log(In(2000));
  RequireOk(log);
  REQUIRE(log.value.size() == 6);
  CHECK(log.value[4]["kind"] == "read");
  CHECK(log.value[4]["accepted"] == false);
  // Unfenced, the same interleaving is accepted (and loses the update).
  ResourceNode loose(WithMode(Mode::kUnfenced));
  auto a = loose.Client();
  auto b = loose.Client();
  RequireOk(a->Read("1-1", 1, 1, In(2000)));
  RequireOk(b->Read("2-1", 2, 2, In(2000)));
  RequireOk(a->Write("1-1", 1, 1, 1, In(2000)));
  RequireOk(b->Write("2-1", 2, 2, 1, In(2000)));
}

TEST_CASE("resource: the log lists every read and write in order", "[resource]") {
  ResourceNode node(WithMode(Mode::kFenced));
  auto a = node.Client();
  auto b = node.Client();
  RequireOk(b->Read("2-0", 2, 1, In(2000)));
  RequireOk(a->Read("1-0", 1, 2, In(2000)));
  RequireOk(a->Write("1-0", 1, 2, 1, In(2000)));
  CHECK(b->Write("2-0", 2, 1, 1, In(2000)).failed());
  RequireOk(b->Ping(In(2000)));                       // not logged
  RequireOk(a->Read("", 7, std::nullopt, In(2000)));  // a final read: no cs

  Reply log = a->Log(In(2000));
  RequireOk(log);
  const Json& entries = log.value;
  REQUIRE(entries.size() == 5);
  const Json expected[] = {
      {{"cs", "2-0"},
       {"process", 2},
       {"kind", "read"},
       {"fence", 1},
       {"value", 0},
       {"accepted", true}},
      {{"cs", "1-0"},
       {"process", 1},
       {"kind", "read"},
       {"fence", 2},
       {"value", 0},
       {"accepted", true}},
      {{"cs", "1-0"},
       {"process", 1},
       {"kind", "write"},
       {"fence", 2},
       {"value", 1},
       {"accepted", true}},
      {{"cs", "2-0"},
       {"process", 2},
       {"kind", "write"},
       {"fence", 1},
       {"value", 1},
       {"accepted", false}},
      {{"cs", nullptr},
       {"process", 7},
       {"kind", "read"},
       {"fence", nullptr},
       {"value", 1},
       {"accepted", true}},
  };
  int64_t last_t = -1;
  for (size_t i = 0; i < entries.size(); ++i) {
    INFO("entry " << i << ": " << entries[i].dump());
    CHECK(entries[i]["seq"] == static_cast<int64_t>(i));
    for (auto it = expected[i].begin(); it != expected[i].end(); ++it) {
      CHECK(entries[i][it.key()] == it.value());
    }
    REQUIRE(entries[i]["t_ns"].is_number_integer());
    const int64_t t = entries[i]["t_ns"];
    CHECK(t >= last_t);
    CHECK(t >= 0);
    last_t = t;
  }
  // The log fetch is not logged either.
  Reply again = b->Log(In(2000));
  RequireOk(again);
  CHECK(again.value.size() == 5);
}

TEST_CASE("resource: bad requests fail and are not logged", "[resource]") {
  ResourceNode node(WithMode(Mode::kUnfenced));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "bad request: not a JSON object"},
      {R"({"id":1})", "bad request: f must be a string"},
      {R"({"id":2,"f":"write","value":"x"})", "bad request: write needs an integer value"},
      {R"({"id":3,"f":"write","value":1,"fence":"high"})",
       "bad request: fence must be an integer or null"},
      {R"({"id":4,"f":"read","cs":[1]})", "bad request: cs must be a string, an integer or null"},
      {R"({"id":5,"f":"read","process":"p"})", "bad request: process must be an integer or null"},
      {R"({"id":6,"f":"delete"})", "unknown f \"delete\""},
  };
  for (const auto& [line, error] : cases) {
    const std::string answer = node.RawCall(line);
    INFO(line << " -> " << answer);
    Json j = Json::parse(answer, nullptr, false);
    REQUIRE(j.is_object());
    CHECK(j["type"] == "fail");
    CHECK(j["error"] == error);
  }
  CHECK(Json::parse(node.RawCall(R"({"id":9,"f":"read","cs":7})"))["value"] == 0);
  auto client = node.Client();
  Reply log = client->Log(In(2000));
  RequireOk(log);
  REQUIRE(log.value.size() == 1);
  CHECK(log.value[0]["cs"] == 7);  // an integer cs is kept as it came
}

TEST_CASE("resource: the server rejects bad flags", "[resource]") {
  ResourceNode node(WithMode(Mode::kFenced));
  control::Remote& n1 = node.remote("n1");
  const std::string binary = n1.root_dir() + "/bin/coordcheck-resource";
  auto run = [&](std::vector<std::string> argv) {
    argv.insert(argv.begin(), binary);
    auto r = n1.Exec(argv);
    REQUIRE(r.ok());
    return *r;
  };
  control::ExecResult mode = run({"--listen", "127.0.0.1:1", "--mode", "sometimes"});
  CHECK(mode.exit_code == 2);
  CHECK(mode.err.find("want fenced or unfenced") != std::string::npos);
  CHECK(run({"--mode", "fenced"}).exit_code == 2);  // no --listen
  CHECK(run({"--listen", "127.0.0.1:1", "--colour", "blue"}).exit_code == 2);
  control::ExecResult taken = run({"--listen", node.address() + ":" + std::to_string(node.port())});
  CHECK(taken.exit_code == 1);
  CHECK(taken.err.find("cannot listen") != std::string::npos);
  CHECK(run({"--help"}).exit_code == 0);
  CHECK(node.ServerLog().find("mode fenced") != std::string::npos);
}

}  // namespace
}  // namespace coordcheck::test
