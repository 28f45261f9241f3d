"""The kernel-level variant of the gpuFLOPBench task: one row per profiled kernel.

The program-level task (:mod:`.task_gpuflopbench`) labels a target by its dominant kernel
and describes it by the whole program.  Here every profiled (target, kernel) pair is a row,
labelled by that kernel's own profile (time-weighted over its captured launches, the same
roofline and precision rule as the loader: ``bound`` and ``log_ai``), and described by the
kernel's *function module* (:func:`sklearn_mirencoder.frontend.functions.function_module`:
the kernel, what it calls and the globals they use) cut out of the target's linked IR, which
the program-level task built and cached.

Which function is the kernel
----------------------------
CUDA: a ``ptx_kernel`` of the target's IR whose demangled name, without namespaces,
template arguments and parameters, is the profile's ``kernelName``; several candidates
(template instances) -> the one whose demangled signature equals the profile's ``Kernel
Name`` once blanks and ``const`` placement are ignored, else the first.  OpenMP: the host
function ``__omp_offloading_<device>_<file>_<function>_l<line>`` with the profile's function
and line (the device and file ids differ between machines), or, as the host IR has it, that
entry's outlined body ``<entry>.omp_outlined`` (the shortest such name).  A kernel our IR does not define
(its target failed, or the kernel sits in a file the build could not compile or link) keeps
its row with ``ir=None`` and the reason; ``notes`` count them.

Protocols, heads and scores are the program-level task's (grouped by benchmark, and CUDA ->
OpenMP transfer; balanced accuracy % of ``bound`` and R^2 x 100 of ``log_ai``), run by its
``evaluate`` on these rows.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from . import task_gpuflopbench as program_task
from .core import Program, Result, TaskData

NAME = "gpuflopbench-kernels"

__all__ = ["NAME", "load", "evaluate", "kernel_rows", "find_kernel"]

_OMP = re.compile(r"^__omp_offloading_[0-9a-f]+_[0-9a-f]+_(.+_l\d+)$")


def _base_name(demangled: str) -> str:
    """``void ns::k<float>(int, float*)`` -> ``k`` (return type, namespaces, template
    arguments and parameters dropped)."""
    depth, out = 0, []
    for ch in demangled:  # drop template arguments and stop at the parameter list
        if depth == 0 and ch == "(":
            break
        depth += ch == "<"
        if depth == 0:
            out.append(ch)
        depth -= ch == ">"
    return "".join(out).strip().rsplit(" ", 1)[-1].rsplit("::", 1)[-1]


def _signature_key(signature: str) -> str:
    return re.sub(r"\s+|\bconst\b", "", signature)


def find_kernel(ir, kernel: str, signature: str) -> str | None:
    """The IR symbol of the profiled ``kernel`` (see the module docs), or None."""
    from sklearn_mirencoder.frontend.functions import demangle, list_functions

    functions = list_functions(ir)
    m = _OMP.match(kernel)
    if m:
        tail = "_" + m.group(1)
        # the host IR defines the target region's outlined body, "<entry>.omp_outlined"
        hits = [f.name for f in functions if f.name.startswith("__omp_offloading_")
                and (f.name.endswith(tail) or tail + ".omp_outlined" in f.name)]
        return min(hits, key=len) if hits else None
    kernels = [f for f in functions if f.kind == "kernel"]
    shown = demangle([f.name for f in kernels])
    hits = [(f.name, d) for f, d in zip(kernels, shown) if _base_name(d) == _base_name(kernel)]
    exact = [n for n, d in hits if _signature_key(d) == _signature_key(signature)]
    return (exact or [n for n, _ in hits] or [None])[0]


def kernel_rows(data) -> list[dict]:
    """Every profiled (target, kernel) pair with its own labels, targets in the Bunch's order."""
    from sklearn_mirencoder.datasets.gpuflopbench import _kernel_stats, _label, _read_profiles

    csv_path = Path(data.root) / "cuda-profiling" / "profiling-data.csv"
    launches: dict[tuple[str, str], list[dict]] = {}
    for r in _read_profiles(csv_path.read_bytes()):
        launches.setdefault((r["targetName"], r["kernelName"]), []).append(r)
    order = {t: i for i, t in enumerate(data.target_name)}
    rows = []
    for (target, kernel) in sorted(launches, key=lambda k: (order.get(k[0], len(order)), k[1])):
        if target not in order:
            continue
        stats = _kernel_stats(launches[(target, kernel)])
        lab = _label(stats, data.roofline)
        rows.append({"target_row": order[target], "target": target, "kernel": kernel,
                     "signature": stats["signature"], "bound": lab["bound"], "log_ai": lab["log_ai"]})
    return rows


def _program(row: dict, built: dict | None) -> Program:
    from sklearn_mirencoder.frontend.functions import function_module
    from sklearn_mirencoder.frontend.ir import IRModule

    pid = f"{row['target']}::{row['kernel']}"
    language = "cuda" if row["target"].endswith("-cuda") else "openmp"
    if built is None or built["ir"] is None:
        return Program(id=pid, language=language, ir=None, failure="target failed: " + (
            built["failure"] if built else "not built"))
    ir = IRModule(text=built["ir"], name=row["target"], language="llvm-ir")
    symbol = find_kernel(ir, row["kernel"], row["signature"])
    if symbol is None:
        return Program(id=pid, language=language, ir=None, failure="kernel not defined in our IR")
    return Program(id=pid, language=language, ir=function_module(ir, symbol).text)


def load(data_dir: Path | None, *, cache_dir: Path, quick: bool) -> TaskData:
    """One program per profiled kernel of the targets the program-level task selects."""
    data = program_task._load_dataset(data_dir)
    targets = program_task._select(data, quick)
    built = program_task._build_all(data, targets, Path(cache_dir))
    keep = set(targets)
    rows = [r for r in kernel_rows(data) if r["target_row"] in keep]
    programs = [_program(r, built.get(r["target_row"])) for r in rows]
    meta = {
        "bound": np.asarray([r["bound"] for r in rows], dtype=np.int64),
        "log_ai": np.asarray([r["log_ai"] for r in rows], dtype=np.float64),
        "benchmark": np.asarray([data.benchmark[r["target_row"]] for r in rows], dtype=object),
        "language": np.asarray([data.language[r["target_row"]] for r in rows], dtype=object),
        "kernel": np.asarray([r["kernel"] for r in rows], dtype=object),
    }
    reasons = Counter(p.failure.split(":")[0] for p in programs if p.failure)
    notes = [
        f"{len(rows)} profiled kernels of {len(targets)} targets; {len(rows) - sum(reasons.values())} found in our IR"
        + "".join(f"; {n} {why}" for why, n in sorted(reasons.items())),
        f"labels: {int(meta['bound'].sum())} compute-bound, {int((meta['bound'] == 0).sum())} bandwidth-bound kernels",
    ]
    return TaskData(name=NAME, programs=programs, meta=meta, notes=notes)


def evaluate(task: TaskData, features: Mapping[str, np.ndarray], *, seeds: Sequence[int],
             heads: Sequence[str], quick: bool) -> list[Result]:
    """The program-level task's protocols on the kernel rows (see the module docs)."""
    results = program_task.evaluate(task, features, seeds=seeds, heads=heads, quick=quick)
    for r in results:
        r.task = NAME
    task.notes[:] = [n.replace(" targets scored", " kernels scored") for n in task.notes]
    return results
