// register: read -> v (null = no value), write v. Init default null.
#include "checkers/models/register_ops.h"

namespace coordcheck::lin {

extern const LinModel kRegisterModel{
    .name = "register",
    .summary = "a read/write register",
    .help = "read: null -> v (null = no value); write: v. Init default null.",
    .ops = {{"read", RegisterOps::kRead}, {"write", RegisterOps::kWrite}},
    .make = &MakeScalarModel<RegisterOps, &RegisterOps::Initial>,
    .info_is_no_op = &RegisterOps::InfoIsNoOp,
    .register_initial = &RegisterOps::Initial,
};

}  // namespace coordcheck::lin
