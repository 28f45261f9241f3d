"""The suite's CUDA/OpenMP kernel-bottleneck task on gpuFLOPBench (HeCBench on an RTX 3080).

One :class:`~suitelib.core.Program` per profiled target (``<bench>-cuda``, ``<bench>-omp``):
the target's source files compiled by our front end with the flags of the authors' compile
commands (:func:`sklearn_mirencoder.datasets.gpuflopbench_compile_units`), linked into one
module and canonicalised.  Labels from :func:`~sklearn_mirencoder.datasets.load_gpuflopbench`:
``bound`` (1 compute-bound, 0 bandwidth-bound on the RTX 3080's roofline, boost clock) and
``log_ai`` (log10 of the dominant kernel's arithmetic intensity).

What is compiled
----------------
CUDA targets: their CUDA files only (``-x cuda`` or ``.cu``; device code, as the front end
compiles CUDA): plain C/C++ host files of a CUDA target hold no kernel.  OpenMP targets:
all their C/C++ files with OpenMP on (host code with the target regions outlined).  The
modules of a target are linked with llvmlite (``link_in``); when linking fails (two files
define the same symbol), only the module that defines the dominant kernel is kept (else the
first).  When some files of a target fail and others compile, the target keeps the linked
modules that compiled if they define the dominant kernel; otherwise it fails with the first
error.  ``TaskData.meta["how"]`` says which happened per target and ``notes`` counts them.

Cache: one JSON file per target under ``<cache_dir>/gpuflopbench-ir/``, keyed by the
sources' bytes (every compiled file), :data:`BUILD_RULES`, the mapped flags (data folder replaced by a
placeholder), the target's language, the package version, the clang version and the
headers the front end ships (``_data/include/cuda`` and ``omp``); uncached
targets compile in ``joblib`` workers (``n_jobs=2``, each at ``nice`` 10).

Protocols (one score per seed, from the pooled out-of-fold predictions)
----------------------------------------------------------------------
``grouped``         ``StratifiedGroupKFold`` over benchmarks (a program's CUDA and OpenMP
                    versions always in the same fold); classification of ``bound``; score =
                    balanced accuracy % (41% of the targets are compute-bound); extra:
                    accuracy %.
``grouped/log_ai``  the same folds; regression of ``log_ai``; score = R^2 x 100 (0 = the
                    training mean; can be negative); extra: MAE (decades) and Spearman rho.
``transfer``        ``GroupKFold`` over benchmarks (shuffled by the seed): heads fit on the
                    CUDA rows of the training benchmarks only and score the OpenMP rows of
                    the held-out benchmarks; balanced accuracy %, as ``grouped``.
``transfer/log_ai`` the same split, regression, R^2 x 100.

Heads: ``logreg`` (scaled logistic regression; for ``log_ai`` scaled ridge regression) and
``hgb`` (histogram gradient boosting, code features above 64 reduced to 32 principal
components as in ``benchmarks/devmap.py``), tuned by ``GridSearchCV`` inside the training
folds with 3 inner folds grouped by benchmark.  No auxiliary input.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from .core import Program, Result, TaskData, TaskUnavailable, finite_rows, text_digest

NAME = "gpuflopbench"
_BENCH_DIR = Path(__file__).resolve().parents[1]
_REPO = _BENCH_DIR.parent
N_JOBS = 2
#: Bump when build_target's rules change: part of the IR cache key.
BUILD_RULES = "2"
QUICK_BENCHMARKS = 60  # benchmarks (CUDA and OpenMP targets each) in quick mode
SETTINGS = ("grouped", "grouped/log_ai", "transfer", "transfer/log_ai")

__all__ = ["NAME", "load", "evaluate", "grouped_splits", "transfer_splits", "build_target", "SETTINGS"]


# ------------------------------------------------------------------------------ data


def _data_location(data_dir: Path | None) -> Path | None:
    if data_dir is not None:
        return Path(data_dir)
    shared = os.environ.get("MIRENCODER_SHARED")
    for base in ([Path(shared)] if shared else []) + [_REPO.parent / "shared"]:
        cand = base / "data" / "gpuflopbench"
        if cand.exists():
            return cand
    return None


def _load_dataset(data_dir: Path | None):
    from sklearn_mirencoder.datasets import load_gpuflopbench
    from sklearn_mirencoder.errors import DatasetError

    where = _data_location(data_dir)
    try:
        if where is not None:
            return load_gpuflopbench(local_path=where)
        return load_gpuflopbench(download=False)
    except DatasetError as exc:
        raise TaskUnavailable(
            f"gpuFLOPBench data not found (looked at {where or '$MIRENCODER_SHARED/data/gpuflopbench, ../shared/data/gpuflopbench'} "
            f"and the loader's cache): {exc}"
        ) from None


# ------------------------------------------------------------------------------ one target


_OMP_KERNEL = re.compile(r"^__omp_offloading_[0-9a-f]+_[0-9a-f]+_(.+_l\d+)$")


def _kernel_marker(kernel: str) -> str:
    """What a ``define`` line of our IR contains when it defines ``kernel`` (OpenMP: the
    outlined region's function and line, without the device and file ids)."""
    m = _OMP_KERNEL.match(kernel)
    return "_" + m.group(1) if m else kernel


def _defines(ir: str, marker: str) -> bool:
    return any(marker in line for line in ir.splitlines() if line.startswith("define "))


def _short_reason(exc: Exception) -> str:
    """One line naming the failure without paths or line numbers (for counting reasons)."""
    diag = getattr(exc, "diagnostic", "") or ""
    for line in diag.splitlines():
        if "error:" in line:
            msg = line.split("error:", 1)[1].strip()
            m = re.match(r"'(.+)' file not found", msg)
            return f"missing header {m.group(1)}" if m else msg
    reason = getattr(exc, "reason", None) or str(exc)
    return f"{type(exc).__name__}: {reason.splitlines()[0][:160]}"


def _units_to_compile(units, language: str):
    if language == "cuda":
        return [u for u in units if u.language == "cuda"]
    return [u for u in units if u.language in ("c", "c++", "openmp-c", "openmp-c++")]


def _link(texts: list[str]) -> str:
    from llvmlite import binding as llvm

    mods = [llvm.parse_assembly(t) for t in texts]
    main = mods[0]
    for m in mods[1:]:
        main.link_in(m)
    return str(main)


def _compile_unit(u, rel: str) -> str:
    """Canonical IR of one source file; a file that is not UTF-8 (a Latin-1 (c) in a comment:
    10 targets) is read as Latin-1 and compiled from its text, in its own folder."""
    from sklearn_mirencoder.errors import InputError
    from sklearn_mirencoder.frontend.ir import load_file, to_ir

    try:
        return load_file(u.path, language=u.language, extra_flags=u.flags, name=rel).text
    except InputError as exc:
        if "not valid UTF-8" not in str(exc):
            raise
    text = Path(u.path).read_bytes().decode("latin-1")
    return to_ir(text, language=u.language, extra_flags=u.flags, name=rel,
                 source_dir=str(Path(u.path).resolve().parent)).text


def build_target(units, *, language: str, kernel: str, root: str) -> dict:
    """Compile, link and canonicalise one target: ``{"ir", "failure", "how"}`` (never raises
    for a bad program; ``failure`` is a one-line reason, ``how`` what was kept)."""
    from sklearn_mirencoder.errors import MIREncoderError
    from sklearn_mirencoder.frontend.ir import to_ir

    todo = _units_to_compile(units, language)
    if not todo:
        return {"ir": None, "failure": f"no {language} source file of this target is in the data", "how": "none"}
    texts, names, errors = [], [], []
    for u in todo:
        rel = os.path.relpath(u.path, root)
        try:
            texts.append(_compile_unit(u, rel))
            names.append(rel)
        except MIREncoderError as exc:
            errors.append((rel, exc))
    marker = _kernel_marker(kernel)
    has_kernel = [_defines(t, marker) for t in texts]
    if errors and not any(has_kernel):
        rel, exc = errors[0]
        return {"ir": None, "failure": _short_reason(exc), "how": f"failed: {rel}"}
    how = "partial: " if errors else ""
    if len(texts) == 1:
        text, how = texts[0], how + "one file"
    else:
        try:
            text, how = _link(texts), how + f"linked {len(texts)} files"
        except Exception:  # llvmlite raises RuntimeError on symbol clashes
            k = has_kernel.index(True) if any(has_kernel) else 0
            text, how = texts[k], how + f"kept {names[k]} (link failed)"
    try:
        ir = to_ir(text, language="llvm-ir", name=names[0]).text
    except MIREncoderError as exc:
        return {"ir": None, "failure": _short_reason(exc), "how": "canonicalisation failed"}
    return {"ir": ir, "failure": None, "how": how + ("" if any(has_kernel) else "; kernel not found by name")}


_NICED = False


def _build_niced(units, language, kernel, root) -> dict:
    global _NICED
    if not _NICED:
        try:
            os.nice(10)
        except OSError:  # pragma: no cover
            pass
        _NICED = True
    return build_target(units, language=language, kernel=kernel, root=root)


_HEADERS: list[str] = []


def _headers_digest() -> str:
    """Digest of the headers the front end ships (CUDA, OpenMP): a fix there rebuilds the cache."""
    import hashlib

    from sklearn_mirencoder.frontend.compile import include_dir

    if not _HEADERS:
        h = hashlib.sha256()
        for kind in ("cuda", "omp"):
            base = include_dir(kind)
            for p in sorted(base.rglob("*")) if base.is_dir() else []:
                if p.is_file():
                    h.update(str(p.relative_to(base)).encode() + b"\0" + p.read_bytes())
        _HEADERS.append(h.hexdigest())
    return _HEADERS[0]


def _cache_key(units, language: str, root: str) -> str:
    import hashlib

    import sklearn_mirencoder
    from sklearn_mirencoder.frontend.compile import find_compiler

    try:
        compiler = find_compiler().version
    except Exception:  # no clang: the key still differs from a working setup's
        compiler = "none"
    parts = [sklearn_mirencoder.__version__, str(compiler), _headers_digest(), BUILD_RULES, language]
    for u in _units_to_compile(units, language):
        digest = hashlib.sha256(Path(u.path).read_bytes()).hexdigest()
        flags = " ".join(f.replace(root, "<root>") for f in u.flags)
        parts += [os.path.relpath(u.path, root), u.language, digest, flags]
    return text_digest(*parts)


def _build_all(data, rows: Sequence[int], cache_dir: Path) -> dict[int, dict]:
    from joblib import Parallel, delayed

    folder = Path(cache_dir) / "gpuflopbench-ir"
    folder.mkdir(parents=True, exist_ok=True)
    out, todo = {}, []
    for i in rows:
        units = list(data.compile_units[i])
        path = folder / f"{data.target_name[i]}-{_cache_key(units, data.language[i], data.root)}.json"
        if path.is_file():
            out[i] = json.loads(path.read_text())
        else:
            todo.append((i, units, path))
    if todo:
        jobs = (delayed(_build_niced)(u, data.language[i], data.kernel[i], data.root) for i, u, _ in todo)
        # a generator, so each target is cached as soon as it is built (an interrupted build keeps them)
        for (i, _, path), res in zip(todo, Parallel(n_jobs=N_JOBS, return_as="generator")(jobs)):
            path.write_text(json.dumps(res))
            out[i] = res
    return out


def _select(data, quick: bool) -> list[int]:
    rows = list(range(len(data.target_name)))
    if not quick:
        return rows
    benches = sorted(set(data.benchmark))
    rng = np.random.default_rng(0)
    keep = set(rng.choice(benches, size=min(QUICK_BENCHMARKS, len(benches)), replace=False))
    return [i for i in rows if data.benchmark[i] in keep]


def _failure_notes(programs: Sequence[Program], how: Sequence[str]) -> list[str]:
    notes = []
    for lang in ("cuda", "openmp"):
        ps = [p for p in programs if p.language == lang]
        bad = [p.failure for p in ps if p.failure]
        top = "; ".join(f"{r} ({n})" for r, n in Counter(bad).most_common(5))
        notes.append(f"{lang}: {len(ps) - len(bad)} of {len(ps)} targets compiled, {len(bad)} failed"
                     + (f"; top reasons: {top}" if top else ""))
    kinds = Counter(re.sub(r"kept \S+", "kept one file", h.split(";")[0].split(":")[0] if h.startswith("failed")
                           else h.split(";")[0]) for h in how)
    notes.append("how the IR was made: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    return notes


def load(data_dir: Path | None, *, cache_dir: Path, quick: bool) -> TaskData:
    """The targets as programs (canonical linked IR or a failure), with labels and groups."""
    data = _load_dataset(data_dir)
    rows = _select(data, quick)
    built = _build_all(data, rows, Path(cache_dir))
    programs = [
        Program(id=str(data.target_name[i]), language=str(data.language[i]), ir=built[i]["ir"],
                failure=None if built[i]["ir"] is not None else built[i]["failure"])
        for i in rows
    ]
    idx = np.asarray(rows, dtype=np.int64)
    meta = {
        "bound": data.bound[idx], "log_ai": data.log_ai[idx], "benchmark": data.benchmark[idx],
        "language": data.language[idx], "kernel": data.kernel[idx], "precision": data.precision[idx],
        "how": [built[i]["how"] for i in rows], "roofline": data.roofline,
    }
    notes = _failure_notes(programs, meta["how"])
    notes.append(f"labels: {int(meta['bound'].sum())} compute-bound, {int((meta['bound'] == 0).sum())} "
                 f"bandwidth-bound of {len(rows)} targets ({'quick subset, ' if quick else ''}roofline at "
                 f"the {data.roofline['clock']} clock)")
    return TaskData(name=NAME, programs=programs, meta=meta, notes=notes)


# ------------------------------------------------------------------------------ protocols


def grouped_splits(y: np.ndarray, groups: np.ndarray, *, seed: int, n_splits: int = 5):
    """``(train, test)`` index pairs: StratifiedGroupKFold on ``y`` grouped by benchmark."""
    from sklearn.model_selection import StratifiedGroupKFold

    k = min(n_splits, len(set(groups)))
    cv = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    return list(cv.split(np.zeros(len(y)), y, groups))


def transfer_splits(language: np.ndarray, groups: np.ndarray, *, seed: int, n_splits: int = 5):
    """``(train, test)`` pairs: benchmarks in ``n_splits`` folds; train = CUDA rows of the
    training benchmarks, test = OpenMP rows of the held-out ones."""
    from sklearn.model_selection import GroupKFold

    k = min(n_splits, len(set(groups)))
    cv = GroupKFold(n_splits=k, shuffle=True, random_state=seed)
    out = []
    for tr, te in cv.split(np.zeros(len(groups)), groups=groups):
        train = tr[language[tr] == "cuda"]
        test = te[language[te] == "openmp"]
        if len(train) and len(test):
            out.append((train, test))
    return out


def _devmap():
    if str(_BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(_BENCH_DIR))
    import devmap

    return devmap


def _regressor(name: str, n_features: int):
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    dm = _devmap()
    if name == "logreg":
        return Pipeline([("scale", StandardScaler()), ("reg", Ridge())]), {"reg__alpha": [1.0, 10.0, 100.0]}
    if name == "hgb":
        reg = HistGradientBoostingRegressor(max_iter=100, early_stopping=False, random_state=0)
        grid = {"learning_rate": [0.05, 0.2], "max_leaf_nodes": [7, 31]}
        if n_features <= dm.HGB_MAX_CODE_DIMS:
            return reg, grid
        pca = Pipeline([("scale", StandardScaler()), ("pca", dm.CappedPCA(dm.HGB_PCA_DIMS))])
        reduce = ColumnTransformer([("code", pca, list(range(n_features)))])
        return Pipeline([("reduce", reduce), ("reg", reg)]), {f"reg__{k}": v for k, v in grid.items()}
    raise ValueError(f"unknown head {name!r}; known: logreg, hgb")


def _fit_predict(X, y, groups, train, test, head: str, regression: bool, seed: int) -> np.ndarray:
    import warnings

    from sklearn.model_selection import GridSearchCV, GroupKFold, StratifiedGroupKFold

    if regression:
        est, grid = _regressor(head, X.shape[1])
        inner = GroupKFold(n_splits=min(3, len(set(groups[train]))))
        scoring = "r2"
    else:
        est, grid = _devmap().make_head(head, X.shape[1], 0)
        inner = StratifiedGroupKFold(n_splits=min(3, len(set(groups[train]))), shuffle=True, random_state=seed)
        scoring = "balanced_accuracy"
        if len(set(y[train])) < 2:  # one class only: predict it
            return np.full(len(test), y[train][0])
    search = GridSearchCV(est, grid, cv=inner, scoring=scoring, n_jobs=1, error_score=np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X[train], y[train], groups=groups[train])
    return search.predict(X[test])


def _scores(y_true, y_pred, regression: bool) -> tuple[float, dict]:
    from scipy.stats import spearmanr
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, mean_absolute_error, r2_score

    if regression:
        rho = spearmanr(y_true, y_pred).statistic if len(set(y_pred)) > 1 else float("nan")
        return 100.0 * r2_score(y_true, y_pred), {"MAE (decades)": float(mean_absolute_error(y_true, y_pred)),
                                                 "Spearman rho": float(rho), "n_test": float(len(y_true))}
    return 100.0 * balanced_accuracy_score(y_true, y_pred), {
        "accuracy %": 100.0 * accuracy_score(y_true, y_pred), "n_test": float(len(y_true))}


def _run(setting, splits, X, y, groups, head, regression, seed):
    covered = np.concatenate([te for _, te in splits])
    pred = np.empty(len(y), dtype=float)
    for train, test in splits:
        pred[test] = _fit_predict(X, y, groups, train, test, head, regression, seed)
    return _scores(y[covered], pred[covered], regression)


def evaluate(task: TaskData, features: Mapping[str, np.ndarray], *, seeds: Sequence[int],
             heads: Sequence[str], quick: bool) -> list[Result]:
    """Scores of every feature set under the four settings (see the module docs)."""
    meta = task.meta
    log_ai = np.asarray(meta["log_ai"], dtype=float)
    rows = finite_rows(features) & np.isfinite(log_ai)
    left = int((~rows).sum())
    note = f"evaluate: {int(rows.sum())} of {len(rows)} targets scored ({left} left out: no IR for some feature set or no log_ai)"
    if note not in task.notes:
        task.notes.append(note)
    bound = np.asarray(meta["bound"])[rows].astype(int)
    groups = np.asarray(meta["benchmark"], dtype=object)[rows]
    language = np.asarray(meta["language"], dtype=object)[rows]
    y_reg = log_ai[rows]
    n_splits = 3 if quick else 5
    results = []
    for seed in seeds:
        g_splits = grouped_splits(bound, groups, seed=seed, n_splits=n_splits)
        t_splits = transfer_splits(language, groups, seed=seed, n_splits=n_splits)
        plan = (("grouped", g_splits, bound, False), ("grouped/log_ai", g_splits, y_reg, True),
                ("transfer", t_splits, bound, False), ("transfer/log_ai", t_splits, y_reg, True))
        for name, X in features.items():
            Xr = np.asarray(X, dtype=np.float64)[rows]
            for head in heads:
                for setting, splits, y, regression in plan:
                    score, extra = _run(setting, splits, Xr, y, groups, head, regression, seed)
                    results.append(Result(task=NAME, setting=setting, feature_set=name, head=head, seed=seed,
                                          metric="R^2 x 100" if regression else "balanced accuracy %",
                                          score=float(score), extra=extra))
    return results
