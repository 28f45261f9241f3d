"""A fast reader of canonical LLVM IR text.

The graph builder needs, for every instruction, its opcode, its result, its value operands
(with their operand positions and types) and its successor blocks.  Asking llvmlite for
these costs about 3 microseconds a call, roughly 100 microseconds an instruction, which
is more than clang takes to compile the program.  The text that LLVM's own printer writes
(``str(module)``, what :mod:`sklearn_mirencoder.frontend.ir` calls *canonical* text) is regular
enough to read directly, so this module lexes it with one precompiled regular expression
per line and returns plain Python objects.

Only canonical text is supported: the input must come from ``str()`` of an llvmlite module
(it has been parsed and verified by LLVM 22), so the reader can rely on the printer's
layout: functions open with ``define`` and close with ``}``, block labels start in column
0, instructions are indented by two spaces, and continuation lines (``switch`` cases,
``invoke`` destinations, ``landingpad`` clauses) by more.

Operand positions follow LLVM's operand numbering where it matters to the graph: call
arguments are ``0..n-1`` and the callee is ``n``; a conditional branch's condition is 0;
``store`` is (value 0, pointer 1); a ``switch`` case value is not an operand.  Successors
are listed in LLVM's successor order, which is their order in the text (a conditional
``br`` lists the true destination first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Operand", "Instruction", "Function", "Module", "read_module", "clear_templates", "IRTextError"]


class IRTextError(ValueError):
    """The text is not canonical LLVM IR as printed by LLVM (internal; wrapped by callers)."""


# One token of IR text.  Order matters: longer / more specific alternatives first.
_TOKEN = re.compile(
    r"""
    c?"(?:[^"\\]|\\.)*"                              # string / c"..." constant
  | [%@!](?:"(?:[^"\\]|\\.)*"|[-\w$.]+)             # %local, @global, !meta (plain or quoted)
  | !\{?                                               # !{ or lone !
  | \#\d+                                             # attribute group reference
  | -?(?:0x[0-9A-Fa-fKLMHR][0-9A-Fa-f]*|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)
  | [A-Za-z_$.][-\w$.]*                                # words: opcodes, types, keywords
  | \.\.\.
  | [()\[\]{}<>,=*:|]
    """,
    re.VERBOSE,
)
_OPEN = {"(": ")", "[": "]", "{": "}", "<": ">"}
_CLOSE = {")", "]", "}", ">"}

_CAST_OPS = frozenset(
    "trunc zext sext fptrunc fpext fptoui fptosi uitofp sitofp ptrtoint ptrtoaddr inttoptr "
    "bitcast addrspacecast".split()
)
_ORDERINGS = frozenset("unordered monotonic acquire release acq_rel seq_cst".split())
_CONST_WORDS = frozenset("null undef poison true false zeroinitializer none".split())
_PRIMITIVE_TYPES = re.compile(
    r"^(?:i\d+|half|bfloat|float|double|x86_fp80|fp128|ppc_fp128|x86_amx|x86_mmx|void|label|"
    r"metadata|token|ptr)$"
)
# Words that may stand between a type and its value (parameter and return attributes).
_VALUE_ATTR_WITH_ARG = frozenset(
    "align dereferenceable dereferenceable_or_null byval byref sret inalloca preallocated "
    "elementtype captures nofpclass range initializes memory alignstack allocsize".split()
)


@dataclass(slots=True)
class Operand:
    """A value operand of an instruction.

    Attributes
    ----------
    kind : str
        ``"local"`` (an instruction result or argument), ``"global"`` (a global variable or
        function used as a value), ``"constant"`` or ``"metadata"``.
    ref : str
        The identifier (``%5``, ``@x``) or the constant's literal text.
    type : str
        The operand's type as printed (``"i32"``, ``"ptr"``); empty if the text omits it.
    position : int
        The operand's index in LLVM's operand numbering for this instruction.
    """

    kind: str
    ref: str
    type: str
    position: int


@dataclass(slots=True)
class Instruction:
    """One instruction: opcode, optional result name and type, operands, successors."""

    opcode: str
    result: str | None
    type: str
    operands: list[Operand]
    successors: list[str]
    callee: str | None
    text: str


@dataclass(slots=True)
class Function:
    """A function definition (``blocks`` non-empty) or declaration (``blocks`` empty)."""

    name: str
    return_type: str
    arguments: list[tuple[str, str]]  # (name, type)
    blocks: list[tuple[str, list[Instruction]]] = field(default_factory=list)

    @property
    def is_declaration(self) -> bool:
        return not self.blocks


@dataclass(slots=True)
class Module:
    """Globals (name -> type) and functions in text order."""

    globals: dict[str, str]
    functions: list[Function]


_tokens = _TOKEN.findall


def _join(tokens: list[str]) -> str:
    """Join tokens with the printer's spacing (``{ ptr, i32 }``, ``<4 x float>``, ``[2 x i8]``)."""
    if len(tokens) == 1:
        return tokens[0]
    out = []
    prev = ""
    for t in tokens:
        if out and prev not in _NO_SPACE_AFTER and t not in _NO_SPACE_BEFORE and not (
            t == "(" and prev in ("addrspace", "target", "syncscope")
        ):
            out.append(" ")
        out.append(t)
        prev = t
    return "".join(out)


_NO_SPACE_AFTER = frozenset("<[(")
_NO_SPACE_BEFORE = frozenset(">]),*")


def _split_top(tokens: list[str], start: int = 0, end: int | None = None) -> list[list[str]]:
    """Split ``tokens[start:end]`` at commas outside any brackets."""
    sl = tokens[start:end]
    if "(" not in sl and "[" not in sl and "{" not in sl and "<" not in sl:
        # no brackets: every comma is a top-level one (the common case; list.index runs in C)
        pieces = []
        pos = 0
        while True:
            try:
                k = sl.index(",", pos)
            except ValueError:
                if pos < len(sl):
                    pieces.append(sl[pos:])
                return pieces
            pieces.append(sl[pos:k])
            pos = k + 1
    pieces = []
    cur: list[str] = []
    depth = 0
    for t in sl:
        if t in _OPEN:
            depth += 1
        elif t in _CLOSE:
            depth -= 1
        elif t == "," and depth == 0:
            pieces.append(cur)
            cur = []
            continue
        cur.append(t)
    if cur:
        pieces.append(cur)
    return pieces


def _match(tokens: list[str], i: int) -> int:
    """Index just past the bracket group opening at ``tokens[i]``."""
    depth = 0
    n = len(tokens)
    while i < n:
        t = tokens[i]
        if t in _OPEN:
            depth += 1
        elif t in _CLOSE:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _type_end(tokens: list[str], i: int) -> int:
    """Index just past the type expression starting at ``tokens[i]`` (or ``i`` if none)."""
    n = len(tokens)
    if i >= n:
        return i
    t = tokens[i]
    if t in ("<", "[", "{"):
        j = _match(tokens, i)
    elif t.startswith("%") or _PRIMITIVE_TYPES.match(t):
        j = i + 1
        if t == "ptr" and j < n and tokens[j] == "addrspace":
            j = _match(tokens, j + 1)
    elif t == "target" and i + 1 < n and tokens[i + 1] == "(":
        j = _match(tokens, i + 1)
    else:
        return i
    # typed-pointer stars and function types: T*, T (args)*
    while j < n:
        if tokens[j] == "*":
            j += 1
        elif tokens[j] == "addrspace" and j + 1 < n and tokens[j + 1] == "(":
            j = _match(tokens, j + 1)
        elif tokens[j] == "(" and j + 1 < n and _looks_like_fn_type(tokens, j):
            j = _match(tokens, j)
        else:
            break
    return j


def _looks_like_fn_type(tokens: list[str], j: int) -> bool:
    """``T (args)`` is a function type when a ``*`` follows (typed-pointer era)."""
    k = _match(tokens, j)
    return k < len(tokens) and tokens[k] == "*"


def _classify(tok: str) -> str:
    c = tok[0]
    if c == "%":
        return "local"
    if c == "@":
        return "global"
    if c == "!":
        return "metadata"
    return "constant"


def _value_of(piece: list[str], typed: bool, default_type: str) -> tuple[str, str, str] | None:
    """Return ``(kind, ref, type)`` for one ``[type] [attrs] value`` operand piece."""
    if not piece:
        return None
    if typed and len(piece) > 1:
        te = _type_end(piece, 0)
        if te >= len(piece):  # nothing after the "type": the piece was an untyped value (``%4``)
            ty, rest = default_type, piece
        else:
            ty = _join(piece[:te]) if te else ""
            rest = piece[te:]
    else:
        ty, rest = default_type, piece
    # skip attributes between type and value
    k = 0
    n = len(rest)
    while k < n - 1:
        t = rest[k]
        if t in _VALUE_ATTR_WITH_ARG:
            k += 1
            if k < n - 1 and rest[k] == "(":
                k = _match(rest, k)
            elif t == "align" and k < n - 1 and rest[k][0].isdigit():
                k += 1
        elif t[0].isalpha() and t not in _CONST_WORDS and not t.startswith(("getelementptr", "blockaddress")):
            # plain attribute words: noundef, nonnull, signext, zeroext, inreg, returned, ...
            if t in ("bitcast", "ptrtoint", "inttoptr", "addrspacecast", "trunc", "sub", "add", "mul",
                     "xor", "shl", "or", "and", "icmp", "fcmp", "extractelement", "insertelement",
                     "shufflevector", "select", "dso_local_equivalent", "no_cfi", "ptrauth"):
                break
            k += 1
        else:
            break
    rest = rest[k:]
    if not rest:
        return None
    if ty == "metadata" or rest[0][0] == "!":
        return ("metadata", _join(rest), ty)
    if len(rest) == 1:
        tok = rest[0]
        return (_classify(tok), tok, ty)
    return ("constant", _join(rest), ty)


def _typed_operands(pieces: list[list[str]], first_pos: int = 0) -> list[Operand]:
    ops: list[Operand] = []
    prev_type = ""
    for p, piece in enumerate(pieces):
        v = _value_of(piece, True, prev_type)
        if v is None:
            continue
        if not v[2]:  # untyped piece (second operand of a binary op)
            v = _value_of(piece, False, prev_type)
        ops.append(Operand(v[0], v[1], v[2], first_pos + p))
        prev_type = v[2]
    return ops


def _strip_ordering(piece: list[str]) -> list[str]:
    while piece and (piece[-1] in _ORDERINGS or piece[-1] == ")" and "syncscope" in piece):
        if piece[-1] == ")":
            piece = piece[: piece.index("syncscope")]
        else:
            piece = piece[:-1]
    return piece


def _successors(tokens: list[str]) -> list[str]:
    return [tokens[i + 1] for i, t in enumerate(tokens[:-1]) if t == "label" and tokens[i + 1][0] == "%"]


def _parse_call(tokens: list[str], i: int, opcode: str) -> tuple[list[Operand], str | None, str]:
    """Parse ``call``/``invoke``/``callbr`` from ``tokens[i]`` (just after the opcode)."""
    n = len(tokens)
    # find the callee: the first %x/@x (or asm) directly followed by "(" at depth 0
    depth = 0
    j = i
    callee_idx = -1
    while j < n:
        t = tokens[j]
        if t == "asm":
            callee_idx = j
            break
        if depth == 0 and t[0] in "%@" and j + 1 < n and tokens[j + 1] == "(":
            if not _is_type_before_fn(tokens, j):
                callee_idx = j
                break
        if t in _OPEN:
            depth += 1
        elif t in _CLOSE:
            depth -= 1
        j += 1
    if callee_idx < 0:
        raise IRTextError("call without a callee")
    # return type: first type expression after the leading keywords
    k = i
    while k < callee_idx and tokens[k] not in ("void",) and not _type_end(tokens, k) > k:
        k += 1
    ret_type = _join(tokens[k : _type_end(tokens, k)]) if k < callee_idx else ""
    if tokens[callee_idx] == "asm":
        # asm [sideeffect] [alignstack] [inteldialect] "code", "constraints"(args)
        j = callee_idx + 1
        while j < n and tokens[j] != "(":
            j += 1
        callee = None
        args_open = j
    else:
        callee = tokens[callee_idx]
        args_open = callee_idx + 1
    args_close = _match(tokens, args_open)
    ops = _typed_operands(_split_top(tokens, args_open + 1, args_close - 1))
    nargs = len(_split_top(tokens, args_open + 1, args_close - 1))
    if callee is not None and callee[0] == "%":
        ops.append(Operand("local", callee, "ptr", nargs))
    return ops, callee, ret_type


def _is_type_before_fn(tokens: list[str], j: int) -> bool:
    """``%struct.S (ptr) @f(...)``: a local followed by '(' that is really a return type."""
    k = _match(tokens, j + 1)
    return k < len(tokens) and tokens[k][0] in "%@" and k + 1 < len(tokens) and tokens[k + 1] == "("


_FAST_MATH = frozenset("fast nnan ninf nsz arcp contract afn reassoc".split())
_PREDICATES = frozenset(
    "eq ne ugt uge ult ule sgt sge slt sle oeq ogt oge olt ole one ord ueq une uno true false".split()
)
_BINARY_OPS = frozenset(
    "add sub mul udiv sdiv urem srem fadd fsub fmul fdiv frem shl lshr ashr and or xor".split()
)
_BINARY_FLAGS = frozenset("nuw nsw exact disjoint".split())
_RMW_OPS = frozenset(
    "xchg add sub and nand or xor max min umax umin fadd fsub fmax fmin fmaximum fminimum "
    "uinc_wrap udec_wrap usub_cond usub_sat".split()
)

#: What an operand parser returns: ``(operands, result type, successors, callee, i)``, ``i``
#: the index of the first token after the opcode's keywords (for :func:`_result_type`).
_Parsed = tuple[list[Operand], str, list[str], "str | None", int]


def _call_operands(tokens: list[str], i: int, opcode: str) -> _Parsed:
    ops, callee, rtype = _parse_call(tokens, i, opcode)
    return ops, rtype, _successors(tokens), callee, i


def _br_operands(tokens: list[str], i: int, opcode: str) -> _Parsed:
    succ = _successors(tokens)
    ops = [Operand(_classify(tokens[i + 1]), tokens[i + 1], tokens[i], 0)] if len(succ) == 2 else []
    return ops, "", succ, None, i


def _switch_operands(tokens: list[str], i: int, opcode: str) -> _Parsed:
    te = _type_end(tokens, i)
    ty = _join(tokens[i:te])
    return [Operand(_classify(tokens[te]), tokens[te], ty, 0)], "", _successors(tokens), None, i


def _phi_operands(tokens: list[str], i: int, opcode: str) -> _Parsed:
    """``phi [fast-math] <ty> [v0, %b0], [v1, %b1], ...``: the incoming values, in order."""
    while tokens[i] in _FAST_MATH:
        i += 1
    te = _type_end(tokens, i)
    rtype = _join(tokens[i:te])
    ops: list[Operand] = []
    n = len(tokens)
    p = 0
    k = te
    while k < n:
        if tokens[k] == "[":
            close = _match(tokens, k)
            inner = _split_top(tokens, k + 1, close - 1)
            v = _value_of(inner[0], False, rtype)
            if v is not None:
                ops.append(Operand(v[0], v[1], rtype, p))
            p += 1
            k = close
        else:
            k += 1
    return ops, rtype, [], None, i


def _cast_operands(tokens: list[str], i: int, opcode: str) -> _Parsed:
    while tokens[i] in ("nuw", "nsw", "nneg", "exact", "disjoint", "samesign") or tokens[i] in _FAST_MATH:
        i += 1
    to = len(tokens) - 1 - tokens[::-1].index("to")
    ops = _typed_operands([tokens[i:to]])
    return ops, _join(tokens[to + 1 : _type_end(tokens, to + 1)]), [], None, i


def _load_operands(tokens: list[str], i: int, opcode: str) -> _Parsed:
    while tokens[i] in ("atomic", "volatile"):
        i += 1
    pieces = _split_top(tokens, i)
    return _typed_operands([_strip_ordering(pieces[1])]), _join(pieces[0]), [], None, i


def _store_operands(tokens: list[str], i: int, opcode: str) -> _Parsed:
    while tokens[i] in ("atomic", "volatile"):
        i += 1
    pieces = _split_top(tokens, i)
    return _typed_operands([pieces[0], _strip_ordering(pieces[1])]), "", [], None, i


def _alloca_operands(tokens: list[str], i: int, opcode: str) -> _Parsed:
    while tokens[i] == "inalloca":
        i += 1
    pieces = _split_top(tokens, i)
    rtype = next((_join(p) for p in pieces if p[0] == "addrspace"), "")
    rtype = "ptr " + rtype if rtype else "ptr"
    ops = _typed_operands([pieces[1]]) if len(pieces) > 1 and pieces[1][0] not in ("align", "addrspace") else []
    return ops, rtype, [], None, i


def _gep_operands(tokens: list[str], i: int, opcode: str) -> _Parsed:
    while tokens[i] in ("inbounds", "nuw", "nusw", "inrange"):
        i += 1
    return _typed_operands(_split_top(tokens, i)[1:]), "", [], None, i


def _aggregate_operands(tokens: list[str], i: int, opcode: str) -> _Parsed:
    """``extractvalue`` (one value) and ``insertvalue`` (two), then the indices."""
    nvals = 1 if opcode == "extractvalue" else 2
    return _typed_operands(_split_top(tokens, i)[:nvals]), "", [], None, i


def _atomic_operands(tokens: list[str], i: int, opcode: str) -> _Parsed:
    """``atomicrmw`` and ``cmpxchg``: the typed pieces without orderings and alignment."""
    while tokens[i] in ("volatile", "weak") or (opcode == "atomicrmw" and tokens[i] in _RMW_OPS):
        i += 1
    pieces = [_strip_ordering(p) for p in _split_top(tokens, i) if p and p[0] != "align"]
    return _typed_operands(pieces), "", [], None, i


def _landingpad_operands(tokens: list[str], i: int, opcode: str) -> _Parsed:
    """``landingpad <ty> [cleanup] (catch|filter) <typed value>...``: one operand per clause."""
    te = _type_end(tokens, i)
    rtype = _join(tokens[i:te])
    ops: list[Operand] = []
    n = len(tokens)
    k = te
    p = 0
    while k < n:
        if tokens[k] in ("catch", "filter"):
            e = k + 1
            while e < n and tokens[e] not in ("catch", "filter", "cleanup"):
                e += 1
            ops.extend(_typed_operands([tokens[k + 1 : e]], p))
            p += 1
            k = e
        else:
            k += 1
    return ops, rtype, [], None, i


def _plain_operands(tokens: list[str], i: int, opcode: str) -> _Parsed:
    """Typed operands after optional fast-math flags or a predicate (``ret``, ``select``,
    ``icmp``, ``fcmp``, the vector operations, ...); ``void`` is not an operand."""
    n = len(tokens)
    while i < n and (tokens[i] in _FAST_MATH or tokens[i] in _PREDICATES or tokens[i] == "samesign"):
        i += 1
    pieces = _split_top(tokens, i)
    if opcode == "fence":
        pieces = []
    elif opcode == "va_arg":
        pieces = pieces[:1]
    ops = [o for o in _typed_operands(pieces) if not (o.kind == "constant" and o.ref == "void")]
    if opcode == "ret" and tokens[i:] == ["void"]:
        ops = []
    return ops, "", [], None, i


def _binary_operands(tokens: list[str], i: int, opcode: str) -> _Parsed:
    n = len(tokens)
    while i < n and (tokens[i] in _BINARY_FLAGS or tokens[i] in _FAST_MATH):
        i += 1
    return _typed_operands(_split_top(tokens, i)), "", [], None, i


def _other_operands(tokens: list[str], i: int, opcode: str) -> _Parsed:
    """indirectbr, catchswitch, catchpad, cleanuppad, catchret, cleanupret and anything newer:
    every identifier that is not a label is a value operand, in text order."""
    succ = _successors(tokens)
    labels = set(succ)
    ops: list[Operand] = []
    p = 0
    for k in range(i, len(tokens)):
        t = tokens[k]
        if t[0] in "%@" and t not in labels and not (k > 0 and tokens[k - 1] == "label"):
            ops.append(Operand(_classify(t), t, "", p))
            p += 1
    return ops, "", succ, None, i


#: The operand parser of each opcode; :func:`_other_operands` for the rest.
_OPERAND_PARSERS = {
    **dict.fromkeys(("call", "invoke", "callbr"), _call_operands),
    "br": _br_operands,
    "switch": _switch_operands,
    "phi": _phi_operands,
    **dict.fromkeys(_CAST_OPS, _cast_operands),
    "load": _load_operands,
    "store": _store_operands,
    "alloca": _alloca_operands,
    "getelementptr": _gep_operands,
    **dict.fromkeys(("extractvalue", "insertvalue"), _aggregate_operands),
    **dict.fromkeys(("atomicrmw", "cmpxchg"), _atomic_operands),
    "landingpad": _landingpad_operands,
    **dict.fromkeys(
        ("ret", "unreachable", "fence", "resume", "va_arg", "freeze", "fneg", "select", "extractelement",
         "insertelement", "shufflevector", "icmp", "fcmp"),
        _plain_operands,
    ),
    **dict.fromkeys(_BINARY_OPS, _binary_operands),
}


def _instruction_head(text: str, tokens: list[str]) -> tuple[list[str], str | None, str, int]:
    """``(tokens, result, opcode, i)``: the tokens without trailing metadata attachments and
    attribute group references, the result name (``None`` without one), the opcode (after
    ``tail``/``musttail``/``notail``), and the index of the token after it."""
    result = None
    i = 0
    if len(tokens) > 2 and tokens[1] == "=" and tokens[0][0] == "%":
        result = tokens[0]
        i = 2
    if ", !" in text:  # drop trailing metadata attachments: ", !tbaa !5" and similar
        for k in range(i + 1, len(tokens) - 1):
            if tokens[k][0] == "!" and tokens[k - 1] == "," and tokens[k + 1][0] == "!":
                tokens = tokens[: k - 1]  # the first attachment; all others follow it
                break
    if " #" in text:  # drop attribute group references
        j = len(tokens)
        while j > i and tokens[j - 1][0] == "#" and tokens[j - 1][1:].isdigit():
            j -= 1
        tokens = tokens[:j]
    opcode = tokens[i]
    if opcode in ("tail", "musttail", "notail"):
        i += 1
        opcode = tokens[i]
    return tokens, result, opcode, i + 1


def parse_instruction(text: str, typedefs: dict[str, str] | None = None) -> Instruction:
    """Parse one (possibly multi-line, already joined) instruction.

    ``typedefs`` maps named struct types (``%struct.S``) to their bodies, for the result
    type of ``extractvalue``.
    """
    tokens = _tokens(text)
    if not tokens:
        raise IRTextError(f"empty instruction: {text!r}")
    tokens, result, opcode, i = _instruction_head(text, tokens)
    ops, rtype, succ, callee, i = _OPERAND_PARSERS.get(opcode, _other_operands)(tokens, i, opcode)
    if not rtype and result is not None:
        rtype = _result_type(opcode, ops, tokens, i, typedefs)
    if ", !" in text or " #" in text:  # the node text keeps no metadata or attribute references
        text = _ATTACHMENTS.sub("", text)
    return Instruction(opcode, result, rtype, ops, succ, callee, text)


# -- instruction templates ----------------------------------------------------------------
#
# Programs repeat the same instructions with other value names: the 7,248 instructions of 48
# devmap kernels have 435 shapes once their local names are taken out, the 175,630 of all
# 669 devmap files 4,102.  Nothing in parse_instruction looks at a name beyond its first
# character and which other names equal it, so an instruction is parsed once per shape
# (names replaced by holes %$$0, %$$1, ... numbered by first appearance, equal names
# sharing a hole) and the names are put back into the parsed fields.

_LOCAL_NAME = re.compile(r'(%(?:"(?:[^"\\]|\\.)*"|[-\w$.]+))')
_HOLE = re.compile(r"%\$\$(\d+)")
_TEMPLATE_LIMIT = 20_000  # shapes kept per process (about 1 KiB each); the table starts over when full
_templates: dict[tuple, tuple | None] = {}
_UNSEEN = object()


def clear_templates() -> None:
    """Forget the instruction shapes :func:`read_module` has parsed in this process."""
    _templates.clear()


def _recipe(s: str | None):
    """How to rebuild a parsed field: the string itself (no hole), the index of the name it
    is, or a tuple of text pieces and name indices to concatenate."""
    if s is None or "%$$" not in s:
        return s
    parts = _HOLE.split(s)
    if len(parts) == 3 and not parts[0] and not parts[2]:
        return int(parts[1])
    return tuple(p if k % 2 == 0 else int(p) for k, p in enumerate(parts))


def _cook(recipe, names: list[str]):
    if recipe is None or recipe.__class__ is str:
        return recipe
    if recipe.__class__ is int:
        return names[recipe]
    return "".join(names[p] if p.__class__ is int else p for p in recipe)


def _parse_by_template(text: str, typedefs: dict[str, str] | None) -> Instruction:
    """:func:`parse_instruction`, parsing each shape of instruction once (same result)."""
    pieces = _LOCAL_NAME.split(text)
    holes: dict[str, int] = {}
    pattern = tuple(holes.setdefault(n, len(holes)) for n in pieces[1::2])
    key = (tuple(pieces[0::2]), pattern)
    recipe = _templates.get(key, _UNSEEN)  # one lookup: another thread may clear the table
    if recipe is _UNSEEN:
        recipe = None
        # quoted names may hold any text, "$$" could meet a hole: parse those as they are
        if '%"' not in text and "$$" not in text:
            filled = "".join(p if k % 2 == 0 else f"%$${holes[p]}" for k, p in enumerate(pieces))
            try:
                t = parse_instruction(filled, typedefs)
            except (IRTextError, IndexError, ValueError):
                t = None  # the real text raises the real error below
            if t is not None and t.opcode != "extractvalue":  # its type needs the real type names
                recipe = (
                    t.opcode, _recipe(t.result), _recipe(t.type),
                    tuple((o.kind, _recipe(o.ref), _recipe(o.type), o.position) for o in t.operands),
                    tuple(_recipe(x) for x in t.successors), _recipe(t.callee),
                )
        if len(_templates) >= _TEMPLATE_LIMIT:
            _templates.clear()
        _templates[key] = recipe
    if recipe is None:
        return parse_instruction(text, typedefs)
    names = list(holes)
    opcode, result, rtype, ops, succ, callee = recipe
    if ", !" in text or " #" in text:
        text = _ATTACHMENTS.sub("", text)
    return Instruction(
        opcode,
        _cook(result, names),
        _cook(rtype, names),
        [Operand(kind, _cook(ref, names), _cook(ty, names), pos) for kind, ref, ty, pos in ops],
        [_cook(x, names) for x in succ],
        _cook(callee, names),
        text,
    )


def _vector_parts(ty: str) -> tuple[str, str] | None:
    """``"<4 x float>"`` -> ``("4", "float")``; ``"<vscale x 2 x i64>"`` -> ``("vscale x 2", "i64")``."""
    if not ty.startswith("<") or ty.startswith("<{"):
        return None
    body = ty[1:-1]
    head, sep, elem = body.rpartition(" x ")
    return (head, elem) if sep else None


def _index_type(ty: str, indices: list[int], typedefs: dict[str, str]) -> str:
    """The type reached by ``extractvalue``'s constant indices into aggregate type ``ty``."""
    for idx in indices:
        seen = 0
        while ty.startswith("%") and seen < 64:
            ty = typedefs.get(ty, "")
            seen += 1
        toks = _tokens(ty)
        if not toks:
            return ""
        if toks[0] == "[":  # [N x T]
            return_ty = _join(toks[3:-1])
            ty = return_ty
        else:  # { A, B } or <{ A, B }>
            start = 2 if toks[0] == "<" else 1
            pieces = _split_top(toks, start, len(toks) - (2 if toks[0] == "<" else 1))
            if idx >= len(pieces):
                return ""
            ty = _join(pieces[idx])
    return ty


def _result_type(opcode: str, ops: list[Operand], tokens: list[str], i: int, typedefs) -> str:
    if opcode in ("icmp", "fcmp"):
        vec = _vector_parts(ops[0].type) if ops else None
        return f"<{vec[0]} x i1>" if vec else "i1"
    if opcode == "extractelement":
        vec = _vector_parts(ops[0].type) if ops else None
        return vec[1] if vec else ""
    if opcode == "shufflevector" and len(ops) == 3:
        vec, mask = _vector_parts(ops[0].type), _vector_parts(ops[2].type)
        return f"<{mask[0]} x {vec[1]}>" if vec and mask else ops[0].type
    if opcode == "select" and len(ops) > 1:
        return ops[1].type
    if opcode == "extractvalue" and ops:
        idx = [int(t) for t in _split_top(tokens, i)[1:] for t in t if t.lstrip("-").isdigit()]
        return _index_type(ops[0].type, idx, typedefs or {})
    if opcode == "cmpxchg" and len(ops) > 1:
        return "{ " + ops[1].type + ", i1 }"
    if opcode == "atomicrmw" and len(ops) > 1:
        return ops[1].type
    if opcode == "va_arg":
        pieces = _split_top(tokens, i)
        return _join(pieces[1]) if len(pieces) > 1 else ""
    if opcode == "getelementptr":
        return next((o.type for o in ops if o.type.startswith("<")), "ptr")
    return ops[0].type if ops else ""


_ATTACHMENTS = re.compile(r",\s*![-\w.]+\s+!(?:\d+|\{[^}]*\})|\s#\d+\b")
_DEFINE = re.compile(r"^(define|declare)\b")
_GLOBAL_DEF = re.compile(r"^(@(?:\"(?:[^\"\\]|\\.)*\"|[-\w$.]+)) = ")
_LABEL = re.compile(r'^("(?:[^"\\]|\\.)*"|[-\w$.]+):')


def _parse_signature(line: str) -> Function:
    tokens = _tokens(line)
    # the function name is the first @global followed by "("
    for k, t in enumerate(tokens):
        if t[0] == "@" and k + 1 < len(tokens) and tokens[k + 1] == "(":
            break
    else:
        raise IRTextError(f"cannot find the function name in {line[:200]!r}")
    name = t
    # return type: the last type expression before the name
    ret = ""
    j = 1
    while j < k:
        e = _type_end(tokens, j)
        if e > j:
            ret = _join(tokens[j:e])
            j = e
        else:
            j += 1
    close = _match(tokens, k + 1)
    args = []
    for piece in _split_top(tokens, k + 2, close - 1):
        if piece == ["..."]:
            continue
        te = _type_end(piece, 0)
        ty = _join(piece[:te])
        argname = piece[-1] if piece[-1][0] == "%" and len(piece) > te else ""
        args.append((argname, ty))
    return Function(name, ret, args)


def read_module(text: str, *, reuse_templates: bool = True) -> Module:
    """Read canonical LLVM IR text into a :class:`Module`.

    Parameters
    ----------
    text : str
        ``str()`` of an llvmlite module (LLVM 22 printer).
    reuse_templates : bool, default True
        Parse each shape of instruction (its text with the local names taken out) once per
        process and fill in the names, about twice as fast on real programs; the
        result is the same (``False`` parses every instruction, for checking that).

    Returns
    -------
    Module

    Raises
    ------
    IRTextError
        If the text does not follow the printer's layout.
    """
    globals_: dict[str, str] = {}
    typedefs: dict[str, str] = {}
    functions: list[Function] = []
    fn: Function | None = None
    block_name = ""
    insts: list[Instruction] = []
    pending: list[str] = []

    parse = _parse_by_template if reuse_templates else parse_instruction

    def flush() -> None:
        if pending:
            insts.append(parse(" ".join(pending), typedefs))
            pending.clear()

    for line in text.split("\n"):
        if fn is None:
            if not line or line[0] in ";!":
                continue
            if line[0] == "%":
                name, sep, body = line.partition(" = type ")
                if sep:
                    typedefs[name] = body.strip()
                continue
            if line[0] == "@":
                m = _GLOBAL_DEF.match(line)
                if m:
                    rest = line[m.end():]
                    globals_[m.group(1)] = "function" if " alias " in f" {rest} " or " ifunc " in f" {rest} " else "variable"
                continue
            if _DEFINE.match(line):
                f = _parse_signature(line)
                functions.append(f)
                if line.rstrip().endswith("{"):
                    fn = f
                    unnamed = sum(1 for a, _ in f.arguments if a[1:].isdigit())
                    block_name = f"%{unnamed}"
                    insts = []
            continue
        # inside a function body
        if not line:
            continue
        c = line[0]
        if c == "}":
            flush()
            fn.blocks.append((block_name, insts))
            fn = None
            continue
        if c == " ":
            stripped = line.lstrip()
            if stripped.startswith(("#dbg_", ";")):
                continue
            if line[2] != " " and stripped[0] != "]":
                flush()
            pending.append(stripped)
            continue
        m = _LABEL.match(line)
        if m:
            flush()
            if insts:  # close the previous block (the entry block may be unlabelled)
                fn.blocks.append((block_name, insts))
            block_name = "%" + m.group(1)
            insts = []
            continue
        if c == ";":
            continue
        raise IRTextError(f"unexpected line in a function body: {line[:200]!r}")
    if fn is not None:
        raise IRTextError(f"function {fn.name} is not closed")
    for f in functions:
        globals_.setdefault(f.name, "function")
    return Module(globals_, functions)
