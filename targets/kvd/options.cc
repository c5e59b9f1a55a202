#include "targets/kvd/options.h"

#include <string>
#include <utility>
#include <vector>

namespace coordcheck::kvd {

control::Result<KvdOptions> ParseKvdOptions(const Json& options) {
  using R = control::Result<KvdOptions>;
  KvdOptions parsed;
  if (options.is_null()) return parsed;
  if (!options.is_object())
    return R::Error("kvd options must be a JSON object, got " + options.dump());
  struct Field {
    const char* name;
    int* target;
    int min;
    int max;
  };
  const std::vector<Field> fields = {
      {"port", &parsed.port, 1, 65535},
      {"connect_timeout_ms", &parsed.connect_timeout_ms, 1, 3'600'000},
      {"forward_timeout_ms", &parsed.forward_timeout_ms, 1, 3'600'000},
      {"replication_delay_ms", &parsed.replication_delay_ms, 0, 3'600'000},
      {"lost_cas_delay_ms", &parsed.lost_cas_delay_ms, 0, 3'600'000},
  };
  for (auto it = options.begin(); it != options.end(); ++it) {
    const Field* field = nullptr;
    for (const Field& f : fields) {
      if (it.key() == f.name) field = &f;
    }
    if (field == nullptr) {
      std::string known;
      for (const Field& f : fields) known += (known.empty() ? "" : ", ") + std::string(f.name);
      return R::Error("unknown kvd option \"" + it.key() + "\" (known: " + known + ")");
    }
    const Json& v = it.value();
    if (!v.is_number_integer() || v.get<int64_t>() < field->min || v.get<int64_t>() > field->max) {
      return R::Error("kvd option \"" + it.key() + "\" must be an integer in " +
                      std::to_string(field->min) + ".." + std::to_string(field->max) + ", got " +
                      v.dump());
    }
    *field->target = static_cast<int>(v.get<int64_t>());
  }
  return parsed;
}

}  // namespace coordcheck::kvd
