#!/usr/bin/env bash
# Compile time of a fresh build, from ninja's log: configures and builds the tree into a new
# folder (no ccache, the CI's flags), then prints the summed step time of every compile step
# (what the compiler spent, one core each), the wall time, and the slowest files.
# Run it on a quiet machine: the figures are wall times of each step.
# Usage: bash bench/build_time.sh [BUILD_DIR (default /tmp/coordcheck-build-time)] [JOBS (2)]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-/tmp/coordcheck-build-time}
jobs=${2:-2}
rm -rf "$dir"
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOORDCHECK_WERROR=ON \
  -DCMAKE_CXX_COMPILER_LAUNCHER= >/dev/null
start=$(date +%s)
ninja -C "$dir" -j"$jobs" >/dev/null
end=$(date +%s)
# .ninja_log: start_ms end_ms mtime output hash. Compile steps make .o or .gch files.
log="$dir/.ninja_log"
awk -v wall=$((end - start)) -v jobs="$jobs" '
  NR > 1 && ($4 ~ /\.o$/ || $4 ~ /\.gch$/) {
    t = ($2 - $1) / 1000; sum += t; n++
    if ($4 ~ /\.gch$/) { pch += t; npch++ }
  }
  END {
    printf "compile steps: %d (%d precompiled headers)\n", n, npch
    printf "compile time, summed: %.0f s (precompiled headers: %.0f s)\n", sum, pch
    printf "wall time of the build: %d s with -j%s\n", wall, jobs
  }' "$log"
echo "slowest files:"
awk 'NR > 1 && $4 ~ /\.o$/ { printf "%8.1f s  %s\n", ($2 - $1) / 1000, $4 }' "$log" |
  sort -rn | head -10
