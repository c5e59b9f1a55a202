// cas-register: a register with compare-and-set. Init default null.
#include "checkers/models/register_ops.h"

namespace coordcheck::lin {

extern const LinModel kCasRegisterModel{
    .name = "cas-register",
    .summary = "a register with compare-and-set",
    .help = "register plus cas: [expected, new] (ok = applied; fail = not applied).",
    .ops = {{"read", RegisterOps::kRead},
            {"write", RegisterOps::kWrite},
            {"cas", RegisterOps::kCas}},
    .make = &MakeScalarModel<RegisterOps, &RegisterOps::Initial>,
    .validate_op = &RegisterOps::ValidateOp,
    .info_is_no_op = &RegisterOps::InfoIsNoOp,
    .stronger_class = &RegisterOps::StrongerClass,
    .register_initial = &RegisterOps::Initial,
};

}  // namespace coordcheck::lin
