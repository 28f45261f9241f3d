"""Fetching, verifying and caching benchmark data: what every loader of
:mod:`sklearn_mirencoder.datasets` shares (see its docstring for the data home and the origins)."""

from __future__ import annotations

import contextlib
import hashlib
import os
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

from sklearn.utils import Bunch

from ..errors import DatasetError

__all__ = ["fetch_task", "get_data_home", "register", "TASKS", "TaskSpec", "RemoteTable", "RemoteFileSet", "Origin", "DATA_HOME_ENV", "BASE_URL_ENV"]

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


#: The registry of tasks: name -> :class:`TaskSpec` (each loader module registers its own).
TASKS: dict[str, TaskSpec] = {}


def register(spec: TaskSpec) -> TaskSpec:
    """Add ``spec`` to :data:`TASKS` (a loader module does this when imported)."""
    TASKS[spec.name] = spec
    return spec
