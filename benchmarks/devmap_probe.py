"""Quick downstream probe of embedding files on the device-mapping data.

For each ``.npz`` written by ``benchmarks/embed_ir.py`` (``names``, ``X`` with modality
"both": text, graph and fused parts, ``dims``), the accuracy of a nested-tuned logistic
regression (:func:`devmap.evaluate`, 10 folds, seed 204) on the embedding, the embedding +
aux inputs, and each part + aux, under the stratified and the grouped protocol; prints a
markdown table.  Cheaper than ``benchmarks/devmap.py`` (one head, no baselines): for
comparing pre-training runs.

    python benchmarks/devmap_probe.py A=run_a.npz B=run_b.npz R=random.npz [--data DIR]
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devmap import _default_data, evaluate, log_aux  # noqa: E402
from sklearn_mirencoder.datasets import load_devmap  # noqa: E402

COLUMNS = ["amd/stratified", "amd/grouped", "nvidia/stratified", "nvidia/grouped"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", help="LABEL=embeddings.npz")
    ap.add_argument("--data", type=Path, default=None, help="local copy of devmap-cgo17")
    ap.add_argument("--n-jobs", type=int, default=2)
    args = ap.parse_args(argv)
    runs = dict(r.split("=", 1) for r in args.runs)
    data = args.data or _default_data()
    acc = collections.defaultdict(dict)
    for plat in ("amd", "nvidia"):
        b = load_devmap(plat, local_path=data)
        aux = log_aux(b)
        feats = {}
        for label, path in runs.items():
            d = np.load(path)
            pos = {n: i for i, n in enumerate(d["names"])}
            Z = d["X"][[pos[Path(f).stem] for f in b.ir_file]]
            h = int(d["dims"][0])
            feats[label] = Z
            feats[f"{label} + aux"] = (Z, aux)
            feats[f"{label} text + aux"] = (Z[:, :h], aux)
            feats[f"{label} graph + aux"] = (Z[:, h : 3 * h], aux)
            feats[f"{label} fused + aux"] = (Z[:, 3 * h :], aux)
        for protocol in ("stratified", "grouped"):
            df = evaluate(feats, b, protocol, ["logreg"], n_splits=10, n_jobs=args.n_jobs)
            for r in df.itertuples():
                acc[r.features][f"{plat}/{protocol}"] = 100 * r.accuracy
    print("| features | " + " | ".join(COLUMNS) + " | mean |")
    print("|---|" + "---:|" * (len(COLUMNS) + 1))
    for name, d in acc.items():
        v = [d[c] for c in COLUMNS]
        print(f"| {name} | " + " | ".join(f"{x:.1f}" for x in v) + f" | {np.mean(v):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
