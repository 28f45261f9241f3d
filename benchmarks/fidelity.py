"""How close one model's embeddings are to another's, part by part, on the devmap kernels.

::

    python benchmarks/fidelity.py --model DIR [--precision int8] --reference DIR [--reference-precision float32]
        [--limit N] [--task NAME ...] [--out FILE.md]

Both models embed the OpenCL kernels of devmap-cgo17 that clang compiles (the programs of
``benchmarks/embed_speed.py``) through ``MIRTransformer(input="filename", modality="both")``;
for each part of the vector (text, graph, fused, the whole) the report gives the cosine
similarity and the relative L2 error ``|a - b| / |b|`` of each program's row: mean, 5th
percentile and worst.  Cosine hides what the downstream heads see: they standardise each
column, and the columns share a large common part.  So the report also gives each column's
*standardized error*, the RMS of ``a - b`` over the programs divided by the reference column's
spread (standard deviation) over the programs: its median and worst over the columns (0: the
same column; 1: an error as large as the column's whole spread).  ``--model`` defaults to the
bundled weights; ``--reference`` too.

``--task`` compares the vectors of a benchmark-suite task's programs instead (its ``--quick``
subset, e.g. ``gpuflopbench_kernels``; several may be given), through the suite's embedding
cache (``$MIRENCODER_SUITE_CACHE``), one table per task and language.
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
from devmap import DEFAULT_WEIGHTS  # noqa: E402
import suite  # noqa: E402
from suitelib.features import split_parts  # noqa: E402


def closeness(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Row-wise cosine and relative L2 error of ``a`` against ``b`` (mean, 5th percentile, worst)
    and the column-wise standardized error (median and worst column); see the module docs."""
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    cos = (a * b).sum(1) / np.maximum(na * nb, 1e-12)
    rel = np.linalg.norm(a - b, axis=1) / np.maximum(nb, 1e-12)
    std = np.sqrt(((a - b) ** 2).mean(0)) / np.maximum(b.std(0), 1e-12)
    return {"cos mean": cos.mean(), "cos p5": np.percentile(cos, 5), "cos min": cos.min(),
            "rel mean": rel.mean(), "rel p95": np.percentile(rel, 95), "rel max": rel.max(),
            "std median": np.median(std), "std max": std.max()}


def embed(files, model, precision) -> tuple[np.ndarray, int]:
    from sklearn_mirencoder import MIRTransformer

    est = MIRTransformer(model=model, input="filename", cache=False, precision=precision, modality="both").fit()
    hidden = sum(name.startswith("mir_text") for name in est.get_feature_names_out())
    return est.transform(files), hidden


def suite_programs(mod, cache_dir: Path):
    """The programs with IR of a suite task's quick subset (``mod``: its module)."""
    return [p for p in mod.load(None, cache_dir=cache_dir, quick=True).programs if p.ir is not None]


def embed_programs(programs, model, precision, cache_dir: Path) -> tuple[np.ndarray, int]:
    from suitelib.features import mirencoder_both, model_hidden

    folder = Path(model) if model else DEFAULT_WEIGHTS
    X, _ = mirencoder_both(programs, folder, cache_dir, options={"precision": precision})
    return X, model_hidden(folder)


def table(A: np.ndarray, B: np.ndarray, hidden: int) -> list[str]:
    """The report's table: one row per part of the vector."""
    lines = ["| part | cos mean | cos p5 | cos min | rel. L2 mean | rel. L2 p95 | rel. L2 max | std. error median "
             "| std. error max |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    ok = np.isfinite(A).all(1) & np.isfinite(B).all(1)
    ours, theirs = split_parts("whole vector", A[ok], hidden), split_parts("whole vector", B[ok], hidden)
    for name in ("whole vector text", "whole vector graph", "whole vector fused", "whole vector"):
        c = closeness(ours[name], theirs[name])
        lines.append(f"| {name.replace('whole vector ', '')} | " + " | ".join(f"{c[k]:.4f}" for k in c) + " |")
    return lines


def _suite_tables(args) -> list[str]:
    lines = []
    for task, mod in suite.discover_tasks(args.task).items():  # unknown names: SystemExit naming the tasks
        if isinstance(mod, Exception):
            raise SystemExit(f"task {task} does not import: {mod}")
        programs = suite_programs(mod, args.cache_dir)
        A, hidden = embed_programs(programs, args.model, args.precision, args.cache_dir)
        B, _ = embed_programs(programs, args.reference, args.reference_precision, args.cache_dir)
        languages = np.array([p.language for p in programs])
        for lang in sorted(set(languages)):
            keep = languages == lang
            lines += ["", f"## {task}, {lang} ({int(keep.sum())} programs of the quick subset)", "",
                      *table(A[keep], B[keep], hidden)]
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None)
    ap.add_argument("--precision", default="auto")
    ap.add_argument("--reference", default=None)
    ap.add_argument("--reference-precision", default="float32")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--task", nargs="+", default=None, help="suite tasks whose programs to compare instead")
    ap.add_argument("--cache-dir", type=Path, default=suite.DEFAULT_CACHE, help=f"the suite's cache (default {suite.DEFAULT_CACHE})")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    args.cache_dir = Path(args.cache_dir).expanduser()
    lines = ["# Embedding fidelity", "",
             f"- command: `python benchmarks/fidelity.py {' '.join(argv if argv is not None else sys.argv[1:])}`",
             f"- date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
             f"- model: {args.model or 'bundled'} ({args.precision}); reference: {args.reference or 'bundled'} "
             f"({args.reference_precision})"]
    if args.task:
        lines += _suite_tables(args)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            files = [str(f) for f in compiling_kernels(Path(tmp), args.limit)]
            A, hidden = embed(files, args.model, args.precision)
            B, _ = embed(files, args.reference, args.reference_precision)
        lines += [f"- programs: {len(files)} devmap-cgo17 OpenCL kernels", "", *table(A, B, hidden)]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
