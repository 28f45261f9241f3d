"""The benchmark suite: every task, every feature set, one command, one table.

::

    python benchmarks/suite.py                 # full: 5 fold partitions, heads logreg + hgb -> docs/
    python benchmarks/suite.py --quick         # 3 partitions, logreg only, smaller subsets
    python benchmarks/suite.py --model CONT=../shared/weights/small-h200-continued --model C=DIR
    python benchmarks/suite.py --tasks devmap retrieval --seeds 2 --out-dir /tmp/suite
    python benchmarks/suite.py --quick --first-seed 3 --model C=DIR   # confirm on partitions 3-5

Writes ``<out-dir>/benchmarks.md`` (date, command, versions, hardware, one table per task,
the paired statistics), ``<out-dir>/benchmarks.csv`` (every :class:`~suitelib.core.Result`)
and ``<out-dir>/figures/benchmarks-<task>.png``.

Tasks are the modules ``benchmarks/suitelib/task_*.py`` (the contract: ``suitelib/core.py``);
a task whose data is absent (:class:`~suitelib.core.TaskUnavailable`) is reported as skipped
with its reason.  Feature sets (``suitelib/features.py``): bag of IR words, opcode counts,
IR2Vec, and for each model (the bundled weights ``MIREncoder``, ``random weights`` of the
same architecture, every ``--model NAME=FOLDER``) its ``both`` vector and its parts.  Every
task sees the same matrices for every head and the same seeds.

Data: ``--shared`` (default ``$MIRENCODER_SHARED``, else ``../shared`` next to the checkout).
Caches (``--cache-dir``, default ``$MIRENCODER_SUITE_CACHE`` or
``~/.cache/sklearn-mirencoder/benchmark-suite``): canonical IR, feature matrices, the
transformer's embeddings (keyed by weights digest) and each task's results (keyed by its
feature matrices, seeds, heads and the task module's source), so a rerun recomputes only
what changed.

IR2Vec runs in its own virtual environment (its wheel pins its own LLVM)::

    bash scripts/ir2vec_venv.sh                # python3 -m venv /tmp/ir2vec_venv; pip install ir2vec==2.1.1
    python benchmarks/suite.py --ir2vec-python /tmp/ir2vec_venv/bin/python

(or set ``$IR2VEC_PYTHON``); without it the IR2Vec rows are left out, with a note.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib
import inspect
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
for _p in (REPO, BENCH):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

import devmap  # noqa: E402
from suitelib import features as F  # noqa: E402
from suitelib.core import Result, TaskUnavailable, paired  # noqa: E402

TASK_ORDER = ("devmap", "threadcoarsening", "gpuflopbench", "retrieval")
BUNDLED, RANDOM = "MIREncoder", "random weights"
#: The bundled weights in full precision: what the default (the int8 fast path on a CPU) is
#: checked against, paired, on every task.
FULL = "MIREncoder float32"
_OPTION_TYPES = {"precision": str, "max_windows": int}
DEFAULT_CACHE = Path(os.environ.get("MIRENCODER_SUITE_CACHE", "~/.cache/sklearn-mirencoder/benchmark-suite")).expanduser()
AUX_SUFFIX = " + aux"


@dataclass
class TaskRun:
    """What one task produced in this run."""

    name: str
    status: str = "ok"  # "ok", "skipped", "failed"
    reason: str = ""
    results: list[Result] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    n_programs: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    sets: list[str] = field(default_factory=list)
    cached: bool = False


# ============================================================================ tasks and models


def discover_tasks(wanted: Sequence[str] | None = None) -> dict[str, object]:
    """``name -> module`` of ``suitelib/task_*.py``, in :data:`TASK_ORDER` then by name.
    A module that fails to import is returned as the exception (reported as failed)."""
    names = sorted(p.stem[len("task_"):] for p in (BENCH / "suitelib").glob("task_*.py"))
    names.sort(key=lambda n: (TASK_ORDER.index(n) if n in TASK_ORDER else len(TASK_ORDER), n))
    if wanted:
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            raise SystemExit(f"unknown task(s) {unknown}; present: {names}")
        names = [n for n in names if n in wanted]
    out: dict[str, object] = {}
    for n in names:
        try:
            out[n] = importlib.import_module(f"suitelib.task_{n}")
        except Exception as exc:  # a task being written: report it, run the others
            out[n] = exc
    return out


def _parse_options(name: str, text: str) -> tuple[tuple[str, object], ...]:
    """``precision=int8,max_windows=8`` -> ``(("precision", "int8"), ("max_windows", 8))``."""
    out = []
    for item in filter(None, (t.strip() for t in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or key not in _OPTION_TYPES:
            raise SystemExit(f"--model {name}: options are {', '.join(_OPTION_TYPES)} (KEY=VALUE), got {item!r}")
        out.append((key, _OPTION_TYPES[key](value)))
    return tuple(out)


def parse_models(specs: Sequence[str]) -> dict[str, F.ModelSpec]:
    """``NAME=FOLDER[@KEY=VALUE,...]`` options -> ``{NAME: ModelSpec}`` (each a saved model
    folder, with the transformer options it runs with: ``precision``, ``max_windows``)."""
    out: dict[str, F.ModelSpec] = {}
    for spec in specs:
        name, sep, rest = spec.partition("=")
        folder, _, options = rest.partition("@")
        name = name.strip()
        if not sep or not name or not folder:
            raise SystemExit(f"--model wants NAME=FOLDER[@KEY=VALUE,...], got {spec!r}")
        if name in (BUNDLED, RANDOM, FULL) or name in out or name in F.BASELINES:
            raise SystemExit(f"--model name {name!r} is taken; pick another")
        path = Path(folder).expanduser()
        if not (path / "config.json").is_file():
            raise SystemExit(f"--model {name}: {path} is not a saved model folder (no config.json)")
        out[name] = F.ModelSpec(path, _parse_options(name, options))
    return out


def models_of(args) -> dict[str, F.ModelSpec]:
    """The default transformer on the bundled weights, the same weights in full precision,
    random weights (with the default transformer) and the ``--model`` options."""
    weights = Path(args.weights).expanduser()
    if not (weights / "config.json").is_file():
        raise SystemExit(f"no model in {weights} (--weights)")
    return {BUNDLED: F.ModelSpec(weights), FULL: F.ModelSpec(weights, (("precision", "float32"),)),
            RANDOM: F.ModelSpec(devmap.random_init_folder(weights, Path(args.cache_dir))),
            **parse_models(args.model)}


# ============================================================================ running


def _digest_features(features: Mapping[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for name in sorted(features):
        X = np.ascontiguousarray(features[name], dtype=np.float32)
        h.update(name.encode() + str(X.shape).encode())
        h.update(X.tobytes())
    return h.hexdigest()[:24]


def _results_key(mod, features, seeds, heads, quick) -> str:
    src = Path(mod.__file__).read_bytes() + (BENCH / "suitelib" / "core.py").read_bytes()
    blob = json.dumps([_digest_features(features), list(seeds), list(heads), quick,
                       hashlib.sha256(src).hexdigest()])
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def evaluate_cached(mod, task, features, *, seeds, heads, quick, n_jobs, cache_dir: Path):
    """``mod.evaluate`` once per (features, seeds, heads, quick, task source); the results and
    the notes it added are cached as JSON."""
    path = Path(cache_dir) / "results" / f"{mod.NAME}-{_results_key(mod, features, seeds, heads, quick)}.json"
    if path.is_file():
        d = json.loads(path.read_text())
        task.notes[:] = d["notes"]
        return [Result(**r) for r in d["results"]], True
    kw = {"n_jobs": n_jobs} if "n_jobs" in inspect.signature(mod.evaluate).parameters else {}
    results = mod.evaluate(task, features, seeds=list(seeds), heads=list(heads), quick=quick, **kw)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"notes": list(task.notes), "results": [r.__dict__ for r in results]}))
    return results, False


def run_task(name, mod, args, models, *, seeds, heads, log) -> TaskRun:
    run = TaskRun(name)
    if isinstance(mod, Exception):
        run.status, run.reason = "failed", f"the task module does not import: {type(mod).__name__}: {mod}"
        return run
    t0 = time.perf_counter()
    try:
        task = mod.load(None, cache_dir=Path(args.cache_dir), quick=args.quick)
    except TaskUnavailable as exc:
        run.status, run.reason = "skipped", str(exc)
        return run
    run.seconds["load"] = time.perf_counter() - t0
    run.n_programs, run.failures = len(task.programs), task.failures()
    t0 = time.perf_counter()
    feats, info = F.build_features(task, models, cache_dir=Path(args.cache_dir), ir2vec_python=args.ir2vec_python,
                                   n_jobs=args.n_jobs, device=args.device, log=log)
    run.seconds["features"] = time.perf_counter() - t0
    run.sets = list(feats)
    task.notes.extend(info["notes"])
    log(f"[{name}] evaluating {len(feats)} feature sets, seeds {list(seeds)}, heads {list(heads)} ...")
    t0 = time.perf_counter()
    run.results, run.cached = evaluate_cached(mod, task, feats, seeds=seeds, heads=heads, quick=args.quick,
                                              n_jobs=args.n_jobs, cache_dir=Path(args.cache_dir))
    run.seconds["evaluate"] = time.perf_counter() - t0
    run.notes = list(dict.fromkeys(task.notes))
    return run


# ============================================================================ statistics


def family(name: str) -> tuple[str, str]:
    """``(base, variant)``: ``"MIREncoder text + aux"`` -> ``("MIREncoder", " text + aux")``."""
    aux = AUX_SUFFIX if name.endswith(AUX_SUFFIX) else ""
    core = name[: -len(aux)] if aux else name
    for part in sorted((p for p in F.PARTS if p), key=len, reverse=True):
        if core.endswith(part):
            return core[: -len(part)], part + aux
    return core, aux


def mean_score(results: Sequence[Result], feature_set: str) -> float:
    s = [r.score for r in results if r.feature_set == feature_set]
    return float(np.mean(s)) if s else float("nan")


def best_baseline(results: Sequence[Result], variant: str) -> str | None:
    """The non-MIREncoder set (:data:`features.BASELINES`) with the highest mean score, with the
    same aux variant (``""`` or ``" + aux"``)."""
    aux = AUX_SUFFIX if variant.endswith(AUX_SUFFIX) else ""
    cands = [b + aux for b in F.BASELINES if any(r.feature_set == b + aux for r in results)]
    return max(cands, key=lambda c: mean_score(results, c)) if cands else None


def paired_rows(results: Sequence[Result], model: str) -> list[dict]:
    """For each variant of ``model`` on a task: paired against random weights (same variant),
    against the best baseline (same aux variant) and against ``aux only`` where present."""
    names = dict.fromkeys(r.feature_set for r in results)
    rows = []
    for name in names:
        base, variant = family(name)
        if base != model:
            continue
        row = {"feature set": name, "mean": mean_score(results, name)}
        if model != RANDOM and RANDOM + variant in names:
            row["random"] = paired(results, name, RANDOM + variant)
        if model not in (RANDOM, FULL) and FULL + variant in names:
            row["float32"] = paired(results, name, FULL + variant)
        best = best_baseline(results, variant)
        if best:
            row["best"], row["best_mean"] = best, mean_score(results, best)
            row["baseline"] = paired(results, name, best)
        if variant.endswith(AUX_SUFFIX) and "aux only" in names:
            row["aux"] = paired(results, name, "aux only")
        rows.append(row)
    return rows


# ============================================================================ report


def _fmt_pair(p: dict | None) -> str:
    if not p or not p["n"]:
        return "-"
    return f"{p['mean_diff']:+.2f} ({p['ahead']}/{p['n']})"


def score_table(results: Sequence[Result]) -> list[str]:
    """Feature set x head rows, one column per setting: mean ± std over seeds."""
    settings = list(dict.fromkeys(r.setting for r in results))
    keys = list(dict.fromkeys((r.feature_set, r.head) for r in results))
    cells: dict = {}
    for r in results:
        cells.setdefault((r.feature_set, r.head, r.setting), []).append(r.score)
    lines = ["| feature set | head | " + " | ".join(settings) + " | mean |",
             "|---|---|" + "---:|" * (len(settings) + 1)]
    for fs, head in keys:
        vals, means = [], []
        for s in settings:
            c = cells.get((fs, head, s))
            if c:
                vals.append(f"{np.mean(c):.1f} ± {np.std(c):.1f}")
                means.append(np.mean(c))
            else:
                vals.append("-")
        lines.append(f"| {fs} | {head} | " + " | ".join(vals) + f" | {np.mean(means):.1f} |")
    return lines


def extras_table(results: Sequence[Result]) -> list[str]:
    """Each extra metric, averaged over settings and seeds, per feature set x head."""
    metrics = list(dict.fromkeys(k for r in results for k in r.extra))
    if not metrics:
        return []
    keys = list(dict.fromkeys((r.feature_set, r.head) for r in results))
    lines = ["| feature set | head | " + " | ".join(metrics) + " |", "|---|---|" + "---:|" * len(metrics)]
    for fs, head in keys:
        rs = [r for r in results if r.feature_set == fs and r.head == head]
        vals = []
        for m in metrics:
            v = [r.extra[m] for r in rs if m in r.extra and np.isfinite(r.extra[m])]
            vals.append(f"{np.mean(v):.3f}" if v else "-")
        lines.append(f"| {fs} | {head} | " + " | ".join(vals) + " |")
    return lines


def paired_section(runs: Sequence[TaskRun], models: Sequence[str]) -> list[str]:
    lines = ["## Paired statistics", "",
             "Each MIREncoder model against random weights of the same architecture (same variant) and against the "
             "best non-MIREncoder feature set of the task (bag of IR words, opcode counts, IR2Vec; the one with the "
             "highest mean score on the task, with the same aux variant, named in the table). A cell is one "
             "(setting, head, seed) both were scored on; `+d (k/n)` = mean difference in score points, ahead in k "
             "of n cells. Where the task has aux inputs, `vs aux only` compares with the aux inputs alone. "
             f"`vs {FULL}` compares a fast path (the default on a CPU: int8) with the same weights in full "
             "precision (its resolution, how far scores move when vectors change in their last bits: "
             "`benchmarks/resolution.py`, docs/benchmark-resolution.md).", ""]
    lines += ["| task | feature set | mean | vs random weights | best baseline (mean) | vs best baseline | "
              f"vs aux only | vs {FULL} |", "|---|---|---:|---:|---|---:|---:|---:|"]
    for run in runs:
        if run.status != "ok":
            continue
        for label, results in blocks(run).items():
            for model in models:
                for row in paired_rows(results, model):
                    best = f"{row['best']} ({row['best_mean']:.1f})" if row.get("best") else "-"
                    lines.append(f"| {label} | {row['feature set']} | {row['mean']:.1f} | "
                                 f"{_fmt_pair(row.get('random'))} | {best} | {_fmt_pair(row.get('baseline'))} | "
                                 f"{_fmt_pair(row.get('aux'))} | {_fmt_pair(row.get('float32'))} |")
    return lines + [""]


def by_metric(results: Sequence[Result]) -> dict[str, list[Result]]:
    """A task's results split by metric (a task may score some settings otherwise, e.g. R^2)."""
    out: dict[str, list[Result]] = {}
    for r in results:
        out.setdefault(r.metric, []).append(r)
    return out


def blocks(run: TaskRun) -> dict[str, list[Result]]:
    """``label -> results`` of one task: the task's name, or ``name (metric)`` per metric when
    it has several (statistics never mix metrics)."""
    parts = by_metric(run.results)
    if len(parts) == 1:
        return {run.name: run.results}
    return {f"{run.name} ({m})": rs for m, rs in parts.items()}


def headline(runs: Sequence[TaskRun], models: Sequence[str]) -> list[str]:
    """One line per task (and metric) and model: its full vector (+ aux where the task has it)."""
    lines = ["## Headline", "", f"| task | metric | feature set | mean | vs random weights | vs best baseline | "
             f"vs {FULL} |", "|---|---|---|---:|---:|---|---:|"]
    for run in runs:
        if run.status != "ok" or not run.results:
            continue
        for label, results in blocks(run).items():
            names = {r.feature_set for r in results}
            for model in models:
                for name in (model + AUX_SUFFIX, model):
                    if name in names:
                        row = next(r for r in paired_rows(results, model) if r["feature set"] == name)
                        best = f"{_fmt_pair(row.get('baseline'))} vs {row['best']}" if row.get("best") else "-"
                        lines.append(f"| {label} | {results[0].metric} | {name} | {row['mean']:.1f} | "
                                     f"{_fmt_pair(row.get('random'))} | {best} | {_fmt_pair(row.get('float32'))} |")
                        break
    return lines + [""]


def render(runs, *, argv, started, seconds, args, models, seeds, heads, figures) -> str:
    mode = "QUICK" if args.quick else "FULL"
    out = [f"# Benchmark suite ({mode.lower()} run)", "",
           "Written by `benchmarks/suite.py`: every task of `benchmarks/suitelib/`, every feature set, the same folds, "
           "seeds and heads for every feature set. "
           + ("**This is a quick run** (fewer partitions and folds, logistic regression only, smaller subsets where "
              "a task offers them): read differences as indicative." if args.quick else
              "This is a full run."), "",
           f"- Command: `{' '.join(argv)}`",
           f"- Date: {started:%Y-%m-%d %H:%M} UTC; run time {seconds:.0f} s",
           f"- Hardware: {devmap.hardware()}; model on `{args.device}`",
           "- Versions: " + ", ".join(f"{k} {v}" for k, v in devmap.versions().items()),
           f"- Seeds (fold partitions / pools): {list(seeds)}; heads: {', '.join(heads)} "
           "(`devmap.make_head`: nested `GridSearchCV`; tasks without a trained head use their own, named in the "
           "table)",
           "- Models: " + "; ".join(f"`{n}` = {_label(m)}" for n, m in models.items()), "",
           "Feature sets (`benchmarks/suitelib/features.py`): **bag of IR words** = log1p counts of normalised IR "
           f"words and bigrams seen in >= 2 of the task's programs (at most {F.BAG_MAX_TERMS}; the vocabulary is "
           "fitted on all of a task's programs, unsupervised); **opcode counts** = log1p counts of instruction opcodes "
           "and result types per module (not normalised per program); **IR2Vec** = IR2Vec 2.1.1 flow-aware program "
           "vectors in its own venv (`scripts/ir2vec_venv.sh`); for each model its `both` vector and the parts "
           "`text` (first `hidden` columns), `graph` (next `2*hidden`), `fused` (the rest), `text+graph`. A set "
           f"describing under {F.MIN_COVERAGE:.0%} of a task's programs is left out of that task (noted); otherwise "
           "each task evaluates only the rows every set describes.", ""]
    models_cmp = [m for m in models if m != RANDOM] + [RANDOM]
    out += headline(runs, models_cmp)
    out += paired_section(runs, models_cmp)
    for run in runs:
        out += [f"## Task: {run.name}", ""]
        if run.status != "ok":
            out += [f"**{run.status}**: {run.reason}", ""]
            continue
        secs = ", ".join(f"{k} {v:.0f} s" for k, v in run.seconds.items())
        out += [f"{run.n_programs} programs, {len(run.failures)} without IR; {len(run.sets)} feature sets; "
                f"time: {secs}" + (" (results from the cache)" if run.cached else ""), ""]
        for metric, results in by_metric(run.results).items():
            out += [f"Score: {metric}, mean ± std over seeds.", ""]
            out += score_table(results) + [""]
            ex = extras_table(results)
            if ex:
                out += ["Other metrics of these settings (mean over settings and seeds):", ""] + ex + [""]
        if run.name in figures:
            out += [f"![{run.name}](figures/{figures[run.name].name})", ""]
        out += ["Notes and failures:", ""] + [f"- {n}" for n in run.notes]
        if run.failures:
            out += _failure_lines(run.failures)
        out += [""]
    return "\n".join(out)


def _failure_lines(failures: Mapping[str, str]) -> list[str]:
    from collections import Counter

    kinds = Counter(v.split(":", 1)[0] for v in failures.values())
    lines = [f"- {len(failures)} programs failed the front end: " + ", ".join(f"{k} {n}" for k, n in kinds.items())]
    for pid, why in list(failures.items())[:5]:
        lines.append(f"  - `{pid}`: {why.splitlines()[0][:200]}")
    return lines


def _label(model: F.ModelSpec) -> str:
    path = model.folder
    try:
        text = f"`{path.resolve().relative_to(REPO)}`"
    except ValueError:
        text = f"`{path}`"
    return text + (f" with `{model.describe()}`" if model.options else " (the transformer's defaults)")


def plot_task(run: TaskRun, path: Path, models: Sequence[str]) -> Path:
    """Bar charts, one per metric: each feature set's mean score over settings, per head;
    error bars = std over seeds of the per-seed mean."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parts = by_metric(run.results)
    n = max(len(dict.fromkeys((r.feature_set, r.head) for r in run.results)), 1)
    fig, axes = plt.subplots(1, len(parts), figsize=(8 * len(parts), 0.25 * n + 1.5), squeeze=False)
    for ax, (metric, results) in zip(axes[0], parts.items()):
        _bars(ax, results, metric, models)
    fig.suptitle(f"{run.name}: grey = baselines, blue = bundled weights, orange = random weights, green = --model",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _bars(ax, results: Sequence[Result], metric: str, models: Sequence[str]) -> None:
    keys = list(dict.fromkeys((r.feature_set, r.head) for r in results))
    means, stds, colors = [], [], []
    palette = {RANDOM: "tab:orange", BUNDLED: "tab:blue"}
    for fs, head in keys:
        per_seed: dict[int, list[float]] = {}
        for r in results:
            if r.feature_set == fs and r.head == head:
                per_seed.setdefault(r.seed, []).append(r.score)
        v = [np.mean(x) for x in per_seed.values()]
        means.append(float(np.mean(v)))
        stds.append(float(np.std(v)))
        base = family(fs)[0]
        colors.append(palette.get(base, "tab:green" if base in models else "tab:grey"))
    y = np.arange(len(keys))
    ax.barh(y, means, xerr=stds, color=colors, capsize=2)
    ax.set_yticks(y)
    ax.set_yticklabels([f"{fs} ({h})" for fs, h in keys], fontsize=7)
    ax.invert_yaxis()
    pad = 2 * max(stds + [1.0])
    ax.set_xlim(max(0.0, min(means) - pad) if min(means) >= 0 else min(means) - pad, max(means) + pad)
    ax.set_xlabel(f"{metric}, mean over settings (± std over seeds)")
    ax.grid(axis="x", alpha=0.3)


def write_csv(runs: Sequence[TaskRun], path: Path) -> None:
    import pandas as pd

    rows = [r.row() for run in runs for r in run.results]
    pd.DataFrame(rows).to_csv(path, index=False)


# ============================================================================ command line


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="3 partitions, logreg only, smaller subsets")
    ap.add_argument("--model", action="append", default=[], metavar="NAME=FOLDER",
                    help="another saved model, compared side by side with the bundled and random weights")
    ap.add_argument("--tasks", nargs="+", default=None, help="run only these tasks")
    ap.add_argument("--seeds", type=int, default=None, help="fold partitions / pools (default 5; 3 with --quick)")
    ap.add_argument("--first-seed", type=int, default=0,
                    help="number the partitions from here (default 0): a later range confirms a choice on fresh folds")
    ap.add_argument("--heads", nargs="+", default=None, choices=devmap.HEADS,
                    help="default logreg hgb; logreg with --quick")
    ap.add_argument("--out-dir", type=Path, default=REPO / "docs", help="where benchmarks.md goes (default docs/)")
    ap.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE, help=f"caches (default {DEFAULT_CACHE})")
    ap.add_argument("--shared", type=Path, default=None,
                    help="the shared data folder (default $MIRENCODER_SHARED, else ../shared)")
    ap.add_argument("--weights", type=Path, default=devmap.DEFAULT_WEIGHTS, help="the bundled model folder")
    ap.add_argument("--ir2vec-python", default=None,
                    help="a Python that imports ir2vec (default $IR2VEC_PYTHON; see scripts/ir2vec_venv.sh)")
    ap.add_argument("--n-jobs", type=int, default=2, help="parallel workers (default 2)")
    ap.add_argument("--device", default="cpu", help="where the models run (cpu, cuda)")
    args = ap.parse_args(argv)
    args.cache_dir = Path(args.cache_dir).expanduser()
    args.ir2vec_python = devmap.find_ir2vec_python(args.ir2vec_python)
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    started = dt.datetime.now(dt.timezone.utc)
    t_start = time.perf_counter()
    log = lambda *a: print(*a, flush=True)  # noqa: E731
    if args.shared is not None:
        os.environ["MIRENCODER_SHARED"] = str(Path(args.shared).expanduser().resolve())
    count = args.seeds if args.seeds is not None else (3 if args.quick else 5)
    seeds = list(range(args.first_seed, args.first_seed + count))
    heads = args.heads or (["logreg"] if args.quick else list(devmap.HEADS))
    tasks = discover_tasks(args.tasks)
    models = models_of(args)
    runs = []
    for name, mod in tasks.items():
        log(f"== {name}")
        try:
            runs.append(run_task(name, mod, args, models, seeds=seeds, heads=heads, log=log))
        except Exception as exc:  # one broken task must not lose the others' results
            import traceback

            traceback.print_exc()
            runs.append(TaskRun(name, status="failed", reason=f"{type(exc).__name__}: {str(exc)[:300]}"))
        log(f"== {name}: {runs[-1].status} {runs[-1].reason[:200]}")
    out_dir = Path(args.out_dir)
    (out_dir / "figures").mkdir(parents=True, exist_ok=True)
    figures = {run.name: plot_task(run, out_dir / "figures" / f"benchmarks-{run.name}.png", list(models))
               for run in runs if run.status == "ok" and run.results}
    argv_shown = ["python", "benchmarks/suite.py", *(sys.argv[1:] if argv is None else argv)]
    md = render(runs, argv=argv_shown, started=started, seconds=time.perf_counter() - t_start, args=args,
                models=models, seeds=seeds, heads=heads, figures=figures)
    (out_dir / "benchmarks.md").write_text(md)
    write_csv(runs, out_dir / "benchmarks.csv")
    log(f"wrote {out_dir / 'benchmarks.md'} in {time.perf_counter() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
