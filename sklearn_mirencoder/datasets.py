"""Benchmark data sets of performance-optimisation tasks, fetched from their public origins.

The data are not part of this package (their authors did not license them for
redistribution).  A loader downloads them at the user's request from the public GitHub
repositories that publish them, at pinned commits, checks every byte against pinned
SHA-256 sums, and caches them in a *data home*:

1. the ``data_home`` argument, else
2. the environment variable ``MIRENCODER_DATA``, else
3. ``$XDG_CACHE_HOME/sklearn-mirencoder/datasets`` (``~/.cache/...`` without ``XDG_CACHE_HOME``).

``local_path=`` reads a copy you already have instead (nothing is downloaded or cached);
``download=False`` never touches the network.  Files are fetched from
``https://raw.githubusercontent.com/<owner>/<repo>/<commit>/<path>``; ``base_url=`` (or the
environment variable ``MIRENCODER_DATASETS_URL``) replaces the host part with a mirror that
has the same layout.

Tasks
-----
Each data set is a :class:`TaskSpec` in :data:`TASKS`: its tables (single files with a
pinned SHA-256 and one or more origins), its file sets (many small files from one origin
folder, pinned by a manifest digest, also accepted as a local ``.tar.gz``) and a builder that
turns the verified bytes into a :class:`~sklearn.utils.Bunch`.  Adding a task (thread
coarsening, loop vectorisation...) is adding an entry and its builder; fetching, caching,
verification and the errors are shared.

=================  ============================================================  =========
task               what                                                          loader
=================  ============================================================  =========
``devmap-cgo17``   heterogeneous CPU/GPU device mapping (Cummins et al., PACT'17;  :func:`load_devmap`
                   Grewe et al., CGO'13): 680 rows per platform, 669 IR files
=================  ============================================================  =========

Every failure is a :class:`~sklearn_mirencoder.errors.DatasetError` whose message says how
to get the data.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import re
import shutil
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
from sklearn.utils import Bunch

from .errors import DatasetError

__all__ = [
    "load_devmap",
    "fetch_task",
    "get_data_home",
    "DatasetError",
    "TASKS",
    "TaskSpec",
    "RemoteTable",
    "RemoteFileSet",
    "Origin",
    "DEVMAP_PLATFORMS",
    "DEVMAP_GREWE_NAMES",
    "DEVMAP_AUX_NAMES",
    "devmap_kernel_groups",
    "resolve_devmap_ir_file",
]

DATA_HOME_ENV = "MIRENCODER_DATA"
BASE_URL_ENV = "MIRENCODER_DATASETS_URL"
DEFAULT_BASE_URL = "https://raw.githubusercontent.com"
#: Seconds one HTTP request may wait for data.
HTTP_TIMEOUT = 60.0
#: Parallel HTTP requests when a file set is downloaded.
DOWNLOAD_THREADS = 8
_RETRIES = 3
_USER_AGENT = "sklearn-mirencoder-datasets"


# ------------------------------------------------------------------------------ specifications


@dataclass(frozen=True)
class Origin:
    """A folder of a public GitHub repository at a pinned commit."""

    repo: str  # "owner/name"
    commit: str  # 40 hex digits
    folder: str  # path inside the repository, no leading or trailing "/"

    def url(self, base_url: str, name: str) -> str:
        parts = [base_url.rstrip("/"), self.repo, self.commit]
        if self.folder:
            parts.append(self.folder.strip("/"))
        parts.append(name)
        return "/".join(parts)

    def __str__(self) -> str:
        return f"github.com/{self.repo} at {self.commit[:12]}, {self.folder}/"


@dataclass(frozen=True)
class RemoteTable:
    """One file, pinned by its SHA-256, with the places it can be fetched from (in order)."""

    name: str  # file name in the local copy / cache folder
    sha256: str
    sources: tuple[tuple[Origin, str], ...]  # (origin, file name there)


@dataclass(frozen=True)
class RemoteFileSet:
    """Many small files of one origin folder, pinned together by a manifest digest.

    The manifest is ``"".join(f"{sha256(file)}  {name}\\n" for name in sorted(names))`` and
    its SHA-256 is :attr:`manifest_sha256`; ``names`` gives the file names from the verified
    tables (the origin has no listing that raw URLs can read).
    """

    folder: str  # local folder name (and the top folder inside ``archive``)
    archive: str | None  # a local ``.tar.gz`` holding ``folder/`` that local_path may hold instead
    origin: Origin
    count: int
    manifest_sha256: str
    names: Callable[[Mapping[str, bytes]], list[str]]


@dataclass(frozen=True)
class TaskSpec:
    """A benchmark data set: where its files come from and how to check them."""

    name: str  # cache folder name
    title: str
    tables: tuple[RemoteTable, ...]
    file_sets: tuple[RemoteFileSet, ...] = ()
    reference: str = ""
    terms: str = ""
    loader: str = ""  # the public function that builds its Bunch

    def table(self, name: str) -> RemoteTable:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)

    def describe_sources(self) -> str:
        lines = []
        for t in self.tables:
            lines.append(f"  {t.name}: " + "; or ".join(f"{o} {n}" for o, n in t.sources))
        for s in self.file_sets:
            lines.append(f"  {s.folder}/ ({s.count} files): {s.origin}")
        return "\n".join(lines)


# ------------------------------------------------------------------------------ data home


def get_data_home(data_home: str | os.PathLike | None = None) -> Path:
    """The folder where downloaded data sets are cached (created if needed).

    ``data_home``, else ``$MIRENCODER_DATA``, else ``$XDG_CACHE_HOME/sklearn-mirencoder/datasets``
    (``~/.cache/...`` without ``XDG_CACHE_HOME``), beside the embedding cache of ``cache=True``.
    """
    if data_home is None:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = Path(xdg).expanduser() if xdg else Path("~/.cache")
        data_home = os.environ.get(DATA_HOME_ENV) or base / "sklearn-mirencoder" / "datasets"
    path = Path(os.fspath(data_home)).expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatasetError(f"cannot create the data home {path}: {exc}") from None
    return path


def _base_url(base_url: str | None) -> str:
    return (base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_digest(files: Mapping[str, bytes]) -> str:
    """SHA-256 of the manifest of ``files`` (see :class:`RemoteFileSet`)."""
    lines = "".join(f"{_sha256(files[n])}  {n}\n" for n in sorted(files))
    return _sha256(lines.encode("utf-8"))


# ------------------------------------------------------------------------------ fetching


def _http_get(url: str) -> bytes:
    """GET ``url``; retries transient failures; raises ``OSError`` with a short reason."""
    last: Exception | None = None
    for attempt in range(_RETRIES):
        try:
            req = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
            with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT) as resp:
                return resp.read()
        except urllib.error.HTTPError as exc:
            last = exc
            if exc.code not in (408, 425, 429, 500, 502, 503, 504):
                break
        except (urllib.error.URLError, OSError) as exc:
            last = exc
        if attempt + 1 < _RETRIES:
            time.sleep(0.5 * 2**attempt)
    if isinstance(last, urllib.error.HTTPError):
        raise OSError(f"HTTP {last.code} {last.reason}")
    reason = getattr(last, "reason", last)
    raise OSError(str(reason))


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _how_to_get(spec: TaskSpec, data_home: Path | None) -> str:
    where = f" into {data_home}" if data_home is not None else ""
    return (
        f"Get it with download=True (fetches it{where} from:\n{spec.describe_sources()}\n"
        f"pinned by SHA-256), or pass local_path= a folder holding "
        + ", ".join(t.name for t in spec.tables)
        + "".join(
            f" and {s.folder}/" + (f" or {s.archive}" if s.archive else "") for s in spec.file_sets
        )
        + "."
    )


def _download_table(spec: TaskSpec, table: RemoteTable, dest: Path, base_url: str) -> bytes:
    problems = []
    for origin, remote in table.sources:
        url = origin.url(base_url, remote)
        try:
            data = _http_get(url)
        except OSError as exc:
            problems.append(f"{url}: {exc}")
            continue
        got = _sha256(data)
        if got != table.sha256:
            problems.append(f"{url}: checksum mismatch (sha256 {got}, expected {table.sha256})")
            continue
        _atomic_write(dest, data)
        return data
    raise DatasetError(
        f"{spec.name}: could not download {table.name}:\n  " + "\n  ".join(problems)
        + f"\nNothing was cached. {_how_to_get(spec, None)}"
    )


def _download_file_set(spec: TaskSpec, fs: RemoteFileSet, names: list[str], task_dir: Path, base_url: str) -> dict[str, bytes]:
    final = task_dir / fs.folder
    staging = Path(tempfile.mkdtemp(dir=task_dir, prefix=f".{fs.folder}.partial-"))
    try:
        def one(name: str) -> tuple[str, bytes | None, str | None]:
            url = fs.origin.url(base_url, name)
            try:
                return name, _http_get(url), None
            except OSError as exc:
                return name, None, f"{url}: {exc}"

        files: dict[str, bytes] = {}
        failed: list[str] = []
        with ThreadPoolExecutor(max_workers=DOWNLOAD_THREADS) as pool:
            for name, data, problem in pool.map(one, names):
                if data is None:
                    failed.append(problem)
                else:
                    files[name] = data
        if failed:
            raise DatasetError(
                f"{spec.name}: {len(failed)} of {len(names)} files of {fs.folder}/ could not be downloaded, e.g.\n  "
                + "\n  ".join(failed[:5]) + f"\nNothing was cached. {_how_to_get(spec, None)}"
            )
        _verify_manifest(spec, fs, files, f"downloaded from {fs.origin}",
                         "; nothing was cached. The origin or the mirror serves other bytes than the pinned ones.")
        for name, data in files.items():
            (staging / name).write_bytes(data)
        if final.exists():  # another process finished first: keep its (verified) copy
            shutil.rmtree(staging, ignore_errors=True)
        else:
            os.replace(staging, final)
        return files
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _read_file_set_dir(folder: Path, names: list[str]) -> tuple[dict[str, bytes], list[str]]:
    files, missing = {}, []
    for n in names:
        p = folder / n
        if p.is_file():
            files[n] = p.read_bytes()
        else:
            missing.append(n)
    return files, missing


def _read_file_set_archive(archive: Path, folder: str, names: list[str]) -> tuple[dict[str, bytes], list[str]]:
    wanted = set(names)
    files: dict[str, bytes] = {}
    try:
        with tarfile.open(archive) as tar:
            for m in tar:
                if not m.isfile():
                    continue
                parts = m.name.lstrip("./").split("/")
                if len(parts) == 2 and parts[0] == folder and parts[1] in wanted:
                    files[parts[1]] = tar.extractfile(m).read()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise DatasetError(f"{archive}: unreadable archive ({exc})") from None
    return files, [n for n in names if n not in files]


def fetch_task(
    name: str,
    tables: Sequence[str] | None = None,
    *,
    data_home: str | os.PathLike | None = None,
    local_path: str | os.PathLike | None = None,
    download: bool = True,
    base_url: str | None = None,
) -> Bunch:
    """The verified bytes of a task's files, from a local copy, the cache or the network.

    Parameters
    ----------
    name : str
        A key of :data:`TASKS`.
    tables : sequence of str, optional
        Which tables to get (default: all); every file set is always fetched.
    data_home, download, base_url
        See the module documentation.
    local_path : path-like, optional
        A folder holding the tables and, per file set, its folder or its archive.  Read in
        place; nothing is downloaded or cached.

    Returns
    -------
    Bunch
        ``tables`` (name -> bytes), ``files`` (file-set folder -> {file name -> bytes}),
        ``source`` (where they were read) and ``downloaded`` (names fetched by this call).

    Raises
    ------
    DatasetError
        Missing data (with the way to get it), a failed download or a checksum mismatch.
    """
    if name not in TASKS:
        raise DatasetError(f"unknown task {name!r}; known: {sorted(TASKS)}")
    spec = TASKS[name]
    wanted = [spec.table(t) for t in tables] if tables is not None else list(spec.tables)
    got_tables: dict[str, bytes] = {}
    got_files: dict[str, dict[str, bytes]] = {}
    downloaded: list[str] = []

    if local_path is not None:
        root = Path(os.fspath(local_path)).expanduser()
        if not root.is_dir():
            raise DatasetError(f"{spec.name}: local_path {root} is not a folder. {_how_to_get(spec, None)}")
        for t in wanted:
            p = root / t.name
            if not p.is_file():
                raise DatasetError(f"{spec.name}: {p} is missing. {_how_to_get(spec, None)}")
            data = p.read_bytes()
            if _sha256(data) != t.sha256:
                raise DatasetError(
                    f"{spec.name}: checksum mismatch for {p} (sha256 {_sha256(data)}, expected {t.sha256}): "
                    "not the published file"
                )
            got_tables[t.name] = data
        for fs in spec.file_sets:
            names = fs.names(got_tables)
            if (root / fs.folder).is_dir():
                files, missing = _read_file_set_dir(root / fs.folder, names)
                where = root / fs.folder
            elif fs.archive and (root / fs.archive).is_file():
                files, missing = _read_file_set_archive(root / fs.archive, fs.folder, names)
                where = root / fs.archive
            else:
                raise DatasetError(
                    f"{spec.name}: {root} holds neither {fs.folder}/"
                    + (f" nor {fs.archive}" if fs.archive else "") + f". {_how_to_get(spec, None)}"
                )
            _check_file_set(spec, fs, files, missing, where)
            got_files[fs.folder] = files
        return Bunch(tables=got_tables, files=got_files, source=str(root), downloaded=downloaded)

    home = get_data_home(data_home)
    task_dir = home / spec.name
    base = _base_url(base_url)
    for t in wanted:
        p = task_dir / t.name
        data = p.read_bytes() if p.is_file() else None
        if data is not None and _sha256(data) != t.sha256:
            data = None  # a damaged cache entry: fetch it again (or report it missing)
        if data is None:
            if not download:
                raise DatasetError(
                    f"{spec.name}: {t.name} is not in the data home {task_dir} and download=False. "
                    + _how_to_get(spec, home)
                )
            task_dir.mkdir(parents=True, exist_ok=True)
            data = _download_table(spec, t, p, base)
            downloaded.append(t.name)
        got_tables[t.name] = data
    for fs in spec.file_sets:
        names = fs.names(got_tables)
        folder = task_dir / fs.folder
        files, missing = _read_file_set_dir(folder, names) if folder.is_dir() else ({}, names)
        if missing or manifest_digest(files) != fs.manifest_sha256:
            if not download:
                state = "is incomplete or damaged" if folder.is_dir() else "is not"
                raise DatasetError(
                    f"{spec.name}: {fs.folder}/ {state} in the data home {task_dir} and download=False. "
                    + _how_to_get(spec, home)
                )
            if folder.is_dir():
                shutil.rmtree(folder, ignore_errors=True)
            task_dir.mkdir(parents=True, exist_ok=True)
            files = _download_file_set(spec, fs, names, task_dir, base)
            downloaded.extend(f"{fs.folder}/{n}" for n in names)
        got_files[fs.folder] = files
    return Bunch(tables=got_tables, files=got_files, source=str(task_dir), downloaded=downloaded)


def _verify_manifest(spec: TaskSpec, fs: RemoteFileSet, files: dict, where: str, consequence: str) -> None:
    """Raise :class:`DatasetError` unless ``files`` hash to the file set's pinned manifest digest."""
    got = manifest_digest(files)
    if got != fs.manifest_sha256:
        raise DatasetError(
            f"{spec.name}: checksum mismatch for the {len(files)} files of {fs.folder}/ {where} "
            f"(manifest sha256 {got}, expected {fs.manifest_sha256}){consequence}"
        )


def _check_file_set(spec: TaskSpec, fs: RemoteFileSet, files: dict, missing: list[str], where: Path) -> None:
    if missing:
        raise DatasetError(
            f"{spec.name}: {where} lacks {len(missing)} of the {fs.count} files of {fs.folder}/, e.g. "
            + ", ".join(missing[:3]) + f". {_how_to_get(spec, None)}"
        )
    _verify_manifest(spec, fs, files, f"in {where}", ": not the published files")


# ------------------------------------------------------------------------------ devmap

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


#: The registry of tasks: name -> :class:`TaskSpec`.
TASKS: dict[str, TaskSpec] = {s.name: s for s in (_spec_devmap(),)}


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
    files = got.files["kernels_ir"]
    available = set(files)

    benchmark = [r["benchmark"] for r in rows]
    dataset = [r["dataset"] for r in rows]
    ir_file = [resolve_devmap_ir_file(b, d, available) for b, d in zip(benchmark, dataset)]
    texts = {n: files[n].decode("utf-8") for n in set(ir_file)}
    ir = [texts[f] for f in ir_file]
    src = [r["src"] for r in rows]
    kernel = devmap_kernel_groups(benchmark, src, ir)

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
    oracle = [r["oracle"] for r in rows]
    bad = sorted(set(oracle) - {"CPU", "GPU"})
    if bad:
        raise DatasetError(f"devmap: unexpected oracle values {bad}")
    target = np.asarray([1 if o == "GPU" else 0 for o in oracle], dtype=np.int64)
    runtime_cpu = np.asarray([float(r["runtime_cpu"]) for r in rows])
    runtime_gpu = np.asarray([float(r["runtime_gpu"]) for r in rows])

    obj = lambda xs: np.asarray(xs, dtype=object)  # noqa: E731
    descr = _DEVMAP_DESCR.format(
        platform=platform,
        description=description,
        grewe_raw=", ".join(_GREWE_RAW),
        n_groups=len(set(kernel)),
        source=got.source,
    )
    bunch = Bunch(
        data=obj(ir),
        ir=obj(ir),
        ir_file=obj(ir_file),
        src=obj(src),
        aux=aux,
        aux_names=list(DEVMAP_AUX_NAMES),
        grewe=grewe,
        grewe_names=list(DEVMAP_GREWE_NAMES),
        target=target,
        target_names=np.asarray(["CPU", "GPU"], dtype=object),
        runtime_cpu=runtime_cpu,
        runtime_gpu=runtime_gpu,
        benchmark=obj(benchmark),
        dataset=obj(dataset),
        suite=obj([_suite(b) for b in benchmark]),
        kernel=kernel,
        platform=platform,
        DESCR=descr,
    )
    if as_frame:
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
                **{name: grewe[:, i] for i, name in enumerate(DEVMAP_GREWE_NAMES)},
                "runtime_cpu": runtime_cpu,
                "runtime_gpu": runtime_gpu,
                "target": target,
            }
        )
        bunch.frame = frame
        bunch.data = frame["ir"]
        bunch.target = frame["target"]
    if return_X_y:
        return bunch.data, bunch.target
    return bunch
