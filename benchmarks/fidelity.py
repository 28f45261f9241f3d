"""How close one model's embeddings are to another's, part by part, on the devmap kernels.

::

    python benchmarks/fidelity.py --model DIR [--precision int8] --reference DIR [--reference-precision float32]
        [--limit N] [--out FILE.md]

Both models embed the OpenCL kernels of devmap-cgo17 that clang compiles (the programs of
``benchmarks/embed_speed.py``) through ``MIRTransformer(input="filename", modality="both")``;
for each part of the vector (text, graph, fused, the whole) the report gives the cosine
similarity and the relative L2 error ``|a - b| / |b|`` of each program's row: mean, 5th
percentile and worst.  ``--model`` defaults to the bundled weights; ``--reference`` too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from embed_speed import compiling_kernels  # noqa: E402
from suitelib.features import split_parts  # noqa: E402


def closeness(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Row-wise cosine and relative L2 error of ``a`` against ``b``: mean, 5th percentile, worst."""
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    cos = (a * b).sum(1) / np.maximum(na * nb, 1e-12)
    rel = np.linalg.norm(a - b, axis=1) / np.maximum(nb, 1e-12)
    return {"cos mean": cos.mean(), "cos p5": np.percentile(cos, 5), "cos min": cos.min(),
            "rel mean": rel.mean(), "rel p95": np.percentile(rel, 95), "rel max": rel.max()}


def embed(files, model, precision) -> tuple[np.ndarray, int]:
    from sklearn_mirencoder import MIRTransformer

    est = MIRTransformer(model=model, input="filename", cache=False, precision=precision, modality="both").fit()
    hidden = sum(name.startswith("mir_text") for name in est.get_feature_names_out())
    return est.transform(files), hidden


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None)
    ap.add_argument("--precision", default="auto")
    ap.add_argument("--reference", default=None)
    ap.add_argument("--reference-precision", default="float32")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        files = [str(f) for f in compiling_kernels(Path(tmp), args.limit)]
        A, hidden = embed(files, args.model, args.precision)
        B, _ = embed(files, args.reference, args.reference_precision)
    lines = [
        "# Embedding fidelity", "",
        f"- command: `python benchmarks/fidelity.py {' '.join(argv if argv is not None else sys.argv[1:])}`",
        f"- date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; {len(files)} devmap-cgo17 OpenCL kernels",
        f"- model: {args.model or 'bundled'} ({args.precision}); reference: {args.reference or 'bundled'} ({args.reference_precision})",
        "", "| part | cos mean | cos p5 | cos min | rel. L2 mean | rel. L2 p95 | rel. L2 max |", "|---|---:|---:|---:|---:|---:|---:|",
    ]
    ours, theirs = split_parts("whole vector", A, hidden), split_parts("whole vector", B, hidden)
    for name in ("whole vector text", "whole vector graph", "whole vector fused", "whole vector"):
        c = closeness(ours[name], theirs[name])
        label = name.replace("whole vector ", "")
        lines.append(f"| {label} | " + " | ".join(f"{c[k]:.4f}" for k in c) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
