"""Stage 1, read: the samples of ``X`` as :class:`Sample` objects, in the calling process.

``input=`` says what a sample is: program text (``"content"``), a path (``"filename"``) or an
open file (``"file"``).  Reading gives the program's bytes, its language (the ``language=``
parameter, else the file's extension) and a name for messages (the path or file name).  A
sample that cannot be read -- a missing file, text that is not UTF-8, a program over
``max_source_bytes``, an unknown language -- becomes its typed
:class:`~sklearn_mirencoder.errors.FrontendError`, named by its row (:func:`relabel`); it is
returned, not raised, so that the caller applies the ``errors=`` policy.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import FrontendError, InputError
from ..frontend.compile import COMPILED_LANGUAGES, language_from_path, normalize_language
from ..frontend.ir import read_source_file

#: Files larger than this are refused (as the front end does for content).
MAX_SOURCE_BYTES = 4_000_000
#: Appended to the message of an error raised with ``errors="raise"``.
RAISE_HINT = " (pass errors='nan' to get a row of NaN for programs that fail instead)"


@dataclass
class Sample:
    """One readable sample of ``X``; the keys are set by stage 2 (:mod:`.keys`)."""

    index: int
    name: str | None  # a path or file name; None for content
    data: bytes
    language: str  # as given (an alias is kept for the compiler)
    canonical: str
    openmp: bool | None
    source_dir: str | None = None
    pkey: str = ""  # program key
    ekey: str = ""  # embedding key

    @property
    def compiled(self) -> bool:
        """Whether clang compiles it (a source language, not LLVM IR or bitcode)."""
        return self.canonical in COMPILED_LANGUAGES


def as_program_list(X) -> list:
    """``X`` (a list, a 1-D array, a pandas Series or a one-column DataFrame) as a list, one
    program per sample; ``ValueError`` for a single program or a table of several columns."""
    if isinstance(X, (str, bytes, bytearray, os.PathLike)):
        raise ValueError(
            f"X must be a sequence of programs (one per sample), got a single {type(X).__name__}; wrap it in a "
            "list"
        )
    if hasattr(X, "iloc") and getattr(X, "ndim", 1) == 2:  # a DataFrame
        if X.shape[1] != 1:
            raise ValueError(f"X must hold one column of programs, got a DataFrame with {X.shape[1]} columns")
        X = X.iloc[:, 0]
    if isinstance(X, np.ndarray):
        if X.ndim == 2 and X.shape[1] == 1:
            X = X[:, 0]
        elif X.ndim != 1:
            raise ValueError(f"X must be one-dimensional (one program per sample), got shape {X.shape}")
        return X.tolist()
    if hasattr(X, "to_list"):  # pandas Series
        return X.to_list()
    try:
        return list(X)
    except TypeError:
        raise ValueError(f"X must be a sequence of programs, got {type(X).__name__}") from None


def label(index: int, name: str | None) -> str:
    """How messages name a sample: ``sample <index>`` and its path or file name, if any."""
    return f"sample {index}" if not name else f"sample {index} ({name})"


def relabel(exc: BaseException, index: int, name: str | None, hint: str = "") -> BaseException:
    """The same error, naming the sample by its index (and path), with ``.index`` set."""
    if isinstance(exc, FrontendError):
        try:
            new = type(exc)(exc.reason + hint, sample=label(index, name), diagnostic=exc.diagnostic or None)
        except TypeError:  # pragma: no cover - a subclass with another signature
            new = FrontendError(exc.reason + hint, sample=label(index, name), diagnostic=exc.diagnostic or None)
    else:  # pragma: no cover - workers wrap everything else
        new = FrontendError(f"{type(exc).__name__}: {exc}{hint}", sample=label(index, name))
    new.index = index
    return new


def check_size(what: str, size: int, limit: int | None) -> None:
    """``InputError`` when ``size`` bytes are over ``limit`` (``None``: no limit)."""
    if limit is not None and size > limit:
        raise InputError(f"the {what} is {size} bytes, over the limit of {limit} bytes; "
                         "pass a larger max_source_bytes= (or None) to process it")


def _read_path(path: Path, limit: int | None) -> bytes:
    """The bytes of the file at ``path`` (``input="filename"``): regular files only, read
    without blocking and at most ``limit`` bytes (a FIFO, ``/dev/zero`` or a symlink to one
    is refused, not waited on; see :func:`~sklearn_mirencoder.frontend.ir.read_source_file`)."""
    return read_source_file(path, max_source_bytes=limit)


def _read_file_object(x, limit: int | None):
    """What ``x.read()`` returns, at most ``limit + 1`` bytes or characters (so an endless
    stream is not read whole); any error of ``read`` is the sample's ``InputError``."""
    try:
        if limit is None:
            return x.read()
        try:
            return x.read(limit + 1)
        except TypeError:  # a file-like object whose read() takes no size
            return x.read()
    except Exception as exc:  # a file object may raise anything (closed, I/O error, a bug of its own)
        raise InputError(f"cannot read the file object ({type(exc).__name__}: {exc}); pass an open, "
                         "readable file") from None


def _language_of_file(name: str | None) -> str:
    """The language of an open file without ``language=``, from its name's extension."""
    if not name:
        raise InputError("language= is required for file objects without a name")
    return language_from_path(name)


def _as_bytes(data, input: str) -> bytes:
    """The program as bytes (text is encoded as UTF-8); ``InputError`` for anything else."""
    if isinstance(data, str):
        try:
            return data.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InputError(
                f"the program holds characters that cannot be encoded as UTF-8 ({exc.reason} at position "
                f"{exc.start})"
            ) from None
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    if not isinstance(data, bytes):
        what = "program text (str or bytes)" if input == "content" else "str or bytes from read()"
        hint = "; to read files pass input='filename'" if isinstance(data, os.PathLike) else ""
        raise InputError(f"expected {what}, got {type(data).__name__}{hint}")
    return data


def read_sample(
    index: int, x, *, input: str, language: str | None, max_source_bytes: int | None, hint: str = ""
) -> Sample | FrontendError:
    """Read sample ``index`` of ``X`` as ``input`` says; a failure is returned (its message
    starting with ``sample <index>``, followed by ``hint``), not raised."""
    name = None
    source_dir = None
    try:
        if input == "filename":
            if not isinstance(x, (str, os.PathLike)):
                raise InputError(f"expected a path (input='filename'), got {type(x).__name__}")
            name = os.fspath(x)
            path = Path(name)
            language = language or language_from_path(path)
            data = _read_path(path, max_source_bytes)
            source_dir = str(path.resolve().parent)
        elif input == "file":
            if not hasattr(x, "read"):
                raise InputError(f"expected an open file (input='file'), got {type(x).__name__}")
            fname = getattr(x, "name", None)
            name = fname if isinstance(fname, str) else None
            data = _read_file_object(x, max_source_bytes)
            language = language if language is not None else _language_of_file(name)
        else:
            data = x
        data = _as_bytes(data, input)
        check_size("program", len(data), max_source_bytes)
        canonical, openmp = normalize_language(language)
        return Sample(index, name, data, language, canonical, openmp, source_dir)
    except FrontendError as exc:
        return relabel(exc, index, name, hint)


def read_samples(
    items: list, *, input: str, language: str | None, max_source_bytes: int | None, hint: str = ""
) -> list[Sample | FrontendError]:
    """:func:`read_sample` of every item, in order."""
    return [
        read_sample(i, x, input=input, language=language, max_source_bytes=max_source_bytes, hint=hint)
        for i, x in enumerate(items)
    ]
