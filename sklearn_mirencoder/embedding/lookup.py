"""Stage 3, look up: each group of samples in the caches, before any compile.

A vector found in the process memory or the cache folder fills the group's rows; a failure
remembered from an earlier call fails the group again; any other group becomes one
:class:`~.worker.Task` for the front end, which starts from the compiled IR when the cache
folder holds it (no clang then).  See :class:`~sklearn_mirencoder.cache.ProgramCache`.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from ..cache import ProgramCache, failure_key
from .inputs import Sample
from .record import CallRecord
from .worker import Task


def task_for(group: Sequence[Sample], ir_text: str | None = None) -> Task:
    """The front-end task of a group: its first sample's program (or ``ir_text``, its
    compiled IR from the cache, in its place)."""
    first = group[0]
    return Task(
        key=first.ekey,
        program_key=first.pkey,
        name=first.name or f"sample {first.index}",
        language=first.language,
        data=None if ir_text is not None else first.data,
        ir_text=ir_text,
        source_dir=first.source_dir,
    )


def look_up(
    groups: Mapping[str, Sequence[Sample]], cache: ProgramCache, record: CallRecord, *, dim: int,
    graph_builder: str | None,
) -> list[Task]:
    """Fill ``record`` with the groups the cache knows (vectors of width ``dim``, or
    failures remembered under the :func:`~.keys.graph_builder_id` ``graph_builder``); the
    tasks of the others, in order."""
    tasks: list[Task] = []
    for ekey, group in groups.items():
        vec, where, truncation = cache.get_embedding(ekey, dim)
        if vec is not None:
            record.from_cache(group, vec, where, truncation)
            continue
        first = group[0]
        known = cache.get_failure(failure_key(first.pkey, graph_builder=graph_builder))
        if known is not None:
            record.failed(group, known)
            continue
        ir_text = cache.get_ir(first.pkey) if first.compiled else None
        record.stats["ir_hits"] += ir_text is not None
        tasks.append(task_for(group, ir_text))
    return tasks
