"""The text reader against llvmlite's own view of the same module (an oracle).

The graph builder reads canonical IR text instead of walking llvmlite objects (for speed).
Here, on real compiled programs, every instruction's operands as read from the text are
compared with the operands llvmlite reports: same count, same kinds, same order.
"""

from __future__ import annotations

from pathlib import Path

import llvmlite.binding as llvm
import pytest

from sklearn_mirencoder.frontend.compile import O0_NO_OPTNONE
from sklearn_mirencoder.frontend.ir import parse_ir, to_ir
from sklearn_mirencoder.frontend.irtext import read_module

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
    assert read_module(ir.text) == read_module(ir.text, reuse_templates=False)


def _lang(path: Path) -> str:
    return {".c": "c", ".cpp": "c++", ".cl": "opencl", ".cu": "cuda"}[path.suffix]


def test_reader_agrees_with_llvmlite_on_old_devmap_ir(devmap_ir_files):
    # every 13th file: typed-pointer IR from clang 9, upgraded by LLVM 22's parser
    total = 0
    for path in devmap_ir_files[::13]:
        total += compare(str(parse_ir(path.read_bytes(), name=str(path))))
    assert total > 2500


def test_instruction_templates_give_what_parsing_each_instruction_gives(devmap_ir_files):
    # every 3rd devmap file, read twice: the second time nearly every shape is known
    for path in devmap_ir_files[::3]:
        text = str(parse_ir(path.read_bytes(), name=str(path)))
        plain = read_module(text, reuse_templates=False)
        assert read_module(text) == plain
        assert read_module(text) == plain


TEMPLATE_IR = r"""
%struct.S = type { i32, float }
@.str = private constant [6 x i8] c"%d %s\00"
declare i32 @printf(ptr, ...)
define float @f(i32 %a, i32 %b, ptr %"q r", %struct.S %s, ptr %$$x) {
entry:
  %x = add i32 %a, %a
  %y = add i32 %a, %b
  %v = extractvalue %struct.S %s, 1
  %z = load i32, ptr %"q r"
  %w = load i32, ptr %$$x
  %c = call i32 (ptr, ...) @printf(ptr @.str, i32 %x)
  %t = add i32 %b, %b
  %u = add i32 %b, %a
  br label %exit
exit:
  ret float %v
}
"""


def test_instruction_templates_keep_names_apart_and_equal():
    text = str(parse_ir(TEMPLATE_IR, name="t.ll"))
    for _ in range(2):
        module = read_module(text)
        assert module == read_module(text, reuse_templates=False)
    insts = {i.result: i for _, block in module.functions[1].blocks for i in block}
    refs = {r: [o.ref for o in i.operands] for r, i in insts.items() if r}
    # one shape, filled with other names: equal names stay equal, different ones apart
    assert refs["%x"] == ["%a", "%a"] and refs["%t"] == ["%b", "%b"]
    assert refs["%y"] == ["%a", "%b"] and refs["%u"] == ["%b", "%a"]
    assert refs["%z"] == ['%"q r"'] and refs["%w"] == ['%"$$x"']  # read as they are
    assert insts["%v"].type == "float"  # extractvalue's type comes from the real struct name
    assert insts["%c"].operands[0].ref == "@.str" and insts["%c"].operands[1].ref == "%x"
