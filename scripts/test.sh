#!/usr/bin/env bash
# The whole test suite: set-up (packages, configure, build), then every test
# registered with ctest. Exit code 0 only when everything passed.
# Usage: bash scripts/test.sh [extra ctest args, e.g. -L slow or -R history/]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j2 --timeout 900 "$@"
