#!/usr/bin/env python3
"""Throughput and latency of the client ops in stored runs.

For each run folder (the one holding history.jsonl, results.json and test.json), reads
the main phase's client ops from history.jsonl and prints one table row: ok ops/s over
the main phase, and per f (read, write, cas) ok ops/s and the p50 / p99 latency of the
ok completions in ms, the run's fail and info counts and its verdict. --details adds,
per run and f, the ok/fail/info counts and the max latency; --json FILE writes every
figure as JSON.

Latency = completion time - its invoke's time. A process has at most one op outstanding,
so completions pair with the last invoke of their process. The final phase (one read per
key after the main phase) is left out: it is the last phases.final.invoked client invokes
in the history, after every main-phase completion. Throughput divides by the main
phase's own duration (results.json phases.main.seconds: the time limit plus the wait
for the last ops to complete). Percentiles are nearest-rank.

Usage: python3 bench/history_latency.py [--details] [--json FILE] RUN_DIR...
"""
import json
import math
import os
import sys

FS = ("read", "write", "cas")


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list (None when empty)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def measure(run_dir):
    """Figures of one run folder as a dict."""
    test = load_json(os.path.join(run_dir, "test.json"))
    results = load_json(os.path.join(run_dir, "results.json"))
    phases = results.get("phases", {})
    final_invokes = phases.get("final", {}).get("invoked", 0)
    main_seconds = phases.get("main", {}).get("seconds") or test.get("time_limit_s") or 0

    events = []
    with open(os.path.join(run_dir, "history.jsonl")) as f:
        for line in f:
            if not line.strip():
                continue
            op = json.loads(line)
            if isinstance(op.get("process"), int):  # client ops; the nemesis is "nemesis"
                events.append(op)
    invokes = [i for i, op in enumerate(events) if op["type"] == "invoke"]
    main_end = len(events)
    if 0 < final_invokes <= len(invokes):
        main_end = invokes[len(invokes) - final_invokes]

    open_ops = {}  # process -> its invoke
    per_f = {f: {"ok": 0, "fail": 0, "info": 0, "latencies_ms": []} for f in FS}
    unpaired = 0
    for op in events[:main_end]:
        p = op["process"]
        if op["type"] == "invoke":
            open_ops[p] = op
            continue
        inv = open_ops.pop(p, None)
        if inv is None:
            unpaired += 1
            continue
        stats = per_f.setdefault(op["f"], {"ok": 0, "fail": 0, "info": 0, "latencies_ms": []})
        stats[op["type"]] = stats.get(op["type"], 0) + 1
        if op["type"] == "ok":
            stats["latencies_ms"].append((op["time"] - inv["time"]) / 1e6)

    out = {
        "run_dir": os.path.realpath(run_dir),
        "target": test.get("target", "?") + ("-" + test["bug"] if test.get("bug") else ""),
        "nodes": test.get("nodes", 0),
        "concurrency": test.get("concurrency", 0),
        "seed": test.get("seed"),
        "main_seconds": main_seconds,
        "verdict": results.get("verdict", "none"),
        "open_at_end": len(open_ops),
        "unpaired_completions": unpaired,
        "f": {},
    }
    total_ok = total_fail = total_info = 0
    for f, stats in per_f.items():
        lat = sorted(stats.pop("latencies_ms"))
        total_ok += stats["ok"]
        total_fail += stats["fail"]
        total_info += stats["info"]
        out["f"][f] = dict(
            stats,
            ok_per_s=stats["ok"] / main_seconds if main_seconds else 0.0,
            p50_ms=percentile(lat, 50),
            p99_ms=percentile(lat, 99),
            max_ms=lat[-1] if lat else None,
        )
    out["ok"] = total_ok
    out["fail"] = total_fail
    out["info"] = total_info
    out["ok_per_s"] = total_ok / main_seconds if main_seconds else 0.0
    return out


def ms(v):
    return "-" if v is None else ("%.1f" % v if v >= 10 else "%.2f" % v)


def main(argv):
    details = False
    json_path = None
    dirs = []
    args = iter(argv)
    for a in args:
        if a == "--details":
            details = True
        elif a == "--json":
            json_path = next(args, None)
        elif a in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        else:
            dirs.append(a)
    if not dirs or (json_path is None and "--json" in argv):
        print(__doc__.strip(), file=sys.stderr)
        return 2

    rows = [measure(d) for d in dirs]
    head = "%-8s %5s %9s" % ("target", "nodes", "ok ops/s")
    for f in FS:
        head += " | %-5s %7s %6s %6s" % (f, "ok/s", "p50ms", "p99ms")
    head += " | %7s %5s  %s" % ("fails", "infos", "verdict")
    print(head)
    for r in rows:
        line = "%-8s %5s %9.1f" % (r["target"], r["nodes"], r["ok_per_s"])
        for f in FS:
            s = r["f"][f]
            line += " | %-5s %7.1f %6s %6s" % ("", s["ok_per_s"], ms(s["p50_ms"]), ms(s["p99_ms"]))
        line += " | %7d %5d  %s" % (r["fail"], r["info"], r["verdict"])
        print(line)
    if details:
        print()
        for r in rows:
            print("%s, %s nodes, %s clients, seed %s, main phase %.2f s: %s" %
                  (r["target"], r["nodes"], r["concurrency"], r["seed"], r["main_seconds"],
                   r["run_dir"]))
            for f in FS:
                s = r["f"][f]
                print("  %-5s ok %7d  fail %7d  info %4d  ok/s %8.1f  p50 %6s  p99 %6s  max %6s ms" %
                      (f, s["ok"], s["fail"], s["info"], s["ok_per_s"], ms(s["p50_ms"]),
                       ms(s["p99_ms"]), ms(s["max_ms"])))
            if r["open_at_end"] or r["unpaired_completions"]:
                print("  (%d ops never completed, %d completions without an invoke)" %
                      (r["open_at_end"], r["unpaired_completions"]))
    if json_path:
        with open(json_path, "w") as f:
            json.dump(rows, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
