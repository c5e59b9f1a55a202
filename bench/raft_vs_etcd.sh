#!/usr/bin/env bash
# Throughput and latency of our own Raft (target raft, coordcheck-raft) against a real etcd
# cluster (target etcd), on the same nodes (network namespaces made by coordcheck) and with
# the same client: coordcheck's own runner driving the register workload (reads, writes and
# cas on independent keys), unpaced (each client issues its next op as soon as its last
# completes), no faults. One run per target and node count, all with the same seed; each
# run is checked as usual (linearizable) and its verdict printed.
#
# Prints one table row per run (bench/history_latency.py over the run's history.jsonl): ok
# ops/s over the main phase; per f (read, write, cas) ok ops/s and the p50 / p99 latency of
# ok completions in ms; fail and info counts (a cas whose expected value does not match
# fails: most fails are those); the verdict. Then per run and f the counts and max latency,
# and the store folder, which keeps every run (history, report, node logs). Exits 1 when a
# run failed or was not valid; nothing is timed against a threshold.
#
# Usage: bash bench/raft_vs_etcd.sh               (as root, after scripts/setup.sh; 1.5 min
#                                                  with the defaults: BENCH_SECONDS + 3 s a run)
# Env:   BENCH_SECONDS (20) main phase per run, BENCH_CONCURRENCY (10) client threads,
#        BENCH_NODES ("3 5"), BENCH_TARGETS ("raft etcd"), BENCH_SEED (1),
#        BUILD_DIR (build), STORE (a fresh temp folder)
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${BUILD_DIR:-build}/bin/coordcheck
seconds=${BENCH_SECONDS:-20}
concurrency=${BENCH_CONCURRENCY:-10}
node_counts=${BENCH_NODES:-3 5}
targets=${BENCH_TARGETS:-raft etcd}
seed=${BENCH_SEED:-1}
store=${STORE:-$(mktemp -d /tmp/raft-vs-etcd.XXXXXX)}

status=0
dirs=()
for nodes in $node_counts; do
  for target in $targets; do
    name="register-$target-n$nodes"
    echo "running $target on $nodes nodes ($concurrency clients, $seconds s, seed $seed)" >&2
    out=$("$bin" run --workload register --target "$target" --nodes "$nodes" --nemesis none \
                     --rate 0 --concurrency "$concurrency" --time-limit "$seconds" --seed "$seed" \
                     --name "$name" --store "$store" --state-dir "$store/state/$name" --quiet 2>&1)
    code=$?
    dir=$(readlink -f "$store/$name/latest" 2>/dev/null)
    if [[ $code != 0 ]]; then
      status=1
      echo "$target on $nodes nodes: exit $code" >&2
      echo "$out" | tail -5 >&2
    fi
    if [[ -n $dir && -s $dir/history.jsonl ]]; then dirs+=("$dir"); fi
  done
done
echo
if ((${#dirs[@]})); then
  python3 bench/history_latency.py --details --json "$store/raft_vs_etcd.json" "${dirs[@]}" \
    || status=1
fi
echo "store: $store"
exit $status
