#include "targets/resource/options.h"

namespace coordcheck::resource {

control::Result<ResourceOptions> ParseResourceOptions(const Json& options) {
  using R = control::Result<ResourceOptions>;
  ResourceOptions parsed;
  if (options.is_null()) return parsed;
  if (!options.is_object()) {
    return R::Error("resource options must be a JSON object, got " + options.dump());
  }
  auto int_in = [&](const std::string& key, const Json& v, int min, int max, int* out) {
    if (!v.is_number_integer() || v.get<int64_t>() < min || v.get<int64_t>() > max) {
      return R::Error("resource option \"" + key + "\" must be an integer in " +
                      std::to_string(min) + ".." + std::to_string(max) + ", got " + v.dump());
    }
    *out = static_cast<int>(v.get<int64_t>());
    return R(parsed);
  };
  for (auto it = options.begin(); it != options.end(); ++it) {
    const std::string& key = it.key();
    const Json& v = it.value();
    if (key == "port") {
      if (auto r = int_in(key, v, 1, 65535, &parsed.port); !r.ok()) return r;
    } else if (key == "connect_timeout_ms") {
      if (auto r = int_in(key, v, 1, 3'600'000, &parsed.connect_timeout_ms); !r.ok()) return r;
    } else if (key == "mode") {
      if (!v.is_string() || !ParseMode(v.get<std::string>(), &parsed.mode)) {
        return R::Error("resource option \"mode\" must be \"fenced\" or \"unfenced\", got " +
                        v.dump());
      }
    } else if (key == "node") {
      if (!v.is_string()) {
        return R::Error("resource option \"node\" must be a node name, got " + v.dump());
      }
      parsed.node = v.get<std::string>();
    } else if (key == "persist") {
      if (!v.is_boolean()) {
        return R::Error("resource option \"persist\" must be true or false, got " + v.dump());
      }
      parsed.persist = v.get<bool>();
    } else {
      return R::Error("unknown resource option \"" + key +
                      "\" (known: port, mode, node, persist, connect_timeout_ms)");
    }
  }
  return parsed;
}

}  // namespace coordcheck::resource
