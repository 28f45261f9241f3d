"""Text modality front end: IR normalisation, IR words and the IR tokenizer.

MIREncoder's first modality reads a program as the text of its LLVM IR, cut into
sub-word tokens by a WordPiece (or BPE) vocabulary trained on IR, and learns it with
masked language modelling.  Raw IR text is a poor input for that: most of its bytes are
comments, metadata, attribute groups and names, which say where the program came from
rather than what it computes, and which change from one compiler run, one build setting
or one data set to the next.  :func:`normalize_ir` turns the canonical IR text that
llvmlite prints (``str(module)``, the LLVM 22 printer, opaque ``ptr`` pointers) into a
stable, name-free text with one instruction or definition per line; :func:`ir_words`
cuts that text into *IR words*, the pre-tokenisation shared by the tokenizer and the
rest of the package; :class:`IRTokenizer` wraps a Hugging Face ``tokenizers`` model
trained on normalised IR.

What is kept
------------
* opcodes, types (``i32``, ``ptr addrspace(1)``, ``<4 x float>``, ``[5 x double]``),
  operand structure, instruction flags (``nsw``, ``nuw``, ``exact``, ``inbounds``,
  ``nneg``, fast-math flags), predicates (``icmp sgt``), ``tail``/``musttail``,
  atomic orderings and ``syncscope``;
* calling conventions (``spir_kernel``, ``fastcc``), linkage (``internal``,
  ``linkonce_odr``...), function signatures and the semantic parameter / return
  attributes written inline (``noalias``, ``nonnull``, ``readonly``,
  ``captures(none)``, ``dereferenceable(N)``, ``byval(...)``, ``range(...)``);
* the names of symbols that are only *declared* in the module: intrinsics
  (``@llvm.fmuladd.f32``), OpenCL built-ins (``@_Z13get_global_idj``), library
  functions (``@printf``) and external globals (``@stderr``), plus reserved
  ``@llvm.*`` globals (``@llvm.used``) -- they name operations, not programs.  (A
  module that calls a helper compiled elsewhere declares it, and keeps its name: the
  devmap kernels declare e.g. ``@BoxMullerTrans``; such names are rare and left alone,
  as a list of "library" names would be arbitrary);
* control structure: block labels (abstracted, see below), ``define ... {``/``}``,
  ``declare`` lines, global variable, alias and named-type definitions;
* integers with at most four digits, and the integers whose magnitude is a power of
  two or a single run of set bits (masks such as ``INT_MAX``, ``65535``,
  ``0x7FFFFFE0``), exactly;
* a few common floating-point values (see *abstracted*), ``inf`` and ``nan``.

What is dropped
---------------
* comments, including ``; ModuleID``, ``; preds = ...`` and ``; Function Attrs``;
* ``source_filename``, ``target datalayout``, ``target triple``, ``module asm``,
  ``uselistorder`` directives, comdat definitions (``$x = comdat any``) and uses;
* all metadata: definitions (``!0 = ...``, named metadata), attachments
  (``, !tbaa !5``, ``!llvm.loop !6``, ``!dbg !7``, ``!kernel_arg_type !6`` on
  function headers); a metadata *operand* that is not debug information is kept as the
  word ``<md>`` (``metadata <md>``);
* debug records and intrinsics: ``#dbg_value(...)``/``#dbg_declare``/``#dbg_assign``/
  ``#dbg_label`` lines and ``call void @llvm.dbg.*`` (with their declarations), so
  ``-g`` does not change the text;
* attribute groups (``attributes #0 = {...}``) and references to them (``#0``);
* ``align N`` everywhere (loads, stores, allocas, globals, parameters, ``align 2`` on
  C++ methods): alignment is almost always implied by the type and the target's data
  layout, and dropping it shortens a typical kernel by about a tenth;
* ``noundef``: the front end puts it on nearly every C/C++ parameter and argument, so
  it carries almost no information while adding a word to most call sites;
* ``dso_local``, ``dso_preemptable``, ``local_unnamed_addr``, ``unnamed_addr``,
  ``hidden``/``protected`` visibility, ``section "..."`` and ``partition "..."``:
  they follow from build settings (``-fPIC``, ``-fvisibility``), not from the code.

What is abstracted
------------------
* local values: renumbered per function in order of first appearance, arguments
  first: ``%v0, %v1, ...`` -- whatever their names (``%0``, ``%x``, ``%arrayidx``);
* basic blocks: ``%b0, %b1, ...`` per function in layout order; the entry block is
  always ``%b0`` and its label line ``%b0:`` is always written.  Labels are written
  ``%bN:`` so that a block's definition and its uses are the same word;
* names of *defined* functions become ``@f0, @f1, ...`` and of defined global
  variables, aliases and ifuncs ``@g0, @g1, ...``, in order of definition: such names
  (``@rhsz``, ``@_ZN1D1fEi``, ``@main``) identify the benchmark or data set;
* named struct types become ``%t0, %t1, ...`` in order of definition: their names
  leak identity (``%struct.lavaMD_par``) and, worse, llvmlite's global LLVM context
  suffixes them with a counter that depends on what the process parsed before
  (``%struct.point.7``), which would make the text depend on the process;
* other integers with more than four digits: ``<intD>`` where ``D`` is the number of
  digits (``-<intD>`` when negative: the sign stays a word of its own);
* floating-point constants, decimal (``1.000000e+02``) or hexadecimal
  (``0x3FB99999A0000000``, and the ``0xK``/``0xL``/``0xM``/``0xH``/``0xR`` forms), are
  decoded; zero (``0.0``, ``-0.0``), integers and halves up to 16, powers of two from
  2^-8 to 2^16 and powers of ten from 1e-9 to 1e9 (to single precision, so that
  ``0.1f`` and ``0.1`` agree) are written in a canonical decimal form (``1.0``,
  ``0.5``, ``0.1``, ``1.0e-06``); every other value is ``<float>`` (``-<float>`` when
  negative); ``inf``/``-inf``/``nan`` stay;
* quoted names that are kept (``@"\01_foo"``) have every character but letters, digits,
  ``-``, ``_``, ``.`` and ``$`` replaced by ``_``;
* string constants ``c"..."`` become ``<str>``; other quoted strings (inline asm,
  attribute strings) stay when they are short identifiers (``syncscope("agent")``) and
  become ``<str>`` otherwise; metadata operands become ``<md>`` (see above);
* global initialisers longer than :data:`MAX_GLOBAL_WORDS` IR words are cut after that
  many words, followed by ``...`` and the brackets needed to close them.

Layout
------
One instruction or definition per line (the continuation lines of ``switch``,
``invoke``, ``landingpad`` and ``callbr`` are joined to their instruction), no
indentation, single spaces, no trailing newline.  The result is deterministic (it
depends on the text only, never on the process) and idempotent:
``normalize_ir(normalize_ir(t)) == normalize_ir(t)``.  It is not valid LLVM assembly and
is not meant to be parsed back.  Speed: about 8 microseconds per IR line in pure Python
(precompiled regular expressions, each starting with a literal so that ``re`` can skip
ahead; names renamed by splitting the text rather than by a per-match callback).

Known limitations: unnamed identified struct types (``%0 = type {...}``; clang and LLVM 22
name every struct they create, so these only appear in hand-written IR) are recognised
inside function bodies only where no local value has the same number; a local value
named exactly like a named struct type (LLVM keeps the two apart, clang never does this)
is read as the type.

IR words
--------
:func:`ir_words` cuts normalised text into IR words: ``%v3``, ``@f0``, ``i32``,
``getelementptr``, ``inbounds``, numbers (``-1``, ``0.5``), the abstract words
(``<str>``, ``<float>``, ``<int7>``, ``<md>``), ``...``, and every other character
alone (``<4 x float>`` is ``<``, ``4``, ``x``, ``float``, ``>``).  The end of each line
but the last is the word ``<nl>`` (:data:`NEWLINE_WORD`).  The tokenizer reaches the
same split with a ``Replace("\\n", " <nl> ")`` normalizer followed by the pre-tokenizers
``WhitespaceSplit`` and ``Split(WORD_PATTERN, "isolated")``.
"""

from __future__ import annotations

import functools
import heapq
import json
import math
import os
import re
import struct
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

from ..errors import TokenizerError

__all__ = [
    "normalize_ir",
    "ir_words",
    "IRTokenizer",
    "NEWLINE_WORD",
    "WORD_PATTERN",
    "SPECIAL_TOKENS",
    "MAX_GLOBAL_WORDS",
    "NORMALIZER_VERSION",
]

#: Version of the normalisation rules; a tokenizer trained on one version expects it.
NORMALIZER_VERSION = 1

#: The word that stands for a line break between two instructions.
NEWLINE_WORD = "<nl>"

#: Special tokens every :class:`IRTokenizer` vocabulary must contain.
SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")

#: Longest global definition line, in IR words, before its initialiser is cut.
MAX_GLOBAL_WORDS = 64

#: Regular expression of one IR word (Python ``re`` and Oniguruma agree on it: ASCII
#: classes only).  Applied to text without whitespace it covers every character.
WORD_PATTERN = (
    r"<nl>"
    r"|<[a-z]+[0-9]*>"
    r'|[%@](?:"[^"\s]*"|[-A-Za-z0-9_$.]+)'
    r'|c?"[^"\s]*"'
    r"|\.\.\."
    r"|-?[0-9]+(?:\.[0-9]+(?:e[-+]?[0-9]+)?)?"
    r"|[A-Za-z_][A-Za-z0-9_]*"
    r"|\S"
)
_WORD = re.compile(WORD_PATTERN)
# characters on which Python's and the Rust tokenizer's white space may differ
_NOT_PLAIN = re.compile(r"[^\x20-\x7e\t\n\r\x0b\x0c]")
_NEWLINE_SPACED = f" {NEWLINE_WORD} "

# ----------------------------------------------------------------------------------------
# normalisation
# ----------------------------------------------------------------------------------------

_NAME = r'(?:[-A-Za-z0-9_$.]+|"[^"\n]*")'

# Speed: Python's ``re`` skips ahead quickly only when a pattern starts with a literal or
# a character set, so every pattern below does (most start with "\n": the text gets a
# leading newline and line starts are found by it rather than by ``^``).  Only the rare
# matches (strings, big numbers, floats) go through a Python function; names are renamed
# by splitting the text and mapping the pieces.

# every whitespace character but the newline -> " "
_SPACE_TABLE = {c: " " for c in range(0x3001) if chr(c).isspace() and c != 10}
_SPACE_TABLE[0] = "\ufffd"  # NUL marks string constants while they are replaced
# whole lines that carry no program semantics
_DROP_LINE = re.compile(
    r"\n *(?:;|!|#dbg_|source_filename\b|target (?:datalayout|triple)\b|attributes #"
    r"|\$[^\n]*= ?comdat\b|uselistorder(?:_bb)?\b|module asm\b"
    r"|(?:(?:tail|notail|musttail) )?call void @llvm\.dbg\.|declare [^\n]*@llvm\.dbg\.)"
    r"[^\n]*"
)
# continuation lines of switch / invoke / landingpad / callbr
_CONTINUATION = re.compile(r"\n +(?=i\d+ |\]|to |catch |filter |cleanup\b)")
# quoted strings (first, so that no later pass looks inside one)
_STRING = re.compile(r'"[^"\n]*"')
_SHORT_STRING = re.compile(r'"(?:[A-Za-z_][-\w.$]{0,31})?"', re.A)
_UNSAFE_IN_NAME = re.compile(r"[^-\w.$]", re.A)
_NAME_CHAR = re.compile(r"[-\w$.]")
# comments, metadata attachments, attribute-group references
_DELETE = re.compile(r";[^\n]*|![A-Za-z_][-\w$.]* !(?:\d+\b|\{[^{}\n]*\})|#\d+\b")
# any other metadata operand
_METADATA = re.compile(r'!(?:"[^"\n]*"|\{[^{}\n]*\}|[-\w$.]+(?:\([^()\n]*\))?)?')
# words that follow from build settings (and ``align N``): each after a space
_KEYWORD_END = r"(?=[ ,)\n])"  # never glue what surrounds a removed word
_KEYWORDS = [
    (" " + word, re.compile(" " + word + _KEYWORD_END))
    for word in ("dso_local", "dso_preemptable", "local_unnamed_addr", "unnamed_addr",
                 "noundef", "hidden", "protected")
] + [
    (" section ", re.compile(r' section "[^"\n]*"' + _KEYWORD_END)),
    (" partition ", re.compile(r' partition "[^"\n]*"' + _KEYWORD_END)),
    (" comdat", re.compile(r" comdat(?:\(\$[^()\n]*\))?" + _KEYWORD_END)),
    (" align ", re.compile(r" align \d+" + _KEYWORD_END)),  # last: the others may stand between
]
_INDENT = re.compile(r"\n +")
_DEFINE_LINE = re.compile(r"\n(define\b[^\n]*)")
_FUNC_END = re.compile(r"\n ?\}")
_LABEL_DEF = re.compile(r"\n ?%?(" + _NAME + r"):")
_FIRST_IS_LABEL = re.compile(r"[\n ]*\n ?%?" + _NAME + r":")
_DEFINED_FUNC = re.compile(r"\ndefine\b[^\n]*?(@" + _NAME + r")\(")
_DEFINED_GLOBAL = re.compile(r"\n(@" + _NAME + r") ?= ?([^\n]*)")
_EXTERNAL_DECL = re.compile(r"(?:[-\w()]+ )*?(?:external|extern_weak)\b")
_TYPE_DEF = re.compile(r"\n(%" + _NAME + r") ?= ?type\b")
_NUMERIC_ARG = re.compile(r"%\d+\b")
_LOCAL_DEF = re.compile(r"\n ?(%" + _NAME + r") ?=")
# what the renaming pass rewrites (split keeps them at the odd positions): local and
# global names, label definitions, and the numbers that may change -- five digits or
# more, decimal or hexadecimal floats (one alternative per first digit, so that every
# alternative starts with a literal)
_NAMES = re.compile(
    "("
    + "|".join(
        [r"%" + _NAME, r"@" + _NAME, r"\n ?%?" + _NAME + r":"]
        + [d + r"(?:[0-9]{4}|\.[0-9]|x[0-9A-Fa-fKLMHR])[-+\w.]*" for d in "0123456789"]
    )
    + ")"
)
_NOT_BEFORE_NUMBER = re.compile(r'[-\w$."%@!#]')
_INT = re.compile(r"\d+")
_DECIMAL = re.compile(r"\d+\.\d+(?:e[-+]?\d+)?")
_HEX_FLOAT = re.compile(r"0x[KLMHR]?[0-9A-Fa-f]+")
_COMMAS = re.compile(r",(?: ?,)+")
_TRAILING_COMMA = re.compile(r",[ ,]*\n")
_BLANK_LINES = re.compile(r"\n\n+")
_LONG_GLOBAL = re.compile(r"\n@[^\n]{%d,}" % MAX_GLOBAL_WORDS)

_POW2 = frozenset(2**k for k in range(130))
_CLOSERS = {"[": "]", "{": "}", "<": ">", "(": ")"}


@functools.lru_cache(maxsize=8192)
def _number_word(text: str) -> str:
    """Canonical word of an unsigned numeric literal (anything else: unchanged)."""
    if _INT.fullmatch(text):
        n = int(text)
        if n < 10000 or n in _POW2 or _is_bit_run(n):
            return str(n)
        return f"<int{len(str(n))}>"
    if _DECIMAL.fullmatch(text) or _HEX_FLOAT.fullmatch(text):
        return _float_word(text)
    return text


def _is_bit_run(n: int) -> bool:
    """Whether ``n`` > 0 is one run of set bits (a mask such as ``0x7FFFFFE0``)."""
    m = n >> ((n & -n).bit_length() - 1)
    return m & (m + 1) == 0


def _hex_to_float(text: str) -> float | None:
    body = text[2:]
    kind = body[0] if body and body[0] in "KLMHR" else ""
    digits = body[len(kind):]
    try:
        if kind == "" and len(digits) == 16:
            return struct.unpack(">d", bytes.fromhex(digits))[0]
        if kind == "H" and len(digits) == 4:
            return struct.unpack(">e", bytes.fromhex(digits))[0]
        if kind == "R" and len(digits) == 4:  # bfloat16: the top half of a float32
            return struct.unpack(">f", bytes.fromhex(digits + "0000"))[0]
        if kind == "K" and len(digits) == 20:  # x86_fp80: sign+exponent(16) mantissa(64)
            se, man = int(digits[:4], 16), int(digits[4:], 16)
            return _from_parts(se >> 15, se & 0x7FFF, man, 63, explicit_one=True)
        if kind == "L" and len(digits) == 32:  # fp128: IEEE quad, low 64 bits first
            v = int(digits[16:] + digits[:16], 16)
            return _from_parts(v >> 127, (v >> 112) & 0x7FFF, v & ((1 << 112) - 1), 112)
        if kind == "M" and len(digits) == 32:  # ppc_fp128: sum of two doubles
            hi = struct.unpack(">d", bytes.fromhex(digits[:16]))[0]
            lo = struct.unpack(">d", bytes.fromhex(digits[16:]))[0]
            return hi + lo
    except (ValueError, struct.error, OverflowError):
        return None
    return None


def _from_parts(sign: int, exp: int, man: int, man_bits: int, explicit_one=False) -> float:
    """Value of a binary float with a 15-bit exponent (x86_fp80, fp128)."""
    if exp == 0x7FFF:
        frac = man & ((1 << (man_bits - 1 if explicit_one else man_bits)) - 1)
        return math.nan if frac else (-math.inf if sign else math.inf)
    if not explicit_one and exp:
        man |= 1 << man_bits
    try:
        value = math.ldexp(man, max(exp, 1) - 16383 - man_bits)
    except OverflowError:
        value = math.inf
    return -value if sign else value


def _canonical(c: float) -> str:
    if c == int(c) and abs(c) < 1e16:
        return f"{c:.1f}"
    s = repr(c)
    if "e" in s and "." not in s:
        s = s.replace("e", ".0e")
    return s


def _match_common(a: float) -> float | None:
    """The common constant that ``a`` (> 0) equals to single precision, if any."""
    tol = 1e-6 * a
    r = round(2.0 * a) / 2.0
    if 0.5 <= r <= 16 and abs(a - r) <= tol:
        return r
    e = round(math.log2(a))
    if -8 <= e <= 16 and abs(a - 2.0**e) <= tol:
        return 2.0**e
    e = round(math.log10(a))
    if -9 <= e <= 9:
        c = float(f"1e{e}")
        if abs(a - c) <= tol:
            return c
    return None


def _float_word(text: str) -> str:
    v = _hex_to_float(text) if text.startswith("0x") else float(text)
    if v is None:
        return "<float>"
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "-inf" if v < 0 else "inf"
    sign = "-" if math.copysign(1.0, v) < 0 else ""
    a = abs(v)
    if a == 0.0:
        return sign + "0.0"
    c = _match_common(a) if 1e-12 < a < 1e12 else None
    if c is None:
        return sign + "<float>"
    return sign + _canonical(c)


def _string_sub(m: re.Match) -> str:
    s = m.group()
    start = m.start()
    string = m.string
    prev = string[start - 1] if start else ""
    if prev == "c" and (start < 2 or not _NAME_CHAR.match(string[start - 2])):
        return "\0<str>"  # a string constant c"...": "c\0" is removed afterwards
    if prev and prev in "%@!":  # a quoted name: made safe for the later passes
        sep = " " if _NAME_CHAR.match(string, m.end()) else ""  # never glued to a word
        return '"' + _UNSAFE_IN_NAME.sub("_", s[1:-1]) + '"' + sep
    return s if _SHORT_STRING.fullmatch(s) else "<str>"


def _rename(text: str, lmap: dict, tmap: dict, gmap: dict, bmap: dict, nvalues: int):
    """Rename the names, label definitions and numbers of ``text``.

    ``lmap`` caches the decisions of the scope (locals, globals, labels); ``nvalues``
    counts the local values named so far.  Returns the new text and the new count.
    """
    parts = _NAMES.split(text)
    toks = parts[1::2]
    for tok in dict.fromkeys(toks):  # distinct tokens, in order of first appearance
        if tok in lmap:
            continue
        c = tok[0]
        if c == "%":
            r = tmap.get(tok)
            if r is None:
                r = f"%v{nvalues}"
                nvalues += 1
            lmap[tok] = r
        elif c == "@":
            lmap[tok] = gmap.get(tok, tok)
        elif c == "\n":  # a label definition
            key = "%" + tok.lstrip("\n %")[:-1]
            r = bmap.get(key)
            if r is None:
                r = bmap[key] = f"%b{len(bmap)}"
            lmap[tok] = "\n" + r + ":"
    reps = list(map(lmap.get, toks))
    j = -1
    try:
        while True:  # numbers: what they become depends on what precedes them
            j = reps.index(None, j + 1)
            tok = r = toks[j]
            prev = parts[2 * j]
            if prev:  # else it continues a word
                p = prev[-1]
                if p == "-":
                    if len(prev) == 1 or not _NOT_BEFORE_NUMBER.match(prev[-2]):
                        r = _number_word(tok)
                elif not _NOT_BEFORE_NUMBER.match(p):
                    r = _number_word(tok)
            reps[j] = r
    except ValueError:
        pass
    parts[1::2] = reps
    return "".join(parts), nvalues


def _truncate_global(m: re.Match) -> str:
    line = m.group()
    stack: list[str] = []
    end = 0
    for k, w in enumerate(_WORD.finditer(line)):
        if k == MAX_GLOBAL_WORDS:
            return line[:end] + " ... " + "".join(reversed(stack))
        t = w.group()
        if t in _CLOSERS:
            stack.append(_CLOSERS[t])
        elif stack and t == stack[-1]:
            stack.pop()
        end = w.end()
    return line


def normalize_ir(text: str) -> str:
    """Normalise canonical LLVM IR text for the language model.

    Parameters
    ----------
    text : str
        Canonical IR text, as ``str(module)`` prints it with llvmlite 0.50 (LLVM 22).
        Any other text is accepted too: the function never raises on a ``str``.

    Returns
    -------
    str
        The normalised text, one instruction or definition per line, without trailing
        newline (see the module documentation for what is kept, dropped and abstracted).
    """
    if not isinstance(text, str):
        raise TypeError(f"normalize_ir expects str, got {type(text).__name__}")
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if NEWLINE_WORD in text:
        text = text.replace(NEWLINE_WORD, "< nl >")
    text = "\n" + text.translate(_SPACE_TABLE) + "\n"
    text = _DROP_LINE.sub("", text)
    text = _CONTINUATION.sub(" ", text)
    if '"' in text:
        text = _STRING.sub(_string_sub, text).replace("c\0", "")
    text = _DELETE.sub("", text)
    text = _INDENT.sub("\n", text)
    while "  " in text:
        text = text.replace("  ", " ")
    if "!" in text:
        text = _METADATA.sub("<md>", text)
    for literal, pattern in _KEYWORDS:
        if literal in text:
            text = pattern.sub("", text)

    # module-wide maps: defined globals, defined functions, named types
    gmap: dict[str, str] = {}
    for name, rest in _DEFINED_GLOBAL.findall(text):
        if name in gmap or _EXTERNAL_DECL.match(rest) or name.startswith(("@llvm.", '@"llvm.')):
            continue
        gmap[name] = f"@g{len(gmap)}"
    nfunc = 0
    for name in _DEFINED_FUNC.findall(text):
        if name not in gmap and not name.startswith(("@llvm.", '@"llvm.')):
            gmap[name] = f"@f{nfunc}"
            nfunc += 1
    tmap: dict[str, str] = {}
    for name in _TYPE_DEF.findall(text):
        if name not in tmap:
            tmap[name] = f"%t{len(tmap)}"
    numeric_types = any(k[1:].isdigit() for k in tmap)

    pieces = _DEFINE_LINE.split(text)
    module_lmap: dict[str, str] = {}
    module_bmap: dict[str, str] = {}
    module_text, module_n = _rename(pieces[0], module_lmap, tmap, gmap, module_bmap, 0)
    out = [module_text]
    for i in range(1, len(pieces), 2):
        header, rest = pieces[i], pieces[i + 1]
        end = _FUNC_END.search(rest)
        if end is None:
            body, tail = rest, ""
        else:
            body, tail = rest[: end.start()], rest[end.start():]
        bmap: dict[str, str] = {}
        implicit_entry = _FIRST_IS_LABEL.match(body) is None
        if implicit_entry:
            params = header[header.find("(") + 1:]
            bmap["%" + str(len(_NUMERIC_ARG.findall(params)))] = "%b0"
        for name in _LABEL_DEF.findall(body):
            key = "%" + name
            if key not in bmap:
                bmap[key] = f"%b{len(bmap)}"
        ftmap = tmap
        if numeric_types:
            local_defs = set(_LOCAL_DEF.findall(body)) | set(_NUMERIC_ARG.findall(header))
            ftmap = {k: v for k, v in tmap.items() if k not in local_defs}
        lmap = dict(bmap)
        header, n = _rename(header, lmap, ftmap, gmap, bmap, 0)
        body, n = _rename(body, lmap, ftmap, gmap, bmap, n)
        tail, module_n = _rename(tail, module_lmap, tmap, gmap, module_bmap, module_n)
        out.append("\n" + header + ("\n%b0:" if implicit_entry else "") + body + tail)
    text = "".join(out) + "\n"
    while "  " in text:
        text = text.replace("  ", " ")
    text = _COMMAS.sub(",", text)
    text = text.replace(" \n", "\n")
    text = _TRAILING_COMMA.sub("\n", text)
    text = text.replace(" \n", "\n").replace("\n ", "\n")
    text = _DROP_LINE.sub("", text)
    if "\n@" in text:
        text = _LONG_GLOBAL.sub(_truncate_global, text)
    text = _BLANK_LINES.sub("\n", text)
    return text.strip(" \n")


def ir_words(normalized: str) -> list[str]:
    """Cut normalised IR text into IR words, with ``<nl>`` between lines.

    The split is the one the tokenizer's pre-tokenizer makes (see the module
    documentation); on text that :func:`normalize_ir` returned, the words concatenated
    give the text back without its spaces.
    """
    # exactly what the tokenizer does: Replace("\n", " <nl> "), then split into words
    return _WORD.findall(normalized.replace("\n", _NEWLINE_SPACED))


# ----------------------------------------------------------------------------------------
# tokenizer
# ----------------------------------------------------------------------------------------

_SUBWORD_PREFIX = "##"
# WordPiece turns longer words into [UNK]; Hugging Face's default (100) would lose long
# C++ mangled names
_MAX_WORD_CHARS = 1024
_ALPHABET = [chr(c) for c in range(33, 127)]


def _learn_bpe(counts: Counter, vocab_size: int, min_frequency: int, special_tokens: list[str]):
    """Learn byte-pair merges over word counts, deterministically.

    The same algorithm as the Hugging Face ``BpeTrainer`` with a continuing-subword
    prefix (a word ``abc`` starts as ``a ##b ##c``; the most frequent adjacent pair is
    merged until the vocabulary is full or no pair occurs ``min_frequency`` times), but
    ties are broken by the pair's text rather than by hash order, so the same words give
    the same vocabulary in every process.  Returns ``(vocab, merges)``: token -> id
    (special tokens first, then the alphabet -- every printable ASCII character, and
    every character of the words as it occurs in them, plain or ``##``-prefixed -- then
    the merged tokens in merge order), and the list of merged pairs.
    """
    prefix = _SUBWORD_PREFIX
    words = sorted(counts)  # a fixed order: the counts' insertion order may vary
    freqs = [counts[w] for w in words]
    symbols = [[w[0], *[prefix + c for c in w[1:]]] for w in words]
    vocab: dict[str, int] = {}
    for token in special_tokens:
        vocab.setdefault(token, len(vocab))
    alphabet = set(_ALPHABET)
    for syms in symbols:
        alphabet.update(syms)
    for token in sorted(alphabet):
        vocab.setdefault(token, len(vocab))

    pair_counts: dict[tuple[str, str], int] = defaultdict(int)
    where: dict[tuple[str, str], set[int]] = defaultdict(set)
    for i, syms in enumerate(symbols):
        f = freqs[i]
        for pair in zip(syms, syms[1:]):
            pair_counts[pair] += f
            where[pair].add(i)
    heap = [(-c, pair) for pair, c in pair_counts.items()]
    heapq.heapify(heap)
    merges: list[tuple[str, str]] = []
    while len(vocab) < vocab_size and heap:
        neg, pair = heapq.heappop(heap)
        if pair_counts.get(pair, 0) != -neg:
            continue  # stale entry: the pair's count changed since it was pushed
        if -neg < min_frequency:
            break
        a, b = pair
        new = a + b[len(prefix):]
        merges.append(pair)
        vocab.setdefault(new, len(vocab))
        changed: set[tuple[str, str]] = set()
        for i in where.pop(pair, ()):
            syms = symbols[i]
            if len(syms) < 2:
                continue
            merged, k, n = [], 0, len(syms)
            while k < n:
                if k + 1 < n and syms[k] == a and syms[k + 1] == b:
                    merged.append(new)
                    k += 2
                else:
                    merged.append(syms[k])
                    k += 1
            if len(merged) == n:
                continue  # the pair no longer occurs here (a stale index entry)
            f = freqs[i]
            for old_pair in zip(syms, syms[1:]):
                pair_counts[old_pair] -= f
                changed.add(old_pair)
            for new_pair in zip(merged, merged[1:]):
                pair_counts[new_pair] += f
                where[new_pair].add(i)
                changed.add(new_pair)
            symbols[i] = merged
        pair_counts.pop(pair, None)
        changed.discard(pair)
        for p in changed:
            c = pair_counts[p]
            if c > 0:
                heapq.heappush(heap, (-c, p))
            else:
                pair_counts.pop(p, None)
    return vocab, merges


# a short text whose IR words any IRTokenizer must reproduce
_PROBE = 'define <4 x float> @f0(ptr %v0, i32 -1) {\n%b0:\nret <str> -<float> 0.5, "ab" ...\n}'
_PROBE_WORDS = ir_words(_PROBE)


def _hf():
    try:
        import tokenizers
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise TokenizerError(
            "the 'tokenizers' package (Hugging Face) is required for IRTokenizer: "
            "pip install tokenizers"
        ) from exc
    return tokenizers


def _configure(tok) -> None:
    """Give a Hugging Face tokenizer the IR-word pre-tokenisation and the decoder."""
    hf = _hf()
    tok.normalizer = hf.normalizers.Replace("\n", _NEWLINE_SPACED)
    tok.pre_tokenizer = hf.pre_tokenizers.Sequence(
        [
            hf.pre_tokenizers.WhitespaceSplit(),
            hf.pre_tokenizers.Split(hf.Regex(WORD_PATTERN), behavior="isolated"),
        ]
    )
    tok.decoder = hf.decoders.WordPiece(prefix=_SUBWORD_PREFIX, cleanup=False)
    tok.post_processor = None


class IRTokenizer:
    """A WordPiece or BPE tokenizer of normalised LLVM IR.

    It wraps a Hugging Face :class:`tokenizers.Tokenizer` whose normalizer and
    pre-tokenizer cut text into the words of :func:`ir_words`; :meth:`encode` applies
    :func:`normalize_ir` first.  Build one with :meth:`train`, :meth:`from_file` or
    :meth:`from_str`.  Instances pickle through :meth:`to_str` (for joblib workers) and
    give the same ids for the same text in every process.

    Parameters
    ----------
    tokenizer : tokenizers.Tokenizer
        The wrapped tokenizer; it must contain the :data:`SPECIAL_TOKENS`.
    source : str, optional
        Where it came from, for error messages.
    """

    def __init__(self, tokenizer, *, source: str = "<tokenizer>"):
        self._tok = tokenizer
        self.source = source
        missing = [t for t in SPECIAL_TOKENS if tokenizer.token_to_id(t) is None]
        if missing:
            raise TokenizerError(
                f"{source}: tokenizer lacks the special token(s) {', '.join(missing)}; "
                f"an IR tokenizer needs {', '.join(SPECIAL_TOKENS)}"
            )
        try:
            words = [w for w, _ in tokenizer.pre_tokenizer.pre_tokenize_str(
                tokenizer.normalizer.normalize_str(_PROBE))]
        except Exception:  # no normalizer / pre-tokenizer, or a broken one
            words = None
        if words != _PROBE_WORDS:
            raise TokenizerError(
                f"{source}: this tokenizer does not cut text into IR words (its normalizer "
                "or pre-tokenizer differs from IRTokenizer's): train it with "
                "IRTokenizer.train"
            )
        self.pad_id = tokenizer.token_to_id("[PAD]")
        self.unk_id = tokenizer.token_to_id("[UNK]")
        self.cls_id = tokenizer.token_to_id("[CLS]")
        self.sep_id = tokenizer.token_to_id("[SEP]")
        self.mask_id = tokenizer.token_to_id("[MASK]")
        # the ids of each IR word seen so far (see _word_ids); added tokens are matched in
        # the raw text across word boundaries, so a text holding one takes the slow path
        self._word_cache: dict[str, tuple[int, ...]] = {}
        self._added = tuple(t.content for t in tokenizer.get_added_tokens_decoder().values() if t.content)

    # -- construction ----------------------------------------------------------------
    @classmethod
    def train(
        cls,
        texts: Iterable[str],
        *,
        vocab_size: int = 8000,
        model: str = "wordpiece",
        min_frequency: int = 2,
        special_tokens: Sequence[str] = SPECIAL_TOKENS,
        normalized: bool = False,
    ) -> "IRTokenizer":
        """Train a vocabulary on IR texts.

        Parameters
        ----------
        texts : iterable of str
            Canonical IR texts (``str(module)``); each is normalised with
            :func:`normalize_ir` unless ``normalized=True``.
        vocab_size : int
            Size of the vocabulary, special tokens included.
        model : {"wordpiece", "bpe"}
            The sub-word model.
        min_frequency : int
            Minimum count of a pair to be merged.
        special_tokens : sequence of str
            Special tokens, first in the vocabulary in this order; must contain
            :data:`SPECIAL_TOKENS`.
        normalized : bool
            The texts are already normalised.

        Notes
        -----
        Training is deterministic: the same texts give the same ``tokenizer.json`` in
        every process (ties between equally frequent pairs are broken by their text;
        Hugging Face's own trainers break them in hash order, which changes from run to
        run, so they are not used).  The vocabulary always holds the special tokens,
        every printable ASCII character and every character of the training words (as a
        word start and, where it occurs there, as a continuation ``##c``); it has fewer
        than ``vocab_size`` entries only when the texts have no pair left to merge
        ``min_frequency`` times.
        """
        if isinstance(texts, (str, bytes)):
            raise TokenizerError("texts must be an iterable of IR texts, not a single string")
        hf = _hf()
        special_tokens = list(dict.fromkeys(special_tokens))
        missing = [t for t in SPECIAL_TOKENS if t not in special_tokens]
        if missing:
            raise TokenizerError(f"special_tokens lacks {', '.join(missing)}")
        if not isinstance(vocab_size, int) or vocab_size <= len(special_tokens):
            raise TokenizerError(f"vocab_size must be an int above {len(special_tokens)}, got {vocab_size!r}")
        if model not in ("wordpiece", "bpe"):
            raise TokenizerError(f"model must be 'wordpiece' or 'bpe', got {model!r}")
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(ir_words(text if normalized else normalize_ir(text)))
        if not counts:
            raise TokenizerError("no IR words to train on: were the texts empty?")
        vocab, merges = _learn_bpe(counts, vocab_size, max(1, int(min_frequency)), special_tokens)
        if model == "wordpiece":
            tok = hf.Tokenizer(
                hf.models.WordPiece(
                    vocab,
                    unk_token="[UNK]",
                    continuing_subword_prefix=_SUBWORD_PREFIX,
                    max_input_chars_per_word=_MAX_WORD_CHARS,
                )
            )
        else:
            tok = hf.Tokenizer(
                hf.models.BPE(vocab, merges, unk_token="[UNK]", continuing_subword_prefix=_SUBWORD_PREFIX)
            )
        _configure(tok)
        tok.add_special_tokens(special_tokens)
        return cls(tok, source=f"<trained {model}>")

    @classmethod
    def from_str(cls, json_text: str, *, source: str = "<string>") -> "IRTokenizer":
        """Load a tokenizer from the text of a ``tokenizer.json``."""
        hf = _hf()
        try:
            tok = hf.Tokenizer.from_str(json_text)
        except Exception as exc:  # tokenizers raises a bare Exception
            raise TokenizerError(f"{source}: not a Hugging Face tokenizer file ({exc})") from None
        return cls(tok, source=source)

    @classmethod
    def from_file(cls, path) -> "IRTokenizer":
        """Load a ``tokenizer.json`` (Hugging Face ``tokenizers`` format).

        Raises
        ------
        TokenizerError
            If the file cannot be read, is not a tokenizer or lacks a special token; the
            message names the file.
        """
        path = os.fspath(path)
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise TokenizerError(f"{path}: cannot read tokenizer file ({exc})") from None
        try:
            json.loads(text)
        except ValueError as exc:
            raise TokenizerError(f"{path}: not a JSON tokenizer file ({exc})") from None
        return cls.from_str(text, source=path)

    def to_str(self) -> str:
        """The tokenizer as ``tokenizer.json`` text."""
        return self._tok.to_str()

    def save(self, path) -> None:
        """Write the tokenizer to ``path`` as ``tokenizer.json`` text."""
        path = os.fspath(path)
        try:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(self.to_str())
        except OSError as exc:
            raise TokenizerError(f"{path}: cannot write tokenizer file ({exc})") from None

    def __getstate__(self):
        return {"json": self.to_str(), "source": self.source}

    def __setstate__(self, state):
        hf = _hf()
        self.__init__(hf.Tokenizer.from_str(state["json"]), source=state.get("source", "<pickle>"))

    def __repr__(self) -> str:
        model = type(self._tok.model).__name__
        return f"IRTokenizer({model}, vocab_size={self.vocab_size}, source={self.source!r})"

    # -- vocabulary ---------------------------------------------------------------------
    @property
    def tokenizer(self):
        """The wrapped :class:`tokenizers.Tokenizer`."""
        return self._tok

    @property
    def vocab_size(self) -> int:
        """Number of ids, special and added tokens included."""
        return self._tok.get_vocab_size(with_added_tokens=True)

    def token_to_id(self, token: str) -> int | None:
        """The id of ``token``, or ``None`` if it is not in the vocabulary."""
        return self._tok.token_to_id(token)

    def id_to_token(self, id: int) -> str | None:
        """The token of ``id``, or ``None`` if out of range."""
        return self._tok.id_to_token(int(id))

    # -- encoding -----------------------------------------------------------------------
    def _finish(self, ids, max_length, add_special_tokens) -> np.ndarray:
        if add_special_tokens:
            ids = [self.cls_id, *ids, self.sep_id]
        arr = np.asarray(ids, dtype=np.int32)
        if max_length is not None:
            if max_length < 0:
                raise ValueError(f"max_length must be >= 0, got {max_length}")
            if len(arr) > max_length:
                arr = arr[:max_length].copy()
                if add_special_tokens and max_length >= 2:
                    arr[-1] = self.sep_id
        return arr

    def encode(
        self,
        ir_text: str,
        *,
        normalized: bool = False,
        max_length: int | None = None,
        add_special_tokens: bool = False,
        words: Sequence[str] | None = None,
    ) -> np.ndarray:
        """Token ids of one IR text, as an ``int32`` array.

        Parameters
        ----------
        ir_text : str
            Canonical IR text (normalised here), or normalised text if ``normalized``.
        max_length : int, optional
            Cut the sequence to this length; by default nothing is cut (the encoder
            reads long sequences through windows).
        add_special_tokens : bool
            Surround the sequence with ``[CLS]`` ... ``[SEP]``.
        words : sequence of str, optional
            ``ir_words(text)`` of the normalised text, when the caller has them already
            (saves splitting it again); must be exactly that list.
        """
        text = ir_text if normalized else normalize_ir(ir_text)
        return self._finish(self._ids(text, words), max_length, add_special_tokens)

    def encode_batch(
        self,
        ir_texts: Iterable[str],
        *,
        normalized: bool = False,
        max_length: int | None = None,
        add_special_tokens: bool = False,
    ) -> list[np.ndarray]:
        """:meth:`encode` over several texts."""
        texts = [t if normalized else normalize_ir(t) for t in ir_texts]
        return [self._finish(self._ids(t), max_length, add_special_tokens) for t in texts]

    #: Words whose ids :meth:`encode` keeps (per instance and process); the cache starts
    #: over when full.  IR repeats its words (opcodes, types, ``%v12``), so a kernel's
    #: words are nearly all known after a few programs.
    WORD_CACHE_SIZE = 100_000

    def clear_word_cache(self) -> None:
        """Forget the word ids :meth:`encode` has kept."""
        self._word_cache.clear()

    def _ids(self, text: str, words: Sequence[str] | None = None) -> list[int]:
        """Sub-word ids of normalised ``text``: those of its IR words one after the other.

        The wrapped tokenizer cuts text into exactly :func:`ir_words` and tokenises each
        word on its own (WordPiece and BPE never look across words), so the ids of a word
        can be cached; that is about three times faster than the Rust tokenizer on the whole
        text, whose cost is mostly building the offsets of an ``Encoding``.  Texts that hold
        an added token's text (matched across word boundaries before the split) or a
        character other than printable ASCII and the usual white space (Python counts
        ``\\x1c``..``\\x1f`` and some Unicode as white space, the tokenizer does not) go
        through the wrapped tokenizer instead.
        """
        if _NOT_PLAIN.search(text) or any(a in text for a in self._added):
            return self._tok.encode(text, add_special_tokens=False).ids
        cache = self._word_cache
        ids: list[int] = []
        for w in ir_words(text) if words is None else words:
            got = cache.get(w)
            if got is None:
                got = tuple(self._tok.encode(w, add_special_tokens=False).ids)
                if len(cache) >= self.WORD_CACHE_SIZE:
                    cache.clear()
                cache[w] = got
            ids.extend(got)
        return ids

    def tokens(self, ir_text: str, *, normalized: bool = False) -> list[str]:
        """The sub-word tokens of one IR text (for inspection)."""
        text = ir_text if normalized else normalize_ir(ir_text)
        return self._tok.encode(text, add_special_tokens=False).tokens

    def decode(self, ids, *, skip_special_tokens: bool = True) -> str:
        """Text of a sequence of ids: IR words separated by spaces, ``<nl>`` as newlines."""
        ids = [int(i) for i in np.asarray(ids).ravel()]
        text = self._tok.decode(ids, skip_special_tokens=skip_special_tokens)
        return text.replace(f" {NEWLINE_WORD} ", "\n").replace(NEWLINE_WORD, "\n")

