"""Stage 4, front end, for all programs: :func:`run_frontend` runs
:func:`~.worker.frontend_task` over the tasks and yields ``(task, result)`` pairs.

With one job (``n_jobs`` and the active joblib backend) it runs here,
:func:`frontend_in_process`, with clang a few programs ahead in a thread.  With more it runs
in joblib workers (processes, threads or a dask cluster, :class:`sklearn.utils.parallel.Parallel`)
and survives a worker that dies: only the sample that killed it fails, with
:class:`WorkerCrashError`.
"""

from __future__ import annotations

from collections import deque
from typing import Iterator, Sequence

from sklearn.utils.parallel import Parallel, delayed

from ..errors import FrontendError
from .worker import Task, WorkerContext, compile_task, frontend_task, functions_task, needs_clang


class WorkerCrashError(FrontendError):
    """The worker process handling this sample died (killed by a signal, out of memory, or
    LLVM aborting inside it).  The sample was retried alone in a fresh worker and killed it
    again; the other samples of the batch were not affected."""


#: How many programs the compile-ahead thread of :func:`frontend_in_process` may have
#: compiled or queued beyond the one being parsed or encoded.
COMPILE_AHEAD = 4


def frontend_in_process(tasks: Sequence[Task], ctx: WorkerContext, *, ahead: int = COMPILE_AHEAD):
    """Yield ``(task, result)`` of :func:`~.worker.frontend_task` for every task, in order,
    in this process, with clang running ahead in a thread.

    One thread runs clang for the next programs, one after the other (at most ``ahead``
    beyond the one being worked on here or by the caller), while this thread parses the IR
    and builds the graph and tokens of the current one (and the caller encodes): clang is a
    separate process, so it and the Python stages use two cores instead of taking turns.  A compile error
    reaches the sample it belongs to, as without the thread.  When the caller stops early
    (an error raised, the generator closed) the queued compiles are cancelled, and the
    thread ends after the running one without being waited for.
    """
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mirencoder-clang")
    window: deque = deque()
    todo = iter(tasks)

    def submit() -> None:
        task = next(todo, None)
        if task is not None:
            window.append((task, pool.submit(compile_task, task, ctx) if needs_clang(task) else None))

    try:
        for _ in range(1 + max(0, ahead)):
            submit()
        while window:
            task, future = window.popleft()
            yield task, frontend_task(task, ctx, future.result if future is not None else None)
            submit()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def is_worker_death(exc: BaseException) -> bool:
    """Whether ``exc`` says a worker process died (loky, concurrent.futures, dask)."""
    from concurrent.futures.process import BrokenProcessPool

    if isinstance(exc, BrokenProcessPool):
        return True
    names = {"TerminatedWorkerError", "BrokenProcessPool", "KilledWorker", "WorkerLostError"}
    return any(cls.__name__ in names for cls in type(exc).__mro__)


def _run_in_workers(tasks: Sequence[Task], ctx: WorkerContext, n_jobs, pre_dispatch: str, suspects: list[Task]):
    """Yield ``(task, result)`` for the tasks, from joblib workers, in order; when a worker
    dies, the first task that had not come back goes to ``suspects`` and the others run
    again together."""
    pending = list(tasks)
    while pending:
        returned = 0
        try:
            results = Parallel(n_jobs=n_jobs, return_as="generator", pre_dispatch=pre_dispatch)(
                delayed(frontend_task)(t, ctx) for t in pending
            )
            for task, result in zip(pending, results):
                returned += 1
                yield task, result
            pending = []
        except BaseException as exc:
            if not is_worker_death(exc):
                raise
            pending = pending[returned:]
            suspects.append(pending.pop(0))


def _run_alone(task: Task, ctx: WorkerContext, n_jobs) -> tuple:
    """The result of a suspect run alone in a worker: a :class:`WorkerCrashError` if it
    kills that worker too."""
    try:
        return Parallel(n_jobs=n_jobs)([delayed(frontend_task)(task, ctx)])[0]
    except BaseException as exc:
        if not is_worker_death(exc):
            raise
        return (
            "error",
            WorkerCrashError(
                "the worker process died while processing this program, and again when it was run alone "
                f"({type(exc).__name__}): it probably crashes LLVM or exhausts memory; the other programs "
                "were not affected",
                sample=task.name,
                diagnostic=str(exc),
            ),
        )


def run_frontend(tasks: Sequence[Task], ctx: WorkerContext, *, n_jobs=None, batch_size: int = 16) -> Iterator[tuple]:
    """Yield ``(task, result)`` of :func:`~.worker.frontend_task` for every task (in task
    order, but for suspects).

    One job: :func:`frontend_in_process`.  Else joblib workers, at most ``2 * n_jobs +
    2 * batch_size`` tasks dispatched ahead.  When a worker process dies, the first task
    that had not come back is set aside as the suspect and the others run again together;
    at the end each suspect runs alone.  One that kills its worker again is the culprit: it
    fails with :class:`WorkerCrashError`, and no other sample is lost.
    """
    from joblib import effective_n_jobs

    if effective_n_jobs(n_jobs) == 1:  # joblib would run them here, one by one
        yield from frontend_in_process(tasks, ctx)
        return
    suspects: list[Task] = []
    yield from _run_in_workers(tasks, ctx, n_jobs, f"2*n_jobs + {2 * int(batch_size)}", suspects)
    for task in suspects:
        yield task, _run_alone(task, ctx, n_jobs)


def list_sample_functions(samples, ctx, functions, record, *, n_jobs=None) -> list:
    """The functions of every readable sample (``(name, kind, module text)`` lists, in
    workers), in sample order; a sample that fails is recorded in ``record`` (raised with
    ``errors="raise"``) and gets ``None``.  Unreadable samples (not in ``samples``) get
    ``None`` too."""
    tasks = [Task(key="", program_key="", name=s.name or f"sample {s.index}", language=s.language,
                  data=s.data, source_dir=s.source_dir) for s in samples]
    outcomes = Parallel(n_jobs=n_jobs)(delayed(functions_task)(t, ctx, functions) for t in tasks)
    listing: list = [None] * len(record.out)
    for s, (status, value) in zip(samples, outcomes):
        if status == "ok":
            listing[s.index] = value
        else:
            record.failed([s], value)
    return listing
