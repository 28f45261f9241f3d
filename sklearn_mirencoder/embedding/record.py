"""Stage 7, record: what one ``transform`` call produces, filled in by the other stages.

:class:`CallRecord` holds the output matrix (NaN until a row is filled), the failures of the
samples, the counts of ``transform_stats_`` and the rows of ``truncated_``, and moves the
progress bar.  It applies ``errors=``: with ``"raise"`` the first failure is raised, named by
its row, with a hint; with ``"nan"`` its rows stay NaN and :meth:`CallRecord.failures`
lists why.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np

from .inputs import RAISE_HINT, Sample, relabel

#: The counts of ``transform_stats_``, in order (``seconds`` follows).
STATS = (
    "n_samples", "memory_hits", "disk_hits", "computed", "compiled", "ir_hits", "duplicates", "failed",
    "text_partial", "graph_cut",
)


class ProgramFailure(NamedTuple):
    """Why one sample got a row of NaN (an entry of :attr:`MIRTransformer.failures_`)."""

    index: int
    """The sample's row in ``X``."""
    error: str
    """The error's class name, e.g. ``"CompileError"``."""
    message: str
    """The full message (it starts with ``sample <index>``) with the compiler's diagnostic."""


class _NoProgress:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _rows(group: Sequence[Sample]) -> list[int]:
    return [s.index for s in group]


class CallRecord:
    """The outcome of one ``transform`` call of ``n`` samples and ``dim`` features.

    ``raising``: ``errors="raise"``; ``progress``: a bar with ``update(n)`` and ``close()``
    (closed when the record is used as a context manager and the block ends).
    """

    def __init__(self, n: int, dim: int, *, raising: bool, progress=None):
        self.out = np.full((n, dim), np.nan, dtype=np.float32)
        self.stats = dict.fromkeys(STATS, 0)
        self.stats["n_samples"] = n
        self.truncated: dict[str, list[int]] = {"text": [], "graph": []}
        self.errors: dict[int, BaseException] = {}
        self.raising = raising
        self.progress = progress if progress is not None else _NoProgress()

    def __enter__(self) -> "CallRecord":
        return self

    def __exit__(self, *exc) -> None:
        self.progress.close()

    # -- what the stages report
    def readable(self, read: Sequence[Sample | BaseException]) -> list[Sample]:
        """The samples read; each error among ``read`` (already named by its row) is
        recorded, or raised with ``errors="raise"``."""
        for s in read:
            if isinstance(s, BaseException):
                self.errors[s.index] = s
                if self.raising:
                    raise s
        return [s for s in read if not isinstance(s, BaseException)]

    def from_cache(self, group: Sequence[Sample], vec: np.ndarray, where: str, truncation: tuple[bool, bool]) -> None:
        """The group's vector came from the cache (``where``: ``"memory"`` or ``"disk"``)."""
        rows = _rows(group)
        self.out[rows] = vec
        self.stats[f"{where}_hits"] += len(rows)
        self.note_truncation(group, *truncation)
        self.progress.update(len(rows))

    def note_truncation(self, group: Sequence[Sample], text_partial: bool, graph_cut: bool) -> None:
        """Count one program (the rows of ``group``) as read in part and/or cut."""
        if text_partial:
            self.stats["text_partial"] += 1
            self.truncated["text"] += _rows(group)
        if graph_cut:
            self.stats["graph_cut"] += 1
            self.truncated["graph"] += _rows(group)

    def computed(self, group: Sequence[Sample], vec: np.ndarray) -> None:
        """The group's program was embedded in this call."""
        rows = _rows(group)
        self.out[rows] = vec
        self.stats["computed"] += 1
        self.progress.update(len(rows))

    def failed(self, group: Sequence[Sample], exc: BaseException, *, cause: BaseException | None = None) -> None:
        """The group's program failed with ``exc``: raised for the group's first sample
        (``from cause``, when given) with ``errors="raise"``, else recorded for each."""
        if self.raising:
            first = group[0]
            err = relabel(exc, first.index, first.name, RAISE_HINT)
            if cause is not None:
                raise err from cause
            raise err
        for s in group:
            self.errors[s.index] = relabel(exc, s.index, s.name)
        self.progress.update(len(group))

    # -- the attributes of the estimator
    def failures(self) -> list[ProgramFailure]:
        """The failed samples, by row (``failures_``)."""
        return [ProgramFailure(i, type(self.errors[i]).__name__, str(self.errors[i])) for i in sorted(self.errors)]

    def finish(self, seconds: float) -> tuple[list[ProgramFailure], dict, dict[str, list[int]]]:
        """``(failures_, transform_stats_, truncated_)`` of the call, which took ``seconds``."""
        failures = self.failures()
        self.stats["failed"] = len(failures)
        self.stats["seconds"] = round(seconds, 3)
        return failures, self.stats, {k: sorted(v) for k, v in self.truncated.items()}

    def warning(self) -> str:
        """The message of the ``FailedProgramsWarning`` (when some samples failed)."""
        failures = self.failures()
        first = failures[0]
        return (
            f"{len(failures)} of {len(self.out)} programs could not be embedded and got rows of NaN; the first: "
            f"{first.error}: {first.message.splitlines()[0]}  (see failures_ for all of them)"
        )

    def summary(self) -> str:
        """The one line ``verbose=True`` prints after the call (after :meth:`finish`)."""
        s = self.stats
        return (
            f"[MIRTransformer] {s['n_samples']} programs in {s['seconds']:.2f} s: {s['computed']} embedded "
            f"({s['compiled']} compiled), {s['memory_hits']} from memory, {s['disk_hits']} from the "
            f"cache folder, {s['duplicates']} duplicates, {s['failed']} failed"
        )
