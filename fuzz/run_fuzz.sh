#!/usr/bin/env bash
# Builds coordcheck's libFuzzer targets with clang (fuzz/CMakeLists.txt read on its own: only
# the sources the targets need, into DIR), and fuzzes one target for a while. The ctest tests
# labelled `fuzz` call it; it is also how to fuzz for longer by hand.
# Usage: fuzz/run_fuzz.sh build DIR
#        fuzz/run_fuzz.sh run DIR TARGET SECONDS [libFuzzer options...]
#   TARGET: history_jsonl, edn_import or json_report. New inputs go to DIR/corpus/TARGET (the
#   committed seeds in fuzz/corpus/TARGET are only read); a crashing input is saved as
#   DIR/artifacts/TARGET/crash-* and the exit status is non-zero.
# Exit status 77 (ctest: skipped) when clang or libFuzzer is not installed.
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
mode=${1:?usage: run_fuzz.sh build DIR | run DIR TARGET SECONDS [options...]}
dir=${2:?missing DIR}

if ! command -v clang++ >/dev/null ||
  ! clang++ -print-file-name=libclang_rt.fuzzer-x86_64.a | grep -q /; then
  echo "run_fuzz: clang++ with libFuzzer is not installed (packages clang, libclang-rt-14-dev)"
  exit 77
fi

case "$mode" in
  build)
    launcher=()
    if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
    cmake -S "$src" -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_BUILD_TYPE= "${launcher[@]}" >/dev/null
    cmake --build "$dir" -j2
    ;;
  run)
    target=${3:?missing TARGET}
    seconds=${4:?missing SECONDS}
    shift 4
    mkdir -p "$dir/corpus/$target" "$dir/artifacts/$target"
    # -timeout: one input taking seconds is a hang worth reporting; ASan's leak check runs too.
    exec "$dir/${target}_fuzz" -max_total_time="$seconds" -timeout=5 -print_final_stats=1 \
      -artifact_prefix="$dir/artifacts/$target/" "$@" "$dir/corpus/$target" "$src/corpus/$target"
    ;;
  *)
    echo "run_fuzz: unknown mode $mode" >&2
    exit 2
    ;;
esac
