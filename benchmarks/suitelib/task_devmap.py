"""Device mapping (CGO'17 data): CPU or GPU, per (OpenCL kernel, input size) row.

Data: :func:`sklearn_mirencoder.datasets.load_devmap` for both platforms (AMD Tahiti 7970
and NVIDIA GTX 970, each against an Intel Core i7-3820; 680 rows each).  The programs are
the distinct IR files of the rows (669), made canonical by the front end (LLVM 22); IR2Vec
reads the dataset's own IR instead (``meta["ir2vec_input"]``, older typed-pointer IR that
its LLVM accepts), as in ``benchmarks/devmap.py``.

Protocols (``benchmarks/devmap.py``'s, the same folds for every feature set and head):
``stratified`` (the literature's, leaky: a test kernel's other input sizes are in training)
and ``grouped`` (``StratifiedGroupKFold`` by kernel: no kernel in both train and test).
Seed ``s`` is the fold partition ``random_state = 204 + s`` (seed 0 is the literature's).
Heads: ``devmap.make_head`` (nested ``GridSearchCV``).  Auxiliary inputs: log2 of
(transfer, wgsize), as ``aux only`` and ``<set> + aux``; in a full run the full-vector sets
are also run without them.  Outer folds: :data:`FOLDS_FULL` (the literature uses 10: 5 keeps a
5-partition, 2-head run on 2 CPU cores within the suite's 90 minutes), :data:`FOLDS_QUICK`
with ``--quick``.  Score: accuracy % over the rows (each tested once per partition); extra: the
speedup over the static mapping (geometric and arithmetic mean) and the fold std.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

_BENCH = Path(__file__).resolve().parents[1]
if str(_BENCH) not in sys.path:
    sys.path.insert(0, str(_BENCH))

import devmap as _devmap  # noqa: E402  (benchmarks/devmap.py)

from .core import Program, Result, TaskData, TaskUnavailable, finite_rows, text_digest  # noqa: E402
from .features import PARTS  # noqa: E402

NAME = "devmap"
PLATFORMS = _devmap.PLATFORMS
PROTOCOLS = _devmap.PROTOCOLS
AUX = "aux only"
FOLDS_FULL, FOLDS_QUICK = 5, 3
#: Keep only this many rows (stratified, among the smallest IR files; ``devmap._quick_rows``):
#: for tests. ``None`` keeps all 680.
ROW_LIMIT: int | None = None
#: ``--quick`` keeps the rows whose IR file is at most this quantile of the files' sizes
#: (the median: 343 of 680 rows, 126 kernel groups, 13% of the IR text to embed).
QUICK_SIZE_QUANTILE = 0.5


def find_data(data_dir: Path | None) -> Path | None:
    """``data_dir``, else ``$MIRENCODER_SHARED/data/devmap-cgo17``, else ``../shared/data/devmap-cgo17``,
    else None (the loader's cache)."""
    if data_dir is not None:
        return Path(data_dir)
    shared = Path(os.environ.get("MIRENCODER_SHARED", _BENCH.parent.parent / "shared"))
    d = shared / "data" / "devmap-cgo17"
    return d if (d / "cgo17-amd.csv").is_file() else None


def _canonical(files: Mapping[str, str], cache_dir: Path) -> dict[str, tuple[str | None, str | None]]:
    """file -> (canonical IR, None) or (None, failure), cached as JSON."""
    from sklearn_mirencoder.frontend.ir import to_ir

    key = text_digest("devmap-canonical-v1", *(f"{n}\x01{files[n]}" for n in sorted(files)))
    path = Path(cache_dir) / "devmap" / f"canonical-{key}.json"
    if path.is_file():
        return {k: tuple(v) for k, v in json.loads(path.read_text()).items()}
    out: dict[str, tuple[str | None, str | None]] = {}
    for n in sorted(files):
        try:
            out[n] = (to_ir(files[n], language="llvm-ir", name=n).text, None)
        except Exception as exc:  # a typed FrontendError: keep the program, with its reason
            out[n] = (None, f"{type(exc).__name__}: {exc}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out))
    return out


def small_file_rows(bunch, quantile: float) -> np.ndarray:
    """Rows whose IR file is at most ``quantile`` of the distinct files' sizes (characters)."""
    sizes = {f: len(t) for f, t in zip(bunch.ir_file, bunch.ir)}
    limit = np.quantile(np.asarray(list(sizes.values())), quantile)
    return np.flatnonzero([sizes[f] <= limit for f in bunch.ir_file])


def load(data_dir: Path | None, *, cache_dir: Path, quick: bool) -> TaskData:
    """Both platforms' rows and the distinct IR files they use, as canonical IR."""
    from sklearn_mirencoder.datasets import load_devmap

    data = find_data(data_dir)
    try:
        bunches = {p: load_devmap(p, local_path=data, download=False) for p in PLATFORMS}
        first = PLATFORMS[0]
    except Exception as exc:
        raise TaskUnavailable(f"devmap-cgo17 data not found ({exc}); pass --shared or put it in "
                              "../shared/data/devmap-cgo17") from exc
    n_rows = len(bunches[first].target)
    if ROW_LIMIT is not None:  # the same rows on both platforms (same kernels and sizes)
        keep = _devmap._quick_rows(bunches[first], ROW_LIMIT, _devmap.SEED)
        bunches = {p: _devmap.subset(b, keep) for p, b in bunches.items()}
    elif quick:
        keep = small_file_rows(bunches[first], QUICK_SIZE_QUANTILE)
        bunches = {p: _devmap.subset(b, keep) for p, b in bunches.items()}
    files: dict[str, str] = {}
    for b in bunches.values():
        files.update(zip(b.ir_file, b.ir))
    canon = _canonical(files, cache_dir)
    names = sorted(files)
    programs = [Program(n, "llvm-ir", canon[n][0], canon[n][1]) for n in names]
    task = TaskData(NAME, programs, meta={"bunches": bunches, "ir2vec_input": dict(files),
                                          "folds": FOLDS_QUICK if quick else FOLDS_FULL})
    failed = len(task.failures())
    rows = len(bunches[first].target)
    task.notes.append(f"{len(names)} distinct IR files for {rows} rows per platform; {failed} failed the front end")
    if rows < n_rows and ROW_LIMIT is None:
        task.notes.append(f"quick run: only the {rows} of {n_rows} rows whose IR file is at most the median file "
                          "size (the larger files cost most of the embedding time)")
    return task


def feature_sets(features: Mapping[str, np.ndarray], idx: np.ndarray, aux: np.ndarray, *,
                 code_alone: bool = True) -> dict:
    """Row-level inputs of ``devmap.evaluate``: ``aux only``, every set ``+ aux``, and (with
    ``code_alone``) each full vector (a set whose name is not a model part, see
    ``features.PARTS``) alone."""
    out: dict = {AUX: aux}
    parts = tuple(s for s in PARTS if s)
    for name, X in features.items():
        if code_alone and not name.endswith(parts):
            out[name] = np.asarray(X)[idx]
    for name, X in features.items():
        out[f"{name} + aux"] = (np.asarray(X)[idx], aux)
    return out


def folds(bunch, protocol: str, n_splits: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (train, test) row indices of one partition, exactly as ``devmap.evaluate`` draws them
    (``random_state = 204 + seed``; grouped by ``bunch.kernel`` under ``grouped``)."""
    y = np.asarray(bunch.target).astype(int)
    groups = np.asarray(bunch.kernel) if protocol == "grouped" else None
    splitter = _devmap.make_splitter(protocol, n_splits, _devmap.SEED + seed)
    return list(splitter.split(np.zeros(len(y)), y, groups))


def evaluate(task: TaskData, features: Mapping[str, np.ndarray], *, seeds: Sequence[int], heads: Sequence[str],
             quick: bool, n_jobs: int = 2) -> list[Result]:
    """Every (platform, protocol, seed): ``devmap.evaluate`` on the rows every set describes."""
    ok = finite_rows(features) if features else np.array([p.ir is not None for p in task.programs])
    pos = {p.id: i for i, p in enumerate(task.programs)}
    n_splits = task.meta.get("folds", FOLDS_QUICK if quick else FOLDS_FULL)
    results: list[Result] = []
    for plat, bunch in task.meta["bunches"].items():
        idx_all = np.asarray([pos[f] for f in bunch.ir_file])
        keep = np.flatnonzero(ok[idx_all])
        if len(keep) < len(idx_all):
            task.notes.append(f"{plat}: {len(idx_all) - len(keep)} of {len(idx_all)} rows left out "
                              "(their IR file is not described by every feature set)")
        b = _devmap.subset(bunch, keep)
        sets = feature_sets(features, idx_all[keep], _devmap.log_aux(b), code_alone=not quick)
        for protocol in PROTOCOLS:
            for seed in seeds:
                df = _devmap.evaluate(sets, b, protocol, heads, n_splits=n_splits, seed=_devmap.SEED + seed,
                                      n_jobs=n_jobs)
                results.extend(_results(df, f"{plat}/{protocol}", seed))
    return results


def _results(df, setting: str, seed: int) -> list[Result]:
    return [
        Result(NAME, setting, r.features, r.head, seed, "accuracy %", 100 * float(r.accuracy),
               {"speedup geomean": float(r.speedup_geomean), "speedup mean": float(r.speedup_mean),
                "fold std %": 100 * float(r.accuracy_std)})
        for r in df.itertuples()
    ]
