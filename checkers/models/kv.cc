// kv: a map of registers with appends, checked per key. Init default "" for
// every key; an object gives per-key values.
#include "checkers/models/register_ops.h"

namespace coordcheck::lin {
namespace {

Json Initial(const std::optional<Json>& init, const Json& key) {
  if (!init) return "";
  if (!init->is_object()) return *init;
  auto it = init->find(key.is_string() ? key.get<std::string>() : key.dump());
  return it != init->end() ? *it : Json("");
}

}  // namespace

extern const LinModel kKvModel{
    .name = "kv",
    .summary = "a key-value map: per key a cas-register with string appends",
    .help =
        "per key: read/get, write/put, cas as cas-register, append: string\n"
        "(concatenated to the key's value). Init default \"\" for every key;\n"
        "an object init gives per-key values.",
    .ops = {{"read", RegisterOps::kRead},
            {"get", RegisterOps::kRead},
            {"write", RegisterOps::kWrite},
            {"put", RegisterOps::kWrite},
            {"cas", RegisterOps::kCas},
            {"append", RegisterOps::kAppend}},
    .make = &MakeScalarModel<RegisterOps, &Initial>,
    .validate_op = &RegisterOps::ValidateOp,
    .info_is_no_op = &RegisterOps::InfoIsNoOp,
    .stronger_class = &RegisterOps::StrongerClass,
    .register_initial = &Initial,
};

}  // namespace coordcheck::lin
