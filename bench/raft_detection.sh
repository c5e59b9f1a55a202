#!/usr/bin/env bash
# Does the harness catch each broken variant of our own Raft, and does the correct one stay
# valid? For every bug, SEEDS runs of SECONDS_PER_RUN s on random seeds under the faults that
# should reach it (a table row: caught / runs, and the seeds); for the correct raft, CORRECT
# runs of CORRECT_SECONDS s with every fault family that applies to the register workload
# (the seeds are listed, each run must be valid). Prints one row per case; exits 1 when a
# correct run was not valid. No timing assertions: a figure, not a test.
#
# Usage: bash bench/raft_detection.sh        (as root, after scripts/setup.sh)
# Env:   SEEDS (5), SECONDS_PER_RUN (60), CORRECT (20), CORRECT_SECONDS (30), ONLY (a regex
#        over the case lines, e.g. ONLY=local-reads), BUILD_DIR (build), STORE (a temp folder)
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${BUILD_DIR:-build}/bin/coordcheck
seeds=${SEEDS:-5}
seconds=${SECONDS_PER_RUN:-60}
correct=${CORRECT:-20}
correct_seconds=${CORRECT_SECONDS:-30}
store=${STORE:-$(mktemp -d /tmp/raft-detection.XXXXXX)}
only=${ONLY:-.}
all_faults=partition,packet,clock,pause,kill,restart,disk

# workload target bug nemesis interval extra flags
cases=(
  "register raft local-reads partition 3 --nodes 3 --concurrency 10"
  "register raft lease-reads partition,clock 2 --nodes 3 --concurrency 10"
  "register raft commit-prior-term partition,kill 2 --nodes 5 --concurrency 10"
  "register raft no-fsync disk 2 --nodes 3 --concurrency 10"
  "election raft no-persist-vote kill,restart,partition 1 --nodes 3"
  "lock raft-lock no-fence client-pause 1.5"
)

printf '%-9s %-10s %-18s %-26s %-8s %s\n' workload target bug faults caught seeds
for c in "${cases[@]}"; do
  [[ $c =~ $only ]] || continue
  read -r workload target bug nemesis interval extra <<<"$c"
  read -r -a extra_flags <<<"$extra"
  caught=0
  list=""
  for ((i = 0; i < seeds; i++)); do
    seed=$(( (RANDOM << 30) ^ (RANDOM << 15) ^ RANDOM ))
    "$bin" run -w "$workload" -t "$target" --bug "$bug" --nemesis "$nemesis" \
      --nemesis-interval "$interval" --time-limit "$seconds" --seed "$seed" \
      --store "$store" --quiet "${extra_flags[@]}" >/dev/null 2>&1
    code=$?
    [[ $code == 1 ]] && caught=$((caught + 1))
    list+=" $seed:$code"
  done
  printf '%-9s %-10s %-18s %-26s %-8s %s\n' "$workload" "$target" "$bug" "$nemesis" \
    "$caught/$seeds" "${list# }"
done

status=0
if [[ "register raft - $all_faults" =~ $only ]]; then
  valid=0
  list=""
  for ((i = 0; i < correct; i++)); do
    seed=$(( (RANDOM << 30) ^ (RANDOM << 15) ^ RANDOM ))
    "$bin" run -w register -t raft --nemesis "$all_faults" --nemesis-interval 2 \
      --time-limit "$correct_seconds" --seed "$seed" --store "$store" --quiet \
      --concurrency 10 >/dev/null 2>&1
    code=$?
    [[ $code == 0 ]] && valid=$((valid + 1)) || status=1
    list+=" $seed:$code"
  done
  printf '%-9s %-10s %-18s %-26s %-8s %s\n' register raft - "$all_faults" "$valid/$correct valid" \
    "${list# }"
fi
echo "runs stored in $store"
exit $status
