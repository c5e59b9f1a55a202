#include "nemesis/client_pause/client_pause_nemesis.h"

namespace coordcheck {

std::vector<std::string> ClientPauseNemesis::fs() const { return {"pause-client"}; }

Op ClientPauseNemesis::Invoke(const Op& invoke) {
  Op done = invoke;
  done.type = OpType::kInfo;
  const Json& v = invoke.value;
  const bool any = v.is_object() && !v.contains("thread");
  if (!v.is_object() || !v.contains("ms") || !v["ms"].is_number_integer() ||
      v["ms"].get<int64_t>() < 0 || (!any && !v["thread"].is_number_integer())) {
    done.value = nullptr;
    done.error =
        "pause-client: expected {\"ms\": D} or {\"thread\": T, \"ms\": D}, got " + v.dump();
    return done;
  }
  const int64_t thread = any ? ClientPauseBoard::kAnyThread : v["thread"].get<int64_t>();
  if (board_ == nullptr || (!any && (thread < 0 || thread >= client_threads_))) {
    done.value = nullptr;
    done.error = "pause-client: no client thread " + std::to_string(thread) + " (there are " +
                 std::to_string(client_threads_) + ")";
    return done;
  }
  board_->PostPause(static_cast<int>(thread), v["ms"].get<int64_t>());
  done.value = v;
  done.value["posted"] = true;
  return done;
}

Status ClientPauseNemesis::Teardown() {
  if (board_ != nullptr) board_->Clear();
  return Status::Ok();
}

}  // namespace coordcheck
