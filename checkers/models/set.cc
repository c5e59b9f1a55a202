// set: add members, read them all. Init []. The state is the sorted ids of
// the members.
#include "checkers/models/partition_model.h"

namespace coordcheck::lin {
namespace {

// The sorted, distinct ids of `members`.
std::vector<int64_t> MemberIds(const Json& members, HashedValues& values) {
  std::vector<int64_t> ids;
  for (const Json& v : members) ids.push_back(values.Intern(v));
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

class Set {
 public:
  enum Code : int { kAdd, kRead };
  struct Compiled {
    Code fn = kAdd;
    bool known = false;            // an ok op
    std::vector<int64_t> members;  // add: the member; read: the members read
  };

  std::vector<int64_t> Init(const std::optional<Json>& init, HashedValues& values) {
    return init ? MemberIds(*init, values) : std::vector<int64_t>();
  }
  Compiled Compile(int code, const Op& invoke, const Op* ok, HashedValues& values) {
    Compiled op{static_cast<Code>(code), ok != nullptr, {}};
    if (op.fn == kAdd) op.members.push_back(values.Intern(invoke.value));
    if (op.fn == kRead && ok != nullptr) op.members = MemberIds(ok->value, values);
    return op;
  }
  bool Step(const Compiled& op, std::vector<int64_t>& s) const {
    if (op.fn == kRead) return !op.known || s == op.members;
    const int64_t v = op.members[0];
    auto pos = std::lower_bound(s.begin(), s.end(), v);
    if (pos == s.end() || *pos != v) s.insert(pos, v);
    return true;
  }
  Json Describe(const std::vector<int64_t>& s, const HashedValues& values) const {
    Json out = Json::array();
    for (int64_t v : s) out.push_back(values.Describe(static_cast<int32_t>(v)));
    return out;
  }
  static bool DeterminedByState(const Compiled& op) { return ReadOnly(op); }
  static bool ReadOnly(const Compiled& op) { return op.fn == kRead && op.known; }
};

Status ValidateOp(int code, const Op&, const Op* ok) {
  if (code == Set::kRead && ok != nullptr && !ok->value.is_array())
    return Status::Error("a set read's ok value must be a list of members, got " +
                         ok->value.dump());
  return Status::Ok();
}

bool InfoIsNoOp(int code, const Op&) { return code == Set::kRead; }

}  // namespace

extern const LinModel kSetModel{
    .name = "set",
    .summary = "a grow-only set: add members, read them all",
    .help = "add: v; read: null -> [members]. Init [].",
    .ops = {{"add", Set::kAdd}, {"read", Set::kRead}},
    .make = &MakeVectorModel<Set>,
    .validate_init = &InitIsList,
    .validate_op = &ValidateOp,
    .info_is_no_op = &InfoIsNoOp,
};

}  // namespace coordcheck::lin
