"""Function-level modules (sklearn_mirencoder.frontend.functions) on real programs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sklearn_mirencoder.errors import FrontendError, InputError
from sklearn_mirencoder.frontend import process
from sklearn_mirencoder.frontend.functions import demangle, function_module, list_functions, select_functions

PROGRAMS = Path(__file__).parent / "programs"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "programs"


@pytest.fixture(scope="module")
def cuda3(clang):
    return process(PROGRAMS / "three_kernels.cu", input="filename").ir


@pytest.fixture(scope="module")
def c_main(clang):
    return process(PROGRAMS / "main_helpers.c", input="filename").ir


def _defines(text: str) -> list[str]:
    return [line.split("@", 1)[1].split("(", 1)[0].strip('"') for line in text.splitlines() if line.startswith("define")]


def _body(text: str, name: str) -> list[str]:
    """The lines of function ``name``'s definition, attribute-group and metadata numbers taken out."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("define") and f"@{name}(" in line)
    end = lines.index("}", start)
    return [re.sub(r"[#!]\d+", "#", line) for line in lines[start:end]]


def test_cuda_kernels_are_found_and_named(cuda3):
    kernels = select_functions(cuda3, "kernels")
    assert [f.name for f in kernels] == ["_Z5scalePffi", "_Z5norm2PKfPfi", "_Z9transposePKfPfii"]
    assert [f.kind for f in list_functions(cuda3)] == ["function", "kernel", "kernel", "kernel"]
    assert [d.split("(")[0] for d in demangle([f.name for f in kernels])] in (
        ["scale", "norm2", "transpose"], [f.name for f in kernels])  # the second without c++filt


def test_a_function_module_holds_the_function_and_what_it_calls(cuda3):
    norm2 = function_module(cuda3, "_Z5norm2PKfPfi")
    assert _defines(norm2.text)[0] == "_Z5norm2PKfPfi"
    assert "_Z5scalePffi" not in norm2.text and "_Z9transposePKfPfii" not in norm2.text
    scale = function_module(cuda3, "_Z5scalePffi")
    assert _defines(scale.text) == ["_Z5scalePffi"]
    # the function's own lines are the program's own lines
    assert _body(scale.text, "_Z5scalePffi") == _body(cuda3.text, "_Z5scalePffi")
    assert _body(norm2.text, "_Z5norm2PKfPfi") == _body(cuda3.text, "_Z5norm2PKfPfi")
    assert scale.name.endswith("::_Z5scalePffi")


def test_opencl_kernels_and_the_only_kernel_rule(clang):
    ir = process(EXAMPLES / "vector_add.cl", input="filename").ir
    assert [f.name for f in select_functions(ir, "kernels")] == ["vector_add", "transpose"]
    with pytest.raises(FrontendError, match="exactly one kernel.*vector_add, transpose"):
        select_functions(ir, "kernel")
    single = process("__kernel void k(__global int *a) { a[get_global_id(0)] = 1; }", language="opencl").ir
    assert [f.name for f in select_functions(single, "kernel")] == ["k"]
    # a program with one function: its module is the program
    assert function_module(single, "k").text == single.text


def test_main_and_helpers_of_a_c_program(c_main):
    assert [f.name for f in list_functions(c_main)] == ["variance", "main"]
    assert [f.name for f in select_functions(c_main, "main")] == ["main"]
    main = function_module(c_main, "main")
    assert "define dso_local noundef i32 @main" in main.text
    assert "declare noundef i32 @printf" in main.text  # what main calls stays, declared
    assert "variance" not in _defines(main.text)  # -O1 inlined it: main no longer calls it
    assert _defines(function_module(c_main, "variance").text) == ["variance"]


def test_openmp_outlined_regions_follow_their_function(clang):
    ir = process(EXAMPLES / "matmul_omp.c", input="filename").ir
    dot = function_module(ir, "dot")
    assert "dot.omp_outlined" in _defines(dot.text) and "matmul" not in _defines(dot.text)
    outlined = function_module(ir, "matmul.omp_outlined")
    assert _defines(outlined.text) == ["matmul.omp_outlined"]
    assert "define internal void @matmul.omp_outlined" in outlined.text  # its own linkage kept


def test_unknown_names_are_errors_that_list_the_functions(c_main):
    with pytest.raises(FrontendError, match="no function 'nope'.*variance, main"):
        select_functions(c_main, "nope")
    with pytest.raises(InputError, match="no function 'nope'"):
        function_module(c_main, "nope")
    with pytest.raises(FrontendError, match="exactly one kernel"):
        select_functions(c_main, "kernel")
    assert select_functions(c_main, "kernels") == []


@given(st.sampled_from(["three_kernels.cu", "main_helpers.c", "features.cpp"]), st.data())
def test_function_modules_are_canonical_and_deterministic(name, data):
    ir = _ir(name)
    f = data.draw(st.sampled_from(list_functions(ir)))
    a, b = function_module(ir, f.name), function_module(ir, f.name)
    assert a.text == b.text
    assert _defines(a.text)[0] == f.name or f.name in _defines(a.text)
    again = process(a.text, language="llvm-ir").ir.text
    assert again == a.text  # canonical: a fixed point of the front end


_CACHE: dict = {}


def _ir(name):
    if name not in _CACHE:
        _CACHE[name] = process(PROGRAMS / name, input="filename").ir
    return _CACHE[name]
