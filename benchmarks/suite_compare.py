"""Paired differences between feature sets, pooled over several runs of the suite.

::

    python benchmarks/suite_compare.py RUN1/benchmarks.csv RUN2/benchmarks.csv \\
        --pair "soup-bc" "MIREncoder" --pair "MIREncoder text+graph" "MIREncoder"

For each task's primary metric (the ``metric`` the suite scores, not the extra columns), each
pair ``A B`` gives the mean of ``A - B`` over every (setting, head, seed) cell both were scored
on, in all the CSVs together, its standard error, and in how many cells A is ahead and behind
(the rest are ties).  With runs on disjoint
partitions (``suite.py --first-seed``) this pools them into one estimate.  Where a task has
auxiliary inputs, ``+ aux`` is added to both names (the suite's primary rows).  Prints a
Markdown table.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

import numpy as np
import pandas as pd

from suitelib.core import Result, paired


def load(paths: Sequence[str]) -> pd.DataFrame:
    frames = [pd.read_csv(p) for p in paths]
    df = pd.concat(frames, ignore_index=True)
    return df.drop_duplicates(["task", "setting", "feature_set", "head", "seed", "metric"])


def _names(df: pd.DataFrame, task: str, name: str) -> str:
    aux = f"{name} + aux"
    return aux if (df.loc[df.task == task, "feature_set"] == aux).any() else name


def compare(df: pd.DataFrame, a: str, b: str) -> list[dict]:
    """One row per task: mean difference A - B (the suite's own :func:`~suitelib.core.paired`),
    cells ahead, cells, seeds."""
    rows = []
    for (task, metric), part in df.groupby(["task", "metric"], sort=False):
        fa, fb = _names(df, task, a), _names(df, task, b)
        results = [Result(r.task, r.setting, r.feature_set, r.head, int(r.seed), r.metric, float(r.score))
                   for r in part[part.feature_set.isin([fa, fb])].itertuples()]
        pair = paired(results, fa, fb)
        if not pair["n"]:
            continue
        mean = {f: float(np.mean([r.score for r in results if r.feature_set == f])) for f in (fa, fb)}
        rows.append({"task": f"{task} ({metric})", "a": fa, "b": fb, "mean a": mean[fa], "mean b": mean[fb],
                     "diff": pair["mean_diff"], "se": pair["se"], "ahead": pair["ahead"], "behind": pair["behind"],
                     "cells": pair["n"],
                     "seeds": sorted({r.seed for r in results})})
    return rows


def markdown(rows: list[dict]) -> str:
    out = ["| task | A | B | mean A | mean B | A - B | SE | ahead / behind / cells | seeds |",
           "|---|---|---|---:|---:|---:|---:|---:|---|"]
    out += [f"| {r['task']} | {r['a']} | {r['b']} | {r['mean a']:.1f} | {r['mean b']:.1f} | {r['diff']:+.2f} | "
            f"{r['se']:.2f} | {r['ahead']} / {r['behind']} / {r['cells']} | {min(r['seeds'])}-{max(r['seeds'])} |"
            for r in rows]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("csv", nargs="+", help="benchmarks.csv files written by benchmarks/suite.py")
    ap.add_argument("--pair", nargs=2, action="append", required=True, metavar=("A", "B"))
    args = ap.parse_args(argv)
    df = load(args.csv)
    df = df[df.metric.notna() & df.score.notna()]
    rows = [row for a, b in args.pair for row in compare(df, a, b)]
    print(markdown(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
