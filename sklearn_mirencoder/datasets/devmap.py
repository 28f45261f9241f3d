"""Heterogeneous CPU/GPU device mapping (Grewe et al. CGO'13, Cummins et al. PACT'17): :func:`load_devmap`."""

from __future__ import annotations

import csv
import io
import os
import re
from typing import Mapping, NamedTuple, Sequence

import numpy as np
from sklearn.utils import Bunch

from ..errors import DatasetError
from ._fetch import Origin, RemoteFileSet, RemoteTable, TaskSpec, _sha256, fetch_task, register


#: Platforms of the device-mapping data: name -> (table, description).
DEVMAP_PLATFORMS = {
    "amd": ("cgo17-amd.csv", "AMD Tahiti 7970 GPU vs Intel Core i7-3820 CPU"),
    "nvidia": ("cgo17-nvidia.csv", "NVIDIA GTX 970 GPU vs Intel Core i7-3820 CPU"),
}
#: Columns of ``aux``: the two run-time inputs DeepTune feeds its model next to the code.
DEVMAP_AUX_NAMES = ("transfer", "wgsize")
_GREWE_RAW = ("comp", "rational", "mem", "localmem", "coalesced", "atomic", "transfer", "wgsize")
#: Columns of ``grewe``: the static features of the CSV and Grewe et al.'s combined F1-F4.
DEVMAP_GREWE_NAMES = _GREWE_RAW + (
    "F1:transfer/(comp+mem)",
    "F2:coalesced/mem",
    "F3:(localmem/mem)*wgsize",
    "F4:comp/mem",
)
_SUITES = (
    ("amd-app-sdk-", "AMD SDK"),
    ("npb-", "NPB"),
    ("nvidia-", "NVIDIA SDK"),
    ("parboil-", "Parboil"),
    ("polybench-", "PolyBench"),
    ("rodinia-", "Rodinia"),
    ("shoc-", "SHOC"),
)

_PAPER = Origin("ChrisCummins/paper-end2end-dl", "df6fa690cbf18bdcab23f26c5832f36884f037b5", "data/case-study-a")
# ProGraML pins the same bytes (same SHA-256) here: a second origin for the tables.
_PHD = Origin("ChrisCummins/phd", "65643fa5ad6769ce4678535cd2f9f37b6a467c45", "datasets/opencl/device_mapping")
_IR2VEC = Origin(
    "IITH-Compilers/IR2Vec", "76b3142a5d845d9d7caef548698f47a7a372e8c8", "experiments/Device_Mapping/data/kernels_ir"
)


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    text = data.decode("utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return list(reader)


def _devmap_ir_names(tables: Mapping[str, bytes]) -> list[str]:
    """The IR file names the rows need, as the origin names them.

    The origin (NCC's devmap data, republished by IR2Vec) names a file after its benchmark,
    and NPB kernels -- the only ones compiled per problem class -- also after the class:
    ``npb-3.3-BT-add_A.ll``.  (The general rule of :func:`resolve_devmap_ir_file` gives the
    same names; the pinned manifest covers the names as well as the bytes.)
    """
    data = next(iter(tables.values()))
    names = set()
    for row in _csv_rows(data):
        b, ds = row["benchmark"], row["dataset"]
        names.add(f"{b}_{ds}.ll" if b.startswith("npb-") else f"{b}.ll")
    return sorted(names)


def resolve_devmap_ir_file(benchmark: str, dataset: str, available) -> str:
    """The IR file of one row: ``f"{benchmark}-{dataset}.ll"``, else the name without its
    last ``-`` component, else that prefix + ``"_"`` + the last component.

    Raises
    ------
    DatasetError
        None of the three names is in ``available``.
    """
    name = f"{benchmark}-{dataset}"
    prefix, _, last = name.rpartition("-")
    for cand in (f"{name}.ll", f"{prefix}.ll", f"{prefix}_{last}.ll"):
        if cand in available:
            return cand
    raise DatasetError(f"devmap: no IR file for benchmark {benchmark!r}, dataset {dataset!r}")


_MODULE_ID_LINE = re.compile(r"^(?:; ModuleID = |source_filename = ).*$", re.M)


def devmap_kernel_groups(benchmarks: Sequence[str], srcs: Sequence[str], irs: Sequence[str]) -> np.ndarray:
    """Group ids for grouped cross-validation: one per *kernel*, whatever its input sizes.

    Rows are in the same group when they share the benchmark name (the kernel; rows differ
    by input size), or have the same OpenCL source up to white space, or the same IR file
    text once its module identifiers (``; ModuleID`` and ``source_filename``) are dropped.
    The groups are the connected components of those links; each is named after its
    alphabetically first benchmark.  On the devmap data this gives 239 groups from 256
    benchmark names: NPB's BT and SP share 17 kernels, PolyBench 2mm/3mm share one
    matrix-multiply kernel (5 names), correlation/covariance share ``mean_kernel``, and
    SHOC S3D's rdwdot2/3 and rdwdot8/9 have identical IR files.
    """
    n = len(benchmarks)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple[str, str], int] = {}
    for i in range(n):
        keys = (
            ("b", benchmarks[i]),
            ("s", " ".join(srcs[i].split())),
            ("i", _sha256(_MODULE_ID_LINE.sub("", irs[i]).encode("utf-8"))),
        )
        for k in keys:
            j = first.setdefault(k, i)
            ri, rj = find(i), find(j)
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)
    roots = [find(i) for i in range(n)]
    label: dict[int, str] = {}
    for i, r in enumerate(roots):
        if r not in label or benchmarks[i] < label[r]:
            label[r] = benchmarks[i]
    return np.asarray([label[r] for r in roots], dtype=object)


def _suite(benchmark: str) -> str:
    for prefix, suite in _SUITES:
        if benchmark.startswith(prefix):
            return suite
    return benchmark.split("-", 1)[0]


_DEVMAP_DESCR = """\
Heterogeneous device mapping (devmap), {platform}: {description}
=====================================================================

Predict whether an OpenCL kernel, with a given input size, runs faster on the CPU or on
the GPU (Grewe et al., CGO 2013; Cummins et al., "End-to-end Deep Learning of Optimization
Heuristics", PACT 2017).  680 rows: 256 kernels of 7 suites (AMD SDK, NPB, NVIDIA SDK,
Parboil, PolyBench, Rodinia, SHOC) with one to five input sizes each.

Fields (one entry per row)
--------------------------
data, ir        LLVM IR text of the row's kernel (Apple clang 9, typed pointers), read
                verbatim; ``rodinia-3.1-lavaMD-kernel_gpu_opencl.ll`` uses pre-LLVM-12
                ``byval`` syntax, which the package's front end upgrades.  IR files carry
                their source file's name in ``; ModuleID`` and ``source_filename``: a
                model of the text must not see those (the front end's normaliser drops
                them).
ir_file         the IR file name (669 distinct files; some rows of the same kernel share
                one, and some files of different kernels are byte-identical modulo the
                module name, e.g. SHOC S3D rdwdot2/rdwdot3).
src             the OpenCL source as the data set's authors normalised it (identifiers
                renamed, macros dropped: about 60 of 256 do not compile).
aux             [transfer (bytes), wgsize (work-group size)]: DeepTune's auxiliary inputs.
grewe           Grewe et al.'s static features: {grewe_raw} and the combined
                F1 = transfer/(comp+mem), F2 = coalesced/mem, F3 = (localmem/mem)*wgsize,
                F4 = comp/mem (as DeepTune's code computes them); names in grewe_names.
target          0 = CPU, 1 = GPU faster (the CSV's ``oracle``; target_names).
runtime_cpu, runtime_gpu   measured run times.
benchmark       suite-prefixed kernel name (``npb-3.3-BT-add``); dataset: the input size.
suite           AMD SDK, NPB, NVIDIA SDK, Parboil, PolyBench, Rodinia or SHOC.
kernel          group id for grouped cross-validation ({n_groups} groups): rows linked by
                the same benchmark name, the same source text (up to white space) or the
                same IR text (without module identifiers) share a group; named after the
                group's first benchmark.  The literature's stratified 10-fold split over
                rows puts other input sizes of a test kernel in the training folds.

Origin
------
Tables: github.com/ChrisCummins/paper-end2end-dl at df6fa690, data/case-study-a/ (also
pinned by ProGraML at github.com/ChrisCummins/phd).  IR: github.com/IITH-Compilers/IR2Vec at
76b3142a, experiments/Device_Mapping/data/kernels_ir/ (originally NCC's devmap data).  The
data are not licensed for redistribution ("contact the author before using"): they are
downloaded at your request, never shipped with this package.  Source of this copy: {source}.
"""


def _spec_devmap() -> TaskSpec:
    tables = tuple(
        RemoteTable(
            name=table,
            sha256=sha,
            sources=((_PAPER, table), (_PHD, f"{platform}.csv")),
        )
        for platform, table, sha in (
            ("amd", "cgo17-amd.csv", "0076271192aa9a0a7c21aa9a637e34cd4460f8e21e756215dd23ffb2ae62dc62"),
            ("nvidia", "cgo17-nvidia.csv", "095c1ccef333e0a65e0e70b3ebde0aef851b61528ec46496a5d1687905abd099"),
        )
    )
    ir = RemoteFileSet(
        folder="kernels_ir",
        archive="kernels_ir.tar.gz",
        origin=_IR2VEC,
        count=669,
        manifest_sha256="cf5bbbbe99da59ab850acc2c9d6f9be9ef587cef5e99f3b541339c54880e805a",
        names=_devmap_ir_names,
    )
    return TaskSpec(
        name="devmap-cgo17",
        title="Heterogeneous CPU/GPU device mapping (Grewe et al. CGO'13, Cummins et al. PACT'17)",
        tables=tables,
        file_sets=(ir,),
        reference="C. Cummins, P. Petoumenos, Z. Wang, H. Leather: End-to-end Deep Learning of "
        "Optimization Heuristics. PACT 2017.",
        terms="unlicensed data: use for evaluation; do not redistribute",
        loader="load_devmap",
    )




def load_devmap(
    platform: str = "amd",
    *,
    data_home: str | os.PathLike | None = None,
    local_path: str | os.PathLike | None = None,
    download: bool = True,
    return_X_y: bool = False,
    as_frame: bool = False,
    base_url: str | None = None,
):
    """Load the heterogeneous CPU/GPU device-mapping data set (680 rows per platform).

    Parameters
    ----------
    platform : {"amd", "nvidia"}, default="amd"
        AMD Tahiti 7970 or NVIDIA GTX 970, each against an Intel Core i7-3820.
    data_home : path-like, optional
        Cache folder (default: :func:`get_data_home`).
    local_path : path-like, optional
        A folder holding ``cgo17-amd.csv``/``cgo17-nvidia.csv`` and ``kernels_ir/`` or
        ``kernels_ir.tar.gz``; read in place (checked against the pinned checksums).
    download : bool, default=True
        Fetch what is not cached from the public origins (pinned commits, SHA-256 checked).
        ``False`` never uses the network.
    return_X_y : bool, default=False
        Return ``(X, y)``: the IR texts and the targets.
    as_frame : bool, default=False
        ``data`` becomes a pandas Series of IR texts, ``target`` a Series, and ``frame`` a
        DataFrame with every field (needs pandas).
    base_url : str, optional
        A mirror of ``https://raw.githubusercontent.com`` with the same layout
        (default ``$MIRENCODER_DATASETS_URL``).

    Returns
    -------
    Bunch
        ``data``/``ir``, ``ir_file``, ``src``, ``aux`` (+ ``aux_names``), ``grewe`` (+
        ``grewe_names``), ``target`` (0 CPU, 1 GPU) and ``target_names``, ``runtime_cpu``,
        ``runtime_gpu``, ``benchmark``, ``dataset``, ``suite``, ``kernel`` (group ids for
        grouped cross-validation), ``platform``, ``DESCR``; ``frame`` with ``as_frame``.
        See ``DESCR`` for each field.

    Raises
    ------
    DatasetError
        The data are not available (the message says how to get them), a download failed,
        or a file does not match its pinned checksum.
    """
    if platform not in DEVMAP_PLATFORMS:
        raise ValueError(f"platform must be one of {sorted(DEVMAP_PLATFORMS)}, got {platform!r}")
    table, description = DEVMAP_PLATFORMS[platform]
    got = fetch_task(
        "devmap-cgo17", [table], data_home=data_home, local_path=local_path, download=download, base_url=base_url
    )
    rows = _csv_rows(got.tables[table])
    programs = _devmap_programs(rows, got.files["kernels_ir"])
    grewe, aux = _devmap_features(rows)
    target = _devmap_target(rows)
    descr = _DEVMAP_DESCR.format(
        platform=platform,
        description=description,
        grewe_raw=", ".join(_GREWE_RAW),
        n_groups=len(set(programs.kernel)),
        source=got.source,
    )
    bunch = Bunch(
        data=programs.ir.copy(),
        ir=programs.ir,
        ir_file=programs.ir_file,
        src=programs.src,
        aux=aux,
        aux_names=list(DEVMAP_AUX_NAMES),
        grewe=grewe,
        grewe_names=list(DEVMAP_GREWE_NAMES),
        target=target,
        target_names=np.asarray(["CPU", "GPU"], dtype=object),
        runtime_cpu=np.asarray([float(r["runtime_cpu"]) for r in rows]),
        runtime_gpu=np.asarray([float(r["runtime_gpu"]) for r in rows]),
        benchmark=programs.benchmark,
        dataset=programs.dataset,
        suite=programs.suite,
        kernel=programs.kernel,
        platform=platform,
        DESCR=descr,
    )
    if as_frame:
        _add_frame(bunch)
    if return_X_y:
        return bunch.data, bunch.target
    return bunch


class _Programs(NamedTuple):
    """The programs of the rows, one entry per row (object arrays but ``kernel``)."""

    ir: np.ndarray  # the IR text
    ir_file: np.ndarray  # the IR file the row resolves to
    src: np.ndarray  # the OpenCL source
    benchmark: np.ndarray
    dataset: np.ndarray
    suite: np.ndarray
    kernel: np.ndarray  # group ids of devmap_kernel_groups


def _devmap_programs(rows: list[dict[str, str]], files: Mapping[str, bytes]) -> _Programs:
    """The program of each row: its IR file (among ``files``, name -> bytes) and text, its
    source, benchmark, data set, suite and kernel group."""
    available = set(files)
    benchmark = [r["benchmark"] for r in rows]
    dataset = [r["dataset"] for r in rows]
    ir_file = [resolve_devmap_ir_file(b, d, available) for b, d in zip(benchmark, dataset)]
    texts = {n: files[n].decode("utf-8") for n in set(ir_file)}
    ir = [texts[f] for f in ir_file]
    src = [r["src"] for r in rows]
    kernel = devmap_kernel_groups(benchmark, src, ir)

    def obj(xs):
        return np.asarray(xs, dtype=object)

    return _Programs(
        ir=obj(ir),
        ir_file=obj(ir_file),
        src=obj(src),
        benchmark=obj(benchmark),
        dataset=obj(dataset),
        suite=obj([_suite(b) for b in benchmark]),
        kernel=kernel,
    )


def _devmap_features(rows: list[dict[str, str]]) -> tuple[np.ndarray, np.ndarray]:
    """``(grewe, aux)``: the static features of the CSV followed by Grewe et al.'s F1-F4
    (:data:`DEVMAP_GREWE_NAMES`), and the two run-time inputs (:data:`DEVMAP_AUX_NAMES`)."""
    raw = np.asarray([[float(r[c]) for c in _GREWE_RAW] for r in rows], dtype=np.float64)
    col = {c: raw[:, i] for i, c in enumerate(_GREWE_RAW)}
    with np.errstate(divide="ignore", invalid="ignore"):  # mem is never 0 in this data
        combined = np.stack(
            [
                col["transfer"] / (col["comp"] + col["mem"]),
                col["coalesced"] / col["mem"],
                (col["localmem"] / col["mem"]) * col["wgsize"],
                col["comp"] / col["mem"],
            ],
            axis=1,
        )
    grewe = np.concatenate([raw, combined], axis=1)
    aux = raw[:, [_GREWE_RAW.index("transfer"), _GREWE_RAW.index("wgsize")]].copy()
    return grewe, aux


def _devmap_target(rows: list[dict[str, str]]) -> np.ndarray:
    """1 where the GPU is faster (``oracle`` GPU), 0 where the CPU is."""
    oracle = [r["oracle"] for r in rows]
    bad = sorted(set(oracle) - {"CPU", "GPU"})
    if bad:
        raise DatasetError(f"devmap: unexpected oracle values {bad}")
    return np.asarray([1 if o == "GPU" else 0 for o in oracle], dtype=np.int64)


def _add_frame(bunch: Bunch) -> None:
    """``as_frame=True``: a ``frame`` DataFrame of every field, and ``data``/``target`` as
    its Series."""
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - pandas is a test extra
        raise ImportError("as_frame=True needs pandas (pip install pandas)") from exc
    frame = pd.DataFrame(
        {
            "benchmark": bunch.benchmark,
            "dataset": bunch.dataset,
            "suite": bunch.suite,
            "kernel": bunch.kernel,
            "ir_file": bunch.ir_file,
            "ir": bunch.ir,
            "src": bunch.src,
            **{name: bunch.grewe[:, i] for i, name in enumerate(DEVMAP_GREWE_NAMES)},
            "runtime_cpu": bunch.runtime_cpu,
            "runtime_gpu": bunch.runtime_gpu,
            "target": bunch.target,
        }
    )
    bunch.frame = frame
    bunch.data = frame["ir"]
    bunch.target = frame["target"]


register(_spec_devmap())
