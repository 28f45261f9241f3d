"""Typed exceptions of sklearn-mirencoder.

Every failure the front end can meet on user input is one of these classes, all derived
from :class:`MIREncoderError`.  Each message names the sample it concerns and, where a
compiler was involved, carries the first lines of its diagnostic, so that the user can
tell which program failed and why without re-running anything.
"""

from __future__ import annotations

__all__ = [
    "MIREncoderError",
    "FrontendError",
    "InputError",
    "IncludeRefusedError",
    "CompilerNotFoundError",
    "CompileError",
    "CompileTimeoutError",
    "CompilerCrashError",
    "IRParseError",
    "GraphError",
    "TokenizerError",
    "ModelLoadError",
    "DatasetError",
]

#: How many lines of a compiler's diagnostic an error message carries.
DIAGNOSTIC_LINES = 12


def first_lines(text: str, n: int = DIAGNOSTIC_LINES) -> str:
    """Return the first ``n`` non-empty lines of ``text``, noting how many were cut."""
    lines = [ln for ln in (text or "").splitlines() if ln.strip()]
    head = lines[:n]
    if len(lines) > n:
        head.append(f"... ({len(lines) - n} more lines)")
    return "\n".join(head)


class MIREncoderError(Exception):
    """Base class of every error raised by sklearn-mirencoder."""


class FrontendError(MIREncoderError):
    """A program could not be turned into IR, a graph or tokens.

    Parameters
    ----------
    message : str
        What went wrong and what to do about it.
    sample : str, optional
        The name of the sample (a file path, ``"<string>"`` or ``"sample 3"``).
    diagnostic : str, optional
        The compiler's or parser's diagnostic; its first lines are appended to the message.
    """

    def __init__(self, message: str, *, sample: str | None = None, diagnostic: str | None = None):
        self.sample = sample
        self.diagnostic = diagnostic or ""
        self.reason = message
        text = f"{sample}: {message}" if sample else message
        if diagnostic:
            text += "\n" + first_lines(diagnostic)
        super().__init__(text)

    def __reduce__(self):  # keep the keyword-only arguments through pickling (joblib workers)
        return (_rebuild_error, (type(self), self.reason, self.sample, self.diagnostic))


def _rebuild_error(cls, reason, sample, diagnostic):
    return cls(reason, sample=sample, diagnostic=diagnostic or None)


class InputError(FrontendError, ValueError):
    """The input itself is unusable: empty, not UTF-8, too large, unknown language."""


class IncludeRefusedError(InputError):
    """The program reads a file that ``confine_includes=True`` does not allow.

    Raised when a program compiled with ``confine_includes=True`` includes (``#include``,
    ``#include_next``, ``#embed``, ``__has_include``...) a file outside its own folder, the
    headers shipped with the package and the compiler's include path.  The message names the
    refused path; nothing of the file's content is kept, not even in the diagnostic.

    Parameters
    ----------
    message, sample, diagnostic
        As for :class:`FrontendError`.
    path : str, optional
        The refused file (its real path).
    """

    def __init__(
        self, message: str, *, sample: str | None = None, diagnostic: str | None = None, path: str | None = None
    ):
        super().__init__(message, sample=sample, diagnostic=diagnostic)
        self.path = path

    def __reduce__(self):
        return (_rebuild_refused, (type(self), self.reason, self.sample, self.diagnostic, self.path))


def _rebuild_refused(cls, reason, sample, diagnostic, path):
    return cls(reason, sample=sample, diagnostic=diagnostic or None, path=path)


class CompilerNotFoundError(FrontendError):
    """No usable clang was found."""


class CompileError(FrontendError):
    """clang rejected the program (a syntax or semantic error)."""


class CompileTimeoutError(CompileError):
    """clang ran longer than the allowed timeout and was killed."""


class CompilerCrashError(CompileError):
    """clang crashed or was killed by a signal."""


class IRParseError(FrontendError):
    """LLVM IR text or bitcode could not be parsed (or upgraded) by LLVM."""


class GraphError(FrontendError):
    """The program graph could not be built from valid IR (an unsupported construct)."""


class TokenizerError(MIREncoderError):
    """A tokenizer vocabulary is missing or malformed."""


class ModelLoadError(MIREncoderError):
    """A saved model folder is incomplete or does not match its configuration.

    Raised by :meth:`sklearn_mirencoder.model.encoder.MIREncoder.from_pretrained` for a missing or
    malformed ``config.json`` or ``model.safetensors``, and for weights with missing,
    unexpected or wrongly shaped tensors (loading is strict: nothing is silently left at
    its random initialisation).
    """


class DatasetError(MIREncoderError):
    """A benchmark data set (:mod:`sklearn_mirencoder.datasets`) is not available or not intact.

    Raised when it is neither cached nor given as a local copy and may not (or cannot) be
    downloaded, and when a file's checksum differs from the pinned one; the message says
    where the data come from and how to get them.
    """
