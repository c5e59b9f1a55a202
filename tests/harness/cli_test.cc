// The coordcheck binary as a CI pipeline sees it: exit codes, messages naming
// the place of bad input, results.json, and the import command.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "checkers/lin_model.h"
#include "harness/control/cluster.h"
#include "harness/test_config.h"
#include "targets/target.h"
#include "tests/support/node_env.h"
#include "workloads/workload.h"

namespace {

struct Run {
  int code = -1;
  std::string out;  // stdout and stderr together
};

Run Coordcheck(const std::string& args) {
  std::string cmd = std::string(COORDCHECK_BINARY) + " " + args + " 2>&1";
  Run run;
  std::FILE* pipe = popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) run.out.append(buf, n);
  int status = pclose(pipe);
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string Shared(const std::string& file) {
  return std::string(COORDCHECK_TEST_DATA) + "/shared-histories/" + file;
}

std::string TempFile(const std::string& name, const std::string& text) {
  auto path = nodetest::ProcessTempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("check exits 0 on a valid history and 1 on an invalid one") {
  Run valid = Coordcheck("check " + Shared("porcupine/etcd_002.jsonl") + " --model cas-register");
  CHECK(valid.code == 0);
  CHECK(valid.out.rfind("valid", 0) == 0);
  Run invalid = Coordcheck("check " + Shared("porcupine/etcd_000.jsonl") + " --model cas-register");
  CHECK(invalid.code == 1);
  CHECK(invalid.out.rfind("invalid", 0) == 0);
  CHECK(invalid.out.find("cannot be linearized") != std::string::npos);
}

TEST_CASE("check writes results.json with the verdict and the counterexample") {
  auto out = TempFile("results.json", "");
  Run r = Coordcheck("check " + Shared("porcupine/c10-bad.jsonl") +
                     " --model kv --init '\"\"' --out " + out + " --quiet");
  REQUIRE(r.code == 1);
  CHECK(r.out.empty());
  nlohmann::json j = nlohmann::json::parse(std::ifstream(out));
  CHECK(j["valid"] == false);  // Jepsen's :valid? spelling
  CHECK(j["verdict"] == "invalid");
  CHECK(j["details"]["key"].is_string());
  CHECK(j["details"]["op"]["index"].is_number_integer());
  CHECK(!j["details"]["states"].empty());
}

// 26 processes write 0..25 concurrently, then one reads 5 and then 7: invalid,
// but a search must try about 2^26 subsets of the writes.
std::string ConcurrentWritesFile() {
  std::string text;
  int index = 0;
  auto line = [&](int process, const char* type, const std::string& f, const std::string& value) {
    text += R"({"index":)" + std::to_string(index) + R"(,"time":)" + std::to_string(index) +
            R"(,"process":)" + std::to_string(process) + R"(,"type":")" + type + R"(","f":")" + f +
            R"(","value":)" + value + "}\n";
    ++index;
  };
  for (int p = 0; p < 26; ++p) line(p, "invoke", "write", std::to_string(p));
  for (int p = 0; p < 26; ++p) line(p, "ok", "write", std::to_string(p));
  line(30, "invoke", "read", "null");
  line(30, "ok", "read", "5");
  line(30, "invoke", "read", "null");
  line(30, "ok", "read", "7");
  return TempFile("concurrent-writes.jsonl", text);
}

TEST_CASE("check exits 2 when the time or memory budget runs out") {
  const std::string hard = ConcurrentWritesFile();
  Run t = Coordcheck("check " + hard + " --model register --time-limit 0.5");
  CHECK(t.code == 2);
  CHECK(t.out.rfind("unknown", 0) == 0);
  CHECK(t.out.find("time limit") != std::string::npos);
  Run m = Coordcheck("check " + hard + " --model register --memory-limit 1 --time-limit 60");
  CHECK(m.code == 2);
  CHECK(m.out.find("memory limit") != std::string::npos);
}

TEST_CASE("a stale read is reported with its proof when the search cannot finish") {
  // A generated single-key cas-register history (6 processes, 20,000 ops, 1%
  // info ops) with one injected stale read; its search takes minutes.
  const std::string hard = std::string(COORDCHECK_TEST_DATA) + "/hard/cas-p6-n20000-invalid.jsonl";
  Run r = Coordcheck("check " + hard + " --model cas-register --time-limit 60");
  CHECK(r.code == 1);
  CHECK(r.out.find("op 35195 (process 170 read, ok 0") != std::string::npos);
  CHECK(r.out.find("is a stale read") != std::string::npos);
}

TEST_CASE("every rule of the history format broken once exits 3 naming the line") {
  const std::string ok0 =
      R"({"index":0,"time":1,"process":0,"type":"invoke","f":"read","value":null})";
  struct Case {
    const char* rule;
    std::string second_line;  // follows ok0; the error must name line 2
  };
  const Case cases[] = {
      {"not JSON", R"({"index":1,"time":2,)"},
      {"not an object", R"([1,2,3])"},
      {"index missing", R"({"time":2,"process":0,"type":"ok","f":"read","value":1})"},
      {"index not dense", R"({"index":2,"time":2,"process":0,"type":"ok","f":"read","value":1})"},
      {"time missing", R"({"index":1,"process":0,"type":"ok","f":"read","value":1})"},
      {"time decreases", R"({"index":1,"time":0,"process":0,"type":"ok","f":"read","value":1})"},
      {"process negative", R"({"index":1,"time":2,"process":-1,"type":"invoke","f":"read"})"},
      {"process a string", R"({"index":1,"time":2,"process":"n1","type":"invoke","f":"read"})"},
      {"type unknown", R"({"index":1,"time":2,"process":0,"type":"done","f":"read","value":1})"},
      {"f missing", R"({"index":1,"time":2,"process":0,"type":"ok","value":1})"},
      {"f empty", R"({"index":1,"time":2,"process":0,"type":"ok","f":"","value":1})"},
      {"key a list", R"({"index":1,"time":2,"process":1,"type":"invoke","f":"read","key":[1]})"},
      {"node a number", R"({"index":1,"time":2,"process":1,"type":"invoke","f":"read","node":3})"},
      {"completion without invoke",
       R"({"index":1,"time":2,"process":1,"type":"ok","f":"read","value":1})"},
      {"completion with another f",
       R"({"index":1,"time":2,"process":0,"type":"ok","f":"write","value":1})"},
      {"completion with another key",
       R"({"index":1,"time":2,"process":0,"type":"ok","f":"read","key":"k","value":1})"},
      {"two outstanding invokes", R"({"index":1,"time":2,"process":0,"type":"invoke","f":"read"})"},
      {"blank line in the middle", ""},
  };
  for (const Case& c : cases) {
    INFO(c.rule);
    std::string text = ok0 + "\n" + c.second_line + "\n";
    if (c.second_line.empty())
      text += R"({"index":1,"time":2,"process":0,"type":"ok","f":"read","value":1})"
              "\n";
    const std::string path = TempFile("rule.jsonl", text);
    Run r = Coordcheck("check " + path + " --model register");
    INFO(r.out);
    CHECK(r.code == 3);
    CHECK(r.out.find(path + ":2:") != std::string::npos);
  }
  // After an info completion a process id is never used again (line 4).
  const std::string reuse = TempFile(
      "reuse.jsonl",
      ok0 + "\n" + R"({"index":1,"time":2,"process":0,"type":"info","f":"read","value":null})" +
          "\n" + R"({"index":2,"time":3,"process":1,"type":"invoke","f":"read","value":null})" +
          "\n" + R"({"index":3,"time":4,"process":0,"type":"invoke","f":"read","value":null})" +
          "\n");
  Run r = Coordcheck("check " + reuse + " --model register");
  CHECK(r.code == 3);
  CHECK(r.out.find(reuse + ":4:") != std::string::npos);
}

TEST_CASE("check --help documents every model and the exit codes") {
  Run r = Coordcheck("check --help");
  CHECK(r.code == 0);
  for (const char* model :
       {"register", "cas-register", "kv", "mutex", "set", "queue", "counter", "multi-register"}) {
    CHECK(r.out.find(model) != std::string::npos);
  }
  CHECK(r.out.find("Exit codes") != std::string::npos);
}

TEST_CASE("import jepsen converts history.edn into a checkable history") {
  auto edn = TempFile("history.edn",
                      "{:type :invoke, :f :write, :value 1, :process 0, :time 10, :index 0}\n"
                      "{:type :ok, :f :write, :value 1, :process 0, :time 20, :index 1}\n"
                      "{:type :invoke, :f :read, :value nil, :process 1, :time 30, :index 2}\n"
                      "{:type :ok, :f :read, :value 2, :process 1, :time 40, :index 3}\n");
  auto jsonl = TempFile("imported.jsonl", "");
  Run imp = Coordcheck("import jepsen " + edn + " -o " + jsonl);
  REQUIRE(imp.code == 0);
  // The read of 2 after a write of 1 is not linearizable.
  Run r = Coordcheck("check " + jsonl + " --model register");
  CHECK(r.code == 1);
  Run bad =
      Coordcheck("import jepsen " + TempFile("bad.edn", "{:type :invoke\n :f }") + " -o " + jsonl);
  CHECK(bad.code == 3);
}

TEST_CASE("check --checker judges a payments history offline with its own checkers") {
  // p0-1 timed out, was retried and acknowledged, and the service charged it twice; its
  // events reached the ledger once each.
  const std::string lines =
      R"({"index":0,"time":1,"process":0,"type":"invoke","f":"charge","key":"p0-1","value":{"account":"a1","amount":40,"attempt":1}})"
      "\n"
      R"({"index":1,"time":2,"process":0,"type":"info","f":"charge","key":"p0-1","value":{"account":"a1","amount":40,"attempt":1},"error":"no answer in time"})"
      "\n"
      R"({"index":2,"time":3,"process":5,"type":"invoke","f":"charge","key":"p0-1","value":{"account":"a1","amount":40,"attempt":2}})"
      "\n"
      R"({"index":3,"time":4,"process":5,"type":"ok","f":"charge","key":"p0-1","value":{"account":"a1","amount":40,"attempt":2,"charge_id":"c2","replayed":false}})"
      "\n"
      R"({"index":4,"time":5,"process":5,"type":"invoke","f":"drain","value":null})"
      "\n"
      R"({"index":5,"time":6,"process":5,"type":"ok","f":"drain","value":{"pending":0,"outbox":true}})"
      "\n"
      R"({"index":6,"time":7,"process":5,"type":"invoke","f":"read-service","value":null})"
      "\n"
      R"({"index":7,"time":8,"process":5,"type":"ok","f":"read-service","value":{"charges":[["c1","p0-1","a1",40],["c2","p0-1","a1",40]],"balances":{"a1":80}}})"
      "\n"
      R"({"index":8,"time":9,"process":5,"type":"invoke","f":"read-ledger","value":null})"
      "\n"
      R"({"index":9,"time":10,"process":5,"type":"ok","f":"read-ledger","value":{"events":[["c1","a1",40,1],["c2","a1",40,1]],"balances":{"a1":80}}})"
      "\n";
  const auto path = TempFile("payments.jsonl", lines);
  Run both = Coordcheck("check --checker idempotency,outbox " + path);
  INFO(both.out);
  CHECK(both.code == 1);
  CHECK(both.out.find("idempotency: invalid") != std::string::npos);
  CHECK(both.out.find("p0-1") != std::string::npos);
  CHECK(both.out.find("outbox: valid") != std::string::npos);
  Run outbox = Coordcheck("check --checker outbox " + path);
  CHECK(outbox.code == 0);
  Run unknown = Coordcheck("check --checker payments " + path);
  CHECK(unknown.code == 3);
  CHECK(unknown.out.find("unknown checker \"payments\"") != std::string::npos);
}

// `list` and every --help come from the catalogues; this compares them, so neither can drift.
TEST_CASE("list and --help show every catalogue entry: targets, bugs, workloads, checkers, options") {
  Run list = Coordcheck("list");
  REQUIRE(list.code == 0);
  auto has = [&](const std::string& text) {
    INFO(text);
    CHECK(list.out.find(text) != std::string::npos);
  };
  for (const coordcheck::Target* t : coordcheck::AllTargets()) {
    has("  " + t->name() + " ");
    for (const coordcheck::BugInfo& b : t->bugs()) has("--bug " + b.name);
    for (const coordcheck::OptionDoc& o : t->options()) has(o.name + ": " + o.doc);
  }
  for (const coordcheck::Workload* w : coordcheck::AllWorkloads()) {
    has("  " + w->name() + " ");
    for (const coordcheck::OptionDoc& o : w->options()) has(o.name + ": " + o.doc);
  }
  for (const coordcheck::CheckerInfo& c : coordcheck::AllCheckers()) has(c.name + " ");
  for (const coordcheck::lin::LinModel* m : coordcheck::lin::AllLinModels()) {
    has(std::string(m->name) + " ");
  }
  for (const coordcheck::control::BackendInfo& b : coordcheck::control::AllBackends()) {
    has(b.name + " " );
  }
  // Which workloads a target runs is computed from the ops its client understands.
  has("workloads: register, rw-register");

  for (const char* command : {"run", "compare"}) {
    Run help = Coordcheck(std::string(command) + " --help");
    REQUIRE(help.code == 0);
    for (const coordcheck::OptionDoc& o : coordcheck::TestConfigTable().Docs()) {
      if (o.flag.empty() || (std::string(command) == "compare" &&
                             (o.name == "target" || o.name == "bug"))) {
        continue;
      }
      INFO(command << " " << o.flag);
      CHECK(help.out.find(o.flag.substr(0, o.flag.find(','))) != std::string::npos);
      CHECK(help.out.find(o.doc.substr(0, 30)) != std::string::npos);
    }
  }
  Run check_help = Coordcheck("check --help");
  for (const coordcheck::CheckerInfo& c : coordcheck::AllCheckers()) {
    INFO(c.name);
    CHECK(check_help.out.find(c.name) != std::string::npos);
  }
}

// History input a CI pipeline must never take as a pass: an empty or blank history, EDN with
// no ops, a device instead of a file. Each exits 3 with a message naming the input.
TEST_CASE("check exits 3 on a history with no events") {
  for (const char* text : {"", "\n\n \n"}) {
    const std::string path = TempFile("empty.jsonl", text);
    const Run r = Coordcheck("check " + path + " --model register");
    INFO(r.out);
    CHECK(r.code == 3);
    CHECK(r.out == "coordcheck: error: " + path + ": no events\n");
  }
  const Run r = Coordcheck("check - --model register < /dev/null");
  CHECK(r.code == 3);
  CHECK(r.out == "coordcheck: error: <stdin>: no events\n");
}

TEST_CASE("check exits 3 on a device instead of a history file") {
  const Run r = Coordcheck("check /dev/zero --model register");
  CHECK(r.code == 3);
  CHECK(r.out ==
        "coordcheck: error: /dev/zero: a character device, not a history file (give a file, a "
        "pipe, or - for stdin)\n");
}

TEST_CASE("import exits 3 on EDN with no ops and writes nothing") {
  const std::string out = TempFile("empty-import.jsonl", "");
  for (const char* text : {"", "\n; only a comment\n"}) {
    std::filesystem::remove(out);
    const std::string edn = TempFile("empty.edn", text);
    const Run r = Coordcheck("import jepsen " + edn + " -o " + out);
    INFO(r.out);
    CHECK(r.code == 3);
    CHECK(r.out == "coordcheck: error: " + edn + ": no events\n");
    CHECK_FALSE(std::filesystem::exists(out));
  }
}
