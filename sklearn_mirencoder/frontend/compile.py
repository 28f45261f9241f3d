"""Source code -> LLVM bitcode, with clang.

:func:`compile_source` runs clang on one program and returns its bitcode
(:class:`CompileResult`); :func:`find_compiler` picks the clang to run
(:class:`CompilerInfo`).  :mod:`sklearn_mirencoder.frontend.ir` turns the bitcode into canonical
LLVM 22 text.  Every failure is a typed :class:`~sklearn_mirencoder.errors.FrontendError`
naming the sample.

Languages
---------
``"c"``, ``"c++"``, ``"opencl"`` (OpenCL C 1.2, the dialect of the DevMap / CGO'17 data),
``"cuda"`` (device code only) and, handled by :mod:`.ir` without a compiler, ``"llvm-ir"``
and ``"llvm-bc"``.  OpenMP is C or C++ with ``-fopenmp``: ``openmp=None`` turns it on when
the source has a ``#pragma omp`` line.  With OpenMP on, a declarations-only ``omp.h``
shipped in ``_data/include/omp`` is put *last* on the include path (``-idirafter``), so
``#include <omp.h>`` works without libomp-dev while a real ``omp.h`` still wins.

Flags
-----
Every compile gets a fixed target so that the IR does not depend on the host::

    C / C++ / OpenMP   -x c -std=gnu17 | -x c++ -std=gnu++17, -target x86_64-unknown-linux-gnu
    OpenCL             -x cl -cl-std=CL1.2 -target x86_64-unknown-linux-gnu
    CUDA               -x cuda -std=gnu++17 --cuda-device-only --cuda-gpu-arch=sm_70
                       -nocudainc -nocudalib --cuda-path=/nonexistent
                       -Xclang -target-feature -Xclang +ptx70
                       -target x86_64-unknown-linux-gnu (host side; device IR is nvptx64)
                       -idirafter <_data/include/cuda> -include <...>/__mirencoder_cuda.h

OpenCL: all of ``-cl-std=CL1.2``/``CL2.0``/``CL3.0`` and both ``spir64`` and x86-64
targets compile the same 196 of the 256 DevMap kernels with clang 13, 16 and 22 (the
other 60 have identifiers the data set's normalisation broke).  x86-64 is used because
the DevMap IR (and the IR MIREncoder was pre-trained on) was produced for an x86-64
target: pointers carry no OpenCL address spaces there.  clang's driver includes the
OpenCL builtin declarations itself (``get_global_id``, ``barrier``, vector maths).  A later
``-cl-std=...`` in ``extra_flags`` overrides the default.

CUDA: no CUDA toolkit is needed.  ``__mirencoder_cuda.h`` (force-included) defines the
execution-space attributes, the built-in variables (from clang's own
``__clang_cuda_builtin_vars.h``), vector types and ``dim3``, atomics, the device maths
library (clang's own libdevice wrappers), device ``printf``/``malloc`` and declarations of
the common CUDA runtime host API, so files that include ``<cuda_runtime.h>`` (a stub that
includes the same header) and launch kernels with ``<<<>>>`` compile in device-only mode.  Like
clang's own CUDA wrapper it includes ``<cmath>``, ``<cstdlib>``, ``<string.h>``... when a C++
library is installed.  The same folder holds SDK-free ``cuda_fp16.h``, ``cuda_bf16.h``,
``cooperative_groups.h``, ``cub/cub.cuh``, ``thrust/*.h``, ``curand_kernel.h``, ``cuComplex.h``
and ``math_constants.h`` (docs/frontend.md lists what they cover).
This route needs a system clang: the ``ziglang`` wheel ships neither the OpenCL nor the
CUDA headers of clang, so through it only C, C++ and OpenMP compile.

Common flags, after the language's::

    -O1 (opt_flags)  -g0  -fdiscard-value-names  -fno-ident  -fno-color-diagnostics
    -Wno-everything

* ``-O1`` (the default ``opt_flags``) gives SSA form (mem2reg/SROA, instcombine,
  simplifycfg) but no loop vectorisation and no aggressive unrolling, so that downstream
  vectorisation / unrolling / thread-coarsening tasks still see the loops.  As CompilerGym
  notes, plain ``-O0`` marks every function ``optnone`` (no later pass will touch it);
  whoever wants unoptimised IR should pass :data:`O0_NO_OPTNONE`
  (``("-O0", "-Xclang", "-disable-O0-optnone")``).
* ``-g0``: no debug info; ``-fdiscard-value-names``: values are numbered, not named
  (release builds of clang do this already, debug builds do not); ``-fno-ident``: no
  ``llvm.ident`` naming the compiler build.  Together they make the IR comparable across
  clang builds and machines.
* ``-Wno-everything`` silences all warnings, including the ones clang 16+ turned into
  errors by default (implicit ``int``, implicit function declarations, incompatible
  pointer types), which legacy benchmark code is full of: clang 13 to 22 then accept the
  same programs.  Real errors (undeclared identifiers, syntax errors, wrong language) still
  fail and their diagnostics are kept in :class:`~.errors.CompileError`.

Through ``ziglang`` (``python -m ziglang cc``, ``c++`` for C++ so that zig adds its libc++
headers) the target is spelled the zig way and zig's defaults are undone:
``-fno-sanitize=all -target x86_64-linux-gnu -mcpu=baseline`` (zig enables UBSan and
tunes for the host otherwise).  zig also turns ``-O1`` and ``-O3`` into clang's ``-O2``
with the vectorisers on, so ``-Xclang -O1`` (``-O3``) and, at ``-O0``/``-O1``,
``-fno-vectorize -fno-slp-vectorize`` are added: the instructions then match those of a
system clang 22, while the target triple (zig names OS and libc versions), some function
attributes and module flags differ.

Isolation
---------
Each compile runs in its own temporary directory holding a copy of the source (named like
the sample when the sample is a file path, else ``input.<ext>``), with stdin closed, in a
new process group that is killed as a whole on timeout.  The program is never linked nor
executed.  ``source_dir=`` adds ``-I <dir>`` so that ``#include "local.h"`` next to the
original file still resolves.  The directory (``mirencoder-cc-<pid>-*``) is removed when the
compile ends; one left by a killed process is removed by the next process that compiles, an
hour later at the earliest (:func:`sweep_stale_temp_dirs`).
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .includes import IncludeGuard
from ..errors import (
    CompileError,
    CompilerCrashError,
    CompilerNotFoundError,
    CompileTimeoutError,
    InputError,
)

__all__ = [
    "LANGUAGES",
    "COMPILED_LANGUAGES",
    "O0_NO_OPTNONE",
    "DEFAULT_OPT_FLAGS",
    "MIN_CLANG_MAJOR",
    "NewerCompilerWarning",
    "llvm_major",
    "CompilerInfo",
    "CompileResult",
    "language_from_path",
    "normalize_language",
    "find_compiler",
    "compile_source",
    "has_omp_pragma",
    "include_dir",
    "sweep_stale_temp_dirs",
]

#: Canonical language names.
LANGUAGES = ("c", "c++", "opencl", "cuda", "llvm-ir", "llvm-bc")
#: The languages that go through clang.
COMPILED_LANGUAGES = ("c", "c++", "opencl", "cuda")
#: Unoptimised IR without the ``optnone`` attribute plain ``-O0`` adds.
O0_NO_OPTNONE = ("-O0", "-Xclang", "-disable-O0-optnone")
#: What ``opt_flags=None`` means.
DEFAULT_OPT_FLAGS = ("-O1",)
#: The oldest clang accepted (its bitcode must be readable by LLVM 22).
MIN_CLANG_MAJOR = 13
#: Discovery looks for ``clang-N`` with N in this range, newest first, then ``clang``.
_CANDIDATE_MAJORS = range(30, MIN_CLANG_MAJOR - 1, -1)
#: The environment variable naming the clang to use.
ENV_VAR = "MIRENCODER_CLANG"

_EXTENSIONS = {
    ".c": "c",
    ".h": "c",
    ".cc": "c++",
    ".cpp": "c++",
    ".cxx": "c++",
    ".c++": "c++",
    ".C": "c++",
    ".hpp": "c++",
    ".cl": "opencl",
    ".cu": "cuda",
    ".ll": "llvm-ir",
    ".bc": "llvm-bc",
}
_DISPLAY = {"c": "C", "c++": "C++", "opencl": "OpenCL C", "cuda": "CUDA"}
_DEFAULT_EXT = {"c": ".c", "c++": ".cpp", "opencl": ".cl", "cuda": ".cu", "llvm-ir": ".ll", "llvm-bc": ".bc"}

# alias (lower case) -> (language, openmp)
_ALIASES: dict[str, tuple[str, bool | None]] = {
    "c": ("c", None),
    "c++": ("c++", None),
    "cpp": ("c++", None),
    "cxx": ("c++", None),
    "cc": ("c++", None),
    "opencl": ("opencl", None),
    "opencl-c": ("opencl", None),
    "cl": ("opencl", None),
    "ocl": ("opencl", None),
    "cuda": ("cuda", None),
    "cu": ("cuda", None),
    "llvm-ir": ("llvm-ir", None),
    "llvm": ("llvm-ir", None),
    "ir": ("llvm-ir", None),
    "ll": ("llvm-ir", None),
    "llvm-bc": ("llvm-bc", None),
    "bitcode": ("llvm-bc", None),
    "bc": ("llvm-bc", None),
    "openmp": ("c", True),
    "omp": ("c", True),
    "openmp-c": ("c", True),
    "openmp-c++": ("c++", True),
    "openmp-cpp": ("c++", True),
    "openmp-cxx": ("c++", True),
}

_TARGET = ("-target", "x86_64-unknown-linux-gnu")
_ZIG_FLAGS = ("-fno-sanitize=all", "-target", "x86_64-linux-gnu", "-mcpu=baseline")
_COMMON_FLAGS = ("-g0", "-fdiscard-value-names", "-fno-ident", "-fno-color-diagnostics", "-Wno-everything")
_OUTPUT = "__mirencoder_out.bc"

_OMP_PRAGMA = re.compile(rb"^[ \t]*#[ \t]*pragma[ \t]+omp\b", re.MULTILINE)
_VERSION_RE = re.compile(r"clang version (\d+)\.(\d+)(?:\.(\d+))?")
_CRASH_MARKERS = (
    "PLEASE submit a bug report",
    "frontend command failed due to signal",
    "unable to execute command",
    "Stack dump:",
)

_INSTALL_HINT = (
    "install clang 13 or newer (e.g. `apt-get install clang`), or `pip install "
    "sklearn-mirencoder[zig]` for the ziglang wheel's clang (C, C++ and OpenMP only), or set "
    f"{ENV_VAR} to the clang binary to use"
)


def include_dir(kind: str) -> Path:
    """The folder of headers shipped for ``kind`` (``"cuda"`` or ``"omp"``)."""
    return Path(__file__).resolve().parent.parent / "_data" / "include" / kind


# --------------------------------------------------------------------------- languages


def language_from_path(path: str | os.PathLike) -> str:
    """The canonical language of a file, from its extension.

    ``.c .h`` -> c; ``.cc .cpp .cxx .c++ .C .hpp`` -> c++; ``.cl`` -> opencl; ``.cu`` -> cuda;
    ``.ll`` -> llvm-ir; ``.bc`` -> llvm-bc.  Raises :class:`InputError` for anything else.
    """
    name = os.fspath(path)
    suffix = os.path.splitext(name)[1]
    lang = _EXTENSIONS.get(suffix) or _EXTENSIONS.get(suffix.lower())
    if lang is None:
        known = " ".join(sorted(_EXTENSIONS))
        raise InputError(
            f"cannot tell the language from the extension {suffix or '(none)'!r}; pass language= "
            f"(one of {', '.join(LANGUAGES)}) or use one of the extensions {known}",
            sample=str(name),
        )
    return lang


def normalize_language(language: str, *, sample: str | None = None) -> tuple[str, bool | None]:
    """Map a language name or alias to ``(canonical language, openmp)``.

    ``openmp`` is ``True`` for the OpenMP aliases (``"openmp"`` is C with OpenMP on,
    ``"openmp-c++"`` C++ with OpenMP on) and ``None`` otherwise.  Matching ignores case;
    unknown names raise :class:`InputError`.
    """
    if not isinstance(language, str):
        raise InputError(
            f"language must be a string such as 'c' or 'opencl', got {type(language).__name__}",
            sample=sample,
        )
    key = language.strip().lower()
    if key not in _ALIASES:
        raise InputError(
            f"unknown language {language!r}; use one of {', '.join(LANGUAGES)} "
            f"(aliases: {', '.join(sorted(k for k in _ALIASES if k not in LANGUAGES))})",
            sample=sample,
        )
    return _ALIASES[key]


def has_omp_pragma(source: str | bytes) -> bool:
    """Whether ``source`` has a ``#pragma omp`` line."""
    data = source.encode("utf-8", "surrogateescape") if isinstance(source, str) else source
    return _OMP_PRAGMA.search(data) is not None


# --------------------------------------------------------------------------- compilers


@dataclass(frozen=True)
class CompilerInfo:
    """A clang that :func:`compile_source` can run.

    Attributes
    ----------
    path : str
        The executable (for ``kind="ziglang"``, the Python interpreter that runs
        ``python -m ziglang cc``).
    version : str
        clang's version, e.g. ``"22.1.8"``.
    major : int
        Its major version.
    kind : str
        ``"clang"`` or ``"ziglang"``.
    resource_dir : str or None
        clang's resource directory (builtin headers), where known.
    """

    path: str
    version: str
    major: int
    kind: str = "clang"
    resource_dir: str | None = None

    @property
    def command(self) -> tuple[str, ...]:
        """The command line prefix that runs this compiler."""
        if self.kind == "ziglang":
            return (self.path, "-m", "ziglang", "cc")
        return (self.path,)

    def __str__(self) -> str:
        return f"{self.kind} {self.version} ({self.path})"


def _ziglang_available() -> bool:
    try:
        return importlib.util.find_spec("ziglang") is not None
    except (ImportError, ValueError):  # pragma: no cover - broken installs
        return False


def _run_probe(cmd: Sequence[str], timeout: float = 30.0) -> tuple[int, str]:
    try:
        proc = subprocess.run(
            list(cmd),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            start_new_session=True,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return -1, str(exc)
    out = (proc.stdout or b"") + b"\n" + (proc.stderr or b"")
    return proc.returncode, out.decode("utf-8", "replace")


def _probe_clang(path: str, resource_dir: bool = True) -> CompilerInfo | str:
    """A :class:`CompilerInfo` for the clang at ``path``, or a string saying why not."""
    rc, out = _run_probe([path, "--version"])
    m = _VERSION_RE.search(out)
    if rc != 0 or m is None:
        first = out.strip().splitlines()[0] if out.strip() else f"exit status {rc}"
        return f"{path}: `--version` did not report a clang version ({first})"
    major = int(m.group(1))
    version = ".".join(g for g in m.groups() if g is not None)
    if major < MIN_CLANG_MAJOR:
        return f"{path}: clang {version} is older than clang {MIN_CLANG_MAJOR}"
    resource = None
    if resource_dir:
        rc, res = _run_probe([path, "-print-resource-dir"])
        resource = res.strip().splitlines()[0].strip() if rc == 0 and res.strip() else None
    return CompilerInfo(path=path, version=version, major=major, kind="clang", resource_dir=resource or None)


def _probe_ziglang() -> CompilerInfo | str:
    if not _ziglang_available():
        return "the ziglang package is not installed"
    rc, out = _run_probe([sys.executable, "-m", "ziglang", "cc", "--version"], timeout=60.0)
    m = _VERSION_RE.search(out)
    if rc != 0 or m is None:
        first = out.strip().splitlines()[0] if out.strip() else f"exit status {rc}"
        return f"`python -m ziglang cc --version` did not report a clang version ({first})"
    major = int(m.group(1))
    version = ".".join(g for g in m.groups() if g is not None)
    if major < MIN_CLANG_MAJOR:  # pragma: no cover - every ziglang >= 0.10 embeds clang 15+
        return f"ziglang's clang {version} is older than clang {MIN_CLANG_MAJOR}"
    return CompilerInfo(path=sys.executable, version=version, major=major, kind="ziglang", resource_dir=None)


def _resolve_explicit(spec: str, path_env: str | None, origin: str) -> CompilerInfo:
    if spec.strip().lower() in ("ziglang", "zig", "python -m ziglang cc"):
        found = _probe_ziglang()
        if isinstance(found, str):
            raise CompilerNotFoundError(f"{origin} asks for ziglang but {found}; {_INSTALL_HINT}")
        return found
    if os.sep in spec or (os.altsep and os.altsep in spec) or os.path.isfile(spec):
        exe = os.path.abspath(os.path.expanduser(spec))
        if not os.path.isfile(exe):
            raise CompilerNotFoundError(f"{origin} names {spec!r}, which does not exist; {_INSTALL_HINT}")
        if not os.access(exe, os.X_OK):
            raise CompilerNotFoundError(f"{origin} names {spec!r}, which is not executable; {_INSTALL_HINT}")
    else:
        exe = shutil.which(spec, path=path_env)
        if exe is None:
            raise CompilerNotFoundError(f"{origin} names {spec!r}, which is not on PATH; {_INSTALL_HINT}")
    found = _probe_clang(exe)
    if isinstance(found, str):
        raise CompilerNotFoundError(f"{origin} names an unusable compiler: {found}; {_INSTALL_HINT}")
    _warn_if_newer(found)
    return found


def llvm_major() -> int:
    """The major version of the LLVM that llvmlite binds (it reads bitcode up to that)."""
    import llvmlite.binding as llvm

    return int(llvm.llvm_version_info[0])


class NewerCompilerWarning(UserWarning):
    """The clang in use is newer than llvmlite's LLVM, which may not read its bitcode."""


def _warn_if_newer(info: CompilerInfo) -> None:
    import warnings

    readable = llvm_major()
    if info.major > readable:
        warnings.warn(
            f"{info.path} is clang {info.version}, newer than the LLVM {readable} that llvmlite binds; "
            f"LLVM {readable} may not read its bitcode (programs would then fail with IRParseError). Install "
            f"clang {MIN_CLANG_MAJOR} to {readable} (e.g. apt-get install clang-{readable}) and pass it "
            "as compiler=, or upgrade llvmlite",
            NewerCompilerWarning,
            stacklevel=4,
        )


def _preference(info: CompilerInfo, readable: int) -> tuple:
    """Discovery's order: a clang whose bitcode LLVM ``readable`` can read first, then the
    newest version."""
    return (info.major <= readable, *(int(p) for p in info.version.split(".")))


@functools.lru_cache(maxsize=64)
def _find_compiler_cached(
    spec: str | None, env: str | None, path_env: str | None, cwd: str | None, zig: bool
) -> CompilerInfo:
    if spec:
        return _resolve_explicit(spec, path_env, "the compiler argument")
    if env:
        return _resolve_explicit(env, path_env, f"${ENV_VAR}")
    readable = llvm_major()
    skipped: list[str] = []
    best: CompilerInfo | None = None
    seen: set[str] = set()
    for name in [f"clang-{n}" for n in _CANDIDATE_MAJORS] + ["clang"]:
        exe = shutil.which(name, path=path_env) if path_env else None
        if exe is None:
            continue
        real = os.path.realpath(exe)
        if real in seen:
            continue
        seen.add(real)
        found = _probe_clang(exe, resource_dir=False)
        if isinstance(found, str):
            skipped.append(found)
            continue
        # the newest clang whose bitcode llvmlite's LLVM can read; a newer one only if
        # there is nothing else (LLVM reads older bitcode, not newer)
        if best is None or _preference(found, readable) > _preference(best, readable):
            best = found
    if best is not None:
        _warn_if_newer(best)
        final = _probe_clang(best.path)  # again, now with its resource directory
        return final if isinstance(final, CompilerInfo) else best
    if zig:
        found = _probe_ziglang()
        if isinstance(found, CompilerInfo):
            return found
        skipped.append(found)
    why = f" (skipped: {'; '.join(skipped)})" if skipped else ""
    raise CompilerNotFoundError(
        f"no usable clang found: looked at ${ENV_VAR}, clang-{_CANDIDATE_MAJORS[0]}..clang-"
        f"{MIN_CLANG_MAJOR} and clang on PATH, and the ziglang package{why}; {_INSTALL_HINT}"
    )


def find_compiler(compiler: str | os.PathLike | CompilerInfo | None = None) -> CompilerInfo:
    """Find the clang to compile with.

    Order: ``compiler`` (a path, a name looked up on PATH, or ``"ziglang"``); the
    ``MIRENCODER_CLANG`` environment variable (same forms); the newest ``clang-N``
    (N = 30..13) or ``clang`` on PATH, judged by ``--version`` (clang older than 13 is
    skipped; one newer than llvmlite's LLVM, whose bitcode LLVM may not read, is taken only
    when there is no other, and warns with :class:`NewerCompilerWarning`, as does naming
    one explicitly); the ``ziglang`` package (``python -m ziglang cc``, clang 22).  The result is
    cached per (argument, environment variable, PATH); ``find_compiler.cache_clear()``
    forgets it.

    Raises
    ------
    CompilerNotFoundError
        Nothing usable; the message says how to install a compiler.
    """
    if isinstance(compiler, CompilerInfo):
        return compiler
    if compiler is not None and not isinstance(compiler, (str, os.PathLike)):
        raise CompilerNotFoundError(
            f"compiler must be a path, a name on PATH, 'ziglang' or a CompilerInfo, got "
            f"{type(compiler).__name__}"
        )
    spec = os.fspath(compiler) if compiler is not None else None
    spec = spec or None
    env = os.environ.get(ENV_VAR) or None
    path_env = os.environ.get("PATH", os.defpath)
    explicit = spec or env
    cwd = os.getcwd() if explicit and (os.sep in explicit or os.path.exists(explicit)) else None
    return _find_compiler_cached(spec, env, path_env, cwd, _ziglang_available())


find_compiler.cache_clear = _find_compiler_cached.cache_clear  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- compiling


@dataclass(frozen=True)
class CompileResult:
    """The output of :func:`compile_source`.

    Attributes
    ----------
    bitcode : bytes
        The LLVM bitcode clang wrote.
    compiler : CompilerInfo
        The compiler that wrote it.
    flags : tuple of str
        The arguments given to clang, except the input file and ``-o <output>`` (which
        live in a temporary directory).
    language : str
        The canonical language.
    openmp : bool
        Whether OpenMP was on (``-fopenmp``).
    """

    bitcode: bytes
    compiler: CompilerInfo
    flags: tuple[str, ...]
    language: str
    openmp: bool


#: Non-UTF-8 bytes are taken as legacy 8-bit text (Latin-1, Windows-1252) when at most this share
#: of the source is non-ASCII and it has no control bytes other than white space.
LEGACY_TEXT_MAX_NON_ASCII = 0.01
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")


def _legacy_8bit_text(data: bytes) -> bool:
    """Whether bytes that are not UTF-8 still look like program text in an 8-bit encoding.

    Old benchmark sources carry a ``\\xa9`` or an accented name in a comment in Latin-1;
    clang reads such files (comments are not decoded; string literals keep their bytes).
    Binary data (bitcode, random bytes) has control bytes or a large share of non-ASCII
    bytes and is still refused.
    """
    non_ascii = sum(b >= 0x80 for b in data)
    return non_ascii <= LEGACY_TEXT_MAX_NON_ASCII * len(data) and _CONTROL_BYTES.search(data) is None


def _check_source(source: str | bytes, name: str, max_source_bytes: int | None) -> bytes:
    if isinstance(source, str):
        try:
            data = source.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InputError(
                f"the source holds characters that cannot be encoded as UTF-8 ({exc.reason} at "
                f"position {exc.start}); pass valid text or the file's bytes",
                sample=name,
            ) from None
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        raise InputError(
            f"the source must be str or bytes, got {type(source).__name__}; to read a file use "
            "sklearn_mirencoder.frontend.ir.load_file",
            sample=name,
        )
    if max_source_bytes is not None and len(data) > max_source_bytes:
        raise InputError(
            f"the source is {len(data)} bytes, over the limit of {max_source_bytes} bytes; pass a "
            "larger max_source_bytes= to process it",
            sample=name,
        )
    if isinstance(source, (bytes, bytearray, memoryview)):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            if not _legacy_8bit_text(data):  # Latin-1 text (a "\xa9" in a comment) is accepted
                raise InputError(
                    f"the source is not valid UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                    f"{exc.start}) nor 8-bit text (it has control bytes or over "
                    f"{LEGACY_TEXT_MAX_NON_ASCII:.0%} non-ASCII bytes); re-encode the file as UTF-8, "
                    "or pass language='llvm-bc' if it is LLVM bitcode",
                    sample=name,
                ) from None
    if not data.strip():
        raise InputError("the source is empty (or only whitespace); nothing to compile", sample=name)
    return data


_TEMP_PREFIX = "mirencoder-cc-"
#: A temporary folder of a process that no longer exists is removed once it is this old (s).
STALE_TEMP_SECONDS = 3600.0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process (PermissionError), or we cannot tell: keep its folder
    return True


def sweep_stale_temp_dirs(root: str | os.PathLike | None = None, *, min_age: float = STALE_TEMP_SECONDS) -> int:
    """Remove compile folders (``mirencoder-cc-<pid>-*``) left by processes that were killed.

    A compile works in a temporary folder that it removes when it ends, but a process killed
    with SIGKILL (a joblib worker stopped by the out-of-memory killer or by loky) cannot.
    Folders whose process is gone and that are older than ``min_age`` seconds are removed;
    folders of live processes, of other users' processes, or younger ones are kept.  Each
    process runs this once, before its first compile.  Returns how many folders it removed.
    """
    import time

    root = Path(root if root is not None else tempfile.gettempdir())
    now = time.time()
    removed = 0
    try:
        entries = list(os.scandir(root))
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.startswith(_TEMP_PREFIX):
            continue
        pid = entry.name[len(_TEMP_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            if not entry.is_dir(follow_symlinks=False) or now - entry.stat(follow_symlinks=False).st_mtime < min_age:
                continue
        except OSError:
            continue
        if not _pid_alive(int(pid)):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed += not os.path.exists(entry.path)
    return removed


_SWEPT_IN: int | None = None  # the pid of the process that has swept (a forked child sweeps again)


def _temp_dir() -> tempfile.TemporaryDirectory:
    """The compile's temporary folder, named after this process so that a later process can
    tell it was left behind (:func:`sweep_stale_temp_dirs`)."""
    global _SWEPT_IN
    pid = os.getpid()
    if _SWEPT_IN != pid:
        _SWEPT_IN = pid
        sweep_stale_temp_dirs()
    return tempfile.TemporaryDirectory(prefix=f"{_TEMP_PREFIX}{pid}-")


def _temp_name(name: str, language: str) -> str:
    """The file name the source gets in the temporary directory."""
    default = "input" + _DEFAULT_EXT[language]
    if not name or (name.startswith("<") and name.endswith(">")):
        return default
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if (
        not base
        or len(base) > 200
        or base.startswith(("-", "."))
        or not base.isprintable()
        or base == _OUTPUT
    ):
        return default
    ext = os.path.splitext(base)[1]
    lang = _EXTENSIONS.get(ext)
    if lang is None or lang in ("llvm-ir", "llvm-bc"):
        return default
    return base


def _language_flags(language: str, compiler: CompilerInfo) -> list[str]:
    zig = compiler.kind == "ziglang"
    target = [] if zig else list(_TARGET)
    if language == "c":
        return ["-x", "c", "-std=gnu17", *target]
    if language == "c++":
        return ["-x", "c++", "-std=gnu++17", *target]
    if language == "opencl":
        return ["-x", "cl", "-cl-std=CL1.2", *target]
    if language == "cuda":
        cuda_inc = include_dir("cuda")
        return [
            "-x", "cuda", "-std=gnu++17",
            "--cuda-device-only", "--cuda-gpu-arch=sm_70",
            "-nocudainc", "-nocudalib", "--cuda-path=/nonexistent",
            "-Xclang", "-target-feature", "-Xclang", "+ptx70",
            *target,
            "-idirafter", str(cuda_inc),
            "-include", str(cuda_inc / "__mirencoder_cuda.h"),
        ]  # fmt: skip
    raise AssertionError(language)  # pragma: no cover


def _zig_opt_fix(flags: Sequence[str]) -> list[str]:
    """Flags that make ``zig cc`` optimise at the level asked for.

    zig cc hands clang ``-O2`` (with loop and SLP vectorisation) for both ``-O1`` and
    ``-O3``; ``-Xclang -O<n>`` restores the level in clang's frontend and, at ``-O0``/``-O1``,
    ``-fno-vectorize -fno-slp-vectorize`` keeps the vectorisers off as clang's own driver
    would.  The instructions then match system clang's; the target triple, attributes and
    metadata still differ a little (zig's triple names OS and libc versions, functions
    are not ``dso_local``, ``"frame-pointer"="all"``).
    """
    level = None
    for f in flags:
        if re.fullmatch(r"-O(?:[0-4]|s|z|g|fast)?", f):
            level = f
    out: list[str] = []
    if level in ("-O1", "-O3"):
        out += ["-Xclang", level]
    if level in ("-O0", "-O1"):
        out += ["-fno-vectorize", "-fno-slp-vectorize"]
    return out


def _describe_signal(rc: int) -> str:
    try:
        return signal.Signals(-rc).name
    except ValueError:  # pragma: no cover
        return f"signal {-rc}"


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - not POSIX
            proc.kill()
    except (ProcessLookupError, PermissionError, OSError):
        pass


def compile_source(
    source: str | bytes,
    *,
    language: str,
    name: str = "<string>",
    compiler: str | os.PathLike | CompilerInfo | None = None,
    opt_flags: Sequence[str] | None = None,
    extra_flags: Sequence[str] = (),
    openmp: bool | None = None,
    timeout: float | None = 60.0,
    max_source_bytes: int | None = 4_000_000,
    source_dir: str | os.PathLike | None = None,
    confine_includes: bool = False,
) -> CompileResult:
    """Compile one program to LLVM bitcode with clang.

    Parameters
    ----------
    source : str or bytes
        The program's text (bytes must be UTF-8).
    language : str
        ``"c"``, ``"c++"``, ``"opencl"``, ``"cuda"`` or an alias (``"openmp"`` is C with
        OpenMP on, ``"openmp-c++"`` C++ with OpenMP on); see :func:`normalize_language`.
    name : str
        The sample's name, used in error messages; when it is a file path its base name is
        also the name clang sees, so diagnostics point at it.
    compiler : str, path, CompilerInfo or None
        See :func:`find_compiler`.
    opt_flags : sequence of str, optional
        Optimisation flags; ``None`` means ``("-O1",)``.  For unoptimised IR use
        :data:`O0_NO_OPTNONE`.
    extra_flags : sequence of str
        Appended after all other flags (so they can override them), e.g. ``("-DN=64",)``.
    openmp : bool or None
        Compile with ``-fopenmp``; ``None``: when the source has a ``#pragma omp`` line
        (C and C++ only) or the language alias says so.
    timeout : float or None
        Seconds clang may run (``None``: no limit); the whole process group is killed.
    max_source_bytes : int or None
        Larger sources are refused with :class:`InputError` (``None``: no limit).
    source_dir : str or path, optional
        The folder of the original file: ``-I <source_dir>`` lets its local headers resolve.
    confine_includes : bool, default=False
        Let the program read only files under its own folder (``source_dir``; none for
        program text), the headers shipped with the package and the compiler's include path
        (standard headers), judged by real path; anything else (``#include "/etc/hostname"``,
        ``"../../x.h"``, a symlink out of the folder, ``#embed``, ``__has_include``) raises
        :class:`~sklearn_mirencoder.errors.IncludeRefusedError` naming the path, before
        anything of it reaches the bitcode or a message (see
        :mod:`sklearn_mirencoder.frontend.includes`).  ``False``: clang reads any file the
        host lets it read.

    Returns
    -------
    CompileResult

    Raises
    ------
    InputError
        Unknown language, empty / non-UTF-8 / oversized source, OpenMP asked for a language
        other than C or C++.
    IncludeRefusedError
        (``confine_includes=True``) the program reads a file outside the allowed folders.
    CompilerNotFoundError
        No usable clang, or one that cannot compile this language (ziglang: OpenCL, CUDA).
    CompileError
        clang rejected the program; ``.diagnostic`` holds its messages.
    CompileTimeoutError
        clang ran past ``timeout``.
    CompilerCrashError
        clang crashed or was killed by a signal.
    """
    name = str(name) if name is not None else "<string>"
    lang, lang_omp = normalize_language(language, sample=name)
    if lang not in COMPILED_LANGUAGES:
        raise InputError(
            f"language {lang!r} needs no compiler; use sklearn_mirencoder.frontend.ir.to_ir or parse_ir",
            sample=name,
        )
    if timeout is not None and not timeout > 0:
        raise InputError(f"timeout must be a positive number of seconds, got {timeout!r}", sample=name)
    data = _check_source(source, name, max_source_bytes)

    if openmp is None:
        openmp = lang_omp if lang_omp is not None else (lang in ("c", "c++") and has_omp_pragma(data))
    openmp = bool(openmp)
    if openmp and lang not in ("c", "c++"):
        raise InputError(
            f"OpenMP applies to C and C++ only, not {lang}; pass openmp=False or language='c'/'c++'",
            sample=name,
        )

    try:
        info = find_compiler(compiler)
    except CompilerNotFoundError as exc:
        raise CompilerNotFoundError(exc.reason, sample=name) from None
    if info.kind == "ziglang" and lang in ("opencl", "cuda"):
        raise CompilerNotFoundError(
            f"the ziglang wheel's clang ships no {'OpenCL' if lang == 'opencl' else 'CUDA'} headers, "
            f"so it cannot compile {lang}; install a system clang 13+ (e.g. `apt-get install clang`) "
            f"or point {ENV_VAR} / compiler= at one",
            sample=name,
        )

    flags: list[str] = _language_flags(lang, info)
    flags += list(DEFAULT_OPT_FLAGS if opt_flags is None else _as_flags(opt_flags, "opt_flags", name))
    flags += list(_COMMON_FLAGS)
    if openmp:
        flags += ["-fopenmp", "-idirafter", str(include_dir("omp"))]
    if source_dir is not None:
        flags += ["-I", os.path.abspath(os.fspath(source_dir))]
    if info.kind == "ziglang":
        flags += list(_ZIG_FLAGS) + _zig_opt_fix(flags)
    flags += (extra := _as_flags(extra_flags, "extra_flags", name))
    flags += ["-c", "-emit-llvm"]

    src_name = _temp_name(name, lang)
    with _temp_dir() as tmp:
        Path(tmp, src_name).write_bytes(data)
        prefix = list(info.command)
        if info.kind == "ziglang" and lang == "c++":
            prefix[-1] = "c++"  # zig's c++ driver adds its libc++ headers, cc does not
        guard = None
        if confine_includes:
            own = os.path.abspath(os.fspath(source_dir)) if source_dir is not None else None
            guard = IncludeGuard([*prefix, *flags], source_dir=own, resource_dir=info.resource_dir, name=name,
                                 timeout=timeout, extra_flags=extra)  # fmt: skip
        cmd = [*prefix, *flags, *(guard.flags if guard else ()), "-o", _OUTPUT, src_name]
        try:
            rc, stderr = _run_compiler(cmd, tmp, timeout, name, info)
        except CompileTimeoutError as exc:
            if guard is None:
                raise
            raise guard.withhold(exc) from None
        if guard is not None:  # before clang's diagnostic can quote a refused file
            stderr = guard.check(tmp, src_name, rc, stderr)
        shown = _DISPLAY[lang] + (" with OpenMP" if openmp else "")
        if rc < 0:
            raise CompilerCrashError(
                f"{info.kind} {info.version} was killed by {_describe_signal(rc)} while compiling; "
                "this is a compiler bug or a resource limit, try another clang or opt_flags",
                sample=name,
                diagnostic=stderr,
            )
        if any(marker in stderr for marker in _CRASH_MARKERS):
            raise CompilerCrashError(
                f"{info.kind} {info.version} crashed while compiling (exit status {rc}); this is a "
                "compiler bug, try another clang (compiler=) or other opt_flags",
                sample=name,
                diagnostic=stderr,
            )
        if rc != 0:
            raise CompileError(
                f"{info.kind} {info.version} rejected the program as {shown} (exit status {rc}); fix "
                f"the errors below, or pass the right language= if it is not {_DISPLAY[lang]}",
                sample=name,
                diagnostic=stderr,
            )
        out = Path(tmp, _OUTPUT)
        bitcode = out.read_bytes() if out.is_file() else b""
        if not bitcode:
            raise CompileError(
                f"{info.kind} {info.version} exited successfully but wrote no bitcode; check "
                "extra_flags for options that change the output (-E, -S, -fsyntax-only, -o)",
                sample=name,
                diagnostic=stderr,
            )
    return CompileResult(bitcode=bitcode, compiler=info, flags=tuple(flags), language=lang, openmp=openmp)


def _as_flags(flags: Sequence[str], what: str, name: str) -> list[str]:
    if isinstance(flags, (str, bytes)):
        raise InputError(
            f"{what} must be a sequence of strings such as ('-O2',), not a single string", sample=name
        )
    out = []
    for f in flags:
        if not isinstance(f, str):
            raise InputError(f"{what} must hold strings, got {type(f).__name__}", sample=name)
        out.append(f)
    return out


def _run_compiler(
    cmd: list[str], cwd: str, timeout: float | None, name: str, info: CompilerInfo
) -> tuple[int, str]:
    try:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        raise CompilerNotFoundError(
            f"could not run {info.kind} at {info.path} ({exc}); {_INSTALL_HINT}", sample=name
        ) from None
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        try:
            out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a child escaped the group
            proc.kill()
            out, err = b"", b""
        raise CompileTimeoutError(
            f"{info.kind} {info.version} ran longer than the timeout of {timeout} s and was killed; "
            "pass a larger timeout= (or simplify the program)",
            sample=name,
            diagnostic=(err or b"").decode("utf-8", "replace"),
        ) from None
    except BaseException:
        _kill_group(proc)
        proc.wait()
        raise
    text = (err or b"").decode("utf-8", "replace")
    if out:
        text = (out.decode("utf-8", "replace") + "\n" + text).strip("\n")
    return proc.returncode, text
