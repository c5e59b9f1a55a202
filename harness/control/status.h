// The error type lives in the leaf library base/ (base/status.h); control:: names it too
// while code moves over to the unqualified coordcheck::Status.
#pragma once

#include "base/status.h"

namespace coordcheck::control {
using ::coordcheck::Result;
using ::coordcheck::Status;
}  // namespace coordcheck::control
