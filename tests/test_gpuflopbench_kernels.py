"""The kernel-level gpuFLOPBench task: which IR function is a profiled kernel, and its rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import _benchmarks  # noqa: F401  (puts benchmarks/ on sys.path)
from suitelib import task_gpuflopbench_kernels as K

PROGRAMS = Path(__file__).parent / "programs"

OMP_TARGET = """
#include <stdio.h>
void scale(float *a, int n, float s) {
  #pragma omp target teams distribute parallel for map(tofrom: a[0:n])
  for (int i = 0; i < n; i++) a[i] *= s;
}
int main(void) {
  float a[64];
  for (int i = 0; i < 64; i++) a[i] = i;
  scale(a, 64, 2.0f);
  printf("%f\\n", a[3]);
  return 0;
}
"""


def test_base_names_of_demangled_kernels():
    assert K._base_name("void adam<float, float>(float*, float*, adamMode_t)") == "adam"
    assert K._base_name("ns::inner::k<int, (op)1>(int)") == "k"
    assert K._base_name("norm2(float const*, float*, int)") == "norm2"
    assert K._signature_key("f(const float *, int)") == K._signature_key("f(float const*, int)")


def test_a_cuda_kernel_is_found_by_its_profiled_name(clang):
    from sklearn_mirencoder.frontend import process

    ir = process(PROGRAMS / "three_kernels.cu", input="filename").ir
    assert K.find_kernel(ir, "norm2", "norm2(const float *, float *, int)") == "_Z5norm2PKfPfi"
    assert K.find_kernel(ir, "transpose", "") == "_Z9transposePKfPfii"
    assert K.find_kernel(ir, "squared", "") is None  # a device function, not a kernel
    assert K.find_kernel(ir, "missing", "") is None


def test_an_openmp_target_region_is_found_by_function_and_line(clang):
    from sklearn_mirencoder.frontend import process

    ir = process(OMP_TARGET, language="openmp", name="t.c").ir
    line = next(i for i, text in enumerate(OMP_TARGET.splitlines(), 1) if "pragma omp target" in text)
    # the profile's name comes from the GPU build: other device and file ids, same function and line
    found = K.find_kernel(ir, f"__omp_offloading_10309_2fc5ad7_scale_l{line}", "")
    assert found is not None and found.startswith("__omp_offloading_") and f"_scale_l{line}" in found
    assert K.find_kernel(ir, f"__omp_offloading_10309_2fc5ad7_scale_l{line + 1}", "") is None


def test_kernel_rows_on_the_shared_data(tmp_path):
    from conftest import shared_dir

    if not (shared_dir() / "data" / "gpuflopbench").exists():
        pytest.skip("../shared/data/gpuflopbench is absent: set MIRENCODER_SHARED")
    data = K.program_task._load_dataset(None)
    rows = K.kernel_rows(data)
    assert len(rows) == 1802  # (target, kernel) pairs of profiling-data.csv
    by_target = {}
    for r in rows:
        by_target.setdefault(r["target"], []).append(r)
    # the dominant kernel's own row carries the program-level labels
    for i in range(0, len(data.target_name), 97):
        mine = {r["kernel"]: r for r in by_target[data.target_name[i]]}[data.kernel[i]]
        assert mine["bound"] == data.bound[i]
        assert np.isclose(mine["log_ai"], data.log_ai[i], equal_nan=True)
