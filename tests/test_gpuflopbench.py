"""gpuFLOPBench: the loader (checksums, local copies, offline error, compile flags, labels) and
the suite task's protocols (benchmarks/suitelib/task_gpuflopbench.py)."""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from sklearn_mirencoder.datasets import (
    DatasetError,
    gpuflopbench_compile_units,
    load_gpuflopbench,
    map_compile_command,
)
from sklearn_mirencoder.datasets.gpuflopbench import ARCHIVE, GPUFLOPBENCH_BUILD_ROOT, RTX3080_ROOFLINE

from _benchmarks import REPO  # noqa: F401  (puts benchmarks/ on sys.path)

SHARED = Path(os.environ.get("MIRENCODER_SHARED", Path(__file__).resolve().parents[2] / "shared"))
DATA = SHARED / "data" / "gpuflopbench"


@pytest.fixture(scope="module")
def data():
    if not (DATA / ARCHIVE).is_file():
        pytest.skip(f"{DATA / ARCHIVE} is absent: set MIRENCODER_SHARED to the folder holding data/gpuflopbench")
    return load_gpuflopbench(local_path=DATA)  # unpacked once into the data home


def _row(data, target: str) -> int:
    return list(data.target_name).index(target)


# ------------------------------------------------------------------------------ loader


def test_offline_error_says_how_to_get_the_data(tmp_path):
    with pytest.raises(DatasetError) as info:
        load_gpuflopbench(data_home=tmp_path, download=False)
    msg = str(info.value)
    assert "download=False" in msg and "local_path=" in msg and "gpuflopbench.tar.xz" in msg
    assert "Scientific-Computing-Lab/gpuFLOPBench" in msg


def test_archive_with_other_bytes_is_refused(tmp_path):
    fake = tmp_path / ARCHIVE
    fake.write_bytes(b"not the published archive")
    with pytest.raises(DatasetError, match="checksum mismatch"):
        load_gpuflopbench(local_path=fake, data_home=tmp_path / "home")
    with pytest.raises(DatasetError, match="checksum mismatch"):
        load_gpuflopbench(local_path=tmp_path, data_home=tmp_path / "home")  # the folder holding it


def test_missing_local_path_is_a_dataset_error(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        load_gpuflopbench(local_path=tmp_path / "nowhere")
    with pytest.raises(DatasetError, match="holds neither"):
        load_gpuflopbench(local_path=tmp_path)


def test_unpacked_copy_with_an_edited_table_or_source_is_refused(data, tmp_path):
    copy = tmp_path / "gpuflopbench"
    shutil.copytree(Path(data.root), copy)
    assert load_gpuflopbench(local_path=copy).target_name.size == 661  # the unpacked folder, in place
    source = copy / "src" / "haccmk-cuda" / "haccmk.cu"
    source.write_bytes(source.read_bytes() + b"\n// edited\n")
    with pytest.raises(DatasetError, match="not the published sources"):
        load_gpuflopbench(local_path=tmp_path)  # the folder holding gpuflopbench/
    table = copy / "cuda-profiling" / "profiling-data.csv"
    table.write_bytes(table.read_bytes().replace(b"haccmk", b"haccmK", 1))
    with pytest.raises(DatasetError, match="checksum mismatch"):
        load_gpuflopbench(local_path=copy)


def test_local_archive_rows(data):
    assert len(data.target_name) == 661
    assert (data.language == "cuda").sum() == 385 and (data.language == "openmp").sum() == 276
    assert set(data.bound) == {0, 1} and np.array_equal(data.target, data.bound)
    assert all(t.startswith(b + "-") for t, b in zip(data.target_name, data.benchmark))
    # every target has a source file in the data; the ones CMake generated in its build folder are listed
    assert all(len(u) > 0 for u in data.compile_units)
    assert all(Path(u.path).is_file() for units in data.compile_units for u in units)
    assert sum(1 for m in data.missing_sources if m) == 18
    assert "760 GB/s" in data.DESCR and "29.77 TFLOP/s" in data.DESCR


def test_roofline_peaks():
    boost = RTX3080_ROOFLINE["boost"]
    assert boost["sp"] == pytest.approx(29.767e12, rel=1e-4)  # 8704 cores x 2 x 1.71 GHz
    assert boost["dp"] == pytest.approx(boost["sp"] / 64)
    assert boost["int"] == pytest.approx(68 * 64 * 1.71e9)
    assert boost["bandwidth"] == 760e9


# ------------------------------------------------------------------------------ compile flags

_ACCURACY_OMP = (
    "/usr/bin/clang++  -I/home/gbolet/hecbench-roofline/src/accuracy-omp -I/home/gbolet/hecbench-roofline/src/"
    "accuracy-cuda -I/home/gbolet/hecbench-roofline/src/accuracy-sycl -x c++ -O3 -O3 -DNDEBUG -std=gnu++14 "
    "-fopenmp -fopenmp-offload-mandatory  -fopenmp-targets=nvptx64-nvidia-cuda -DOMP_TARGET -DOPENMP_TARGET "
    "-DUSE_OPENMP_TARGET -o CMakeFiles/accuracy-omp.dir/src/accuracy-omp/main.cpp.o -c "
    "/home/gbolet/hecbench-roofline/src/accuracy-omp/main.cpp"
)  # the entry of cuda-profiling/compile_commands.json for accuracy-omp


def test_flag_mapping_of_a_real_entry(tmp_path):
    unit = map_compile_command(_ACCURACY_OMP, GPUFLOPBENCH_BUILD_ROOT + "src/accuracy-omp/main.cpp", root=tmp_path)
    assert unit.path == str(tmp_path / "src" / "accuracy-omp" / "main.cpp")
    assert unit.language == "openmp-c++"
    assert unit.flags == (
        f"-I{tmp_path}/src/accuracy-omp", f"-I{tmp_path}/src/accuracy-cuda", f"-I{tmp_path}/src/accuracy-sycl",
        "-DNDEBUG", "-std=gnu++14", "-DOMP_TARGET", "-DOPENMP_TARGET", "-DUSE_OPENMP_TARGET",
    )


def test_flag_mapping_of_cuda_entries(data):
    units = gpuflopbench_compile_units(data, "haccmk-cuda")
    root = data.root
    assert [(u.path, u.language) for u in units] == [(f"{root}/src/haccmk-cuda/haccmk.cu", "cuda")]
    assert units[0].flags == (f"-I{root}/src/haccmk-cuda", "-DNDEBUG", "-std=gnu++14")
    for t in data.target_name:  # nothing of the authors' toolchain is left
        for u in gpuflopbench_compile_units(data, t):
            assert not any(f.startswith(("--cuda", "-O", "-fopenmp", "-o", "-x", "-c")) for f in u.flags), u
            assert not any(GPUFLOPBENCH_BUILD_ROOT in f for f in u.flags), u
    with pytest.raises(DatasetError, match="no target"):
        gpuflopbench_compile_units(data, "no-such-cuda")


# ------------------------------------------------------------------------------ labels, by hand

# sheath-omp: 4 kernels; summed xtime (ns) of their rows in profiling-data.csv:
#   PushSpecies_l452 60128+60256 = 120384, ScatterSpecies_l277 2272+2272 = 4544,
#   RewindSpecies_l486 51232+51040 = 102272, ScatterSpecies_l287 1652736+1657312 = 3310048 -> dominant.
# Its FP64 AI, time-weighted (bc -l):
#   (4826541540.1148*1652736 + 4823811425.8398*1657312) / (8413491325.9*1652736 + 18671120464.95*1657312)
#   = 0.356117313447; log10 = -0.448406911605.
# Pipe use: FP64 4.825e9 FLOP/s / 465.1e9 = 1.04%, INT 48017082 inst / 3.310048 ms / 7.442e12 = 0.19%,
#   FP32 0.003% -> "dp"; ridge 465.1/760 = 0.612 > 0.356 -> bandwidth-bound.
SHEATH = ("sheath-omp", "__omp_offloading_10309_2fc5ad7__Z14ScatterSpeciesP7SpeciesP8ParticlePfRd_l287",
          "dp", 0.356117313447, -0.448406911605, 0)
# haccmk-cuda: one kernel, 2 rows.  INT AI = 2 x 105854832 / (71855774.89*2990880 + 71564620.03*2990528)e-9
#   = 493.578558625 inst/byte (log10 2.693356285).  FP32 runs at 1.337e11/2.977e13 = 0.449% of its peak,
#   INT at 3.539e10/7.442e12 = 0.476% -> "int" (FP32 AI 1864 would also be past its ridge of 39.2);
#   ridge 9.79 < 493.6 -> compute-bound.
HACCMK = ("haccmk-cuda", "haccmk_kernel", "int", 493.578558625312, 2.693356285399, 1)


@pytest.mark.parametrize("target,kernel,precision,ai,log_ai,bound", [SHEATH, HACCMK])
def test_hand_checked_labels(data, target, kernel, precision, ai, log_ai, bound):
    i = _row(data, target)
    assert data.kernel[i] == kernel
    assert data.precision[i] == precision
    assert data.ai[i] == pytest.approx(ai, rel=1e-9)
    assert data.log_ai[i] == pytest.approx(log_ai, abs=1e-9)
    assert data.bound[i] == bound


def test_sheath_dominance_and_share(data):
    i = _row(data, "sheath-omp")
    assert data.n_kernels[i] == 4
    assert data.kernel_time_ns[i] == pytest.approx(3310048)
    assert data.kernel_share[i] == pytest.approx(3310048 / (120384 + 4544 + 102272 + 3310048))


def test_labels_are_consistent(data):
    has = data.precision != "none"
    assert np.array_equal(data.bound[has] == 1, data.ai[has] >= data.ridge[has])
    assert np.allclose(data.log_ai[has], np.log10(data.ai[has]))
    assert np.isnan(data.log_ai[~has]).all() and (data.bound[~has] == 0).all()
    base = load_gpuflopbench(local_path=DATA, clock="base")
    # the clock scales every compute peak alike: same pipes, ridges 1.44/1.71 as high, more compute-bound
    assert np.array_equal(base.precision, data.precision)
    assert np.allclose(base.ridge[has], data.ridge[has] * 1.44 / 1.71)
    assert base.bound.sum() == 294 and data.bound.sum() == 272 and (base.bound >= data.bound).all()


# ------------------------------------------------------------------------------ the suite task


@pytest.fixture(scope="module")
def task_module():
    from suitelib import task_gpuflopbench

    return task_gpuflopbench


def test_grouped_split_keeps_benchmarks_apart(data, task_module):
    for seed in (0, 1):
        splits = task_module.grouped_splits(data.bound, data.benchmark, seed=seed, n_splits=5)
        tested = np.concatenate([te for _, te in splits])
        assert sorted(tested) == list(range(len(data.bound)))
        for train, test in splits:
            assert not set(data.benchmark[train]) & set(data.benchmark[test])


def test_transfer_split_trains_on_cuda_and_tests_unseen_openmp(data, task_module):
    splits = task_module.transfer_splits(data.language, data.benchmark, seed=0, n_splits=5)
    assert len(splits) == 5
    for train, test in splits:
        assert (data.language[train] == "cuda").all() and (data.language[test] == "openmp").all()
        assert not set(data.benchmark[train]) & set(data.benchmark[test])
    tested = np.concatenate([te for _, te in splits])
    assert sorted(tested) == list(np.flatnonzero(data.language == "openmp"))


def test_build_target_fails_with_a_typed_reason(data, task_module):
    i = _row(data, "bonds-omp")  # includes bondsKernelsCpu.cpp, which the data set does not ship
    out = task_module.build_target(data.compile_units[i], language="openmp", kernel=data.kernel[i], root=data.root)
    assert out["ir"] is None and out["failure"] == "missing header bondsKernelsCpu.cpp"
    assert out["how"] == "failed: src/bonds-omp/bondsEngine.cpp"


def test_build_target_links_the_files_of_a_target(data, task_module):
    i = _row(data, "b+tree-cuda")  # 5 files, 3 of them CUDA
    out = task_module.build_target(data.compile_units[i], language="cuda", kernel=data.kernel[i], root=data.root)
    assert out["failure"] is None and out["how"] == "linked 3 files"
    assert "target triple = \"nvptx64-nvidia-cuda\"" in out["ir"]
    assert f"{data.kernel[i]}" in out["ir"]


def test_end_to_end_evaluate_on_a_small_subset(data, task_module, tmp_path, monkeypatch):
    monkeypatch.setattr(task_module, "QUICK_BENCHMARKS", 12)
    task = task_module.load(DATA, cache_dir=tmp_path, quick=True)
    assert len(task.programs) == len(task.meta["bound"]) >= 12
    assert any(n.startswith("cuda: ") for n in task.notes) and any(n.startswith("openmp: ") for n in task.notes)
    ok = [p.ir is not None for p in task.programs]
    assert sum(ok) >= len(ok) // 2
    # two cheap feature sets: IR size, and counts of a few instructions
    size = np.array([[math.log1p(len(p.ir))] if p.ir else [np.nan] for p in task.programs])
    ops = ("load", "store", "fmul", "fadd", "br", "call")
    counts = np.array([[math.log1p(p.ir.count(f" {o} ")) for o in ops] if p.ir else [np.nan] * len(ops)
                       for p in task.programs])
    results = task_module.evaluate(task, {"size": size, "ops": counts}, seeds=[0], heads=["logreg"], quick=True)
    assert {(r.setting, r.feature_set) for r in results} == {
        (s, f) for s in task_module.SETTINGS for f in ("size", "ops")}
    for r in results:
        assert math.isfinite(r.score) and r.extra["n_test"] > 0
        if "log_ai" not in r.setting:
            assert 0 <= r.score <= 100
    assert any(n.startswith("evaluate: ") for n in task.notes)
    again = task_module.load(DATA, cache_dir=tmp_path, quick=True)  # from the IR cache
    assert [p.ir for p in again.programs] == [p.ir for p in task.programs]


def test_download_from_a_mirror_then_offline_from_the_cache(data, tmp_path):
    # a file:// mirror with raw.githubusercontent.com's layout, made of links to the unpacked copy
    commit = tmp_path / "mirror" / "Scientific-Computing-Lab" / "gpuFLOPBench" / "4738733b337e9455edea5e7172886a08830eee34"
    commit.mkdir(parents=True)
    for part in ("cuda-profiling", "src"):
        (commit / part).symlink_to(Path(data.root) / part)
    home = tmp_path / "home"
    got = load_gpuflopbench(data_home=home, base_url=f"file://{tmp_path / 'mirror'}")
    assert (home / "gpuflopbench" / "src" / "haccmk-cuda" / "haccmk.cu").is_file()
    assert np.array_equal(got.bound, data.bound) and got.root == str(home / "gpuflopbench")
    offline = load_gpuflopbench(data_home=home, download=False)
    assert gpuflopbench_compile_units(offline, "haccmk-cuda")[0].path == str(
        home / "gpuflopbench" / "src" / "haccmk-cuda" / "haccmk.cu")


def test_download_of_other_bytes_caches_nothing(data, tmp_path):
    commit = tmp_path / "mirror" / "Scientific-Computing-Lab" / "gpuFLOPBench" / "4738733b337e9455edea5e7172886a08830eee34"
    commit.mkdir(parents=True)
    (commit / "cuda-profiling").symlink_to(Path(data.root) / "cuda-profiling")
    shutil.copytree(Path(data.root) / "src", commit / "src")
    edited = commit / "src" / "haccmk-cuda" / "haccmk.cu"
    edited.write_bytes(edited.read_bytes() + b"\n")
    home = tmp_path / "home"
    with pytest.raises(DatasetError, match="checksum mismatch.*nothing was cached"):
        load_gpuflopbench(data_home=home, base_url=f"file://{tmp_path / 'mirror'}")
    assert not (home / "gpuflopbench" / "src").exists()
