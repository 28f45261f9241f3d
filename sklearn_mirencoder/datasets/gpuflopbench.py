"""CUDA and OpenMP kernel bottlenecks on an RTX 3080 (gpuFLOPBench): :func:`load_gpuflopbench`.

One row per profiled program (*target*): a HeCBench benchmark built as CUDA
(``<bench>-cuda``) or as OpenMP target offload (``<bench>-omp``) and profiled with Nsight
Compute on one NVIDIA GeForce RTX 3080 by Bolet et al. (gpuFLOPBench).  Each row carries
its source files with the compile flags our front end needs, the *dominant kernel* (the one
with the largest total profiled time) and two labels of that kernel: ``bound`` (compute- or
bandwidth-bound on the card's roofline) and ``log_ai`` (log10 of its arithmetic intensity).

The profiling table
-------------------
``cuda-profiling/profiling-data.csv`` has one row per *captured kernel launch* (the authors
ran ``ncu --set roofline -c 2 -k <kernel>``, so a kernel has one or two rows).  What the
columns are, read from the authors' ``cuda-profiling/gatherData.py`` (``calc_roofline_data``)
and checked on every row of the CSV:

* ``xtime``: ``gpu__time_duration.sum``, the launch's duration in **nanoseconds**;
* ``traffic``: ``dram__bytes.sum.per_second``, achieved DRAM throughput in **bytes per
  second** (not bytes: its maximum over the 3,436 rows is 745 GB/s, just under the card's
  760 GB/s);
* ``spPerf``/``dpPerf``: achieved FP32/FP64 operations per second ((add + mul + 2 fma)
  thread instructions per cycle x cycles per second); ``spAI = spPerf / traffic`` and
  ``dpAI = dpPerf / traffic`` in FLOP per DRAM byte;
* ``intops``: executed integer thread instructions
  (``smsp__sass_thread_inst_executed_op_integer_pred_on.sum``), ``intPerf = intops / xtime``
  (per second) and ``intAI = intPerf / traffic``.

A kernel's figures over its launches are time-weighted: operations ``perf x xtime`` and
bytes ``traffic x xtime`` are summed over its rows, ``AI = ops / bytes`` and achieved
performance ``= ops / total time``.  The dominant kernel of a target is the one with the
largest summed ``xtime``.

The roofline
------------
Peaks of the GeForce RTX 3080 (NVIDIA Ampere GA102 GPU architecture whitepaper: 68 SMs,
8,704 CUDA cores, 1,710 MHz boost clock, 760 GB/s GDDR6X; per-SM throughputs of compute
capability 8.6 from the CUDA C++ Programming Guide's arithmetic-instruction table: 128 FP32,
2 FP64 and 64 32-bit integer results per clock):

* FP32: 8,704 x 2 (FMA) x 1.71 GHz = 29.77 TFLOP/s
* FP64: 1/64 of FP32 = 68 x 2 x 2 x 1.71 GHz = 0.465 TFLOP/s
* INT32: 68 x 64 x 1.71 GHz = 7.44 Tinst/s (``intops`` counts instructions, so no FMA factor)
* DRAM: 760 GB/s

Ridge points (peak / bandwidth): 39.2 FLOP/byte (FP32), 0.61 FLOP/byte (FP64), 9.79
int inst/byte.  ``clock="base"`` uses the 1,440 MHz base clock instead (25.07, 0.392 and
6.27 T/s), the clock Nsight Compute locks the GPU to by default while profiling; the
authors' own roofline (``dataset-gen/roofline_utils.py``) uses the base clock and 760.3 GB/s.

Which precision: the one whose pipe is closest to its peak, ``argmax_p perf_p / peak_p`` over
FP32, FP64 and INT32.  Because ``AI_p / ridge_p = (perf_p / peak_p) / (throughput / BW)``,
this is also the ``p`` with the largest ``AI_p / ridge_p``, so a kernel is compute-bound
exactly when *some* pipe is past its ridge point.  A kernel with no FP32, FP64 nor integer
operation at all is labelled ``precision="none"``, bandwidth-bound, with ``log_ai = NaN``
(3 of the 661 dominant kernels: assert-cuda, dispatch-cuda, kernelLaunch-omp).

Data
----
Origin: github.com/Scientific-Computing-Lab/gpuFLOPBench at commit 4738733b (MIT; each HeCBench
benchmark keeps its own licence: BSD, GPL, LGPL, Apache and others).  The two tables are
pinned by SHA-256; the source tree ``src/`` (4,327 code files of the profiled targets and of
the sibling folders whose headers they include) by a manifest digest over a packaged list of
its file names.  The repository's ``src/`` holds all of HeCBench (data files included), far
more than the targets need, so the download fetches only those 4,327 files, one raw URL each
(about 48 MB; the tests run it against a ``file://`` mirror of that layout, as this machine
has no network: the pinned digests were computed from the shared archive, which was taken
from that commit).  ``local_path=`` also takes ``gpuflopbench.tar.xz`` (the sources and the
tables in one archive, pinned by its SHA-256), which is unpacked once into the data home:
the compiler needs the sources as files.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import math
import os
import shlex
import shutil
import tarfile
import tempfile
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Mapping, NamedTuple, Sequence

import numpy as np
from sklearn.utils import Bunch

from ..errors import DatasetError
from . import _fetch
from ._fetch import Origin, RemoteTable, TaskSpec, fetch_task, get_data_home, manifest_digest, register

__all__ = [
    "load_gpuflopbench",
    "gpuflopbench_compile_units",
    "map_compile_command",
    "CompileUnit",
    "RTX3080_ROOFLINE",
    "GPUFLOPBENCH_BUILD_ROOT",
]

_REPO = "Scientific-Computing-Lab/gpuFLOPBench"
_COMMIT = "4738733b337e9455edea5e7172886a08830eee34"
_PROFILING = Origin(_REPO, _COMMIT, "cuda-profiling")
_SRC = Origin(_REPO, _COMMIT, "src")
_TABLES = {
    "profiling-data.csv": "3e43a7cbeee73edf41ef1d6029b05b2e7042832c616e5ef441c84c3eef34b2af",
    "compile_commands.json": "1f1dd103a0f595f985166376c5dabcc84dfc5b9b6a79f99ed48a5268e0f2cdb3",
}
ARCHIVE = "gpuflopbench.tar.xz"
ARCHIVE_SHA256 = "9278e1a2297f2d204f4a98a1ba98b7b1c310bac35419963d713a413bce798cd7"
SRC_COUNT = 4327
SRC_MANIFEST_SHA256 = "cb3027e512be423cfcd992d5950a3de66c79792e76a5047a446c1a7cb4cbd766"
_SRC_NAMES = "gpuflopbench-src.txt.gz"  # in sklearn_mirencoder/_data/datasets/
#: Where the authors built: every path of ``compile_commands.json`` starts here.
GPUFLOPBENCH_BUILD_ROOT = "/home/gbolet/hecbench-roofline/"
_TASK = "gpuflopbench"


def _roofline(clock_hz: float) -> dict:
    sp = 8704 * 2 * clock_hz
    return {"sp": sp, "dp": sp / 64, "int": 68 * 64 * clock_hz, "bandwidth": 760e9, "clock_hz": clock_hz}


#: Peaks of the GeForce RTX 3080 (op/s; bandwidth in bytes/s) at the boost and base clocks.
RTX3080_ROOFLINE = {"boost": _roofline(1.71e9), "base": _roofline(1.44e9)}
_PRECISIONS = ("sp", "dp", "int")


# ------------------------------------------------------------------------------ the data folder


def _spec() -> TaskSpec:
    return TaskSpec(
        name=_TASK,
        title="CUDA and OpenMP kernel bottlenecks on an RTX 3080 (gpuFLOPBench, HeCBench)",
        tables=tuple(RemoteTable(name=n, sha256=s, sources=((_PROFILING, n),)) for n, s in _TABLES.items()),
        reference="G. Bolet et al.: Can Large Language Models Predict Parallel Code Performance? HPDC 2025 "
        "AI4Sys workshop; Counting Without Running: Evaluating LLMs' Reasoning About Code Complexity, "
        "arXiv 2512.04355.",
        terms="MIT (gpuFLOPBench); each HeCBench benchmark keeps its own licence: evaluation only, never shipped",
        loader="load_gpuflopbench",
    )


def _how_to_get(home: Path | None) -> str:
    where = f" into {home / _TASK}" if home is not None else ""
    return (
        f"Get it with download=True (fetches{where} cuda-profiling/profiling-data.csv, "
        f"cuda-profiling/compile_commands.json and {SRC_COUNT} files of src/ from github.com/{_REPO} at "
        f"{_COMMIT[:12]}, pinned by SHA-256), or pass local_path= {ARCHIVE} (sha256 {ARCHIVE_SHA256[:12]}...), "
        "a folder holding it, or its unpacked gpuflopbench/ folder."
    )


def _src_names() -> list[str]:
    data = resources.files("sklearn_mirencoder").joinpath("_data", "datasets", _SRC_NAMES).read_bytes()
    return gzip.decompress(data).decode("utf-8").split()


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _check_src(src: Path, names: list[str]) -> None:
    """Raise unless ``src`` holds every pinned file with the pinned bytes."""
    missing = [n for n in names if not (src / n).is_file()]
    if missing:
        raise DatasetError(
            f"{_TASK}: {src} lacks {len(missing)} of the {len(names)} source files, e.g. "
            + ", ".join(missing[:3]) + f". {_how_to_get(None)}"
        )
    got = manifest_digest({n: (src / n).read_bytes() for n in names})
    if got != SRC_MANIFEST_SHA256:
        raise DatasetError(
            f"{_TASK}: checksum mismatch for the {len(names)} files of {src} (manifest sha256 {got}, "
            f"expected {SRC_MANIFEST_SHA256}): not the published sources"
        )


def _unpacked_root(path: Path) -> Path | None:
    for cand in (path, path / "gpuflopbench"):
        if (cand / "cuda-profiling").is_dir() and (cand / "src").is_dir():
            return cand
    return None


def _from_unpacked(root: Path) -> tuple[dict[str, bytes], Path]:
    got = fetch_task(_TASK, local_path=root / "cuda-profiling")
    _check_src(root / "src", _src_names())
    return got.tables, root


def _from_archive(archive: Path, data_home) -> tuple[dict[str, bytes], Path]:
    sha = _sha256_file(archive)
    if sha != ARCHIVE_SHA256:
        raise DatasetError(
            f"{_TASK}: checksum mismatch for {archive} (sha256 {sha}, expected {ARCHIVE_SHA256}): "
            "not the published archive"
        )
    dest = get_data_home(data_home) / _TASK / f"archive-{sha[:12]}"
    if not (dest / ".complete").is_file():
        _extract(archive, dest)
    root = dest / "gpuflopbench"
    return fetch_task(_TASK, local_path=root / "cuda-profiling").tables, root


def _extract(archive: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=dest.parent, prefix=".unpack-"))
    try:
        try:
            with tarfile.open(archive) as tar:
                tar.extractall(staging, filter="data")
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise DatasetError(f"{archive}: unreadable archive ({exc})") from None
        _check_src(staging / "gpuflopbench" / "src", _src_names())
        (staging / ".complete").write_text(ARCHIVE_SHA256 + "\n")
        if dest.exists():
            shutil.rmtree(dest, ignore_errors=True)
        os.replace(staging, dest)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _from_local(local_path, data_home) -> tuple[dict[str, bytes], Path]:
    path = Path(os.fspath(local_path)).expanduser()
    if path.is_file():
        return _from_archive(path, data_home)
    if not path.is_dir():
        raise DatasetError(f"{_TASK}: local_path {path} does not exist. {_how_to_get(None)}")
    root = _unpacked_root(path)
    if root is not None:
        return _from_unpacked(root)
    if (path / ARCHIVE).is_file():
        return _from_archive(path / ARCHIVE, data_home)
    raise DatasetError(
        f"{_TASK}: {path} holds neither {ARCHIVE} nor an unpacked gpuflopbench/ folder "
        f"(cuda-profiling/ and src/). {_how_to_get(None)}"
    )


def _download_src(task_dir: Path, names: list[str], base_url: str | None) -> None:
    base = _fetch._base_url(base_url)
    staging = Path(tempfile.mkdtemp(dir=task_dir, prefix=".src.partial-"))
    try:
        def one(name: str):
            url = _SRC.url(base, name)
            try:
                return name, _fetch._http_get(url), None
            except OSError as exc:
                return name, None, f"{url}: {exc}"

        files, failed = {}, []
        with ThreadPoolExecutor(max_workers=_fetch.DOWNLOAD_THREADS) as pool:
            for name, data, problem in pool.map(one, names):
                (failed.append(problem) if data is None else files.__setitem__(name, data))
        if failed:
            raise DatasetError(
                f"{_TASK}: {len(failed)} of {len(names)} files of src/ could not be downloaded, e.g.\n  "
                + "\n  ".join(failed[:5]) + f"\nNothing was cached. {_how_to_get(None)}"
            )
        got = manifest_digest(files)
        if got != SRC_MANIFEST_SHA256:
            raise DatasetError(
                f"{_TASK}: checksum mismatch for the {len(files)} files of src/ downloaded from {_SRC} "
                f"(manifest sha256 {got}, expected {SRC_MANIFEST_SHA256}); nothing was cached"
            )
        for name, data in files.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(data)
        if (task_dir / "src").exists():
            shutil.rmtree(task_dir / "src", ignore_errors=True)
        os.replace(staging, task_dir / "src")
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _from_home(data_home, download: bool, base_url: str | None) -> tuple[dict[str, bytes], Path]:
    home = get_data_home(data_home)
    task_dir = home / _TASK
    if not download:
        missing = [n for n in _TABLES if not (task_dir / n).is_file()]
        if missing or not (task_dir / "src").is_dir():
            what = ", ".join(missing + ([] if (task_dir / "src").is_dir() else ["src/"]))
            raise DatasetError(f"{_TASK}: {what} not in the data home {task_dir} and download=False. "
                               + _how_to_get(home))
    tables = fetch_task(_TASK, data_home=home, download=download, base_url=base_url).tables
    # the tables sit in the task folder; the compile flags point at <root>/src
    names = _src_names()
    src = task_dir / "src"
    try:
        _check_src(src, names)
    except DatasetError:
        if not download:
            raise DatasetError(f"{_TASK}: src/ in the data home {task_dir} is incomplete or damaged and "
                               "download=False. " + _how_to_get(home)) from None
        _download_src(task_dir, names, base_url)
    return tables, task_dir


def _locate(data_home, local_path, download: bool, base_url) -> tuple[dict[str, bytes], Path]:
    """The verified tables and the folder holding ``src/``."""
    if local_path is not None:
        return _from_local(local_path, data_home)
    return _from_home(data_home, download, base_url)


# ------------------------------------------------------------------------------ compile flags


class CompileUnit(NamedTuple):
    """One source file of a target: what our front end needs to compile it."""

    path: str  # absolute path in the data folder
    language: str  # "cuda", "c", "c++", "openmp-c", "openmp-c++" or "fortran" (not compiled)
    flags: tuple[str, ...]  # -I (mapped), -D, -U, -std, -include


_KEEP_PREFIXES = ("-D", "-U", "-I", "-std=", "-include")
_EXT_LANG = {".c": "c", ".cpp": "c++", ".cc": "c++", ".cxx": "c++", ".cu": "cuda", ".f": "fortran", ".f90": "fortran"}


def _map_path(p: str, root: Path) -> str:
    if p.startswith(GPUFLOPBENCH_BUILD_ROOT):
        return str(root / p[len(GPUFLOPBENCH_BUILD_ROOT):])
    return p


def _file_language(file: str, args: Sequence[str], openmp: bool) -> str:
    lang = None
    for a, b in zip(args, list(args[1:]) + [""]):
        if a == "-x":
            lang = {"cuda": "cuda", "c++": "c++", "c": "c"}.get(b, b)
    if lang is None:
        lang = _EXT_LANG.get(os.path.splitext(file)[1].lower(), "c++")
    if openmp and lang in ("c", "c++"):
        lang = f"openmp-{lang}"
    return lang


def map_compile_command(command: str, file: str, *, root: str | os.PathLike) -> CompileUnit:
    """Map one ``compile_commands.json`` entry to the flags our front end needs.

    Kept: ``-I`` (paths under :data:`GPUFLOPBENCH_BUILD_ROOT` mapped to ``root``), ``-D``,
    ``-U``, ``-std=`` and ``-include``.  Dropped: the compiler, ``-x`` (it becomes the
    language), ``-O*``, ``-c``/``-o``, ``--cuda-gpu-arch``, ``--cuda-path``, ``-fopenmp*``
    (OpenMP becomes the language ``openmp-c``/``openmp-c++``; target offload flags are
    dropped, the front end compiles the host side with the target regions outlined),
    ``-fgpu-rdc``, ``-fPIE``, ``-use_fast_math`` and warnings.

    Parameters
    ----------
    command : str
        The entry's ``command``.
    file : str
        The entry's ``file``.
    root : path-like
        The data folder (holding ``src/``) that replaces the authors' build root.

    Returns
    -------
    CompileUnit
    """
    root = Path(os.fspath(root))
    try:
        args = shlex.split(command)
    except ValueError as exc:
        raise DatasetError(f"{_TASK}: unreadable compile command for {file} ({exc})") from None
    openmp = any(a.startswith("-fopenmp") and not a.startswith("-fopenmp-") for a in args)
    flags: list[str] = []
    i = 1
    while i < len(args):
        a = args[i]
        takes_value = a in ("-I", "-D", "-U", "-include", "-o", "-x")
        value = args[i + 1] if takes_value and i + 1 < len(args) else None
        i += 2 if takes_value else 1
        if a in ("-I", "-include") and value is not None:
            flags.append(f"{a}{_map_path(value, root)}" if a == "-I" else a)
            if a == "-include":
                flags.append(_map_path(value, root))
        elif a in ("-D", "-U") and value is not None:
            flags.append(f"{a}{value}")
        elif a.startswith("-include") and len(a) > len("-include"):
            flags += ["-include", _map_path(a[len("-include"):], root)]
        elif a.startswith("-I"):
            flags.append("-I" + _map_path(a[2:], root))
        elif a.startswith(_KEEP_PREFIXES):
            flags.append(a)
    return CompileUnit(_map_path(file, root), _file_language(file, args, openmp), tuple(flags))


def _target_of(entry: Mapping) -> str:
    out = str(entry.get("output", ""))
    parts = out.split("/")
    if len(parts) >= 2 and parts[0] == "CMakeFiles" and parts[1].endswith(".dir"):
        return parts[1][: -len(".dir")]
    return ""


def _units_by_target(commands: list, root: Path) -> dict[str, list[CompileUnit]]:
    units: dict[str, list[CompileUnit]] = {}
    for e in commands:
        t = _target_of(e)
        if t:
            units.setdefault(t, []).append(map_compile_command(e["command"], e["file"], root=root))
    return units


def gpuflopbench_compile_units(data: Bunch, target: str) -> list[CompileUnit]:
    """``(path, language, flags)`` of every source file of ``target`` in a loaded data set.

    Parameters
    ----------
    data : Bunch
        What :func:`load_gpuflopbench` returned.
    target : str
        A target name such as ``"haccmk-cuda"``.

    Returns
    -------
    list of CompileUnit
        In the order of ``compile_commands.json``; files absent from the data (CMake's
        generated copies in the authors' build folder) are in ``data.missing_sources``, not here.

    Raises
    ------
    DatasetError
        ``target`` is not a row of ``data``.
    """
    idx = {t: i for i, t in enumerate(data.target_name)}
    if target not in idx:
        raise DatasetError(f"{_TASK}: no target {target!r}; the targets are in data.target_name")
    return list(data.compile_units[idx[target]])


# ------------------------------------------------------------------------------ labels


def _read_profiles(data: bytes) -> list[dict]:
    import csv

    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    numeric = ("traffic", "dpPerf", "spPerf", "xtime", "intops", "intPerf")
    out = []
    for k, r in enumerate(rows):
        try:
            vals = {c: float(r[c]) for c in numeric}
        except (KeyError, TypeError, ValueError) as exc:
            raise DatasetError(f"{_TASK}: profiling-data.csv row {k + 2} is unreadable ({exc})") from None
        out.append({**r, **vals})
    return out


def _kernel_stats(launches: list[dict]) -> dict:
    """Time-weighted figures of one kernel over its captured launches."""
    t = sum(r["xtime"] for r in launches) * 1e-9  # seconds
    ops = {
        "sp": sum(r["spPerf"] * r["xtime"] for r in launches) * 1e-9,
        "dp": sum(r["dpPerf"] * r["xtime"] for r in launches) * 1e-9,
        "int": sum(r["intops"] for r in launches),
    }
    nbytes = sum(r["traffic"] * r["xtime"] for r in launches) * 1e-9
    longest = max(launches, key=lambda r: r["xtime"])
    return {"time_s": t, "ops": ops, "bytes": nbytes, "signature": longest["Kernel Name"],
            "block": longest["Block Size"], "grid": longest["Grid Size"], "launches": len(launches)}


def _label(stats: dict, roof: dict) -> dict:
    t, nbytes = stats["time_s"], stats["bytes"]
    perf = {p: (stats["ops"][p] / t if t > 0 else 0.0) for p in _PRECISIONS}
    ai = {p: (stats["ops"][p] / nbytes if nbytes > 0 else math.inf if stats["ops"][p] > 0 else 0.0)
          for p in _PRECISIONS}
    util = {p: perf[p] / roof[p] for p in _PRECISIONS}
    best = max(_PRECISIONS, key=lambda p: util[p])
    if util[best] <= 0:
        return {"precision": "none", "ai": 0.0, "perf": 0.0, "ridge": math.nan, "bound": 0,
                "log_ai": math.nan, "ai_all": ai, "perf_all": perf}
    ridge = roof[best] / roof["bandwidth"]
    return {"precision": best, "ai": ai[best], "perf": perf[best], "ridge": ridge,
            "bound": int(ai[best] >= ridge), "log_ai": math.log10(ai[best]) if ai[best] > 0 else math.nan,
            "ai_all": ai, "perf_all": perf}


def _targets(profiles: list[dict], roof: dict) -> dict[str, dict]:
    by_kernel: dict[tuple[str, str], list[dict]] = {}
    for r in profiles:
        by_kernel.setdefault((r["targetName"], r["kernelName"]), []).append(r)
    per_target: dict[str, dict[str, dict]] = {}
    exe_args: dict[str, str] = {}
    for r in profiles:
        exe_args.setdefault(r["targetName"], r.get("exeArgs") or "")
    for (target, kernel), launches in by_kernel.items():
        per_target.setdefault(target, {})[kernel] = _kernel_stats(launches)
    out = {}
    for target, kernels in per_target.items():
        kernel = max(sorted(kernels), key=lambda k: kernels[k]["time_s"])  # ties: first name
        stats = kernels[kernel]
        total = sum(k["time_s"] for k in kernels.values())
        out[target] = {"kernel": kernel, "stats": stats, "n_kernels": len(kernels), "total_s": total,
                       "exe_args": exe_args[target], **_label(stats, roof)}
    return out


# ------------------------------------------------------------------------------ the loader


_DESCR = """\
gpuFLOPBench kernel bottlenecks: CUDA and OpenMP programs of HeCBench on an RTX 3080
====================================================================================

{n} targets ({n_cuda} CUDA, {n_omp} OpenMP) of {n_bench} HeCBench benchmarks, built and
profiled with Nsight Compute on one NVIDIA GeForce RTX 3080 by Bolet et al. (HPDC 2025
AI4Sys; arXiv 2512.04355).  Task: from a program's code, tell whether the kernel that
dominates its profiled run time is compute-bound or bandwidth-bound (``target``/``bound``),
or regress that kernel's log10 arithmetic intensity (``log_ai``).

Fields (one entry per target)
-----------------------------
target_name     ``<bench>-cuda`` or ``<bench>-omp``; benchmark: ``<bench>`` (group
                cross-validation by it keeps a program's CUDA and OpenMP versions together).
language        "cuda" or "openmp".
compile_units   per target, the (path, language, flags) of each source file present in the
                data, from cuda-profiling/compile_commands.json (see map_compile_command:
                -I mapped from {build_root} to this copy, -D, -U, -std, -include kept;
                compiler, -O, -x, -o, CUDA architecture and OpenMP offload flags dropped).
                gpuflopbench_compile_units(data, target) gives them.
missing_sources files the compile commands name that the data lacks (CMake's generated
                copies in the authors' build folder): {n_missing} targets have some.
kernel          the dominant kernel (``kernelName``; the largest summed xtime over its
                captured launches); kernel_signature: its demangled ``Kernel Name``;
                n_kernels: kernels profiled in the target; kernel_share: its share of the
                target's summed kernel time; kernel_time_ns.
precision       "sp", "dp" or "int": the pipe closest to its peak (see the module docs);
ai, perf        that pipe's arithmetic intensity (op per DRAM byte) and achieved op/s;
ai_sp, ai_dp, ai_int, perf_sp, perf_dp, perf_int, dram_throughput (bytes/s): all pipes.
ridge           peak / bandwidth of the chosen pipe ({clock} clock).
target, bound   1 = compute-bound (ai >= ridge), 0 = bandwidth-bound; target_names.
log_ai          log10(ai): the regression target.
block_size, grid_size   launch configuration of the kernel's longest launch; exe_args.

Roofline ({clock} clock): FP32 {sp:.2f} TFLOP/s, FP64 {dp:.3f} TFLOP/s, INT32 {int:.2f}
Tinst/s, DRAM {bw:.0f} GB/s; ridge points {r_sp:.2f} / {r_dp:.3f} / {r_int:.2f} op per
byte.  Sources: NVIDIA Ampere GA102 whitepaper (RTX 3080: 68 SMs, 8,704 CUDA cores, 1,710
MHz boost, 1,440 MHz base, 760 GB/s GDDR6X) and the CUDA C++ Programming Guide's throughput
table for compute capability 8.6 (128 FP32, 2 FP64, 64 INT32 results per clock per SM).
Labels: {n_compute} compute-bound, {n_bandwidth} bandwidth-bound; precision {prec}.

Columns of profiling-data.csv, read from the authors' cuda-profiling/gatherData.py and
checked on the data: xtime = kernel duration in ns; traffic = DRAM bytes per *second*;
spPerf/dpPerf/intPerf = achieved op/s; *AI = *Perf / traffic; intops = integer thread
instructions.  One row per captured launch (ncu -c 2: one or two per kernel).

Origin
------
github.com/{repo} at {commit} (MIT; each HeCBench benchmark keeps its own licence: BSD,
GPL, LGPL, Apache and others): cuda-profiling/profiling-data.csv and compile_commands.json
(SHA-256 pinned) and {src_count} files of src/ (the code of the profiled targets and of
the sibling folders whose headers they include, pinned by a manifest digest computed
from the shared archive gpuflopbench.tar.xz).  The repository's src/ is HeCBench's tree
with its data files; the download fetches only these files, one request each (about 48 MB).  source-scraping/extracted_CUDA_kernels.json is not read.
Evaluation only: never shipped with this package.  Source of this copy: {source}.
"""


def _rows(tables: Mapping[str, bytes], root: Path, roof: dict) -> list[dict]:
    profiles = _read_profiles(tables["profiling-data.csv"])
    try:
        commands = json.loads(tables["compile_commands.json"].decode("utf-8"))
    except ValueError as exc:
        raise DatasetError(f"{_TASK}: compile_commands.json is unreadable ({exc})") from None
    units = _units_by_target(commands, root)
    labels = _targets(profiles, roof)
    rows = []
    for target in sorted(labels):
        lab = labels[target]
        bench, _, suffix = target.rpartition("-")
        all_units = units.get(target, [])
        present = [u for u in all_units if os.path.isfile(u.path)]
        rows.append({"target_name": target, "benchmark": bench,
                     "language": {"cuda": "cuda", "omp": "openmp"}.get(suffix, suffix),
                     "compile_units": tuple(present),
                     "missing_sources": tuple(u.path for u in all_units if not os.path.isfile(u.path)),
                     **lab})
    return rows


def load_gpuflopbench(
    *,
    data_home: str | os.PathLike | None = None,
    local_path: str | os.PathLike | None = None,
    download: bool = True,
    clock: str = "boost",
    as_frame: bool = False,
    base_url: str | None = None,
) -> Bunch:
    """Load the gpuFLOPBench kernel-bottleneck data (661 CUDA and OpenMP targets).

    Parameters
    ----------
    data_home : path-like, optional
        Cache folder (default: :func:`~sklearn_mirencoder.datasets.get_data_home`).
    local_path : path-like, optional
        ``gpuflopbench.tar.xz``, a folder holding it (e.g. ``../shared/data/gpuflopbench``)
        or the unpacked ``gpuflopbench/`` folder.  Checked against the pinned checksums; an
        archive is unpacked once into the data home (the compiler needs files), an unpacked
        folder is read in place.
    download : bool, default=True
        Fetch what is not cached from github.com/Scientific-Computing-Lab/gpuFLOPBench
        (pinned commit, SHA-256 checked).  ``False`` never uses the network.
    clock : {"boost", "base"}, default="boost"
        The clock of the roofline's compute peaks: 1.71 GHz (NVIDIA's boost clock) or
        1.44 GHz (the base clock Nsight Compute locks to while profiling).
    as_frame : bool, default=False
        Add ``frame``: a pandas DataFrame of the per-target fields.
    base_url : str, optional
        A mirror of ``https://raw.githubusercontent.com`` with the same layout.

    Returns
    -------
    Bunch
        Per target: ``target_name``, ``benchmark``, ``language``, ``compile_units``,
        ``missing_sources``, ``kernel``, ``kernel_signature``, ``n_kernels``,
        ``kernel_time_ns``, ``kernel_share``, ``precision``, ``ai``, ``perf``, ``ai_sp``,
        ``ai_dp``, ``ai_int``, ``perf_sp``, ``perf_dp``, ``perf_int``, ``dram_throughput``,
        ``ridge``, ``target``/``bound`` (1 compute-bound, 0 bandwidth-bound), ``log_ai``,
        ``block_size``, ``grid_size``, ``exe_args``; and ``target_names``, ``roofline``,
        ``root`` (the folder holding ``src/``), ``DESCR``.

    Raises
    ------
    DatasetError
        The data are not available (the message says how to get them), a download failed,
        or a file does not match its pinned checksum.
    """
    if clock not in RTX3080_ROOFLINE:
        raise ValueError(f"clock must be one of {sorted(RTX3080_ROOFLINE)}, got {clock!r}")
    roof = RTX3080_ROOFLINE[clock]
    tables, root = _locate(data_home, local_path, download, base_url)
    rows = _rows(tables, root, roof)
    bunch = _bunch(rows, root, roof, clock)
    if as_frame:
        bunch.frame = _frame(bunch)
    return bunch


def _bunch(rows: list[dict], root: Path, roof: dict, clock: str) -> Bunch:
    obj = lambda xs: np.asarray(xs, dtype=object)  # noqa: E731
    f64 = lambda xs: np.asarray(xs, dtype=np.float64)  # noqa: E731
    col = lambda k: [r[k] for r in rows]  # noqa: E731
    bound = np.asarray(col("bound"), dtype=np.int64)
    units = np.empty(len(rows), dtype=object)
    units[:] = [r["compile_units"] for r in rows]
    missing = np.empty(len(rows), dtype=object)
    missing[:] = [r["missing_sources"] for r in rows]
    b = Bunch(
        target_name=obj(col("target_name")),
        benchmark=obj(col("benchmark")),
        language=obj(col("language")),
        compile_units=units,
        missing_sources=missing,
        kernel=obj(col("kernel")),
        kernel_signature=obj([r["stats"]["signature"] for r in rows]),
        n_kernels=np.asarray(col("n_kernels"), dtype=np.int64),
        kernel_time_ns=f64([r["stats"]["time_s"] * 1e9 for r in rows]),
        kernel_share=f64([r["stats"]["time_s"] / r["total_s"] if r["total_s"] > 0 else 1.0 for r in rows]),
        precision=obj(col("precision")),
        ai=f64(col("ai")),
        perf=f64(col("perf")),
        **{f"ai_{p}": f64([r["ai_all"][p] for r in rows]) for p in _PRECISIONS},
        **{f"perf_{p}": f64([r["perf_all"][p] for r in rows]) for p in _PRECISIONS},
        dram_throughput=f64([r["stats"]["bytes"] / r["stats"]["time_s"] if r["stats"]["time_s"] > 0 else 0.0
                             for r in rows]),
        ridge=f64(col("ridge")),
        target=bound,
        bound=bound,
        target_names=obj(["bandwidth-bound", "compute-bound"]),
        log_ai=f64(col("log_ai")),
        block_size=obj([r["stats"]["block"] for r in rows]),
        grid_size=obj([r["stats"]["grid"] for r in rows]),
        exe_args=obj(col("exe_args")),
        roofline=dict(roof, clock=clock),
        root=str(root),
    )
    b.DESCR = _describe(b, roof, clock, root)
    return b


def _frame(b: Bunch):
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - pandas is a test extra
        raise ImportError("as_frame=True needs pandas (pip install pandas)") from exc
    skip = {"compile_units", "missing_sources", "target_names", "roofline", "root", "DESCR"}
    frame = pd.DataFrame({k: v for k, v in b.items() if k not in skip})
    frame["n_sources"] = [len(u) for u in b.compile_units]
    return frame


def _describe(b: Bunch, roof: dict, clock: str, root: Path) -> str:
    from collections import Counter

    prec = Counter(b.precision)
    return _DESCR.format(
        n=len(b.target_name), n_cuda=int((b.language == "cuda").sum()), n_omp=int((b.language == "openmp").sum()),
        n_bench=len(set(b.benchmark)), build_root=GPUFLOPBENCH_BUILD_ROOT,
        n_missing=int(sum(1 for m in b.missing_sources if m)), clock=clock,
        sp=roof["sp"] / 1e12, dp=roof["dp"] / 1e12, int=roof["int"] / 1e12, bw=roof["bandwidth"] / 1e9,
        r_sp=roof["sp"] / roof["bandwidth"], r_dp=roof["dp"] / roof["bandwidth"],
        r_int=roof["int"] / roof["bandwidth"], n_compute=int(b.bound.sum()),
        n_bandwidth=int((b.bound == 0).sum()), prec=", ".join(f"{k} {v}" for k, v in sorted(prec.items())),
        repo=_REPO, commit=_COMMIT, src_count=SRC_COUNT, source=root,
    )


register(_spec())
