#!/usr/bin/env bash
# The demo, for now (Step 1): set up and build, then check real histories from
# Jepsen's etcd tests, Porcupine's kv logs, Knossos's mutex log and a generated
# 20,000-op history with a stale read offline, and print each verdict with its
# explanation. Runs against real clusters arrive with the harness (Step 2).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 3
bin=${BUILD_DIR:-build}/bin/coordcheck
data=tests/data/shared-histories
for args in "porcupine/etcd_002.jsonl --model cas-register" \
            "porcupine/etcd_000.jsonl --model cas-register" \
            "porcupine/c50-ok.jsonl --model kv" \
            "knossos/mutex-bad-etcd.jsonl --model mutex --init false" \
            "../hard/cas-p6-n20000-invalid.jsonl --model cas-register"; do
  set -- $args
  echo "== coordcheck check $data/$*"
  "$bin" check "$data/$1" "${@:2}" --out /tmp/coordcheck-demo-results.json
  echo "(exit code $?)"
  echo
done
