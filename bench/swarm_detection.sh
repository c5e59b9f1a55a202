#!/usr/bin/env bash
# How fast does a swarm catch each broken variant, and does it ever cry wolf on a correct
# target? For every bug of kvd, payments and payments-pg, and the two locks without fencing
# tokens (redis-lock, redlock), one swarm of at most RUNS runs of SECONDS s each (stopping at
# the first invalid run); for every correct target, CORRECT_RUNS runs with --all. Seeds are
# random (each swarm prints its own). Prints one table row per swarm; exits 1 when a bug went
# undetected or a correct run was not valid.
#
# Usage: bash bench/swarm_detection.sh           (as root, after scripts/setup.sh)
# Env:   RUNS (10), SECONDS_PER_RUN (15), CORRECT_RUNS (20), ONLY (a regex over
#        "target bug" lines, e.g. ONLY=kvd), BUILD_DIR (build), STORE (a fresh temp folder)
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${BUILD_DIR:-build}/bin/coordcheck
runs=${RUNS:-10}
seconds=${SECONDS_PER_RUN:-15}
correct_runs=${CORRECT_RUNS:-20}
store=${STORE:-$(mktemp -d /tmp/swarm-detection.XXXXXX)}
only=${ONLY:-.}

# workload target bug(- = correct) extra flags
cases=(
  "register kvd follower-reads"
  "register kvd lost-cas"
  "register kvd no-fsync"
  "lock redis-lock - --resource unfenced"
  "lock redlock - --resource unfenced"
)
for target in payments payments-pg; do
  for bug in no-key check-then-insert effect-before-key short-key-ttl publish-then-commit \
             commit-then-publish non-dedup-consumer; do
    cases+=("payments $target $bug")
  done
done
correct=(
  "register kvd -"
  "lock etcd-lock - --resource fenced"
  "payments payments -"
  "payments payments-pg -"
)

known=$("$bin" list)
status=0
printf '%-9s %-12s %-20s %-8s %-10s %-9s %-14s %s\n' workload target bug runs detected "first at" "seconds" "swarm seed"
one() {  # kind workload target bug extra...
  local kind=$1 workload=$2 target=$3 bug=$4
  shift 4
  grep -Eq "$only" <<<"$target $bug" || return 0
  local flags=(--workload "$workload" --target "$target" --time-limit "$seconds"
               --store "$store" --quiet "$@")
  [[ $bug != - ]] && flags+=(--bug "$bug")
  if [[ $kind == bug ]]; then
    flags+=(--runs "$runs")
  else
    flags+=(--runs "$correct_runs" --all)
  fi
  # The target's bug list may not have this bug (no-fsync before the disk fault landed).
  if [[ $bug != - ]] && ! grep -Eq -- "--bug $bug( |$)" <<<"$known"; then
    printf '%-9s %-12s %-20s %s\n' "$workload" "$target" "$bug" "(no such bug here)"
    return 0
  fi
  local out
  out=$("$bin" swarm "${flags[@]}" 2>&1)
  local code=$?
  local name="swarm-$workload-$target"
  [[ $bug != - ]] && name+="-$bug"
  local dir
  dir=$(ls -d "$store/$name"/*/ 2>/dev/null | grep -v latest | sort | tail -1)
  local summary
  summary=$(python3 - "$dir/swarm.json" <<'EOF'
import json, sys
try:
    s = json.load(open(sys.argv[1]))
except Exception as e:
    print("? ? ? ? ?"); sys.exit()
d = s["detection"]
first = d.get("first") or {}
errors = sum(1 for r in s["runs"] if r["verdict"] not in ("valid", "invalid"))
print(d["runs"], d["invalid"], first.get("run", "-"), "%.0f" % d["seconds"], s["seed"], errors)
EOF
)
  read -r n invalid first secs seed errors <<<"$summary"
  printf '%-9s %-12s %-20s %-8s %-10s %-9s %-14s %s\n' "$workload" "$target" "$bug" "$n" "$invalid" "$first" "$secs" "$seed"
  if [[ $kind == bug && ${invalid:-0} == 0 ]]; then status=1; fi
  if [[ $kind == correct && ( $code != 0 || ${errors:-1} != 0 ) ]]; then
    status=1
    echo "$out" | grep -E "^run [0-9]+ |reproduce:" | head -10
  fi
}
for c in "${cases[@]}"; do one bug $c; done
for c in "${correct[@]}"; do one correct $c; done
echo "store: $store"
exit $status
