"""Thread coarsening (Magni et al. PACT'14; case study B of Cummins et al. PACT'17).

Data: :func:`sklearn_mirencoder.datasets.load_threadcoarsening`: 17 OpenCL kernels, run
with coarsening factors 1, 2, 4, ..., 32 on four GPUs (AMD Cypress and Tahiti, NVIDIA Fermi
and Kepler).  The programs are the 17 IR files made canonical by the front end
(``process(text, language="llvm-ir").ir.text``; the files are typed-pointer IR from clang 9,
which the front end upgrades); IR2Vec reads the dataset's own IR instead
(``meta["ir2vec_input"]``), as IR2Vec's experiments did.  The task has no auxiliary inputs.

A head predicts, per platform, the coarsening factor of a kernel from its features alone.

Protocols
---------
``<platform>/leave-one-kernel-out``
    For each platform and each kernel, a head is trained on the other kernels of that
    platform and predicts the held-out one (17 outer folds, deterministic).  A held-out
    kernel's *twins* leave the training rows with it: kernels of the loader's ``group``
    (same source text or same IR).  That matters for ``mt`` and ``mtLocal``: their IR files
    are byte-identical in the published set (and their source text too) while their labels
    differ, so training on one while testing the other would hand the head the test
    kernel's exact features.  Hyper-parameters are chosen inside the training kernels:
    ``GroupKFold(3, shuffle=True, random_state=seed)`` over the training kernels' groups
    (no stratification: most factors have one or two kernels, and a class with one member
    is valid in a group split), picking the grid point with the best share of the oracle
    (below) over the inner validation kernels; ties go to the earlier, more regularised
    point.  With fewer than 3 training groups, or one class, there is no search (the
    grid's first point; a constant prediction).
``<platform>/pooled (leaks the held-out kernel)``
    The literature's protocol, reproduced from IR2Vec's
    ``experiments/Thread_Coarsening/ThreadCoarsening.ipynb``: the 17 kernels x 4
    platforms are pooled into 68 rows, each the kernel's vector plus a one-hot platform
    code, labelled with that platform's oracle factor; leave-one-ROW-out (68 folds), so
    the held-out kernel's own features are in training three times, labelled with its
    oracle factor on the other platforms (and its twin four times).  IR2Vec's head is
    ``XGBClassifier(max_depth=1, learning_rate=0.05, n_estimators=140)`` on min-max
    scaled features, untuned.  Here it is ``HistGradientBoostingClassifier(max_depth=1,
    learning_rate=0.05, max_iter=140, l2_regularization=1.0, min_samples_leaf=1)``:
    the same Newton-boosted stumps with XGBoost's default L2 penalty (xgboost is not a
    dependency); min-max scaling is left out because a tree's splits do not change under
    a monotone rescaling of a column.  Its results carry the head ``ir2vec-gbm``, whatever
    ``heads`` asks for.  IR2Vec reports the *arithmetic* mean of the per-kernel speedups
    per platform (``groupby("Platform")["Speedup"].mean()``), here ``extra["speedup
    mean"]``; :data:`PUBLISHED` holds its numbers.  ``quick`` skips this protocol.
    Measured here: IR2Vec 2.1.1 flow-aware vectors of the dataset's IR give 1.234 / 1.313
    / 1.194 / 1.153 (published 1.240 / 1.301 / 1.257 / 1.155); eight random normal columns
    per kernel give 1.245 / 1.286 / 1.182 / 1.161, and the platform code alone 1.120 /
    1.000 / 1.000 / 1.000: the protocol rewards telling kernels apart (any vector does),
    not knowing what their code does.

Metrics (per platform, over its kernels)
----------------------------------------
A prediction ``f`` for kernel ``k`` is run at the largest *measured* factor not above
``f``: a factor with no run time for that kernel on that platform (nbody has no factor 16 on
Fermi and Kepler; only 5 kernels have 32; blackscholes stops at 8) is one the experiment
could not run, so the prediction falls back to the next smaller factor that ran (factor 1
always did).  This reproduces IR2Vec's ``min(prediction, largest factor of the kernel)``
wherever that is defined (IR2Vec's code would raise on a prediction of 16 or 32 for nbody
on Fermi or Kepler: no run time).  The count of such
fallbacks is ``extra["unmeasured predictions"]``; accuracy is judged on the factor that ran.

- ``speedup geomean`` / ``speedup mean``: geometric / arithmetic mean over kernels of
  ``runtime(factor 1) / runtime(predicted factor)``.
- ``score`` (``% of oracle speedup``): ``100 * geomean(speedup of the predictions) /
  geomean(speedup of the oracle factors)``, which equals ``100 * geomean_k(runtime(oracle)
  / runtime(predicted))``: the geometric mean is the one mean under which the ratio of the
  means is the mean of the per-kernel ratios, so the "share of the oracle's speedup" and
  "the typical kernel's share" are one number, it is 100 exactly when every kernel gets its
  best factor, and no single kernel's large speedup (sgemm 3.7x on Fermi) dominates it.
- ``accuracy %`` (in ``extra``): the share of kernels whose factor is the oracle's.

Heads: ``logreg`` is ``benchmarks/devmap.py``'s (StandardScaler + LogisticRegression, C in
{0.01, 0.1, 1}), fitted in the span of the training rows (:class:`RowSpace`: the same model
and predictions, about ten times faster on thousands of columns).  ``hgb`` is a
HistGradientBoostingClassifier sized for 15-16 training rows (``min_samples_leaf=2``, 50
iterations, learning rate in {0.1, 0.3} x max depth in {1, 3}): devmap's ``hgb`` keeps
scikit-learn's ``min_samples_leaf=20``, more than the training rows, so its trees would
never split; above :data:`HGB_MAX_DIMS` columns it first projects onto at most 16
principal components (devmap's ``CappedPCA``, fitted on the training rows).

Seeds: the outer protocols are deterministic (every kernel / row is tested once), so a seed
changes only the inner ``GroupKFold`` shuffle (hence the chosen hyper-parameters) and the
heads' ``random_state``; logistic regression and these gradient-boosting heads (no
subsampling) are deterministic given their data, so in practice seeds differ through the
inner splits alone.  The pooled head has no inner split and would give every seed the same
numbers: it runs once, reported under the first seed.

Besides the feature sets, ``evaluate`` reports ``static (most frequent factor)`` with head
``-``: each held-out kernel gets the factor most often best among the training kernels.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

_BENCH = Path(__file__).resolve().parents[1]
if str(_BENCH) not in sys.path:
    sys.path.insert(0, str(_BENCH))

import devmap as _devmap  # noqa: E402  (benchmarks/devmap.py: its logreg head and CappedPCA)

from .core import Program, Result, TaskData, TaskUnavailable, finite_rows  # noqa: E402

NAME = "threadcoarsening"
PLATFORMS = ("Cypress", "Tahiti", "Fermi", "Kepler")
FACTORS = (1, 2, 4, 8, 16, 32)
LOKO = "leave-one-kernel-out"
POOLED = "pooled (leaks the held-out kernel)"
POOLED_HEAD = "ir2vec-gbm"
STATIC = "static (most frequent factor)"
METRIC = "% of oracle speedup"
HEADS = ("logreg", "hgb")
INNER_SPLITS = 3
#: ``hgb`` projects more feature columns than this onto principal components first.
HGB_MAX_DIMS = 64
HGB_PCA_DIMS = 16
DATA_FOLDER = "threadcoarsening-pact14"

#: IR2Vec (flow-aware, VenkataKeerthy et al., TACO 2020) under the pooled protocol: the
#: arithmetic mean over kernels of the speedup over factor 1, per platform; the "Expected
#: Results" of IR2Vec's experiments/Thread_Coarsening/ThreadCoarsening.ipynb.
PUBLISHED = {"Cypress": 1.240, "Tahiti": 1.301, "Fermi": 1.257, "Kepler": 1.155}
PUBLISHED_SOURCE = ("IR2Vec flow-aware (VenkataKeerthy et al., TACO 2020), pooled protocol, arithmetic mean "
                    "speedup over factor 1 (IR2Vec's ThreadCoarsening.ipynb)")
#: Earlier methods' speedups as the same notebook tabulates them (quoted from NCC's paper,
#: each under its own paper's protocol), per platform.
PUBLISHED_OTHERS = {
    "Magni et al.": {"Cypress": 1.21, "Tahiti": 1.01, "Fermi": 0.86, "Kepler": 0.94},
    "DeepTune": {"Cypress": 1.10, "Tahiti": 1.05, "Fermi": 1.10, "Kepler": 0.99},
    "DeepTune-TL": {"Cypress": 1.17, "Tahiti": 1.23, "Fermi": 1.14, "Kepler": 0.93},
    "NCC (inst2vec)": {"Cypress": 1.29, "Tahiti": 1.07, "Fermi": 0.97, "Kepler": 1.01},
}


# ============================================================================ data


def find_data(data_dir: Path | None) -> Path | None:
    """The local copy: ``data_dir`` (the task's folder, or a folder holding
    ``threadcoarsening-pact14/`` or ``data/threadcoarsening-pact14/``), else
    ``$MIRENCODER_SHARED/data/threadcoarsening-pact14``, else ``../shared/data/...``; None
    when there is none (the loader's cache)."""
    marker = "pact-2014-runtimes.csv"
    if data_dir is not None:
        d = Path(data_dir)
        for cand in (d, d / DATA_FOLDER, d / "data" / DATA_FOLDER):
            if (cand / marker).is_file():
                return cand
        return d
    shared = Path(os.environ.get("MIRENCODER_SHARED", _BENCH.parent.parent / "shared"))
    d = shared / "data" / DATA_FOLDER
    return d if (d / marker).is_file() else None


def canonical_programs(kernels: Sequence[str], irs: Sequence[str]) -> list[Program]:
    """One :class:`Program` per kernel: canonical IR from the front end, or its failure."""
    from sklearn_mirencoder.frontend import process

    programs = []
    for k, text in zip(kernels, irs):
        try:
            programs.append(Program(k, "llvm-ir", process(text, language="llvm-ir", name=f"{k}.ll").ir.text))
        except Exception as exc:  # a typed FrontendError: keep the kernel's place, with the reason
            programs.append(Program(k, "llvm-ir", None, f"{type(exc).__name__}: {exc}"))
    return programs


def load(data_dir: Path | None, *, cache_dir: Path, quick: bool) -> TaskData:
    """The 17 kernels as canonical IR, with the labels and run times in ``meta``.

    ``cache_dir`` is not used: the front end takes well under a second for the 17 files.
    """
    from sklearn_mirencoder.datasets import load_threadcoarsening

    data = find_data(data_dir)
    try:
        b = load_threadcoarsening(local_path=data, download=False)
    except Exception as exc:
        raise TaskUnavailable(
            f"{DATA_FOLDER} data not found ({exc}); pass the folder holding pact-2014-runtimes.csv, "
            f"pact-2014-oracles.csv and kernels_ir.tar.gz, put it in ../shared/data/{DATA_FOLDER}, or download it "
            "once with sklearn_mirencoder.datasets.load_threadcoarsening()"
        ) from exc
    if tuple(b.platforms) != PLATFORMS or tuple(int(f) for f in b.coarsening_factors) != FACTORS:
        raise TaskUnavailable(f"unexpected platforms/factors in the data: {b.platforms}, {b.coarsening_factors}")
    kernels = [str(k) for k in b.kernel]
    programs = canonical_programs(kernels, list(b.ir))
    task = TaskData(NAME, programs, meta={
        "bunch": b,
        "kernels": kernels,
        "target": np.asarray(b.target, dtype=np.int64),  # (17, 4) oracle factor
        "runtime": np.asarray(b.runtime, dtype=float),  # (17, 4, 6), NaN = not measured
        "group": np.asarray(b.group, dtype=object),
        "ir2vec_input": dict(zip(kernels, b.ir)),
        "oracle": {p: {"speedup geomean": _geomean(b.oracle_speedup[:, j]),
                       "speedup mean": float(np.mean(b.oracle_speedup[:, j]))} for j, p in enumerate(PLATFORMS)},
        "published": dict(PUBLISHED),
        "published_source": PUBLISHED_SOURCE,
        "pooled": not quick,
    })
    twins = sorted({g for g in b.group if list(b.group).count(g) > 1})
    task.notes.append(
        f"{len(kernels)} kernels x {len(PLATFORMS)} platforms, factors {', '.join(map(str, FACTORS))}; "
        f"{len(task.failures())} failed the front end; {int(np.isnan(b.runtime).sum())} (kernel, platform, factor) "
        "cells not measured (a prediction there falls back to the next smaller measured factor)"
    )
    for g in twins:
        members = [k for k, gg in zip(kernels, b.group) if gg == g]
        task.notes.append(f"{' and '.join(members)} have the same source and IR but different labels: "
                          "leave-one-kernel-out holds them out together")
    return task


# ============================================================================ metrics


def _geomean(x) -> float:
    x = np.asarray(x, dtype=float)
    return float(np.exp(np.mean(np.log(x)))) if len(x) else float("nan")


def effective_factors(pred: Sequence[int], runtime: np.ndarray) -> np.ndarray:
    """Per kernel, the largest factor not above the prediction that has a run time.

    ``runtime`` is (n_kernels, 6) for one platform (NaN = not measured)."""
    runtime = np.asarray(runtime, dtype=float)
    out = np.empty(len(pred), dtype=np.int64)
    for i, p in enumerate(pred):
        ok = [f for f, r in zip(FACTORS, runtime[i]) if np.isfinite(r) and f <= int(p)]
        if not ok:
            raise ValueError(f"kernel {i}: no measured factor at or below {p}")
        out[i] = max(ok)
    return out


def platform_metrics(pred: Sequence[int], runtime: np.ndarray, oracle: Sequence[int]) -> dict[str, float]:
    """The metrics of one platform's predictions (see the module docstring).

    ``runtime``: (n_kernels, 6) run times of that platform; ``oracle``: its best factors."""
    runtime = np.asarray(runtime, dtype=float)
    pred = np.asarray(pred, dtype=np.int64)
    eff = effective_factors(pred, runtime)
    col = {f: j for j, f in enumerate(FACTORS)}
    rows = np.arange(len(eff))
    rt_pred = runtime[rows, [col[int(f)] for f in eff]]
    rt_oracle = runtime[rows, [col[int(f)] for f in oracle]]
    base = runtime[:, 0]
    speedup, oracle_speedup = base / rt_pred, base / rt_oracle
    return {
        "score": 100.0 * _geomean(rt_oracle / rt_pred),
        "speedup geomean": _geomean(speedup),
        "speedup mean": float(np.mean(speedup)),
        "oracle speedup geomean": _geomean(oracle_speedup),
        "oracle speedup mean": float(np.mean(oracle_speedup)),
        "accuracy %": 100.0 * float(np.mean(eff == np.asarray(oracle))),
        "kernels": float(len(eff)),
        "unmeasured predictions": float(np.sum(eff != pred)),
    }


# ============================================================================ splits


def loko_splits(groups: Sequence) -> list[tuple[np.ndarray, np.ndarray]]:
    """Leave one kernel out: ``(train, test)`` per kernel, its group (twins) out of training."""
    groups = np.asarray(groups, dtype=object)
    idx = np.arange(len(groups))
    return [(idx[groups != groups[i]], np.asarray([i])) for i in idx]


def pooled_rows(n_kernels: int) -> tuple[np.ndarray, np.ndarray]:
    """The pooled protocol's rows, platform-major as IR2Vec builds them: (kernel, platform) per row."""
    kernel = np.tile(np.arange(n_kernels), len(PLATFORMS))
    platform = np.repeat(np.arange(len(PLATFORMS)), n_kernels)
    return kernel, platform


def pooled_splits(n_kernels: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Leave one row out over the 4 x ``n_kernels`` pooled rows (IR2Vec's ``KFold(n_rows)``)."""
    n = n_kernels * len(PLATFORMS)
    idx = np.arange(n)
    return [(np.delete(idx, r), np.asarray([r])) for r in idx]


# ============================================================================ heads


class RowSpace(TransformerMixin, BaseEstimator):
    """Coordinates in the span of the training rows (an orthonormal basis from their SVD).

    Before an L2-penalised linear model this changes nothing but the cost: the penalised
    optimum's weight vector lies in that span (a component orthogonal to every training row
    changes no training score and only adds to the penalty), and the basis is orthonormal,
    so the fitted model and its predictions are those on the original columns, computed on
    at most ``n_rows`` columns instead of thousands."""

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=np.float64)
        _, s, vt = np.linalg.svd(X, full_matrices=False)
        keep = s > s.max(initial=0.0) * max(X.shape) * np.finfo(np.float64).eps
        self.basis_ = vt[keep].T if keep.any() else np.zeros((X.shape[1], 1))
        return self

    def transform(self, X):
        return np.asarray(X, dtype=np.float64) @ self.basis_


def make_head(name: str, n_features: int, seed: int = 0):
    """``(estimator, parameter grid)`` of a head (see the module docstring)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    if name == "logreg":
        est, grid = _devmap.make_head("logreg")
        return Pipeline([est.steps[0], ("rowspace", RowSpace()), *est.steps[1:]]), grid
    if name == "hgb":
        clf = HistGradientBoostingClassifier(max_iter=50, min_samples_leaf=2, early_stopping=False, random_state=seed)
        grid = {"learning_rate": [0.1, 0.3], "max_depth": [1, 3]}
        if n_features <= HGB_MAX_DIMS:
            return clf, grid
        est = Pipeline([("scale", StandardScaler()), ("pca", _devmap.CappedPCA(HGB_PCA_DIMS)), ("clf", clf)])
        return est, {f"clf__{k}": v for k, v in grid.items()}
    raise ValueError(f"unknown head {name!r}; known: {', '.join(HEADS)}")


def pooled_head(seed: int = 0):
    """IR2Vec's thread-coarsening classifier (XGBoost stumps), in scikit-learn."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_depth=1, learning_rate=0.05, max_iter=140, l2_regularization=1.0,
                                          min_samples_leaf=1, early_stopping=False, random_state=seed)


def _fit(est, params: dict, X: np.ndarray, y: np.ndarray):
    from sklearn.base import clone
    from sklearn.dummy import DummyClassifier

    if len(np.unique(y)) < 2:
        return DummyClassifier(strategy="most_frequent").fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings on a handful of rows
        return clone(est).set_params(**params).fit(X, y)


def fit_predict(X: np.ndarray, y: np.ndarray, runtime: np.ndarray, groups: np.ndarray, train: np.ndarray,
                test: np.ndarray, head: str, seed: int) -> tuple[np.ndarray, dict]:
    """One outer fold: choose the head's parameters on the training kernels (inner
    ``GroupKFold``: every training kernel predicted once per grid point, the point with the
    best share of the oracle over them wins), refit on all training kernels, predict ``test``."""
    from sklearn.model_selection import GroupKFold, ParameterGrid
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # BLAS/OpenMP threads only slow fits on 16 rows down
        est, grid = make_head(head, X.shape[1], seed)
        points = list(ParameterGrid(grid))
        best = points[0]
        g = groups[train]
        if len(points) > 1 and len(set(g)) >= INNER_SPLITS and len(np.unique(y[train])) > 1:
            inner = list(GroupKFold(n_splits=INNER_SPLITS, shuffle=True, random_state=seed).split(X[train], y[train], g))
            scores = []
            for params in points:
                pred = np.empty(len(train), dtype=np.int64)
                for a, b in inner:
                    pred[b] = _fit(est, params, X[train[a]], y[train[a]]).predict(X[train[b]])
                scores.append(platform_metrics(pred, runtime[train], y[train])["score"])
            best = points[int(np.argmax(scores))]
        return _fit(est, best, X[train], y[train]).predict(X[test]), best


def static_predictions(y: np.ndarray, splits) -> np.ndarray:
    """Zero-R: each test kernel gets the factor most often best among its training kernels
    (ties: the smaller factor)."""
    pred = np.empty(len(y), dtype=np.int64)
    for train, test in splits:
        vals, counts = np.unique(y[train], return_counts=True)
        pred[test] = vals[int(np.argmax(counts))]
    return pred


def loko_predictions(X: np.ndarray, y: np.ndarray, runtime: np.ndarray, groups: np.ndarray, head: str,
                     seed: int) -> np.ndarray:
    """Leave-one-kernel-out predictions of one platform (``y``: its oracle factors,
    ``runtime``: its (n, 6) run times)."""
    pred = np.empty(len(y), dtype=np.int64)
    for train, test in loko_splits(groups):
        pred[test], _ = fit_predict(X, y, runtime, groups, train, test, head, seed)
    return pred


def pooled_design(X: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """IR2Vec's pooled rows: the kernel's vector + a one-hot platform code, and the label."""
    kernel, platform = pooled_rows(len(X))
    Xp = np.hstack([np.asarray(X, dtype=np.float64)[kernel], np.eye(len(PLATFORMS))[platform]])
    return Xp, np.asarray(target)[kernel, platform]


def _pooled_some(Xp: np.ndarray, yp: np.ndarray, rows: Sequence[int], seed: int) -> np.ndarray:
    from threadpoolctl import threadpool_limits

    head, splits, out = pooled_head(seed), pooled_splits(len(yp) // len(PLATFORMS)), []
    with threadpool_limits(1):
        for r in rows:
            train, test = splits[r]
            out.append(int(_fit(head, {}, Xp[train], yp[train]).predict(Xp[test])[0]))
    return np.asarray(out, dtype=np.int64)


def pooled_predictions(X: np.ndarray, target: np.ndarray, seed: int, *, n_jobs: int = 1) -> np.ndarray:
    """IR2Vec's pooled protocol: (n_kernels, 4) predictions, each from a head trained on the
    other 4 x n_kernels - 1 (kernel, platform) rows (leave one row out)."""
    from joblib import Parallel, delayed

    n = len(X)
    Xp, yp = pooled_design(X, target)
    kernel, platform = pooled_rows(n)
    chunks = np.array_split(np.arange(len(yp)), max(1, min(n_jobs, len(yp))))
    outs = Parallel(n_jobs=n_jobs)(delayed(_pooled_some)(Xp, yp, c, seed) for c in chunks)
    pred = np.empty((n, len(PLATFORMS)), dtype=np.int64)
    for c, o in zip(chunks, outs):
        pred[kernel[c], platform[c]] = o
    return pred


# ============================================================================ evaluate


def _result(setting: str, feature_set: str, head: str, seed: int, m: dict) -> Result:
    extra = {k: v for k, v in m.items() if k != "score"}
    return Result(NAME, setting, feature_set, head, seed, METRIC, m["score"], extra)


def evaluate(task: TaskData, features: Mapping[str, np.ndarray], *, seeds: Sequence[int], heads: Sequence[str],
             quick: bool, n_jobs: int = 2) -> list[Result]:
    """Every (platform, protocol, feature set, head, seed) on the kernels every set describes.

    Leave-one-kernel-out gives one :class:`Result` per (platform, feature set, head, seed),
    plus the ``static`` baseline per (platform, seed).  The pooled protocol (not with
    ``quick``) is deterministic: one Result per (platform, feature set), with the head
    ``ir2vec-gbm`` and the first seed.  ``n_jobs``: parallel jobs (joblib), one per
    (feature set, head, seed, platform)."""
    from joblib import Parallel, delayed

    ok = finite_rows(features) if features else np.array([p.ir is not None for p in task.programs])
    keep = np.flatnonzero(ok)
    n = len(task.programs)
    if len(keep) < n:
        left = [task.programs[i].id for i in range(n) if not ok[i]]
        task.notes.append(f"{n - len(keep)} of {n} kernels left out (not described by every feature set): "
                          + ", ".join(left))
    if len(keep) < 3 or not seeds:
        task.notes.append("fewer than 3 kernels or no seed: nothing evaluated")
        return []
    target = np.asarray(task.meta["target"])[keep]
    runtime = np.asarray(task.meta["runtime"], dtype=float)[keep]
    groups = np.asarray(task.meta["group"], dtype=object)[keep]
    splits = loko_splits(groups)
    run_pooled = bool(task.meta.get("pooled", True)) and not quick
    for head in heads:
        if head not in HEADS:
            raise ValueError(f"unknown head {head!r}; known: {', '.join(HEADS)}")

    results: list[Result] = []
    for seed in seeds:
        for j, plat in enumerate(PLATFORMS):
            pred = static_predictions(target[:, j], splits)
            results.append(_result(f"{plat}/{LOKO}", STATIC, "-", seed, platform_metrics(pred, runtime[:, j], target[:, j])))

    mats = {name: np.asarray(X, dtype=np.float64)[keep] for name, X in features.items()}
    keys = [(name, head, seed, j) for name in mats for head in heads for seed in seeds for j in range(len(PLATFORMS))]
    jobs = (delayed(loko_predictions)(mats[name], target[:, j], runtime[:, j], groups, head, seed)
            for name, head, seed, j in keys)
    preds = Parallel(n_jobs=n_jobs)(jobs) if keys else []
    for (name, head, seed, j), pred in zip(keys, preds):
        results.append(_result(f"{PLATFORMS[j]}/{LOKO}", name, head, seed,
                               platform_metrics(pred, runtime[:, j], target[:, j])))
    if run_pooled:
        for name, X in mats.items():
            pred = pooled_predictions(X, target, seeds[0], n_jobs=n_jobs)
            for j, plat in enumerate(PLATFORMS):
                results.append(_result(f"{plat}/{POOLED}", name, POOLED_HEAD, seeds[0],
                                       platform_metrics(pred[:, j], runtime[:, j], target[:, j])))
    else:
        task.notes.append(f"quick: the pooled protocol ({POOLED}) was not run")
    return results
