#include "targets/etcd/options.h"

#include <string>
#include <vector>

namespace coordcheck::etcd {

control::Result<EtcdOptions> ParseEtcdOptions(const Json& options) {
  using R = control::Result<EtcdOptions>;
  EtcdOptions parsed;
  if (options.is_null()) return parsed;
  if (!options.is_object()) {
    return R::Error("etcd options must be a JSON object, got " + options.dump());
  }
  struct Field {
    const char* name;
    int* target;
  };
  const std::vector<Field> fields = {
      {"client_port", &parsed.client_port},
      {"peer_port", &parsed.peer_port},
  };
  for (auto it = options.begin(); it != options.end(); ++it) {
    const Field* field = nullptr;
    for (const Field& f : fields) {
      if (it.key() == f.name) field = &f;
    }
    if (field == nullptr) {
      std::string known;
      for (const Field& f : fields) known += (known.empty() ? "" : ", ") + std::string(f.name);
      return R::Error("unknown etcd option \"" + it.key() + "\" (known: " + known + ")");
    }
    const Json& v = it.value();
    if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > 65535) {
      return R::Error("etcd option \"" + it.key() + "\" must be a port number in 1..65535, got " +
                      v.dump());
    }
    *field->target = static_cast<int>(v.get<int64_t>());
  }
  if (parsed.client_port == parsed.peer_port) {
    return R::Error("etcd options \"client_port\" and \"peer_port\" must differ, both are " +
                    std::to_string(parsed.client_port));
  }
  return parsed;
}

}  // namespace coordcheck::etcd
