// History: InputError formatting, Append, Validate on hand-built histories, Partners and
// Operations.
#include <catch2/catch.hpp>

#include "history/history.h"

namespace coordcheck {
namespace {

Op MakeOp(int64_t process, OpType type, std::string f, Json value = nullptr) {
  Op op;
  op.process = process;
  op.type = type;
  op.f = std::move(f);
  op.value = std::move(value);
  return op;
}

// Appends with time = 100 * index.
void Add(History* h, Op op) {
  op.time_ns = static_cast<int64_t>(h->size()) * 100;
  h->Append(std::move(op));
}

TEST_CASE("InputError names the place it knows") {
  CHECK(InputError("h.jsonl", 7, "bad").message() == "h.jsonl:7: bad");
  CHECK(InputError("", 7, "bad").message() == "line 7: bad");
  CHECK(InputError("h.jsonl", 0, "bad").message() == "h.jsonl: bad");
  CHECK(InputError("", 0, "bad").message() == "bad");
  CHECK_FALSE(InputError("", 0, "bad").ok());
}

TEST_CASE("Append numbers the events") {
  History h;
  Op op = MakeOp(0, OpType::kInvoke, "read");
  op.index = 42;
  h.Append(op);
  h.Append(MakeOp(0, OpType::kOk, "read", 1));
  REQUIRE(h.size() == 2);
  CHECK(h[0].index == 0);
  CHECK(h[1].index == 1);
  CHECK(h[1].value == 1);
}

TEST_CASE("Validate accepts a valid history with a pending invoke and a lone nemesis event") {
  History h;
  Add(&h, MakeOp(0, OpType::kInvoke, "write", 1));
  Add(&h, MakeOp(kNemesisProcess, OpType::kInfo, "start-partition"));
  Add(&h, MakeOp(0, OpType::kOk, "write", 1));
  Add(&h, MakeOp(1, OpType::kInvoke, "read"));
  CHECK(h.Validate("h").ok());
}

TEST_CASE("Validate reports the first violation with line = index + 1") {
  History h;
  Add(&h, MakeOp(0, OpType::kInvoke, "write", 1));
  Add(&h, MakeOp(0, OpType::kOk, "read", 1));  // wrong f: line 2
  Add(&h, MakeOp(5, OpType::kOk, "read", 1));  // no invoke: line 3
  CHECK(h.Validate("h.jsonl").message() ==
        R"(h.jsonl:2: process 0 completes "read" but its outstanding invoke (line 1) is "write")");
}

TEST_CASE("Validate checks the fields of hand-built ops") {
  History h;
  Add(&h, MakeOp(0, OpType::kInvoke, "read"));
  SECTION("index") {
    h.ops[0].index = 3;
    CHECK(h.Validate().message() == R"(line 1: "index" is 3, expected 0)");
  }
  SECTION("negative time") {
    h.ops[0].time_ns = -1;
    CHECK(h.Validate().message() == R"(line 1: "time" is -1, expected >= 0)");
  }
  SECTION("process") {
    h.ops[0].process = -7;
    CHECK(h.Validate().message() == R"(line 1: "process" is -7, expected >= 0 or "nemesis")");
  }
  SECTION("empty f") {
    h.ops[0].f.clear();
    CHECK(h.Validate().message() == R"(line 1: "f" is empty)");
  }
  SECTION("key") {
    h.ops[0].key = Json::array({1});
    CHECK(h.Validate().message() == R"(line 1: "key" is [1], expected a string or an integer)");
  }
  SECTION("extra") {
    h.ops[0].extra = 5;
    CHECK(h.Validate().message() == "line 1: extra fields are 5, expected an object");
  }
}

TEST_CASE("Partners and Operations pair invokes with completions") {
  History h;
  Add(&h, MakeOp(0, OpType::kInvoke, "write", 1));            // 0
  Add(&h, MakeOp(1, OpType::kInvoke, "read"));                // 1
  Add(&h, MakeOp(kNemesisProcess, OpType::kInfo, "start"));   // 2 lone
  Add(&h, MakeOp(1, OpType::kOk, "read", 1));                 // 3
  Add(&h, MakeOp(kNemesisProcess, OpType::kInvoke, "stop"));  // 4
  Add(&h, MakeOp(0, OpType::kInfo, "write", 1));              // 5
  Add(&h, MakeOp(kNemesisProcess, OpType::kInfo, "stop"));    // 6 completes 4
  Add(&h, MakeOp(2, OpType::kInvoke, "read"));                // 7 pending
  REQUIRE(h.Validate().ok());
  CHECK(h.Partners() == std::vector<int64_t>{5, 3, -1, 1, 6, 0, 4, -1});
  std::vector<Operation> ops = h.Operations();
  REQUIRE(ops.size() == 5);
  std::vector<std::pair<int64_t, int64_t>> pairs;
  for (const Operation& op : ops) pairs.emplace_back(op.invoke, op.complete);
  CHECK(pairs ==
        std::vector<std::pair<int64_t, int64_t>>{{0, 5}, {1, 3}, {-1, 2}, {4, 6}, {7, -1}});
}

TEST_CASE("Validate and Partners track large and sparse process ids") {
  // Id 100 starts in the id table's map (beyond its vector part); the vector grows over it at
  // event 6, which must still see that 100 was retired.
  History h;
  Add(&h, MakeOp(100, OpType::kInvoke, "read"));         // 0
  Add(&h, MakeOp(4000000000, OpType::kInvoke, "read"));  // 1
  Add(&h, MakeOp(100, OpType::kInfo, "read"));           // 2
  Add(&h, MakeOp(10, OpType::kInvoke, "read"));          // 3
  Add(&h, MakeOp(70, OpType::kInvoke, "read"));          // 4
  Add(&h, MakeOp(4000000000, OpType::kOk, "read"));      // 5
  REQUIRE(h.Validate().ok());
  CHECK(h.Partners() == std::vector<int64_t>{2, 5, 0, -1, -1, 1});
  Add(&h, MakeOp(100, OpType::kInvoke, "read"));  // 6
  CHECK(h.Validate().message() ==
        "line 7: process 100 is used again after its info completion (line 3); a process id is "
        "never reused after info");
}

TEST_CASE("an empty history is valid and has no operations") {
  History h;
  CHECK(h.Validate().ok());
  CHECK(h.Partners().empty());
  CHECK(h.Operations().empty());
}

}  // namespace
}  // namespace coordcheck
