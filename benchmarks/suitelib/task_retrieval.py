"""Cross-optimisation retrieval: find a module's other optimisation level among all of them.

As ``benchmarks/opt_retrieval.py``: every query is a module of the pre-training corpus's
*validation packages* (never trained on) compiled at ``-O0``; its answer is the same source
file compiled at ``-O1``, among the ``-O1`` modules of the pool (``O0 -> O1``), and the reverse
(``O1 -> O0``).  Similarity: the cosine of vectors standardised per feature over the pool
(``opt_retrieval.retrieval``).  No head is trained (head ``cosine``).

Data: ``corpus-debian-small.tar.xz`` (``$MIRENCODER_SHARED/corpus/`` or ``../shared/corpus/``),
unpacked once into ``<cache_dir>/retrieval/``; pairs from ``opt_retrieval.select_pairs``
(validation packages of ``split.json``, 20 to 2,000 instructions at ``-O0``): at most
:data:`PAIRS_FULL` pairs; with ``--quick``, :data:`PAIRS_QUICK` of those (evenly spaced) among
the ones of at most :data:`QUICK_MAX_INSTRUCTIONS` instructions at ``-O0``.
Seed ``s`` draws :data:`POOL_FRACTION` of the pairs (``default_rng(s)``) as the pool, so the
paired statistics have one cell per (direction, seed).  Score: top-1 %; extra: top-5 % and
the mean reciprocal rank.
"""

from __future__ import annotations

import json
import os
import sys
import tarfile
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

_BENCH = Path(__file__).resolve().parents[1]
if str(_BENCH) not in sys.path:
    sys.path.insert(0, str(_BENCH))

import opt_retrieval as _ret  # noqa: E402  (benchmarks/opt_retrieval.py)

from .core import Program, Result, TaskData, TaskUnavailable, finite_rows, text_digest  # noqa: E402

NAME = "retrieval"
TARBALL = "corpus-debian-small.tar.xz"
PAIRS_FULL, PAIRS_QUICK = 300, 100
#: Quick runs take their pairs among the full run's with at most this many -O0 instructions
#: (embedding time grows with the module).
QUICK_MAX_INSTRUCTIONS = 300
POOL_FRACTION = 0.8
MIN_INSTRUCTIONS, MAX_INSTRUCTIONS = 20, 2000
DIRECTIONS = ("O0 -> O1", "O1 -> O0")


def find_tarball(data_dir: Path | None) -> Path:
    """The corpus tarball: in ``data_dir`` (or its ``corpus/``), else under ``$MIRENCODER_SHARED``
    or ``../shared``; raises :class:`TaskUnavailable` naming the places looked at."""
    shared = Path(os.environ.get("MIRENCODER_SHARED", _BENCH.parent.parent / "shared"))
    places = ([Path(data_dir), Path(data_dir) / "corpus"] if data_dir is not None else []) + [shared / "corpus"]
    for d in places:
        if (d / TARBALL).is_file():
            return d / TARBALL
    raise TaskUnavailable(f"{TARBALL} not found in {', '.join(map(str, places))}")


def unpack(tarball: Path, cache_dir: Path) -> Path:
    """The unpacked ``corpus/`` folder (unpacked once; a marker file says it is complete)."""
    root = Path(cache_dir) / "retrieval"
    corpus, done = root / "corpus", root / ".unpacked"
    stamp = f"{tarball.stat().st_size}"
    if not (done.is_file() and done.read_text() == stamp and (corpus / "manifest.jsonl").is_file()):
        root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarball) as tf:
            tf.extractall(root, filter="data")
        done.write_text(stamp)
    return corpus


def pick_pairs(corpus: Path, quick: bool) -> list[tuple[dict, dict]]:
    manifest = [json.loads(line) for line in (corpus / "manifest.jsonl").read_text().splitlines() if line]
    split = json.loads((corpus / "split.json").read_text())
    pairs = _ret.select_pairs(manifest, set(split["val"]), max_pairs=PAIRS_FULL,
                              min_instructions=MIN_INSTRUCTIONS, max_instructions=MAX_INSTRUCTIONS)
    if not quick:
        return pairs
    small = [p for p in pairs if p[0]["instructions"] <= QUICK_MAX_INSTRUCTIONS]
    if len(small) > PAIRS_QUICK:
        small = [small[i] for i in np.linspace(0, len(small) - 1, PAIRS_QUICK).round().astype(int)]
    return small


def _program(corpus: Path, pid: str, record: dict) -> Program:
    from sklearn_mirencoder.frontend.ir import load_file

    h = record["hash"]
    try:
        return Program(pid, "llvm-ir", load_file(corpus / "ir" / h[:2] / f"{h}.ll").text)
    except Exception as exc:  # a typed FrontendError
        return Program(pid, "llvm-ir", None, f"{type(exc).__name__}: {exc}")


def load(data_dir: Path | None, *, cache_dir: Path, quick: bool) -> TaskData:
    """The pairs' modules as canonical IR: program ``2 i`` is pair ``i`` at -O0, ``2 i + 1`` at -O1."""
    corpus = unpack(find_tarball(data_dir), cache_dir)
    pairs = pick_pairs(corpus, quick)
    key = text_digest("retrieval-v1", *(r0["hash"] + r1["hash"] for r0, r1 in pairs))
    path = Path(cache_dir) / "retrieval" / f"programs-{key}.json"
    if path.is_file():
        programs = [Program(**d) for d in json.loads(path.read_text())]
    else:
        programs = [_program(corpus, f"{i:04d}.{lvl}", r)
                    for i, pr in enumerate(pairs) for lvl, r in zip(("O0", "O1"), pr)]
        path.write_text(json.dumps([p.__dict__ for p in programs]))
    packages = sorted({r0["package"] for r0, _ in pairs})
    task = TaskData(NAME, programs, meta={"pairs": [(r0["package"], r0["file"]) for r0, _ in pairs]})
    task.notes.append(f"{len(pairs)} -O0/-O1 pairs from {len(packages)} validation packages ({', '.join(packages)}); "
                      f"{len(task.failures())} modules failed the front end")
    return task


def scores(X0: np.ndarray, X1: np.ndarray) -> dict[str, dict[str, float]]:
    """Per direction: top-1 %, top-5 % and MRR of pair ``i``'s partner among the other level's rows."""
    return {DIRECTIONS[0]: _ret.summary(_ret.retrieval(X0, X1)), DIRECTIONS[1]: _ret.summary(_ret.retrieval(X1, X0))}


def pools(n_pairs: int, seeds: Sequence[int], fraction: float = POOL_FRACTION) -> dict[int, np.ndarray]:
    """Seed -> the sorted pair indices of its pool (``fraction`` of the pairs, at least 2)."""
    k = max(2, int(round(fraction * n_pairs)))
    return {s: np.sort(np.random.default_rng(s).choice(n_pairs, min(k, n_pairs), replace=False)) for s in seeds}


def evaluate(task: TaskData, features: Mapping[str, np.ndarray], *, seeds: Sequence[int], heads: Sequence[str],
             quick: bool) -> list[Result]:
    """Top-1 % per (direction, feature set, seed) on the pairs every set describes at both levels."""
    ok = finite_rows(features) if features else np.array([p.ir is not None for p in task.programs])
    n_pairs = len(task.programs) // 2
    usable = np.flatnonzero(ok[0::2][:n_pairs] & ok[1::2][:n_pairs])
    if len(usable) < n_pairs:
        task.notes.append(f"{n_pairs - len(usable)} of {n_pairs} pairs left out (a module not described by every "
                          "feature set)")
    if len(usable) < 2:
        return []
    task.notes.append(f"each seed's pool: {max(2, int(round(POOL_FRACTION * len(usable))))} of the "
                      f"{len(usable)} usable pairs (chance top-1 about "
                      f"{100 / max(2, round(POOL_FRACTION * len(usable))):.2f}%)")
    out: list[Result] = []
    for seed, sel in pools(len(usable), seeds).items():
        pairs = usable[sel]
        for name, X in features.items():
            X = np.asarray(X, dtype=np.float64)
            for direction, s in scores(X[2 * pairs], X[2 * pairs + 1]).items():
                out.append(Result(NAME, direction, name, "cosine", seed, "top-1 %", s["top1"],
                                  {"top-5 %": s["top5"], "MRR": s["mrr"]}))
    return out
