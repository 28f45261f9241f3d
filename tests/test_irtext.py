"""The text reader against llvmlite's own view of the same module (an oracle).

The graph builder reads canonical IR text instead of walking llvmlite objects (for speed).
Here, on real compiled programs, every instruction's operands as read from the text are
compared with the operands llvmlite reports: same count, same kinds, same order.
"""

from __future__ import annotations

from pathlib import Path

import llvmlite.binding as llvm
import pytest

from sklearn_mirencoder.compile import O0_NO_OPTNONE
from sklearn_mirencoder.ir import parse_ir, to_ir
from sklearn_mirencoder.irtext import read_module

REPO = Path(__file__).resolve().parents[1]
PROGRAMS = sorted((REPO / "tests" / "programs").iterdir()) + sorted((REPO / "examples" / "programs").iterdir())

_LOCAL = {"argument", "instruction"}
_GLOBAL = {"global_variable", "function", "global_alias", "global_ifunc"}


def _kind(value_kind) -> str | None:
    name = value_kind.name
    if name in _LOCAL:
        return "local"
    if name in _GLOBAL:
        return "global"
    if name in ("basic_block", "inline_asm"):
        return None
    if name.startswith("metadata"):
        return "metadata"
    return "constant"


def oracle_operands(inst) -> list[str]:
    """Operand kinds as our reader lists them, from llvmlite's operand list."""
    ops = list(inst.operands)
    opcode = inst.opcode
    if opcode in ("call", "invoke", "callbr"):
        callee = ops[-1]
        args = [o for o in ops[:-1] if _kind(o.value_kind) is not None]
        kinds = [_kind(o.value_kind) for o in args]
        if _kind(callee.value_kind) == "local":
            kinds.append("local")
        return kinds
    if opcode == "switch":
        return [_kind(ops[0].value_kind)]
    if opcode == "alloca":
        return []  # the implicit array size "i32 1" is not printed
    kinds = [k for o in ops if (k := _kind(o.value_kind)) is not None]
    return kinds


def compare(text: str) -> int:
    module = llvm.parse_assembly(text)
    ours = {f.name: f for f in read_module(text).functions}
    checked = 0
    for fn in module.functions:
        if fn.is_declaration:
            continue
        mine = ours["@" + fn.name] if ("@" + fn.name) in ours else ours['@"' + fn.name + '"']
        their_blocks = list(fn.blocks)
        assert len(their_blocks) == len(mine.blocks), fn.name
        for tb, (_, insts) in zip(their_blocks, mine.blocks):
            their_insts = list(tb.instructions)
            assert len(their_insts) == len(insts), (fn.name, [i.text for i in insts])
            for ti, mi in zip(their_insts, insts):
                assert ti.opcode == mi.opcode, (ti.opcode, mi.text)
                expected = oracle_operands(ti)
                got = [o.kind for o in mi.operands]
                if ti.opcode == "shufflevector":
                    got = got[:2]  # the mask is printed (and kept as a constant) but is no operand
                assert got == expected, (mi.text, got, expected)
                positions = [o.position for o in mi.operands]
                assert positions == sorted(set(positions)), mi.text
                n_blocks = sum(1 for o in ti.operands if o.value_kind.name == "basic_block")
                if ti.opcode != "phi":
                    assert len(mi.successors) == n_blocks, (mi.text, mi.successors)
                checked += 1
    return checked


@pytest.mark.parametrize("opt", [("-O1",), O0_NO_OPTNONE, ("-O3",)], ids=["O1", "O0", "O3"])
@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.name)
def test_reader_agrees_with_llvmlite_on_compiled_programs(path, opt):
    ir = to_ir(path.read_bytes(), language=None if False else _lang(path), name=str(path), opt_flags=opt)
    assert compare(ir.text) > 10


def _lang(path: Path) -> str:
    return {".c": "c", ".cpp": "c++", ".cl": "opencl", ".cu": "cuda"}[path.suffix]


def test_reader_agrees_with_llvmlite_on_old_devmap_ir(devmap_ir_files):
    # every 13th file: typed-pointer IR from clang 9, upgraded by LLVM 22's parser
    total = 0
    for path in devmap_ir_files[::13]:
        total += compare(str(parse_ir(path.read_bytes(), name=str(path))))
    assert total > 2500
