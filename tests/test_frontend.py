"""The whole front end on real programs, on the devmap data, and under fuzzing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sklearn_mirencoder.errors import CompileError, FrontendError, InputError, IRParseError
from sklearn_mirencoder.frontend import Program, process
from sklearn_mirencoder.frontend.graph import CALL, CONTROL, DATA, INSTRUCTION

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "programs"


def check_program(p: Program) -> None:
    """The invariants every front-end result keeps."""
    g = p.graph
    g.validate()  # shapes, ranges, reachability of every instruction from its entry
    assert g.num_nodes > 1 and (g.node_kind == INSTRUCTION).any()
    assert len(p.words) > 0
    assert all(isinstance(w, str) and w for w in p.words)


@pytest.mark.parametrize("path", sorted(EXAMPLES.iterdir()), ids=lambda p: p.name)
def test_example_programs_in_every_language(path):
    p = process(path, input="filename")
    check_program(p)
    assert p.name == str(path)
    assert p.ir.compiler is not None and p.ir.compiler.major >= 13
    flows = set(np.unique(p.graph.edge_flow).tolist())
    assert {CONTROL, DATA, CALL} <= flows
    expected_language = {".cu": "cuda", ".cl": "opencl", ".c": "c", ".cpp": "c++"}[path.suffix]
    assert p.language == expected_language


def test_openmp_source_is_compiled_with_openmp():
    p = process(EXAMPLES / "matmul_omp.c", input="filename")
    assert "__kmpc_fork_call" in p.ir.text  # the parallel regions were outlined
    assert any("__kmpc" in t for t in p.graph.node_text.tolist())


@pytest.mark.parametrize("opt", [("-O1",), ("-O0", "-Xclang", "-disable-O0-optnone"), ("-O2",)])
def test_opencl_kernels_appear_once(opt):
    # clang >= 21 also emits an alwaysinline copy "__clang_ocl_kern_imp_<kernel>" of each kernel
    p = process(EXAMPLES / "vector_add.cl", input="filename", opt_flags=opt)
    assert p.graph.function_names == ("@vector_add", "@transpose")
    assert "__clang_ocl_kern_imp_" not in p.ir.text


def test_cuda_kernel_is_device_code():
    p = process(EXAMPLES / "saxpy.cu", input="filename")
    assert "nvptx" in p.ir.text
    assert "llvm.nvvm.barrier" in p.ir.text or "barrier" in " ".join(p.graph.node_text.tolist())


def test_content_input_needs_a_language_and_names_the_sample():
    with pytest.raises(InputError, match="sample 7"):
        process("int f(void) { return 1; }", name="sample 7")
    p = process("int f(int x) { return x + 1; }", language="c", name="sample 8")
    check_program(p)
    assert p.name == "sample 8"


def test_file_input(tmp_path):
    f = tmp_path / "k.cl"
    f.write_text("__kernel void k(__global int *a) { a[get_global_id(0)] = 1; }")
    with open(f, "rb") as fh:
        p = process(fh, input="file", language="opencl")
    check_program(p)


def test_ir_text_and_bitcode_inputs_give_the_same_program(tmp_path):
    c = process("int f(int x) { return x * 3; }", language="c")
    from_text = process(c.ir.text, language="llvm-ir")
    import llvmlite.binding as llvm

    bitcode = llvm.parse_assembly(c.ir.text).as_bitcode()
    from_bc = process(bitcode, language="llvm-bc")
    assert from_text.graph.digest() == from_bc.graph.digest() == c.graph.digest()
    assert from_text.words == c.words


def test_bad_inputs_raise_typed_errors_naming_the_sample():
    cases = [
        ("int main( { return 0; }", "c", CompileError),
        ("define i32 @f( {", "llvm-ir", IRParseError),
        ("", "c", InputError),
        ("   \n", "opencl", InputError),
        (b"\xff\xfe\x00garbage\x80", "c", InputError),
        (bytes(range(256)) * 4, "llvm-bc", FrontendError),
        ("__kernel void k(__global int *a) { a[0] = 1; }", "cuda", CompileError),
        ("template <typename T> T f(T x) { return x; } int g() { return f(1); }", "c", CompileError),
    ]
    for source, language, error in cases:
        with pytest.raises(error) as info:
            process(source, language=language, name="bad-sample")
        assert "bad-sample" in str(info.value)
    with pytest.raises(CompileError) as info:
        process("int main( { return 0; }", language="c", name="bad-sample")
    assert "error" in str(info.value)  # the compiler's diagnostic travels with the error


def test_oversized_source_is_refused_before_compiling():
    with pytest.raises(InputError, match="max_source_bytes"):
        process("int x;\n" * 1000, language="c", name="big", max_source_bytes=100)


def _digests(paths: list[str]) -> list[str]:
    return [process(p, input="filename").digest() for p in paths]


def test_same_input_gives_byte_identical_results_across_runs_and_processes():
    paths = [str(p) for p in sorted(EXAMPLES.iterdir())]
    here = _digests(paths)
    assert here == _digests(paths)
    code = (
        "import json, sys; from tests.test_frontend import _digests; "
        "print(json.dumps(_digests(sys.argv[1:])))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *paths], cwd=REPO, capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONHASHSEED": "123"},
    )
    import json

    assert json.loads(out.stdout) == here


# ---------------------------------------------------------------------------------------
# The devmap data set: every kernel clang accepts, and all 669 IR files.


def test_every_devmap_ir_file_parses_and_graphs(devmap_ir_files):
    failures = []
    upgraded = []
    for path in devmap_ir_files:
        try:
            p = process(path, input="filename")
            p.graph.validate()
            if p.ir.upgraded:
                upgraded.append(path.name)
        except FrontendError as exc:  # pragma: no cover - reported below
            failures.append((path.name, str(exc)[:200]))
    assert not failures
    assert len(devmap_ir_files) == 669
    assert upgraded == ["rodinia-3.1-lavaMD-kernel_gpu_opencl.ll"]


def test_devmap_kernels_compile_or_fail_with_our_error(devmap_kernels):
    ok = failed = 0
    for path in devmap_kernels:
        try:
            p = process(path, input="filename")
            check_program(p)
            assert "spir_kernel" in p.ir.text and p.ir.language == "opencl"
            ok += 1
        except CompileError as exc:
            assert type(exc) is CompileError, (path, exc)
            assert exc.sample == str(path) and path.name in str(exc) and "error" in exc.diagnostic
            failed += 1
    assert ok + failed == 256
    assert ok >= 196, ok


# ---------------------------------------------------------------------------------------
# Fuzzing: whatever the input, a well-formed result or our typed error.

LANGS = ["c", "c++", "opencl", "cuda", "llvm-ir", "llvm-bc"]
SEED_C = (EXAMPLES / "histogram.c").read_text()
SEED_IR = process(SEED_C, language="c").ir.text

fuzz = settings(max_examples=25)


@fuzz
@given(data=st.one_of(st.text(max_size=300), st.binary(max_size=300)), language=st.sampled_from(LANGS))
def test_fuzz_arbitrary_input(data, language):
    try:
        p = process(data, language=language, name="fuzz", timeout=20)
    except FrontendError as exc:
        assert "fuzz" in str(exc)
        return
    check_program(p)


def _mutate(text: str, ops) -> str:
    lines = text.split("\n")
    for kind, a, b in ops:
        if not lines:
            break
        i = a % len(lines)
        if kind == "drop":
            del lines[i]
        elif kind == "dup":
            lines.insert(i, lines[b % len(lines)])
        elif kind == "swap":
            j = b % len(lines)
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "cut":
            lines[i] = lines[i][: b % (len(lines[i]) + 1)]
    return "\n".join(lines)


mutations = st.lists(
    st.tuples(st.sampled_from(["drop", "dup", "swap", "cut"]), st.integers(0, 10**6), st.integers(0, 10**6)),
    min_size=1,
    max_size=4,
)


@fuzz
@given(ops=mutations)
def test_fuzz_mutated_c_source(ops):
    try:
        p = process(_mutate(SEED_C, ops), language="c", name="mutant.c")
    except FrontendError as exc:
        assert "mutant.c" in str(exc)
        return
    check_program(p)


@fuzz
@given(ops=mutations)
def test_fuzz_mutated_ir(ops):
    try:
        p = process(_mutate(SEED_IR, ops), language="llvm-ir", name="mutant.ll")
    except FrontendError as exc:
        assert "mutant.ll" in str(exc)
        return
    check_program(p)
