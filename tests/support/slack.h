// How late a test may see a bounded operation end, on a loaded machine.
//
// The suite runs under `ctest -j2` on two cores, next to other builds: a thread that a
// deadline should wake can be descheduled for hundreds of milliseconds. A test that checks
// "this ends by its deadline" therefore allows kSlack past it: still far below what the
// operation would take without the bound it checks (a lock's TTL, a 5 s deadline, a 30 s
// wait), which is what such a test is there to catch. Lower bounds ("not before the
// deadline") need no slack and keep their exact values.
//
// Thread-safety: a constant.
#pragma once

#include <chrono>

namespace testtime {

inline constexpr std::chrono::milliseconds kSlack{2000};

}  // namespace testtime
