"""Quick downstream probe of embedding files on the device-mapping data.

For each ``.npz`` written by ``benchmarks/embed_ir.py`` (``names``, ``X`` with modality
"both": text, graph and fused parts, ``dims``), the accuracy of a nested-tuned logistic
regression (:func:`devmap.evaluate`, 10 folds, seed 204) on the embedding, the embedding +
aux inputs, and each part + aux, under the stratified and the grouped protocol; prints a
markdown table.  Cheaper than ``benchmarks/devmap.py`` (one head, no baselines): for
comparing pre-training runs.

    python benchmarks/devmap_probe.py A=run_a.npz B=run_b.npz R=random.npz [--data DIR]
        [--heads logreg hgb] [--seeds 3] [--fractions 0.1 1.0] [--baseline R]

``--seeds K`` repeats the cross-validation with K fold partitions (seeds 204, 205, ...) and
averages, which shrinks the partition noise that makes one-point differences unreadable.
``--graph-halves`` adds the graph part's mean-pooled and max-pooled halves, each + aux;
``--without-fused`` adds the embedding without its fused projection (text + graph + aux).
``--fractions 0.1 0.25`` gives the head only that share of each training fold (a stratified
subsample, seeded; the test folds stay whole): how the embeddings do with little labelled
data.  ``--baseline R`` adds a paired summary: for every other run and feature variant, the
mean difference to the same variant of R over every (platform, protocol, head, seed) and in
how many of them the run is ahead; each (head, fraction) gets its own rows.
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devmap import SEED, _default_data, evaluate, log_aux  # noqa: E402
from sklearn_mirencoder.datasets import load_devmap  # noqa: E402

COLUMNS = ["amd/stratified", "amd/grouped", "nvidia/stratified", "nvidia/grouped"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", help="LABEL=embeddings.npz")
    ap.add_argument("--data", type=Path, default=None, help="local copy of devmap-cgo17")
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--heads", nargs="+", default=["logreg"], choices=("logreg", "hgb"))
    ap.add_argument("--seeds", type=int, default=1, help="fold partitions to average over")
    ap.add_argument("--baseline", default=None, help="label of the run to compare the others with")
    ap.add_argument("--graph-halves", action="store_true",
                    help="also probe the graph part's mean and max halves apart (each + aux)")
    ap.add_argument("--without-fused", action="store_true",
                    help="also probe the embedding without its fused projection (text + graph + aux)")
    ap.add_argument("--fractions", nargs="+", type=float, default=[1.0],
                    help="shares of each training fold the head sees (default: all of it)")
    args = ap.parse_args(argv)
    if not all(0.0 < f <= 1.0 for f in args.fractions):
        ap.error("--fractions must be in (0, 1]")
    heads = [head_label(h, f) for h in args.heads for f in args.fractions]
    runs = dict(r.split("=", 1) for r in args.runs)
    data = args.data or _default_data()
    acc = collections.defaultdict(dict)
    cells = collections.defaultdict(dict)  # (features, head) -> (column, seed) -> accuracy
    for plat in ("amd", "nvidia"):
        b = load_devmap(plat, local_path=data)
        aux = log_aux(b)
        feats = {}
        for label, path in runs.items():
            d = np.load(path)
            pos = {n: i for i, n in enumerate(d["names"])}
            Z = d["X"][[pos[Path(f).stem] for f in b.ir_file]]
            feats.update(variants(label, Z, aux, int(d["dims"][0]), graph_halves=args.graph_halves,
                                  without_fused=args.without_fused))
        for protocol in ("stratified", "grouped"):
            for i in range(args.seeds):
                df = evaluate(feats, b, protocol, args.heads, n_splits=10, seed=SEED + i, n_jobs=args.n_jobs,
                              fractions=args.fractions)
                for r in df.itertuples():
                    cells[(r.features, head_label(r.head, r.fraction))][(f"{plat}/{protocol}", i)] = 100 * r.accuracy
    for (name, head), d in cells.items():
        label = name if len(heads) == 1 else f"{name} ({head})"
        for c in COLUMNS:
            acc[label][c] = float(np.mean([d[(c, i)] for i in range(args.seeds)]))
    print("| features | " + " | ".join(COLUMNS) + " | mean |")
    print("|---|" + "---:|" * (len(COLUMNS) + 1))
    for name, d in acc.items():
        v = [d[c] for c in COLUMNS]
        print(f"| {name} | " + " | ".join(f"{x:.1f}" for x in v) + f" | {np.mean(v):.1f} |")
    if args.baseline:
        print()
        print(paired_summary(cells, runs, args.baseline, heads, graph_halves=args.graph_halves,
                             without_fused=args.without_fused))
    return 0


def head_label(head: str, fraction: float) -> str:
    """``"logreg"`` for a head trained on whole folds, ``"logreg, 10% of rows"`` otherwise."""
    return head if fraction >= 1.0 else f"{head}, {100 * fraction:g}% of rows"


def suffixes(graph_halves: bool = False, without_fused: bool = False) -> tuple[str, ...]:
    """The feature variants of one run, as label suffixes, in table order."""
    base = ("", " + aux", " text + aux", " graph + aux", " fused + aux")
    halves = (" graph mean + aux", " graph max + aux") if graph_halves else ()
    return base + halves + ((" text + graph + aux",) if without_fused else ())


def variants(label: str, Z: np.ndarray, aux: np.ndarray, h: int, *, graph_halves: bool = False,
             without_fused: bool = False) -> dict:
    """Feature sets of one run's embedding ``Z`` (modality "both": text ``h``, graph ``[mean ; max]``
    ``2h``, fused ``h`` columns): the embedding alone, and it or each part next to ``aux``."""
    if Z.shape[1] != 4 * h:
        raise ValueError(f"{label}: expected 4 x {h} columns (text, graph mean, graph max, fused), got {Z.shape[1]}")
    parts = {
        " + aux": Z,
        " text + aux": Z[:, :h],
        " graph + aux": Z[:, h : 3 * h],
        " fused + aux": Z[:, 3 * h :],
        " graph mean + aux": Z[:, h : 2 * h],
        " graph max + aux": Z[:, 2 * h : 3 * h],
        " text + graph + aux": Z[:, : 3 * h],
    }
    out = {label: Z}
    for suffix in suffixes(graph_halves, without_fused)[1:]:
        out[label + suffix] = (parts[suffix], aux)
    return out


def paired_summary(cells, runs, baseline: str, heads, *, graph_halves: bool = False,
                   without_fused: bool = False) -> str:
    """Markdown: each run's feature variants against the baseline's, paired cell by cell."""
    lines = [f"| features | head | mean difference to {baseline} (points) | ahead in | min | max |",
             "|---|---|---:|---:|---:|---:|"]
    for label in runs:
        if label == baseline:
            continue
        for suffix in suffixes(graph_halves, without_fused):
            for head in heads:
                mine, base = cells.get((label + suffix, head)), cells.get((baseline + suffix, head))
                if not mine or not base:
                    continue
                diff = np.array([mine[k] - base[k] for k in sorted(mine)])
                lines.append(f"| {label}{suffix} | {head} | {diff.mean():+.2f} | {int((diff > 0).sum())}/{diff.size} "
                             f"| {diff.min():+.1f} | {diff.max():+.1f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
