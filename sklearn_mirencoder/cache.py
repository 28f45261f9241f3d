"""A content-addressed cache of compiled IR and embeddings.

:class:`~sklearn_mirencoder.transformer.MIRTransformer` never compiles nor encodes the same
program twice: not within one call, not across calls, cross-validation folds and the clones
:class:`~sklearn.model_selection.GridSearchCV` makes, and -- with a cache folder -- not
across processes and sessions.

Keys
----
Each entry is addressed by a SHA-256 over everything its value depends on:

``program key`` (:func:`program_key`)
    the input's bytes (the file's bytes for file input), its canonical language and
    OpenMP setting, the compiler's kind and version (for languages that go through clang),
    the optimisation and extra flags, the folder of a source file (``#include "x.h"``
    resolves there), and the library version.
``embedding key`` (:func:`embedding_key`)
    the program key, the SHA-256 of the model's ``config.json``, ``model.safetensors``
    and ``tokenizer.json`` (:func:`~sklearn_mirencoder.model.hub.weights_digest`), and the
    modality.

Two things are *not* in the key: the content of headers a source includes (as with
``ccache`` in direct mode without its include tracking: clear the cache after editing a
header), and the compiler's path (clang builds of the same version give the same IR with
the fixed flags :mod:`sklearn_mirencoder.frontend.compile` uses).

Levels
------
* **memory** (always on unless ``cache=False``): a per-process, least-recently-used store of
  embeddings (bounded by :data:`MEMORY_LIMIT_BYTES`, 512 MiB by default), shared by every
  transformer in the process, plus the outcome of programs that failed in a deterministic
  way (a compile error is not retried in every fold; timeouts, crashes and dead workers
  are).  :func:`clear_memory` empties it.
* **disk** (``cache=<folder>`` or ``cache=True``): ``<folder>/v2/emb/ab/<key>.npy`` (one
  float32 vector) and ``<folder>/v2/ir/ab/<key>.ll.gz`` (canonical IR text, gzip), so a new
  model or modality reuses the compiled IR.  Failures are not stored on disk.

Each stored embedding carries two more values after the vector: whether the encoder read
the program's text only in part and whether it cut its graph (see
:attr:`~sklearn_mirencoder.transformer.MIRTransformer.truncated_`), so a program served
from the cache is reported as truncated just like one computed in the call.

Concurrency and damage
----------------------
An entry is written to a temporary file in its own folder, then renamed over the final
name (:func:`os.replace`, atomic on POSIX and Windows): a reader sees the old entry, the new
one or none, never half of one, and any number of processes (joblib workers, dask workers,
two scripts) may fill the same folder.  A reader that meets a damaged entry (truncated,
wrong shape, bad gzip CRC, not finite) treats it as a miss; the entry is recomputed and
replaced.  A cache that cannot be written (read-only, full disk) warns once and the
computation goes on without it.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import shutil
import tempfile
import threading
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import Any, Iterable

import numpy as np

__all__ = [
    "CACHE_ENV",
    "MEMORY_LIMIT_BYTES",
    "default_cache_dir",
    "program_key",
    "embedding_key",
    "DiskCache",
    "MemoryCache",
    "ProgramCache",
    "clear_memory",
    "memory_cache",
]

#: Environment variable naming the folder ``cache=True`` uses.
CACHE_ENV = "MIRENCODER_CACHE_DIR"
#: Layout version of the disk cache (a new layout gets a new sub-folder).  v2: two
#: truncation flags after each embedding.
FORMAT = "v2"
#: Upper bound of the in-memory embedding store, in bytes.
MEMORY_LIMIT_BYTES = 512 * 2**20


def default_cache_dir() -> Path:
    """The folder ``cache=True`` uses.

    ``$MIRENCODER_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/sklearn-mirencoder``, else
    ``~/.cache/sklearn-mirencoder``.
    """
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "sklearn-mirencoder"


# --------------------------------------------------------------------------------- keys


def _digest(parts: Iterable[Any]) -> str:
    """SHA-256 of length-prefixed parts (so that no two part lists collide)."""
    h = hashlib.sha256()
    for part in parts:
        if part is None:
            data = b"\x00<none>"
        elif isinstance(part, (bytes, bytearray, memoryview)):
            data = b"\x01" + bytes(part)
        else:
            data = b"\x02" + str(part).encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def program_key(
    data: bytes,
    *,
    language: str,
    openmp: bool | None = None,
    compiler: Any = None,
    flags: Iterable[str] = (),
    source_dir: str | None = None,
) -> str:
    """The key of one program's compiled IR (see the module documentation).

    Parameters
    ----------
    data : bytes
        The program's bytes.
    language : str
        Its canonical language (``"c"``, ``"opencl"``, ``"llvm-ir"``...).
    openmp : bool or None
        The OpenMP setting (``None``: decided from the source).
    compiler : CompilerInfo or None
        The compiler (only its kind and version count); ``None`` for IR and bitcode.
    flags : iterable of str
        Optimisation flags followed by the extra flags.
    source_dir : str, optional
        The folder of a source file.
    """
    from . import __version__

    comp = None if compiler is None else f"{compiler.kind} {compiler.version}"
    return _digest(
        ["mirencoder-program", FORMAT, __version__, language, repr(openmp), comp, "\x1f".join(flags), source_dir, data]
    )


def embedding_key(program: str, *, weights: str, modality: str, graph_builder: str | None = None) -> str:
    """The key of one program's embedding: its :func:`program_key`, the weights' digest,
    the modality and, unless it is the default ProGraML one, the graph builder's identity
    (:func:`~sklearn_mirencoder.embedding.keys.graph_builder_id`)."""
    from . import __version__

    parts = ["mirencoder-embedding", FORMAT, __version__, program, weights, modality]
    if graph_builder is not None:
        parts.append("graph-builder:" + graph_builder)
    return _digest(parts)


def failure_key(program: str, *, graph_builder: str | None = None) -> str:
    """The key under which a program's deterministic failure is remembered: its
    :func:`program_key` itself with the default graph builder, else a key that also covers
    the builder (another builder may fail where ProGraML does not, and the other way round)."""
    if graph_builder is None:
        return program
    return _digest(["mirencoder-failure", program, "graph-builder:" + graph_builder])


# ------------------------------------------------------------------------------- memory


class MemoryCache:
    """A thread-safe LRU store of numpy vectors bounded by their total size in bytes,
    plus a store of deterministic failures (bounded by count)."""

    def __init__(self, max_bytes: int = MEMORY_LIMIT_BYTES, max_failures: int = 100_000):
        self.max_bytes = int(max_bytes)
        self.max_failures = int(max_failures)
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._failures: OrderedDict[str, BaseException] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    @property
    def nbytes(self) -> int:
        return self._bytes

    def get(self, key: str) -> np.ndarray | None:
        with self._lock:
            vec = self._vectors.get(key)
            if vec is not None:
                self._vectors.move_to_end(key)
            return vec

    def put(self, key: str, vec: np.ndarray) -> None:
        vec = np.array(vec, dtype=np.float32, copy=True)
        vec.setflags(write=False)
        with self._lock:
            old = self._vectors.pop(key, None)
            if old is not None:
                self._bytes -= old.nbytes
            if vec.nbytes > self.max_bytes:
                return
            self._vectors[key] = vec
            self._bytes += vec.nbytes
            while self._bytes > self.max_bytes and self._vectors:
                _, dropped = self._vectors.popitem(last=False)
                self._bytes -= dropped.nbytes

    def get_failure(self, key: str) -> BaseException | None:
        with self._lock:
            return self._failures.get(key)

    def put_failure(self, key: str, exc: BaseException) -> None:
        with self._lock:
            self._failures[key] = exc
            self._failures.move_to_end(key)
            while len(self._failures) > self.max_failures:
                self._failures.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._vectors.clear()
            self._failures.clear()
            self._bytes = 0


_MEMORY = MemoryCache()


def memory_cache() -> MemoryCache:
    """The process-wide in-memory store the transformers share."""
    return _MEMORY


def clear_memory() -> None:
    """Forget every embedding and failure kept in this process's memory."""
    _MEMORY.clear()


# --------------------------------------------------------------------------------- disk


class DiskCache:
    """Embeddings and compiled IR in a folder, safe under concurrent readers and writers.

    Parameters
    ----------
    directory : str or path
        The cache folder (created on the first write); entries live under
        ``<directory>/v2/`` (:data:`FORMAT`).
    """

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(os.fspath(directory)).expanduser()
        self.root = self.directory / FORMAT
        self._warned = False

    def __repr__(self) -> str:
        return f"DiskCache({str(self.directory)!r})"

    # -- paths -------------------------------------------------------------------------
    def _path(self, kind: str, key: str, suffix: str) -> Path:
        if len(key) < 8 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError(f"not a cache key: {key!r}")
        return self.root / kind / key[:2] / (key + suffix)

    def embedding_path(self, key: str) -> Path:
        return self._path("emb", key, ".npy")

    def ir_path(self, key: str) -> Path:
        return self._path("ir", key, ".ll.gz")

    # -- reading -----------------------------------------------------------------------
    @staticmethod
    def _read(path: Path) -> bytes | None:
        try:
            with open(path, "rb") as fh:
                return fh.read()
        except OSError:
            return None

    def get_embedding(self, key: str, dim: int | None = None) -> np.ndarray | None:
        """The stored vector, or ``None`` when absent or damaged (wrong shape, not finite)."""
        raw = self._read(self.embedding_path(key))
        if raw is None:
            return None
        try:
            vec = np.load(io.BytesIO(raw), allow_pickle=False)
        except Exception:  # truncated or garbage: a miss
            return None
        if vec.dtype != np.float32 or vec.ndim != 1 or (dim is not None and vec.shape[0] != dim):
            return None
        if not np.isfinite(vec).all():
            return None
        return vec

    def get_ir(self, key: str) -> str | None:
        """The stored canonical IR text, or ``None`` when absent or damaged."""
        raw = self._read(self.ir_path(key))
        if raw is None:
            return None
        try:
            text = gzip.decompress(raw).decode("utf-8")
        except Exception:  # bad CRC, truncated stream, not UTF-8
            return None
        return text if text.strip() else None

    # -- writing -----------------------------------------------------------------------
    def _write(self, path: Path, data: bytes) -> bool:
        tmp = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name + ".", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
            return True
        except OSError as exc:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
            if not self._warned:
                self._warned = True
                warnings.warn(
                    f"cannot write to the cache folder {self.directory} ({exc}); going on without "
                    "storing results there",
                    RuntimeWarning,
                    stacklevel=3,
                )
            return False

    def put_embedding(self, key: str, vec: np.ndarray) -> bool:
        buf = io.BytesIO()
        np.save(buf, np.ascontiguousarray(vec, dtype=np.float32).ravel(), allow_pickle=False)
        return self._write(self.embedding_path(key), buf.getvalue())

    def put_ir(self, key: str, text: str) -> bool:
        return self._write(self.ir_path(key), gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0))

    # -- housekeeping ------------------------------------------------------------------
    def stats(self) -> dict[str, int]:
        """Entries and bytes per kind: ``{"emb": n, "ir": n, "bytes": total}``."""
        out = {"emb": 0, "ir": 0, "bytes": 0}
        for kind in ("emb", "ir"):
            folder = self.root / kind
            if not folder.is_dir():
                continue
            for f in folder.rglob("*"):
                if f.is_file() and not f.name.startswith("."):
                    out[kind] += 1
                    try:
                        out["bytes"] += f.stat().st_size
                    except OSError:
                        pass
        return out

    def clear(self) -> None:
        """Delete every entry (the folder itself stays)."""
        shutil.rmtree(self.root, ignore_errors=True)


# ------------------------------------------------------------------------------ combined


class ProgramCache:
    """What a transformer consults: the process memory, then a folder (if any).

    Parameters
    ----------
    directory : str, path or None
        A cache folder, or ``None`` for memory only.
    memory : bool
        Use the process-wide memory store.
    """

    def __init__(self, directory: str | os.PathLike | None = None, *, memory: bool = True):
        self.memory = _MEMORY if memory else None
        self.disk = DiskCache(directory) if directory is not None else None

    @classmethod
    def from_param(cls, cache) -> "ProgramCache":
        """Build the cache a ``cache=`` parameter describes (``None``, ``False``, ``True``
        or a folder)."""
        if cache is False:
            return cls(None, memory=False)
        if cache is None:
            return cls(None)
        if cache is True:
            return cls(default_cache_dir())
        return cls(cache)

    @property
    def enabled(self) -> bool:
        return self.memory is not None or self.disk is not None

    def get_embedding(self, key: str, dim: int) -> tuple[np.ndarray | None, str | None, tuple[bool, bool]]:
        """``(vector, "memory" | "disk", (text_partial, graph_cut))``, or ``(None, None,
        (False, False))`` on a miss; entries whose stored width is not ``dim`` + 2 are misses."""
        stored = None
        where = None
        if self.memory is not None:
            stored = self.memory.get(key)
            if stored is not None and stored.shape == (dim + 2,):
                where = "memory"
        if where is None and self.disk is not None:
            stored = self.disk.get_embedding(key, dim + 2)
            if stored is not None:
                where = "disk"
                if self.memory is not None:
                    self.memory.put(key, stored)
        if where is None or not np.isin(stored[dim:], (0.0, 1.0)).all():
            return None, None, (False, False)
        return stored[:dim], where, (bool(stored[dim]), bool(stored[dim + 1]))

    def put_embedding(self, key: str, vec: np.ndarray, truncation: tuple[bool, bool] = (False, False)) -> None:
        """Store ``vec`` with its truncation flags ``(text_partial, graph_cut)``."""
        stored = np.concatenate([np.asarray(vec, dtype=np.float32).ravel(), np.asarray(truncation, dtype=np.float32)])
        if self.memory is not None:
            self.memory.put(key, stored)
        if self.disk is not None:
            self.disk.put_embedding(key, stored)

    def get_ir(self, key: str) -> str | None:
        return self.disk.get_ir(key) if self.disk is not None else None

    def put_ir(self, key: str, text: str) -> None:
        if self.disk is not None:
            self.disk.put_ir(key, text)

    def get_failure(self, key: str) -> BaseException | None:
        return self.memory.get_failure(key) if self.memory is not None else None

    def put_failure(self, key: str, exc: BaseException) -> None:
        if self.memory is not None:
            self.memory.put_failure(key, exc)
