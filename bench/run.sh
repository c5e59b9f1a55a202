#!/usr/bin/env bash
# Builds coordcheck in Release, generates the benchmark histories and times the
# linearizability checker on the shared histories and the generated ones.
#
# Usage: bench/run.sh [lin_bench options...]
#   e.g. bench/run.sh --time-limit-s 30 --filter 'etcd|cas-p12'
# Environment: BUILD_DIR (default build-release), BENCH_DATA (default
# BUILD_DIR/bench-data), BENCH_SEED (gen_histories master seed, default 1),
# BENCH_GEN_ARGS (extra gen_histories options, e.g. --no-large).
# Exit status: lin_bench's (0 as expected, 1 mismatch, 2 unknown, 3 error).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build-release}"
data="${BENCH_DATA:-$build/bench-data}"
seed="${BENCH_SEED:-1}"

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" gen_histories lin_bench

# shellcheck disable=SC2086  # BENCH_GEN_ARGS is a list of options
"$build/bench/gen_histories" --out "$data" --seed "$seed" ${BENCH_GEN_ARGS:-}

commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$root" status --porcelain 2>/dev/null)" ]; then commit="$commit (dirty)"; fi
echo
echo "commit $commit; $(nproc) cores; kernel $(uname -r); load average $(cut -d' ' -f1-3 /proc/loadavg)"

"$build/bench/lin_bench" --generated "$data" --json "$data/results.json" "$@" |
  tee "$data/results.txt"
