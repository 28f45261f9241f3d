"""Any program -> canonical LLVM IR text.

:func:`to_ir` takes C, C++, OpenCL, CUDA or OpenMP source (compiled by
:mod:`sklearn_mirencoder.frontend.compile`), LLVM IR text or LLVM bitcode, and returns an
:class:`IRModule` whose ``text`` is the *canonical* form of the program: the module parsed
and verified by llvmlite's LLVM 22 and printed back by LLVM's own printer.  Compiled
languages always go through bitcode (clang <= 16 writes C++ IR text that LLVM 22 cannot
parse, while bitcode from clang 13 to 22 is read fine).

Canonical form
--------------
* Each parse uses a fresh LLVM context.  In a shared context LLVM renames a named struct
  type that an earlier module already defined (``%struct.S`` becomes ``%struct.S.0``,
  ``%struct.S.1``... even after the earlier module is gone), so the same input would print
  differently depending on what was parsed before.
* The module identifier is cleared, so no ``; ModuleID`` line: IR text and bitcode of the
  same program print the same.
* No-op pointer casts are removed.  IR written by typed-pointer producers (LLVM <= 14:
  clang 9 for the DevMap IR, clang 13/14 bitcode) is full of ``bitcast i8* %x to i32*``,
  which LLVM 22 reads as ``%y = bitcast ptr %x to ptr``: 7183 such instructions remain in
  491 of the 669 DevMap IR files after parsing (constant-expression casts are folded by
  LLVM itself; none remain).  llvmlite exposes no pass that removes only them
  (instsimplify is not exposed; instcombine and GVN would rewrite much more), so the
  canonical text is rewritten: each ``%y = bitcast ptr %x to ptr`` line (same address
  space on both sides) is deleted and the uses of ``%y`` in that function become ``%x``.
  LLVM 22 accepts gaps in value numbering, so the result is parsed and verified again and
  printed by LLVM, which renumbers the values; should that ever fail, the text with the
  casts is kept.  Clang 15+ output has no such casts and is unaffected.
* The printed text is parsed and printed once more, so the order of use lists (which
  shows in the ``; preds = ...`` comments: bitcode keeps clang's order, text parsing makes
  its own) is the one text parsing gives.  IR text and bitcode of one program therefore
  print identically, and canonical text is a fixed point of parse-and-print.

Old IR
------
LLVM 22 reads typed-pointer IR, but not the pre-LLVM-12 ``T* byval`` (and ``sret``,
``inalloca``) without a type.  When a first parse fails, :func:`upgrade_ir_text` rewrites
``<type>* byval`` to ``<type>* byval(<type>)`` in parameter lists and at call sites and the
parse is retried; what was applied is recorded in :attr:`IRModule.upgraded`.  Of the 669
DevMap IR files (clang 9), 668 parse as they are and ``rodinia-3.1-lavaMD-kernel_gpu_opencl``
needs this upgrade.

llvmlite 0.50 needs no ``llvm.initialize()`` call for parsing, so none is made here.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import llvmlite.binding as llvm
from llvmlite.binding import ffi as _ffi
from llvmlite.binding.context import ContextRef as _ContextRef
from llvmlite.binding.module import ModuleRef as _ModuleRef

from .compile import (
    CompileResult,
    CompilerInfo,
    _run_compiler,
    _temp_dir,
    compile_source,
    find_compiler,
    language_from_path,
    llvm_major,
    normalize_language,
)
from ..errors import CompilerNotFoundError, InputError, IRParseError

__all__ = [
    "IRModule",
    "parse_ir",
    "parse_ir_upgraded",
    "upgrade_ir_text",
    "canonical_text",
    "to_ir",
    "ir_from_compile_result",
    "load_file",
    "read_source_file",
    "BITCODE_MAGIC",
    "BITCODE_WRAPPER_MAGIC",
    "LLVM_MAJOR",
]

#: The first bytes of raw LLVM bitcode.
BITCODE_MAGIC = b"BC\xc0\xde"
#: The first bytes of wrapped bitcode (0x0B17C0DE, little-endian; Darwin-style wrapper).
BITCODE_WRAPPER_MAGIC = b"\xde\xc0\x17\x0b"


@dataclass(frozen=True)
class IRModule:
    """One program as canonical LLVM IR.

    Attributes
    ----------
    text : str
        Canonical IR text: ``str()`` of the llvmlite module (see the module docstring).
    name : str
        The sample's name (a path or ``"<string>"``).
    language : str
        The canonical language of the input (``"c"``, ``"c++"``, ``"opencl"``, ``"cuda"``,
        ``"llvm-ir"``, ``"llvm-bc"``); OpenMP programs are ``"c"`` or ``"c++"`` with
        ``-fopenmp`` among the flags.
    compiler : CompilerInfo or None
        The clang that compiled it, ``None`` for IR and bitcode input.
    flags : tuple of str
        The flags clang ran with (empty for IR and bitcode input).
    upgraded : tuple of str
        Textual upgrades applied to old IR before LLVM 22 could parse it, e.g.
        ``("byval type added",)``; empty for almost every input.
    """

    text: str
    name: str
    language: str
    compiler: CompilerInfo | None = None
    flags: tuple[str, ...] = ()
    upgraded: tuple[str, ...] = ()


# --------------------------------------------------------------------------- contexts


class _PrivateContext(_ContextRef):
    """An LLVM context of its own for one parse, disposed only after its modules.

    A fresh context per parse keeps struct type names stable (see the module docstring).
    llvmlite disposes a context whenever its Python object dies, which is safe with plain
    reference counting (a module holds its context), but not when a module and its context
    die together in a garbage-collected cycle (an exception traceback holding both, for
    instance): the collector runs their finalisers in any order, and disposing the context
    first frees the module under the module's own finaliser (a segfault).  Here the context
    counts its live modules and, if asked to go first, waits for the last one.
    """

    def __init__(self):
        super().__init__(_ffi.lib.LLVMPY_ContextCreate())
        self._raw = self._ptr
        self._live = 0
        self._pending = False

    def _dispose(self):
        if self._live > 0:
            self._pending = True  # the last module's _dispose frees it
        else:
            _ffi.lib.LLVMPY_ContextDispose(self._raw)

    def _module_gone(self):
        self._live -= 1
        if self._live == 0 and self._pending:
            self._pending = False
            _ffi.lib.LLVMPY_ContextDispose(self._raw)


class _PrivateModuleRef(_ModuleRef):
    """A module living in a :class:`_PrivateContext` (an ordinary llvmlite ``ModuleRef``)."""

    def __init__(self, module_ptr, context):
        super().__init__(module_ptr, context)
        context._live += 1

    def _dispose(self):
        try:
            super()._dispose()
        finally:
            self._context._module_gone()

    def clone(self):
        return _PrivateModuleRef(_ffi.lib.LLVMPY_CloneModule(self), self._context)


def _adopt(module, ctx: _PrivateContext) -> _PrivateModuleRef:
    ptr = module._ptr
    module.detach()  # the llvmlite wrapper lets go; ours disposes it
    return _PrivateModuleRef(ptr, ctx)


def _parse_assembly(text: str) -> _PrivateModuleRef:
    ctx = _PrivateContext()
    return _adopt(llvm.parse_assembly(text, context=ctx), ctx)


def _parse_bitcode(data: bytes) -> _PrivateModuleRef:
    ctx = _PrivateContext()
    try:
        module = llvm.parse_bitcode(data, context=ctx)
    except ValueError as exc:  # a NULL module without a message
        raise RuntimeError(f"LLVM bitcode parsing error\n{exc}") from None
    return _adopt(module, ctx)


# --------------------------------------------------------------------------- parsing


def _is_bitcode(data: bytes) -> bool:
    return data.startswith(BITCODE_MAGIC) or data.startswith(BITCODE_WRAPPER_MAGIC)


def _llvm_message(exc: BaseException) -> str:
    text = str(exc)
    for prefix in ("LLVM IR parsing error\n", "LLVM bitcode parsing error\n"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text.strip() or type(exc).__name__


_TYPED_POINTER = re.compile(r"(?:\bi\d+|\bfloat|\bdouble|%[-\w$.]+|[\]}>])\*")
#: The LLVM version llvmlite is built on (22 for llvmlite 0.50).
LLVM_MAJOR = llvm_major()


def _parse_verified(text: str):
    module = _parse_assembly(text)
    try:
        module.verify()
    except BaseException:
        module.close()
        raise
    return module


def parse_ir_upgraded(data: str | bytes, *, name: str = "<string>") -> tuple[llvm.ModuleRef, tuple[str, ...]]:
    """Like :func:`parse_ir`, also returning the upgrades applied (see :func:`upgrade_ir_text`)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        data = bytes(data)
        if _is_bitcode(data):
            try:
                module = _parse_bitcode(data)
            except RuntimeError as exc:
                raise IRParseError(
                    f"LLVM {LLVM_MAJOR} could not read this bitcode (truncated, corrupt, or written by "
                    f"an LLVM newer than {LLVM_MAJOR}); recompile it with clang 13..{LLVM_MAJOR}",
                    sample=name,
                    diagnostic=_llvm_message(exc),
                ) from None
            _verify(module, name)
            return module, ()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"the input is neither LLVM bitcode (no 'BC\\xc0\\xde' magic) nor UTF-8 text (byte "
                f"0x{data[exc.start]:02x} at offset {exc.start}); pass LLVM IR text or bitcode",
                sample=name,
            ) from None
    elif isinstance(data, str):
        text = data
    else:
        raise InputError(
            f"IR must be given as str or bytes, got {type(data).__name__}; to read a file use "
            "sklearn_mirencoder.frontend.ir.load_file",
            sample=name,
        )
    if not text.strip():
        raise InputError("the IR is empty (or only whitespace); nothing to parse", sample=name)
    if "\x00" in text:
        raise IRParseError(
            "the IR text contains NUL characters, so it is not LLVM IR text; pass bitcode as bytes "
            "starting with 'BC\\xc0\\xde' or valid IR text",
            sample=name,
        )
    try:
        module = _parse_assembly(text)
    except RuntimeError as first:
        upgraded_text, applied = upgrade_ir_text(text)
        if not applied:
            hint = ""
            if _TYPED_POINTER.search(text):
                hint = (
                    " (it uses typed pointers, so it comes from LLVM 14 or older; LLVM "
                    f"{LLVM_MAJOR} reads most such IR, but not this)"
                )
            raise IRParseError(
                f"LLVM {LLVM_MAJOR} could not parse this IR{hint}; check that it is LLVM IR text "
                "(language='llvm-ir') and that it is complete",
                sample=name,
                diagnostic=_llvm_message(first),
            ) from None
        try:
            module = _parse_assembly(upgraded_text)
        except RuntimeError as second:
            raise IRParseError(
                f"the IR comes from an LLVM version too old to upgrade: LLVM {LLVM_MAJOR} could not parse it "
                f"even after the upgrades ({', '.join(applied)}); regenerate it with clang 13 or newer",
                sample=name,
                diagnostic=_llvm_message(second),
            ) from None
        _verify(module, name)
        return module, applied
    _verify(module, name)
    return module, ()


def _verify(module, name: str) -> None:
    try:
        module.verify()
    except RuntimeError as exc:
        module.close()  # free it now rather than with the traceback
        raise IRParseError(
            "the IR parses but is not valid (LLVM's verifier rejects it); fix the module or "
            "regenerate it with clang",
            sample=name,
            diagnostic=_llvm_message(exc),
        ) from None


def parse_ir(data: str | bytes, *, name: str = "<string>") -> llvm.ModuleRef:
    """Parse LLVM IR text or bitcode with llvmlite (LLVM 22) and verify it.

    Bytes starting with the bitcode magic (``BC\\xC0\\xDE``, or the 0x0B17C0DE wrapper) are
    read as bitcode; other bytes must be UTF-8 IR text.  Old IR that needs a textual
    upgrade is upgraded (:func:`upgrade_ir_text`).  Each call parses into a fresh LLVM
    context.

    Raises
    ------
    InputError
        Empty input, or bytes that are neither bitcode nor UTF-8.
    IRParseError
        LLVM could not parse or verify it; ``.diagnostic`` holds LLVM's message.
    """
    return parse_ir_upgraded(data, name=name)[0]


# --------------------------------------------------------------------------- upgrades

_TYPED_ATTRS = ("byval", "sret", "inalloca")
_UNTYPED_ATTR = re.compile(r"\b(byval|sret|inalloca)\b(?![ \t]*\()")
# parameter attributes that may sit between a pointer type and byval/sret/inalloca
_ATTRS_BETWEEN = re.compile(
    r"(?:[ \t]+(?:nocapture|readonly|readnone|writeonly|noalias|nonnull|inreg|zeroext|signext|"
    r"returned|noundef|immarg|nofree|nest|swiftself|swifterror|align[ \t]+\d+|"
    r"dereferenceable(?:_or_null)?\(\d+\)))*[ \t]+$"
)
_ADDRSPACE_TAIL = re.compile(r"[ \t]*addrspace\(\d+\)[ \t]*$")
_PRIMITIVE_TYPES = frozenset(
    "half bfloat float double x86_fp80 fp128 ppc_fp128 x86_mmx x86_amx void label metadata token".split()
)
_OPEN = {")": "(", "]": "[", "}": "{", ">": "<"}
_IDENT_CHARS = re.compile(r"[-\w$.]")


def _type_start(s: str, end: int) -> int | None:
    """Start index of the LLVM type that ends right before ``end`` in ``s``."""
    j = end
    while j > 0 and s[j - 1] in " \t":
        j -= 1
    if j == 0:
        return None
    c = s[j - 1]
    if c == "*":
        k = j - 1
        m = _ADDRSPACE_TAIL.search(s, 0, k)
        if m:
            k = m.start()
        return _type_start(s, k)
    if c in _OPEN:
        depth = 0
        k = j - 1
        while k >= 0:
            ch = s[k]
            if ch in _OPEN:
                depth += 1
            elif ch in "([{<":
                depth -= 1
                if depth == 0:
                    break
            k -= 1
        if k < 0:
            return None
        if c == ")":  # a function type: the return type comes before the parameter list
            return _type_start(s, k)
        if s[k] == "{" and k > 0 and s[k - 1] == "<":  # packed struct <{ ... }>
            return k - 1
        return k
    if c == '"':  # %"quoted type name"
        k = s.rfind('"', 0, j - 1)
        if k > 0 and s[k - 1] == "%":
            return k - 1
        return None
    if _IDENT_CHARS.match(c):
        k = j - 1
        while k > 0 and _IDENT_CHARS.match(s[k - 1]):
            k -= 1
        word = s[k:j]
        if k > 0 and s[k - 1] == "%":
            return k - 1
        if re.fullmatch(r"i\d+", word) or word in _PRIMITIVE_TYPES:
            return k
        return None
    return None


def _upgrade_line(line: str, counts: dict[str, int]) -> str:
    matches = list(_UNTYPED_ATTR.finditer(line))
    for m in reversed(matches):
        prefix = line[: m.start()]
        between = _ATTRS_BETWEEN.search(prefix)
        if between is None:
            continue
        type_end = between.start()
        if type_end == 0 or prefix[type_end - 1] != "*":
            continue
        star = type_end - 1
        inner_end = star
        asp = _ADDRSPACE_TAIL.search(prefix, 0, star)
        if asp:
            inner_end = asp.start()
        start = _type_start(prefix, inner_end)
        if start is None:
            continue
        pointee = prefix[start:inner_end].strip()
        if not pointee:
            continue
        attr = m.group(1)
        line = f"{line[: m.end()]}({pointee}){line[m.end() :]}"
        counts[attr] = counts.get(attr, 0) + 1
    return line


def upgrade_ir_text(text: str) -> tuple[str, tuple[str, ...]]:
    """Rewrite pre-LLVM-12 IR constructs that LLVM 22 no longer parses.

    ``<type>* byval`` (also ``sret``, ``inalloca``) without an explicit type becomes
    ``<type>* byval(<type>)``, in ``define``/``declare`` parameter lists and at call sites,
    for primitive, named (``%struct.x``), literal struct, array, vector and pointer pointee
    types.  Returns the new text and descriptions of what was applied (``("byval type
    added",)``), empty when nothing matched.
    """
    if not _UNTYPED_ATTR.search(text):
        return text, ()
    counts: dict[str, int] = {}
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if any(a in line for a in _TYPED_ATTRS) and _UNTYPED_ATTR.search(line):
            lines[i] = _upgrade_line(line, counts)
    applied = tuple(f"{a} type added" for a in _TYPED_ATTRS if counts.get(a))
    return ("\n".join(lines) if applied else text), applied


# --------------------------------------------------------------------------- canonical text

_VALUE_NAME = r'%(?:[-a-zA-Z$._0-9]+|"(?:[^"\\]|\\.)*")'
_NOOP_CAST = re.compile(
    rf"^  (?P<res>{_VALUE_NAME}) = bitcast (?P<ty>ptr(?: addrspace\(\d+\))?) (?P<val>.+) to (?P=ty)"
    r"(?:, ![-\w.]+ !\d+)*$",
    re.MULTILINE,
)
_TYPE_DEF = re.compile(rf"^(?P<t>{_VALUE_NAME}) = type ", re.MULTILINE)


def _strip_noop_casts(text: str) -> str | None:
    """``text`` without no-op pointer bitcasts, or None when there are none / it is unsafe."""
    if " = bitcast ptr" not in text:
        return None
    type_names = {m.group("t") for m in _TYPE_DEF.finditer(text)}
    lines = text.split("\n")
    out: list[str] = []
    changed = False
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        out.append(line)
        i += 1
        if not (line.startswith("define ") and line.endswith("{")):
            continue
        j = i
        while j < n and lines[j] != "}":
            j += 1
        body = lines[i:j]
        new_body = _strip_body(body, type_names)
        if new_body is None:
            out.extend(body)
        else:
            out.extend(new_body)
            changed = True
        i = j
    return "\n".join(out) if changed else None


def _strip_body(body: list[str], type_names: set[str]) -> list[str] | None:
    casts: dict[str, str] = {}
    cast_lines: set[int] = set()
    for k, line in enumerate(body):
        if " = bitcast ptr" in line:
            m = _NOOP_CAST.fullmatch(line)
            if m is not None and m.group("res") not in type_names:
                casts[m.group("res")] = m.group("val")
                cast_lines.add(k)
    if not casts:
        return None
    resolved: dict[str, str] = {}
    for k, v in casts.items():
        seen = {k}
        while v in casts:
            if v in seen:  # a self-referential cast in unreachable code: leave the function alone
                return None
            seen.add(v)
            v = casts[v]
        resolved[k] = v

    # one alternation of the removed names (much faster than a callback on every value
    # reference); quoted strings (constants, inline asm, metadata) are matched to be skipped
    names = "|".join(re.escape(k[1:]) for k in sorted(resolved, key=len, reverse=True))
    uses = re.compile(rf'(?P<s>"(?:[^"\\]|\\.)*")|%(?:{names})(?![-\w$.])')

    def subst(t: re.Match) -> str:
        return t.group(0) if t.group("s") is not None else resolved[t.group(0)]

    kept = "\n".join(line for k, line in enumerate(body) if k not in cast_lines)
    return uses.sub(subst, kept).split("\n")


_OCL_COPY = re.compile(r"^define [^\n]*@(__clang_ocl_kern_imp_[-\w$.]+)\(", re.MULTILINE)


def _drop_unused_ocl_kernel_copies(text: str) -> str | None:
    """Drop the ``__clang_ocl_kern_imp_<kernel>`` copies that clang >= 21 emits.

    Since clang 21 every OpenCL kernel is emitted twice: the ``spir_kernel`` entry and an
    ``alwaysinline`` copy of its body that the entry calls.  From ``-O1`` on the call is
    inlined but the (externally visible) copy stays, so the program's body would appear
    twice in the graph and the tokens, unlike IR from clang <= 20.  A copy that nothing
    references any more is removed; at ``-O0`` the entry still calls its copy, which then
    stays (as the body, with the entry a one-call stub).
    """
    if "__clang_ocl_kern_imp_" not in text:
        return None
    lines = text.split("\n")
    drop: set[int] = set()
    for m in _OCL_COPY.finditer(text):
        name = m.group(1)
        if len(re.findall(rf"@{re.escape(name)}(?![-\w$.])", text)) != 1:
            continue  # still called (at -O0): keep it
        start = text.count("\n", 0, m.start())
        end = start
        while end < len(lines) and lines[end] != "}":
            end += 1
        first = start - 1 if start > 0 and lines[start - 1].startswith("; Function Attrs") else start
        drop.update(range(first, end + 2))  # the body, its closing brace and the blank line
    if not drop:
        return None
    return "\n".join(line for k, line in enumerate(lines) if k not in drop)


def canonical_text(module: llvm.ModuleRef) -> str:
    """The canonical text of a parsed module (see the module docstring).

    Clears the module identifier of ``module`` (so ``str(module)`` has no ``; ModuleID``
    line), removes no-op pointer bitcasts, and prints the module once more after parsing
    its own text, so that the use-list order (visible in the ``; preds = ...`` comments)
    no longer depends on whether the module came from bitcode or from text: IR text and
    bitcode of the same program give the same canonical text, and canonical text is a
    fixed point (parsing and printing it again changes nothing).
    """
    module.name = ""
    text = str(module)
    text = _drop_unused_ocl_kernel_copies(text) or text
    stripped = _strip_noop_casts(text)
    clean = None
    for candidate in (stripped, text):
        if candidate is None:
            continue
        try:
            clean = _parse_verified(candidate)
            break
        except RuntimeError:  # pragma: no cover - keep the casts rather than fail
            continue
    if clean is None:  # pragma: no cover - LLVM could not read its own output
        return text
    try:
        clean.name = ""
        return str(clean)
    finally:
        clean.close()


# --------------------------------------------------------------------------- front door


def _check_ir_input(source, name: str, max_source_bytes: int | None) -> str | bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = bytes(source)
        size = len(source)
    elif isinstance(source, str):
        size = len(source.encode("utf-8", "surrogatepass"))
    else:
        raise InputError(
            f"the source must be str or bytes, got {type(source).__name__}; to read a file use "
            "sklearn_mirencoder.frontend.ir.load_file",
            sample=name,
        )
    if max_source_bytes is not None and size > max_source_bytes:
        raise InputError(
            f"the input is {size} bytes, over the limit of {max_source_bytes} bytes; pass a larger "
            "max_source_bytes= to process it",
            sample=name,
        )
    if isinstance(source, bytes) and not _is_bitcode(source) and not source.strip():
        raise InputError("the input is empty (or only whitespace); nothing to parse", sample=name)
    return source


def to_ir(
    source: str | bytes,
    *,
    language: str | None = None,
    name: str | None = None,
    compiler: str | os.PathLike | CompilerInfo | None = None,
    opt_flags: Sequence[str] | None = None,
    extra_flags: Sequence[str] = (),
    openmp: bool | None = None,
    timeout: float | None = 60.0,
    max_source_bytes: int | None = 4_000_000,
    source_dir: str | os.PathLike | None = None,
    confine_includes: bool = False,
) -> IRModule:
    """Turn one program (its content) into canonical LLVM IR.

    Parameters
    ----------
    source : str or bytes
        The program's content: source code, LLVM IR text, or LLVM bitcode (bytes).
    language : str
        Required: ``"c"``, ``"c++"``, ``"opencl"``, ``"cuda"``, ``"openmp"``,
        ``"openmp-c++"``, ``"llvm-ir"``, ``"llvm-bc"`` or an alias (see
        :func:`~sklearn_mirencoder.frontend.compile.normalize_language`).
    name : str, optional
        The sample's name in error messages (default ``"<string>"``).
    compiler, opt_flags, extra_flags, openmp, timeout, max_source_bytes, source_dir, confine_includes
        See :func:`~sklearn_mirencoder.frontend.compile.compile_source`.  IR and bitcode input is
        not compiled (nor re-optimised) and only ``max_source_bytes`` applies, except that
        bitcode is first read by clang (``compiler``, ``timeout``) in its own process when a
        clang of LLVM 22 or newer is found: some corrupt bitcode makes llvmlite's LLVM abort
        the calling process, while clang rejects it (:class:`IRParseError`).

    Returns
    -------
    IRModule

    Raises
    ------
    InputError, IncludeRefusedError, CompilerNotFoundError, CompileError,
    CompileTimeoutError, CompilerCrashError, IRParseError
        Each naming the sample.
    """
    name = str(name) if name else "<string>"
    if isinstance(source, os.PathLike):
        raise InputError(
            "got a path where the program's content was expected; use "
            "sklearn_mirencoder.frontend.ir.load_file(path) to read a file",
            sample=os.fspath(source),
        )
    if language is None:
        raise InputError(
            "language= is required for program content (one of c, c++, opencl, cuda, openmp, "
            "llvm-ir, llvm-bc); use load_file to infer it from a file's extension",
            sample=name,
        )
    lang, _ = normalize_language(language, sample=name)
    if lang in ("llvm-ir", "llvm-bc"):
        data = _check_ir_input(source, name, max_source_bytes)
        if isinstance(data, bytes) and _is_bitcode(data):
            _vet_bitcode(data, name, compiler, timeout)
        module, upgraded = parse_ir_upgraded(data, name=name)
        try:
            text = canonical_text(module)
        finally:
            module.close()
        return IRModule(text=text, name=name, language=lang, compiler=None, flags=(), upgraded=upgraded)
    result = compile_source(
        source,
        language=language,
        name=name,
        compiler=compiler,
        opt_flags=opt_flags,
        extra_flags=extra_flags,
        openmp=openmp,
        timeout=timeout,
        max_source_bytes=max_source_bytes,
        source_dir=source_dir,
        confine_includes=confine_includes,
    )
    return ir_from_compile_result(result, name=name)


def _vet_bitcode(data: bytes, name: str, compiler, timeout: float | None) -> None:
    """Have clang read bitcode given by the user, in its own process, before llvmlite does.

    llvmlite's LLVM is built with assertions: some corrupt bitcode (a flipped byte in an
    attribute group, found by ``benchmarks/robustness.py``) makes it abort, which would end
    the calling process.  clang's reader rejects such input with an error, which becomes
    :class:`IRParseError`.  Skipped without a clang of LLVM ``LLVM_MAJOR`` or newer (an older
    one cannot read newer bitcode); the bitcode is then parsed as it is.
    """
    try:
        info = find_compiler(compiler)
    except CompilerNotFoundError:
        return
    if info.kind != "clang" or info.major < LLVM_MAJOR:
        return
    cmd = [*info.command, "-x", "ir", "-c", "-emit-llvm", "-Xclang", "-disable-llvm-passes", "-Wno-everything",
           "-o", "__mirencoder_out.bc", "input.bc"]  # fmt: skip
    with _temp_dir() as tmp:
        Path(tmp, "input.bc").write_bytes(data)
        try:
            rc, stderr = _run_compiler(cmd, tmp, timeout, name, info)
        except CompilerNotFoundError:
            return
    if rc != 0:
        raise IRParseError(
            f"LLVM {LLVM_MAJOR} could not read this bitcode ({info.kind} {info.version}'s reader "
            f"{'crashed on' if rc < 0 else 'rejected'} it: truncated, corrupt, or written by an LLVM newer "
            f"than {LLVM_MAJOR}); recompile it with clang 13..{LLVM_MAJOR}",
            sample=name,
            diagnostic=stderr,
        )


def ir_from_compile_result(result: CompileResult, *, name: str = "<string>") -> IRModule:
    """The canonical :class:`IRModule` of clang's output (what :func:`to_ir` does after
    :func:`~sklearn_mirencoder.frontend.compile.compile_source`; for callers that compile elsewhere,
    e.g. in a thread ahead of the parsing).

    Raises
    ------
    IRParseError
        Naming the sample, when llvmlite's LLVM cannot read the bitcode.
    """
    try:
        module, upgraded = parse_ir_upgraded(result.bitcode, name=name)
    except IRParseError as exc:
        raise IRParseError(
            f"{result.compiler.kind} {result.compiler.version} wrote bitcode that llvmlite's LLVM "
            f"{LLVM_MAJOR} cannot read ({exc.reason}); use clang 13..{LLVM_MAJOR}",
            sample=name,
            diagnostic=exc.diagnostic or None,
        ) from None
    try:
        text = canonical_text(module)
    finally:
        module.close()
    return IRModule(
        text=text,
        name=name,
        language=result.language,
        compiler=result.compiler,
        flags=result.flags,
        upgraded=upgraded,
    )


_READ_CHUNK = 1 << 20


def read_source_file(path: str | os.PathLike, *, max_source_bytes: int | None = 4_000_000, name: str | None = None) -> bytes:
    """The bytes of a program file, read safely.

    Only regular files are read: a FIFO (whose ``open`` would block until a writer comes), a
    device (``/dev/zero`` and ``/dev/urandom`` never end), a socket or a folder is refused
    without blocking (the file is opened with ``O_NONBLOCK`` and checked with ``fstat``).  At
    most ``max_source_bytes`` bytes are read, whatever the size ``stat`` reports (files in
    ``/proc`` report 0, a file may grow while read).

    Raises
    ------
    InputError
        Naming the sample (``name``, default the path): the file cannot be opened, is not a
        regular file, or is larger than ``max_source_bytes``.
    """
    sample = str(name) if name else os.fspath(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror or exc}); check the path", sample=sample) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            what = "a folder" if stat.S_ISDIR(mode) else "a device, FIFO or socket, not a regular file"
            raise InputError(f"cannot read the file (it is {what}); pass the path of a program file", sample=sample)
        return _read_at_most(fd, max_source_bytes, sample)
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror or exc}); check the path", sample=sample) from None
    finally:
        os.close(fd)


def _read_at_most(fd: int, limit: int | None, sample: str) -> bytes:
    size = os.fstat(fd).st_size
    if limit is not None and size > limit:
        raise InputError(
            f"the file is {size} bytes, over the limit of {limit} bytes; pass a larger max_source_bytes= to "
            "process it",
            sample=sample,
        )
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = os.read(fd, _READ_CHUNK)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if limit is not None and total > limit:
            raise InputError(
                f"the file holds more than the limit of {limit} bytes (it grew while read, or reports no "
                "size); pass a larger max_source_bytes= to process it",
                sample=sample,
            )


def load_file(
    path: str | os.PathLike,
    *,
    language: str | None = None,
    name: str | None = None,
    **kw,
) -> IRModule:
    """Read a program file and turn it into canonical LLVM IR.

    The language comes from the extension unless ``language=`` is given (see
    :func:`~sklearn_mirencoder.frontend.compile.language_from_path`); the sample's name is the path
    unless ``name=`` is given; the file's folder is passed as ``source_dir`` so that its
    local headers resolve.  Other keyword arguments go to :func:`to_ir`.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InputError(f"load_file needs a path, got {type(path).__name__}", sample=str(name or path))
    p = Path(os.fspath(path))
    sample = str(name) if name else os.fspath(path)
    lang = language if language is not None else language_from_path(p)
    data = read_source_file(p, max_source_bytes=kw.get("max_source_bytes", 4_000_000), name=sample)
    kw.setdefault("source_dir", str(p.resolve().parent))
    return to_ir(data, language=lang, name=sample, **kw)
