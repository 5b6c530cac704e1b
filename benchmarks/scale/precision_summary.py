#!/usr/bin/env python3
"""Summarizes the JSON lines of benchmarks/scale/precision_round.sh as a Markdown table.

    precision_summary.py OUT.jsonl [OUT2.jsonl ...]

One row per shape and thread count; per cell the median decode tokens/s over the rounds (with the
range when there are several) and the median peak RSS in MiB; then, per round, the ratios that
answer "at least Jlama's tokens/s at the same thread count" for each precision (a round is the
n-th cell of each kind within one file): this library's
float32 (the faster layout of the round) over Jlama float32 and Jlama bf16, int8 and int4 over
Jlama's Q4 file (and over Jlama bf16). Failed cells are listed with their exception.
"""
import json
import statistics
import sys
from collections import defaultdict

CELLS = ["c4j-f32-batched", "c4j-f32-single", "c4j-int8", "c4j-int4", "jlama-bf16", "jlama-f32",
         "jlama-jq4", "jlama-jq4-i8", "jlama-q4-load", "jlama-native-bf16", "jlama-native-f32",
         "jlama-native-jq4"]
RATIOS = [("f32", "jlama-f32"), ("f32", "jlama-bf16"), ("c4j-int8", "jlama-jq4"),
          ("c4j-int8", "jlama-bf16"), ("c4j-int4", "jlama-jq4"), ("c4j-int4", "jlama-jq4-i8")]


def main(paths):
    cells = defaultdict(list)   # (model, threads, cell) -> [(tokens/s, rss)]
    rounds = defaultdict(dict)  # (file, round, model, threads) -> {cell: tokens/s}
    seen = defaultdict(int)     # (file, model, threads, cell) -> rounds so far
    failures = []
    loads = []
    for f, path in enumerate(paths):
        for line in open(path):
            if not line.strip():
                continue
            row = json.loads(line)
            cell, model, threads = row["label"].split()
            loads.append(float(row["load"]))
            key = (model, int(threads), cell)
            rnd = seen[(f,) + key]
            seen[(f,) + key] += 1
            r = row.get("r")
            if r is None:
                failures.append(f"{row['label']} ({row['utc']}): {row.get('err', 'no exception line')}")
                continue
            cells[key].append((r["tokens_per_s"], r["peak_rss_mib"]))
            rounds[(f, rnd, model, int(threads))][cell] = r["tokens_per_s"]
    shapes = sorted({(m, t) for m, t, _ in cells}, key=lambda s: (s[1], s[0]))
    present = [c for c in CELLS if any((m, t, c) in cells for m, t in shapes)]
    print("| shape, threads | " + " | ".join(present) + " |")
    print("| --- |" + " ---: |" * len(present))
    for m, t in shapes:
        out = []
        for c in present:
            v = cells.get((m, t, c))
            if not v:
                out.append("-")
                continue
            tps = [x[0] for x in v]
            rng = f" [{min(tps):.2f}-{max(tps):.2f}]" if len(tps) > 1 else ""
            out.append(f"{statistics.median(tps):.2f}{rng} ({statistics.median(x[1] for x in v):,.0f})")
        print(f"| {m}, {t} | " + " | ".join(out) + " |")
    print()
    print("Ratios within each round (this library / Jlama); f32 = the faster float32 layout of the round:")
    for m, t in shapes:
        for a, b in RATIOS:
            vals = []
            for (_, _, mm, tt), rc in sorted(rounds.items()):
                if (mm, tt) != (m, t):
                    continue
                av = max(rc.get("c4j-f32-batched", 0), rc.get("c4j-f32-single", 0)) if a == "f32" \
                    else rc.get(a)
                if av and rc.get(b):
                    vals.append(av / rc[b])
            if vals:
                print(f"- {m}, {t} thread(s), {a} / {b}: "
                      + ", ".join(f"{v:.2f}x" for v in vals)
                      + f" (median {statistics.median(vals):.2f}x)")
    if loads:
        print(f"\n1-minute load average at the end of the cells: {min(loads):.2f}-{max(loads):.2f}")
    for f in failures:
        print(f"- failed: {f}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: precision_summary.py OUT.jsonl [...]")
    main(sys.argv[1:])
