#!/usr/bin/env bash
# The demo (Steps 2-3): set up and build, then run real end-to-end tests of our reference
# key-value service kvd on 5 network-namespace nodes: the correct `primary` mode under
# every fault (partitions, packet loss/delay, clock skew, pauses, kills), which must stay
# valid, and the deliberately broken `follower-reads` (under partitions) and `lost-cas`
# variants, which the harness must catch (invalid).
# Each run's files land in store/<test>/<timestamp>/ (store/latest is the newest).
# Exits 0 when every verdict is the expected one.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 3
bin=${BUILD_DIR:-build}/bin/coordcheck
seconds=${DEMO_SECONDS:-15}
status=0
run() {  # expected-exit-code, then coordcheck run flags
  local expect=$1; shift
  echo "== coordcheck run --workload register --target kvd $* --time-limit $seconds"
  "$bin" run --workload register --target kvd "$@" --time-limit "$seconds"
  local code=$?
  if [[ $code == "$expect" ]]; then
    echo "(exit code $code, as expected)"
  else
    echo "(exit code $code, expected $expect)"; status=1
  fi
  echo
}
run 0 --nemesis partition,packet,clock,pause,kill --nemesis-interval 2
run 1 --bug follower-reads --nemesis partition --nemesis-interval 2
run 1 --bug lost-cas
exit $status
