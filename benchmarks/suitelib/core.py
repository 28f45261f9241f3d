"""The contract between the suite's tasks and its feature sets.

A task module (``task_<name>.py``) exposes::

    NAME: str                        # "devmap", "threadcoarsening", "gpuflopbench", "retrieval"
    def load(data_dir: Path | None, *, cache_dir: Path, quick: bool) -> TaskData
    def evaluate(task: TaskData, features: Mapping[str, np.ndarray], *,
                 seeds: Sequence[int], heads: Sequence[str], quick: bool) -> list[Result]

``load`` finds the data (``data_dir``, else ``$MIRENCODER_SHARED/data/...``, else
``../shared/data/...``, else the loader's cache) and turns every program into canonical IR
with the project's front end; a program the front end cannot handle keeps its place with
``ir=None`` and its typed error's message in ``failure``.  It raises :class:`TaskUnavailable`
(with a reason) when the data is absent.

Optional ``meta`` keys the feature sets read: ``"ir2vec_input"`` (program id -> the text IR2Vec
should read instead of the canonical IR, e.g. a dataset's own older IR that IR2Vec's LLVM
accepts; see ``features.py``).

``features`` maps a feature-set name to a matrix with one row per ``task.programs`` (same
order); a program a feature set could not describe has a row of NaN.  ``evaluate`` uses the
same folds and heads for every feature set, evaluates only the rows whose program every
feature set describes (and says how many it left out in ``task.notes``), adds the task's
auxiliary inputs itself (an ``aux only`` set and ``<set> + aux``), and returns one
:class:`Result` per (setting, feature set, head, seed).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

__all__ = ["Program", "TaskData", "Result", "TaskUnavailable", "paired", "finite_rows", "text_digest"]


class TaskUnavailable(RuntimeError):
    """The task's data is not here; the message says where it was looked for and how to get it."""


@dataclass
class Program:
    """One unit a feature set describes (a kernel's IR file, a linked program...)."""

    id: str
    language: str
    ir: str | None
    failure: str | None = None

    def __post_init__(self):
        if (self.ir is None) == (self.failure is None):
            raise ValueError(f"{self.id}: exactly one of ir and failure must be set")


@dataclass
class TaskData:
    """A loaded task: its programs and whatever its ``evaluate`` needs (labels, groups, aux...)."""

    name: str
    programs: list[Program]
    meta: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.programs]

    def failures(self) -> dict[str, str]:
        return {p.id: p.failure for p in self.programs if p.failure is not None}


@dataclass
class Result:
    """One score: higher is better, on a 0-100 scale (accuracy %, % of the oracle's speedup, top-1 %)."""

    task: str
    setting: str  # e.g. "amd/grouped", "Tahiti/leave-one-kernel-out", "grouped", "transfer"
    feature_set: str
    head: str
    seed: int
    metric: str  # what score is, e.g. "accuracy %"
    score: float
    extra: dict[str, float] = field(default_factory=dict)  # other metrics (speedups, F1, MAE...)

    def row(self) -> dict[str, Any]:
        return {"task": self.task, "setting": self.setting, "feature_set": self.feature_set, "head": self.head,
                "seed": self.seed, "metric": self.metric, "score": self.score, **self.extra}


def finite_rows(features: Mapping[str, np.ndarray]) -> np.ndarray:
    """Boolean mask of the rows every feature set describes (all values finite)."""
    masks = [np.isfinite(np.asarray(X, dtype=float)).all(axis=1) for X in features.values()]
    return np.logical_and.reduce(masks) if masks else np.zeros(0, dtype=bool)


def paired(results: Sequence[Result], a: str, b: str) -> dict[str, float]:
    """Feature set ``a`` against ``b`` on the cells (task, setting, head, seed) both have:
    mean difference of scores, its standard error (``se``: the cells' standard deviation over
    the square root of their number; NaN below two cells), cells where ``a`` is ahead and
    behind, and the number of cells."""
    key = lambda r: (r.task, r.setting, r.head, r.seed)  # noqa: E731
    sa = {key(r): r.score for r in results if r.feature_set == a}
    sb = {key(r): r.score for r in results if r.feature_set == b}
    common = sorted(set(sa) & set(sb))
    diffs = np.array([sa[k] - sb[k] for k in common], dtype=float)
    return {"mean_diff": float(diffs.mean()) if len(diffs) else float("nan"),
            "se": float(diffs.std(ddof=1) / np.sqrt(len(diffs))) if len(diffs) > 1 else float("nan"),
            "ahead": int((diffs > 0).sum()), "behind": int((diffs < 0).sum()), "n": len(common)}


def text_digest(*parts: str) -> str:
    """A short stable digest of some texts (cache keys)."""
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass") + b"\x00")
    return h.hexdigest()[:24]
