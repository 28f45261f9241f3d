"""How far each task of the suite moves when a model's vectors change in their last bits.

::

    python benchmarks/resolution.py [--draws 4] [--scale 1e-6] [--seeds 6] [--first-seed 0]
        [--tasks devmap threadcoarsening ...] [--out docs/benchmark-resolution.md]

For each task of ``benchmarks/suitelib`` (quick subsets, logistic regression, as
``suite.py --quick``): the full vectors of the bundled weights in float32 (through the suite's
embedding cache), and ``--draws`` copies with every value multiplied by
``1 + scale x N(0, 1)`` (seeds 1, 2, ...; :func:`suitelib.features.jittered`), all scored on
the same folds.  Each copy is paired with the vectors themselves (``suitelib.core.paired``).

Two correct implementations of the same arithmetic differ like this (the graph encoder's
inference path changed the float32 vectors by about 1e-7), so a difference between a fast path
and full precision means something only beyond what these copies show.  Writes a Markdown
report.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Sequence

import numpy as np

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import suite  # noqa: E402
from suitelib import features as F  # noqa: E402
from suitelib.core import TaskUnavailable, paired  # noqa: E402

BASE = "float32"


def draw_name(k: int) -> str:
    return f"draw {k}"


def task_rows(name: str, mod, args, weights: Path, seeds: Sequence[int], log) -> list[dict]:
    """The paired rows of one task: each draw against the vectors, per metric."""
    cache = Path(args.cache_dir)
    task = mod.load(None, cache_dir=cache, quick=True)
    log(f"[{name}] embedding {sum(p.ir is not None for p in task.programs)} programs (float32) ...")
    X, _ = F.mirencoder_both(task.programs, weights, cache, n_jobs=args.n_jobs, options={"precision": "float32"})
    feats = {BASE: X, **{draw_name(k): F.jittered(X, scale=args.scale, seed=k) for k in range(1, args.draws + 1)}}
    log(f"[{name}] evaluating {len(feats)} sets, seeds {list(seeds)} ...")
    results = suite.evaluate_cached(mod, task, feats, seeds=seeds, heads=["logreg"], quick=True,
                                    n_jobs=args.n_jobs, cache_dir=cache)[0]
    rows = []
    for metric, rs in suite.by_metric(results).items():
        names = {r.feature_set for r in rs}
        for k in range(1, args.draws + 1):
            a, b = draw_name(k), BASE
            if a + suite.AUX_SUFFIX in names:  # the task's primary rows carry its auxiliary inputs
                a, b = a + suite.AUX_SUFFIX, b + suite.AUX_SUFFIX
            if a in names and b in names:
                rows.append({"task": name, "metric": metric, "draw": k, **paired(rs, a, b)})
    return rows


def report(rows: list[dict], args, argv: Sequence[str], seeds: Sequence[int], seconds: float) -> str:
    out = ["# Benchmark resolution: scores of vectors that differ in their last bits", "",
           f"Written by `benchmarks/resolution.py` on {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC "
           f"in {seconds:.0f} s.", "",
           f"- command: `{' '.join(argv)}`",
           f"- vectors: the bundled weights in float32 (`suite.py`'s `MIREncoder float32`); each draw multiplies "
           f"every value by 1 + {args.scale:g} x N(0, 1) (seed = the draw's number)",
           f"- protocol: `suite.py --quick` (its subsets and folds, logistic regression), partitions "
           f"{min(seeds)}-{max(seeds)}", "",
           "| task | metric | draw | draw - float32 | SE | ahead / behind / cells |", "|---|---|---:|---:|---:|---:|"]
    out += [f"| {r['task']} | {r['metric']} | {r['draw']} | {r['mean_diff']:+.2f} | {r['se']:.2f} | "
            f"{r['ahead']} / {r['behind']} / {r['n']} |" for r in rows]
    out += ["", "A cell is one (setting, seed); ties are the cells neither ahead nor behind. The largest "
            "|draw - float32| of a task is the least a fast path's difference to full precision must exceed there "
            "to say anything.", ""]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--draws", type=int, default=4)
    ap.add_argument("--scale", type=float, default=F.JITTER_SCALE)
    ap.add_argument("--seeds", type=int, default=6, help="fold partitions (default 6)")
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--tasks", nargs="+", default=None)
    ap.add_argument("--weights", default=str(suite.devmap.DEFAULT_WEIGHTS), help="the bundled model folder")
    ap.add_argument("--cache-dir", default=str(suite.DEFAULT_CACHE))
    ap.add_argument("--shared", default=None,
                    help="the shared data folder (default $MIRENCODER_SHARED, else ../shared)")
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--out", default=str(BENCH.parent / "docs" / "benchmark-resolution.md"))
    args = ap.parse_args(argv)
    args.cache_dir = str(Path(args.cache_dir).expanduser())
    if args.shared is not None:
        os.environ["MIRENCODER_SHARED"] = str(Path(args.shared).expanduser().resolve())
    log = lambda *a: print(*a, flush=True)  # noqa: E731
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    t0, rows = time.perf_counter(), []
    for name, mod in suite.discover_tasks(args.tasks).items():
        try:
            rows += task_rows(name, mod, args, Path(args.weights).expanduser(), seeds, log)
        except TaskUnavailable as exc:
            log(f"[{name}] skipped: {exc}")
    shown = ["python", "benchmarks/resolution.py", *(sys.argv[1:] if argv is None else argv)]
    text = report(rows, args, shown, seeds, time.perf_counter() - t0)
    Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
