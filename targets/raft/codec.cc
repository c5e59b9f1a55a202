// Line-JSON encoding of Raft messages (message.h). Field names are short: the peer links
// carry every heartbeat.
#include <array>

#include "targets/raft/message.h"

namespace coordcheck::raft {
namespace {

constexpr std::array<const char*, 7> kTypeNames = {
    "prevote", "prevote-resp", "vote", "vote-resp", "append", "append-resp", "snapshot"};

bool ReadU64(const Json& j, const char* name, uint64_t* out) {
  auto it = j.find(name);
  if (it == j.end()) {
    *out = 0;
    return true;
  }
  if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<int64_t>() >= 0)) {
    return false;
  }
  *out = it->get<uint64_t>();
  return true;
}

bool ReadInt(const Json& j, const char* name, int* out) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number_integer()) return false;
  const int64_t v = it->get<int64_t>();
  if (v < 0 || v > 1'000'000) return false;
  *out = static_cast<int>(v);
  return true;
}

}  // namespace

const char* MsgTypeName(MsgType type) { return kTypeNames[static_cast<size_t>(type)]; }

Json RunsToJson(const std::vector<TermRun>& runs) {
  Json out = Json::array();
  for (const TermRun& run : runs) out.push_back({run.first_index, run.term});
  return out;
}

bool RunsFromJson(const Json& j, std::vector<TermRun>* runs) {
  runs->clear();
  if (!j.is_array()) return false;
  for (const Json& pair : j) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number_unsigned() ||
        !pair[1].is_number_unsigned()) {
      return false;
    }
    runs->push_back({pair[0].get<uint64_t>(), pair[1].get<uint64_t>()});
  }
  return true;
}

std::string EncodeMessage(const Message& m) {
  Json j = {{"t", MsgTypeName(m.type)}, {"from", m.from}, {"to", m.to}, {"term", m.term}};
  if (m.index != 0) j["i"] = m.index;
  if (m.log_term != 0) j["lt"] = m.log_term;
  if (m.commit != 0) j["c"] = m.commit;
  if (m.reject) j["rej"] = true;
  if (m.hint_index != 0) j["hi"] = m.hint_index;
  if (m.hint_term != 0) j["ht"] = m.hint_term;
  if (m.round != 0) j["r"] = m.round;
  if (!m.entries.empty()) {
    Json entries = Json::array();
    for (const Entry& e : m.entries) entries.push_back({e.index, e.term, e.data});
    j["e"] = std::move(entries);
  }
  if (m.type == MsgType::kSnapshot) {
    j["s"] = {{"i", m.snapshot.index},
              {"t", m.snapshot.term},
              {"runs", RunsToJson(m.snapshot.runs)},
              {"data", m.snapshot.data}};
  }
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

bool DecodeMessage(std::string_view line, Message* m, std::string* error) {
  Json j = Json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    *error = "not a JSON object";
    return false;
  }
  *m = Message();
  auto type = j.find("t");
  bool known = false;
  if (type != j.end() && type->is_string()) {
    for (size_t i = 0; i < kTypeNames.size(); ++i) {
      if (*type == kTypeNames[i]) {
        m->type = static_cast<MsgType>(i);
        known = true;
      }
    }
  }
  if (!known) {
    *error = "unknown message type";
    return false;
  }
  if (!ReadInt(j, "from", &m->from) || !ReadInt(j, "to", &m->to) || !ReadU64(j, "term", &m->term) ||
      !ReadU64(j, "i", &m->index) || !ReadU64(j, "lt", &m->log_term) ||
      !ReadU64(j, "c", &m->commit) || !ReadU64(j, "hi", &m->hint_index) ||
      !ReadU64(j, "ht", &m->hint_term) || !ReadU64(j, "r", &m->round)) {
    *error = "bad numeric field";
    return false;
  }
  m->reject = j.value("rej", false);
  if (auto entries = j.find("e"); entries != j.end()) {
    if (!entries->is_array()) {
      *error = "bad entries";
      return false;
    }
    for (const Json& e : *entries) {
      if (!e.is_array() || e.size() != 3 || !e[0].is_number_unsigned() ||
          !e[1].is_number_unsigned() || !e[2].is_string()) {
        *error = "bad entry";
        return false;
      }
      m->entries.push_back({e[0].get<uint64_t>(), e[1].get<uint64_t>(), e[2].get<std::string>()});
    }
  }
  if (m->type == MsgType::kSnapshot) {
    auto s = j.find("s");
    if (s == j.end() || !s->is_object() || !ReadU64(*s, "i", &m->snapshot.index) ||
        !ReadU64(*s, "t", &m->snapshot.term) ||
        !RunsFromJson(s->value("runs", Json()), &m->snapshot.runs) || !s->contains("data") ||
        !(*s)["data"].is_string()) {
      *error = "bad snapshot";
      return false;
    }
    m->snapshot.data = (*s)["data"].get<std::string>();
  }
  return true;
}

}  // namespace coordcheck::raft
