"""Pretrained against random-init weights, from the devmap benchmark's CSV.

Reads ``docs/devmap-benchmark.csv`` (written by ``benchmarks/devmap.py``) and prints a
markdown table: for each MIREncoder feature set and head, the accuracy (%) with the bundled
pretrained weights and with the same architecture at random initialisation, per platform and
protocol, and the difference (pretrained - random, percentage points).

    python benchmarks/pretrained_vs_random.py [docs/devmap-benchmark.csv]
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

VARIANTS = ("MIREncoder", "MIREncoder + aux", "MIREncoder text + aux", "MIREncoder graph + aux")
COLUMNS = [("amd", "stratified"), ("amd", "grouped"), ("nvidia", "stratified"), ("nvidia", "grouped")]


def table(csv: Path) -> str:
    df = pd.read_csv(csv)
    df = df[df["fraction"] == 1.0]
    acc = {(r.features, r.head, r.platform, r.protocol): 100 * r.accuracy for r in df.itertuples()}
    heads = [h for h in ("logreg", "hgb") if h in set(df["head"])]
    head = "| features | head | " + " | ".join(f"{p} {q}" for p, q in COLUMNS) + " | mean |"
    lines = [head, "|---|---|" + "---:|" * (len(COLUMNS) + 1)]
    wins = total = 0
    for v in VARIANTS:
        for h in heads:
            cells, diffs = [], []
            for p, q in COLUMNS:
                a, b = acc.get((v, h, p, q)), acc.get((f"random-init {v}", h, p, q))
                if a is None or b is None:
                    cells.append("-")
                    continue
                d = a - b
                diffs.append(d)
                wins += d > 0
                total += 1
                cells.append(f"{a:.1f} vs {b:.1f} ({d:+.1f})")
            mean = f"{sum(diffs) / len(diffs):+.1f}" if diffs else "-"
            lines.append(f"| {v} | {h} | " + " | ".join(cells) + f" | {mean} |")
    lines.append("")
    lines.append(f"Pretrained ahead in {wins} of {total} comparisons (accuracy %, pretrained vs random-init, "
                 "difference in points).")
    return "\n".join(lines)


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "docs" / "devmap-benchmark.csv"
    print(table(path))
