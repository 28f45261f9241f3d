"""Stage 5, route: each front-end result to where it goes next.

An encoded program goes to the :class:`~.batching.Batcher` (a vector a worker already computed
goes straight on); its new IR goes to the cache folder; a sample's failure goes to the
:class:`~.record.CallRecord` and, when it would happen again (:func:`remembered`), to the
cache's memory of failures.  A failure that is not the sample's -- no compiler, or anything
that is not a :class:`~sklearn_mirencoder.errors.FrontendError` -- is raised.  Each vector is
stored in the cache with its truncation flags and fills its group's rows.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

import numpy as np

from ..cache import ProgramCache, failure_key
from ..errors import (
    CompileError,
    CompilerCrashError,
    CompilerNotFoundError,
    CompileTimeoutError,
    FrontendError,
    GraphError,
    InputError,
    IRParseError,
)
from .batching import Batcher
from .frontend_stage import WorkerCrashError
from .inputs import Sample
from .record import CallRecord
from .worker import Task


def remembered(exc: BaseException) -> bool:
    """Whether a failure would happen again with the same key (so it is remembered in
    memory); timeouts, crashes and dead workers are retried."""
    if isinstance(exc, (CompileTimeoutError, CompilerCrashError, WorkerCrashError, CompilerNotFoundError)):
        return False
    return isinstance(exc, (InputError, CompileError, IRParseError, GraphError))


class Collector:
    """Route the results of one call (see the module): ``groups`` maps each task's key to
    its samples; ``graph_builder`` is the :func:`~.keys.graph_builder_id` failures are
    remembered under."""

    def __init__(
        self, groups: Mapping[str, Sequence[Sample]], batcher: Batcher, cache: ProgramCache, record: CallRecord,
        *, graph_builder: str | None,
    ):
        self.groups = groups
        self.batcher = batcher
        self.cache = cache
        self.record = record
        self.graph_builder = graph_builder
        self.truncation: dict[str, tuple[bool, bool]] = {}

    def collect(self, results: Iterable[tuple[Task, tuple]]) -> None:
        """Route every ``(task, result)`` of :func:`~.frontend_stage.run_frontend`, then
        encode what the batcher still holds."""
        for task, result in results:
            if result[0] == "ok":
                self.ok(task, *result[1:])
            else:
                self.error(task, result[1])
        self.store(self.batcher.flush())

    def ok(self, task: Task, payload, new_ir: str | None, truncation: tuple[bool, bool]) -> None:
        """A program the front end took: an encoded program, or its vector (a float32 array)
        when a worker encoded it."""
        if new_ir is not None:
            self.record.stats["compiled"] += 1
            self.cache.put_ir(task.program_key, new_ir)
        text_partial, graph_cut = truncation
        self.truncation[task.key] = (bool(text_partial), bool(graph_cut))
        self.record.note_truncation(self.groups[task.key], text_partial, graph_cut)
        if isinstance(payload, np.ndarray):  # encoded in the worker
            self.store([(task.key, payload)])
        else:
            self.store(self.batcher.add(task.key, payload))

    def error(self, task: Task, exc: BaseException) -> None:
        """A program the front end could not take: raised unless it is the sample's problem."""
        if isinstance(exc, CompilerNotFoundError) or not isinstance(exc, FrontendError):
            raise exc  # not the sample's problem
        if remembered(exc):
            self.cache.put_failure(failure_key(task.program_key, graph_builder=self.graph_builder), exc)
        self.record.failed(self.groups[task.key], exc, cause=exc)

    def store(self, pairs: Iterable[tuple[str, np.ndarray]]) -> None:
        """Vectors done: into the cache (with their truncation flags) and the record."""
        for key, vec in pairs:
            self.cache.put_embedding(key, vec, self.truncation[key])
            self.record.computed(self.groups[key], vec)
