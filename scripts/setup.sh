#!/usr/bin/env bash
# Installs every Debian package coordcheck needs (only what is missing, so a
# second run takes seconds), then configures and builds into build/.
# Usage: bash scripts/setup.sh            (as root on Debian 12)
# Env:   BUILD_DIR (default build), BUILD_TYPE (default RelWithDebInfo)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ cmake ninja-build pkg-config git
  nlohmann-json3-dev libcli11-dev catch2
  iproute2 iptables redis-server redis-tools libnetfilter-queue-dev
  etcd-server etcd-client
  postgresql libpq-dev libsqlite3-dev procps
  libxml2-utils bsdutils chromium libcpp-httplib-dev
  clang libclang-rt-14-dev
  libfuse3-dev fuse3
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" -DCOORDCHECK_WERROR=ON >/dev/null
cmake --build "$build_dir" -j2
