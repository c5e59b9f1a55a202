// FUZZ_CHECK: the fuzz targets' oracle. A broken property prints what and where, then aborts,
// which libFuzzer (and the replay binaries) report as a crash with the input saved.
//
// Thread-safety: a macro over fprintf and abort.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                                 \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (0)
