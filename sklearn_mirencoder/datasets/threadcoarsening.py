"""OpenCL thread coarsening (Magni et al. PACT'14, Cummins et al. PACT'17): :func:`load_threadcoarsening`."""

from __future__ import annotations

import csv
import io
import math
import os
import re
from typing import Mapping

import numpy as np
from sklearn.utils import Bunch

from ..errors import DatasetError
from ._fetch import Origin, RemoteFileSet, RemoteTable, TaskSpec, _sha256, fetch_task, register

#: The four GPUs, in the order of the literature's tables: name -> description.
THREADCOARSENING_PLATFORMS = {
    "Cypress": "AMD Radeon HD 5900 (Cypress)",
    "Tahiti": "AMD Radeon HD 7970 (Tahiti)",
    "Fermi": "NVIDIA GeForce GTX 480 (Fermi)",
    "Kepler": "NVIDIA Tesla K20c (Kepler)",
}
#: The coarsening factors of the data (the last axis of ``runtime``).
COARSENING_FACTORS = (1, 2, 4, 8, 16, 32)
#: Magni et al.'s principal components of their static features, per (kernel, factor).
THREADCOARSENING_PCA_NAMES = tuple(f"PCA{i}" for i in range(1, 8))

_RUNTIMES = "pact-2014-runtimes.csv"
_ORACLES = "pact-2014-oracles.csv"
_PAPER = Origin("ChrisCummins/paper-end2end-dl", "df6fa690cbf18bdcab23f26c5832f36884f037b5", "data/case-study-b")
_IR2VEC = Origin(
    "IITH-Compilers/IR2Vec", "76b3142a5d845d9d7caef548698f47a7a372e8c8",
    "experiments/Thread_Coarsening/data/kernels_ir",
)


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def _threadcoarsening_ir_names(tables: Mapping[str, bytes]) -> list[str]:
    """The IR file names: ``<kernel>.ll`` for every kernel of the tables (17 files)."""
    kernels: set[str] = set()
    for name in (_ORACLES, _RUNTIMES):
        if name in tables:
            kernels.update(r["kernel"] for r in _csv_rows(tables[name]))
    return sorted(f"{k}.ll" for k in kernels)


_MODULE_ID_LINE = re.compile(r"^(?:; ModuleID = |source_filename = ).*$", re.M)


def threadcoarsening_groups(kernels, srcs, irs) -> np.ndarray:
    """Group ids for leave-one-group-out: kernels with the same OpenCL source (up to white
    space) or the same IR text (without ``; ModuleID`` and ``source_filename``) share a group,
    named after its alphabetically first kernel.  On this data: 16 groups, ``mt`` and
    ``mtLocal`` together (same source text and, in the published IR set, the same IR file)."""
    n = len(kernels)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple[str, str], int] = {}
    for i in range(n):
        for key in (("s", " ".join(srcs[i].split())), ("i", _sha256(_MODULE_ID_LINE.sub("", irs[i]).encode("utf-8")))):
            j = first.setdefault(key, i)
            ri, rj = find(i), find(j)
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)
    label: dict[int, str] = {}
    for i in range(n):
        r = find(i)
        if r not in label or kernels[i] < label[r]:
            label[r] = kernels[i]
    return np.asarray([label[find(i)] for i in range(n)], dtype=object)


_DESCR = """\
Thread coarsening (threadcoarsening-pact14)
===========================================

Predict the thread-coarsening factor (1, 2, 4, 8, 16 or 32: how many OpenCL work-items one
work-item does after the transformation) that makes a kernel fastest on a GPU (Magni et al.,
"Automatic optimization of thread-coarsening for graphics processors", PACT 2014, after
their "A large-scale cross-architecture evaluation of thread-coarsening", SC 2013; case
study B of Cummins et al., "End-to-end Deep Learning of Optimization Heuristics", PACT 2017).  {n_kernels} OpenCL kernels (AMD APP SDK, NVIDIA SDK, Parboil), each run with
every factor on four GPUs: {platforms}.

Fields (one entry per kernel, sorted by name)
---------------------------------------------
data, ir        LLVM IR text of the kernel (Apple clang 9, typed pointers, optimised),
                read verbatim; it carries the source file's name in ``; ModuleID`` and
                ``source_filename``, which a model of the text must not see.
ir_file         ``<kernel>.ll``.
kernel          the kernel's name (``binarySearch`` ... ``stencil``).
group           kernels with the same source text or the same IR (module identifiers
                dropped) share a group ({n_groups} groups).  ``mt`` and ``mtLocal`` have the
                same ``src`` text AND byte-identical IR files in the published IR set (both
                are the non-local ``matrixTranspose`` kernel), yet different labels: no
                method that reads only this code can tell them apart, and holding one out
                while training on the other leaks its features.
src             the OpenCL source as the DeepTune authors normalised it.
target          (n_kernels, 4) int: the fastest factor on each platform (the oracle table's
                ``cf_<platform>``); its columns are ``target_names`` = ``platforms``.
runtime         (n_kernels, 4, 6) float: run time per (kernel, platform, factor), NaN where
                not measured: factor 32 exists for 5 kernels, blackscholes stops at 8, and
                nbody has no factor 16 on Fermi and Kepler ({n_unmeasured} NaN cells).
speedup         runtime at factor 1 / runtime, same shape (NaN where not measured).
oracle_runtime  (n_kernels, 4): the oracle table's ``runtime_<platform>``; the loader
                checks that it is the minimum of ``runtime`` and that ``target`` is its
                factor (the two tables agree on every kernel and platform; no ties).
oracle_speedup  (n_kernels, 4): runtime at factor 1 / oracle runtime.
pca             (n_kernels, 6, 7) float: Magni et al.'s 7 principal components of their
                static features, of the kernel coarsened by each factor (NaN where the
                runtime table has no row); names in ``pca_names``.
platforms, coarsening_factors, platform_descriptions: the axes.

Origin
------
Tables: github.com/ChrisCummins/paper-end2end-dl at df6fa690, data/case-study-b/.
IR: github.com/IITH-Compilers/IR2Vec at 76b3142a, experiments/Thread_Coarsening/data/kernels_ir/.
The tables are not licensed for redistribution ("contact the author before using"): they
are downloaded at your request, never shipped with this package.  Source of this copy:
{source}.
"""


def _spec_threadcoarsening() -> TaskSpec:
    tables = (
        RemoteTable(
            name=_RUNTIMES,
            sha256="a939931e48a98fab3bf2a76079e9233f16045be39b3046288a228de88329ecaf",
            sources=((_PAPER, _RUNTIMES),),
        ),
        RemoteTable(
            name=_ORACLES,
            sha256="34f3ed943494bee8a030c5f8877ebcaa3d39a679154307f841e8c54e113005c1",
            sources=((_PAPER, _ORACLES),),
        ),
    )
    ir = RemoteFileSet(
        folder="kernels_ir",
        archive="kernels_ir.tar.gz",
        origin=_IR2VEC,
        count=17,
        manifest_sha256="3bc7c5024634517dc375521a766589fdf52b0846a855ede6f0bd20cdc59c9ae9",
        names=_threadcoarsening_ir_names,
    )
    return TaskSpec(
        name="threadcoarsening-pact14",
        title="OpenCL thread coarsening on 4 GPUs (Magni et al. PACT'14, Cummins et al. PACT'17)",
        tables=tables,
        file_sets=(ir,),
        reference="A. Magni, C. Dubach, M. O'Boyle: Automatic optimization of thread-coarsening for graphics "
        "processors. PACT 2014; C. Cummins, P. Petoumenos, Z. Wang, H. Leather: End-to-end Deep Learning of "
        "Optimization Heuristics. PACT 2017.",
        terms="unlicensed data: use for evaluation; do not redistribute",
        loader="load_threadcoarsening",
    )


def _float(value: str) -> float:
    return float(value) if value.strip() else math.nan


def load_threadcoarsening(
    *,
    data_home: str | os.PathLike | None = None,
    local_path: str | os.PathLike | None = None,
    download: bool = True,
    return_X_y: bool = False,
    as_frame: bool = False,
    base_url: str | None = None,
):
    """Load the thread-coarsening data set: 17 OpenCL kernels, 4 GPUs, factors 1 to 32.

    Parameters
    ----------
    data_home : path-like, optional
        Cache folder (default: :func:`get_data_home`).
    local_path : path-like, optional
        A folder holding ``pact-2014-runtimes.csv``, ``pact-2014-oracles.csv`` and
        ``kernels_ir/`` or ``kernels_ir.tar.gz``; read in place (checked against the pinned
        checksums).
    download : bool, default=True
        Fetch what is not cached from the public origins (pinned commits, SHA-256 checked).
        ``False`` never uses the network.
    return_X_y : bool, default=False
        Return ``(X, y)``: the IR texts and the (n_kernels, 4) oracle factors.
    as_frame : bool, default=False
        ``data`` becomes a pandas Series of IR texts, ``target`` a DataFrame (one column per
        platform), and ``frame`` a DataFrame with one row per kernel: its fields, the oracle
        factor ``cf_<platform>`` and the run times ``runtime_<platform>_cf<factor>``.
    base_url : str, optional
        A mirror of ``https://raw.githubusercontent.com`` with the same layout
        (default ``$MIRENCODER_DATASETS_URL``).

    Returns
    -------
    Bunch
        ``data``/``ir``, ``ir_file``, ``kernel``, ``group``, ``src``, ``target`` (+
        ``target_names``), ``runtime``, ``speedup``, ``oracle_runtime``,
        ``oracle_speedup``, ``pca`` (+ ``pca_names``), ``platforms``,
        ``platform_descriptions``, ``coarsening_factors``, ``DESCR``; ``frame`` with
        ``as_frame``.  See ``DESCR`` for each field.

    Raises
    ------
    DatasetError
        The data are not available (the message says how to get them), a download failed,
        a file does not match its pinned checksum, or the two tables disagree.
    """
    got = fetch_task(
        "threadcoarsening-pact14", data_home=data_home, local_path=local_path, download=download, base_url=base_url
    )
    runs = _csv_rows(got.tables[_RUNTIMES])
    oracles = {r["kernel"]: r for r in _csv_rows(got.tables[_ORACLES])}
    files = got.files["kernels_ir"]
    kernels = sorted(oracles)
    if sorted({r["kernel"] for r in runs}) != kernels:
        raise DatasetError("threadcoarsening: the runtime and oracle tables name different kernels")
    platforms = list(THREADCOARSENING_PLATFORMS)
    factors = list(COARSENING_FACTORS)
    k_index = {k: i for i, k in enumerate(kernels)}
    n, p, f = len(kernels), len(platforms), len(factors)

    runtime = np.full((n, p, f), np.nan)
    pca = np.full((n, f, len(THREADCOARSENING_PCA_NAMES)), np.nan)
    src: dict[str, str] = {}
    for r in runs:
        i, cf = k_index[r["kernel"]], int(float(r["cf"]))
        if cf not in factors:
            raise DatasetError(f"threadcoarsening: unexpected coarsening factor {cf} for {r['kernel']}")
        j = factors.index(cf)
        runtime[i, :, j] = [_float(r[f"runtime_{pl}"]) for pl in platforms]
        pca[i, j] = [float(r[c]) for c in THREADCOARSENING_PCA_NAMES]
        if src.setdefault(r["kernel"], r["src"]) != r["src"]:
            raise DatasetError(f"threadcoarsening: {r['kernel']} has different sources for different factors")

    target = np.asarray([[int(float(oracles[k][f"cf_{pl}"])) for pl in platforms] for k in kernels], dtype=np.int64)
    oracle_runtime = np.asarray([[float(oracles[k][f"runtime_{pl}"]) for pl in platforms] for k in kernels])
    # the oracle table is the argmin of the runtime table (checked, not assumed)
    best = np.asarray(factors)[np.nanargmin(runtime, axis=2)]
    if not (np.array_equal(best, target) and np.array_equal(np.nanmin(runtime, axis=2), oracle_runtime)):
        bad = [(kernels[i], platforms[j]) for i, j in zip(*np.nonzero(best != target))]
        raise DatasetError(f"threadcoarsening: the oracle table disagrees with the runtime table, e.g. {bad[:3]}")
    if np.isnan(runtime[:, :, 0]).any():
        raise DatasetError("threadcoarsening: a kernel has no run time at factor 1")

    ir_file = [f"{k}.ll" for k in kernels]
    ir = [files[name].decode("utf-8") for name in ir_file]
    srcs = [src[k] for k in kernels]
    group = threadcoarsening_groups(kernels, srcs, ir)
    speedup = runtime[:, :, :1] / runtime
    oracle_speedup = runtime[:, :, 0] / oracle_runtime

    obj = lambda xs: np.asarray(xs, dtype=object)  # noqa: E731
    descr = _DESCR.format(
        n_kernels=n,
        platforms=", ".join(THREADCOARSENING_PLATFORMS.values()),
        n_groups=len(set(group)),
        n_unmeasured=int(np.isnan(runtime).sum()),
        source=got.source,
    )
    bunch = Bunch(
        data=obj(ir),
        ir=obj(ir),
        ir_file=obj(ir_file),
        kernel=obj(kernels),
        group=group,
        src=obj(srcs),
        target=target,
        target_names=obj(platforms),
        runtime=runtime,
        speedup=speedup,
        oracle_runtime=oracle_runtime,
        oracle_speedup=oracle_speedup,
        pca=pca,
        pca_names=list(THREADCOARSENING_PCA_NAMES),
        platforms=list(platforms),
        platform_descriptions=dict(THREADCOARSENING_PLATFORMS),
        coarsening_factors=np.asarray(factors, dtype=np.int64),
        DESCR=descr,
    )
    if as_frame:
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is a test extra
            raise ImportError("as_frame=True needs pandas (pip install pandas)") from exc
        columns = {"kernel": bunch.kernel, "group": group, "ir_file": bunch.ir_file, "ir": bunch.ir, "src": bunch.src}
        columns.update({f"cf_{pl}": target[:, j] for j, pl in enumerate(platforms)})
        columns.update(
            {f"runtime_{pl}_cf{cf}": runtime[:, j, m] for j, pl in enumerate(platforms) for m, cf in enumerate(factors)}
        )
        frame = pd.DataFrame(columns)
        bunch.frame = frame
        bunch.data = frame["ir"]
        bunch.target = frame[[f"cf_{pl}" for pl in platforms]]
    if return_X_y:
        return bunch.data, bunch.target
    return bunch


register(_spec_threadcoarsening())
