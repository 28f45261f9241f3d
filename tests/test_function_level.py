"""Function-level embeddings through MIRTransformer: ``function=`` and ``transform_functions``."""

from __future__ import annotations

import csv
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

from _model_fixtures import tiny_model_dir  # noqa: F401  (fixture)
from sklearn_mirencoder import MIRTransformer
from sklearn_mirencoder.transformer import FailedProgramsWarning

PROGRAMS = Path(__file__).parent / "programs"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "programs"
CUDA3 = str(PROGRAMS / "three_kernels.cu")
C_MAIN = str(PROGRAMS / "main_helpers.c")
ONE_KERNEL = "__kernel void k(__global float *a, float s) { int i = get_global_id(0); a[i] = a[i] * s + 1.0f; }"


def make(model, **kw):
    kw.setdefault("input", "filename")
    return MIRTransformer(model=str(model), cache=False, **kw)


def test_a_cuda_file_with_three_kernels_gives_three_rows_named_by_their_kernels(tiny_model_dir, clang):
    frame = make(tiny_model_dir).transform_functions([CUDA3], functions="kernels")
    assert list(frame.index) == [(0, "_Z5scalePffi"), (0, "_Z5norm2PKfPfi"), (0, "_Z9transposePKfPfii")]
    assert set(frame["kind"]) == {"kernel"} and set(frame["program"]) == {CUDA3}
    if frame["demangled"].iloc[0] != "_Z5scalePffi":  # c++filt present
        assert [d.split("(")[0] for d in frame["demangled"]] == ["scale", "norm2", "transpose"]
    features = frame[list(make(tiny_model_dir).fit().get_feature_names_out())].to_numpy()
    assert np.isfinite(features).all() and len({tuple(r) for r in features}) == 3


def test_one_kernel_gives_the_same_vector_through_either_api(tiny_model_dir, clang):
    est = make(tiny_model_dir, input="content", language="opencl")
    by_rule = clone(est).set_params(function="kernel").fit_transform([ONE_KERNEL])
    by_name = clone(est).set_params(function="k").fit_transform([ONE_KERNEL])
    table = est.fit().transform_functions([ONE_KERNEL], functions="kernels")
    row = table.loc[(0, "k"), list(est.get_feature_names_out())].to_numpy(dtype=np.float32)
    assert np.array_equal(by_rule[0], row) and np.array_equal(by_name[0], row)
    # one function and nothing else: the function's vector is the program's
    assert np.array_equal(est.transform([ONE_KERNEL])[0], row)


def test_main_and_helpers_of_a_c_file(tiny_model_dir, clang):
    est = make(tiny_model_dir)
    table = est.fit().transform_functions([C_MAIN])
    assert list(table["function"]) == ["variance", "main"] and set(table["kind"]) == {"function"}
    main = clone(est).set_params(function="main").fit_transform([C_MAIN])
    assert np.array_equal(main[0], table.loc[(0, "main"), list(est.get_feature_names_out())].to_numpy(np.float32))
    whole = est.transform([C_MAIN])
    assert not np.array_equal(whole[0], main[0])  # the program is more than its main


def test_bad_input_keeps_its_row_with_nan_and_a_failure(tiny_model_dir, clang, tmp_path):
    broken = tmp_path / "broken.cu"
    broken.write_text("__global__ void k( { }")
    est = make(tiny_model_dir, errors="nan")
    with pytest.warns(FailedProgramsWarning):
        table = est.fit().transform_functions([CUDA3, str(broken), str(tmp_path / "missing.c"), C_MAIN],
                                              functions="all")
    assert list(table.index.get_level_values("sample")) == [0, 0, 0, 0, 1, 2, 3, 3]
    failed = table.loc[[1, 2]]
    assert failed["function"].isna().all()
    assert np.isnan(failed[list(est.get_feature_names_out())].to_numpy(float)).all()
    assert [f.index for f in est.failures_] == [1, 2] and est.failures_[0].error == "CompileError"
    # function= on a program without that function: a NaN row naming what it defines
    with pytest.warns(FailedProgramsWarning):
        out = clone(est).set_params(function="kernel").fit_transform([C_MAIN, CUDA3, str(EXAMPLES / "saxpy.cu")])
    assert np.isnan(out).all(axis=1).tolist() == [True, True, True]
    est2 = clone(est).set_params(function="_Z5scalePffi")
    out = est2.fit_transform([C_MAIN, CUDA3])
    assert np.isnan(out[0]).all() and np.isfinite(out[1]).all()
    assert "defines no function '_Z5scalePffi'" in est2.failures_[0].message and "variance" in est2.failures_[0].message


def test_errors_raise_names_the_sample(tiny_model_dir, clang, tmp_path):
    from sklearn_mirencoder.errors import FrontendError

    one = tmp_path / "one.cl"
    one.write_text(ONE_KERNEL)
    with pytest.raises(FrontendError, match=r"sample 1 .*exactly one kernel, the program defines 3"):
        make(tiny_model_dir, function="kernel").fit_transform([str(one), CUDA3])


def test_deterministic_across_runs_and_jobs(tiny_model_dir, clang):
    files = [CUDA3, C_MAIN, str(EXAMPLES / "vector_add.cl"), str(EXAMPLES / "matmul_omp.c")]
    one = make(tiny_model_dir).fit().transform_functions(files)
    again = make(tiny_model_dir).fit().transform_functions(files)
    two = make(tiny_model_dir, n_jobs=2).fit().transform_functions(files)
    assert one.equals(again) and one.equals(two)


def test_function_is_a_parameter_and_part_of_the_key(tiny_model_dir, clang):
    est = MIRTransformer(model=str(tiny_model_dir), input="filename", function="main", confine_includes=True)
    params = clone(est).get_params()
    assert params["function"] == "main" and params["confine_includes"] is True
    shared = MIRTransformer(model=str(tiny_model_dir), input="filename")  # the memory cache is shared
    whole = shared.fit_transform([C_MAIN])
    assert not np.array_equal(clone(shared).set_params(function="main").fit_transform([C_MAIN]), whole)
    assert np.array_equal(shared.transform([C_MAIN]), whole)
    for bad in ("all", "kernels", "", 3):
        with pytest.raises(ValueError, match="function"):
            MIRTransformer(model=str(tiny_model_dir), input="filename", function=bad).fit()
    with pytest.raises(ValueError, match="functions must be"):
        make(tiny_model_dir).fit().transform_functions([C_MAIN], functions=[])


def test_cli_level_function(tiny_model_dir, clang, tmp_path):
    out = tmp_path / "f.csv"
    done = subprocess.run(
        [sys.executable, "-m", "sklearn_mirencoder.cli", "embed", "--level", "function", "--functions", "kernels",
         "--model", str(tiny_model_dir), "-q", "-o", str(out), CUDA3, str(EXAMPLES / "vector_add.cl")],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(out.open()))
    assert [(Path(r["file"]).name, r["function"], r["kind"]) for r in rows] == [
        ("three_kernels.cu", "_Z5scalePffi", "kernel"), ("three_kernels.cu", "_Z5norm2PKfPfi", "kernel"),
        ("three_kernels.cu", "_Z9transposePKfPfii", "kernel"), ("vector_add.cl", "vector_add", "kernel"),
        ("vector_add.cl", "transpose", "kernel")]
    with warnings.catch_warnings():
        done = subprocess.run([sys.executable, "-m", "sklearn_mirencoder.cli", "embed", "--level", "function",
                               "--model", str(tiny_model_dir), "-o", str(tmp_path / "f.npy"), CUDA3],
                              capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "use .csv or .parquet" in done.stderr


def test_graph_part_is_the_same_on_one_and_two_threads(tiny_model_dir, clang):
    """A 5-node graph (a CUDA device helper) once came out 6e-8 apart on 1 and 2 torch threads,
    so a worker (one thread) and the parent (two) disagreed; the graph encoder now runs on one."""
    import torch

    est = make(tiny_model_dir, function="_Z7squaredf").fit()
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        two = est.transform([CUDA3])
        torch.set_num_threads(1)
        one = est.transform([CUDA3])
    finally:
        torch.set_num_threads(threads)
    assert np.array_equal(one, two)
