"""The content-addressed cache: keys, memory and disk levels, damage and concurrent writers."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _model_fixtures import (  # noqa: F401  (fixtures)
    fresh_memory_one_thread,
    make,
    SMALL_PROGRAMS,
    compile_count,
    counting_compiler,
    real_clang,
    tiny_model_dir,
    tiny_model_dir_b,
)
from sklearn_mirencoder.cache import (
    FORMAT,
    DiskCache,
    MemoryCache,
    ProgramCache,
    clear_memory,
    default_cache_dir,
    embedding_key,
    memory_cache,
    program_key,
)
from sklearn_mirencoder.frontend.compile import CompilerInfo



# ------------------------------------------------------------------------------- keys


def test_program_key_depends_on_everything_the_ir_depends_on():
    clang22 = CompilerInfo("/usr/bin/clang-22", "22.1.8", 22)
    base = dict(language="opencl", openmp=None, compiler=clang22, flags=("-O1",), source_dir=None)
    k = program_key(b"kernel", **base)
    assert k == program_key(b"kernel", **base) and len(k) == 64
    assert k == program_key(b"kernel", **{**base, "compiler": CompilerInfo("/opt/clang", "22.1.8", 22)})
    variants = [
        program_key(b"kernel ", **base),
        program_key(b"kernel", **{**base, "language": "c"}),
        program_key(b"kernel", **{**base, "openmp": True}),
        program_key(b"kernel", **{**base, "compiler": CompilerInfo("/usr/bin/clang-17", "17.0.6", 17)}),
        program_key(b"kernel", **{**base, "flags": ("-O2",)}),
        program_key(b"kernel", **{**base, "flags": ("-O1", "-DN=4")}),
        program_key(b"kernel", **{**base, "source_dir": "/src"}),
    ]
    assert len({k, *variants}) == len(variants) + 1
    # parts are length-prefixed: moving a boundary changes the key
    assert program_key(b"a", **{**base, "flags": ("-O1", "b")}) != program_key(b"a", **{**base, "flags": ("-O1b",)})
    e = embedding_key(k, weights="w1", modality="both")
    assert len({e, embedding_key(k, weights="w2", modality="both"), embedding_key(k, weights="w1", modality="text")}) == 3


_PARTS = st.lists(st.one_of(st.none(), st.binary(max_size=6), st.text(max_size=6)), max_size=5)


@settings(max_examples=300)
@given(a=_PARTS, b=_PARTS)
def test_key_digest_is_injective_on_part_lists(a, b):
    """Equal keys only for equal part lists: no boundary shift, no str/bytes/None confusion."""
    from sklearn_mirencoder.cache import _digest

    assert (_digest(a) == _digest(b)) == (a == b)
    assert _digest(a) == _digest(list(a))


@settings(max_examples=60)
@given(
    vec=st.lists(st.floats(width=32, allow_nan=False, allow_infinity=False), min_size=1, max_size=40),
    flags=st.tuples(st.booleans(), st.booleans()),
    memory=st.booleans(),
)
def test_program_cache_round_trips_vectors_and_truncation_flags(tmp_path_factory, vec, flags, memory):
    """What goes in comes out bitwise, with its flags, from memory or from the folder; another
    width is a miss."""
    clear_memory()
    folder = tmp_path_factory.mktemp("pc")
    key = program_key(repr((vec, flags)).encode(), language="c")
    v = np.asarray(vec, dtype=np.float32)
    ProgramCache(folder, memory=memory).put_embedding(key, v, flags)
    for cache, where in ((ProgramCache(folder, memory=memory), "memory" if memory else "disk"),
                         (ProgramCache(folder, memory=False), "disk")):
        got, level, got_flags = cache.get_embedding(key, v.size)
        assert level == where and got_flags == flags
        np.testing.assert_array_equal(got, v)
        assert cache.get_embedding(key, v.size + 1) == (None, None, (False, False))
    clear_memory()


def test_default_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MIRENCODER_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("MIRENCODER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "sklearn-mirencoder"
    assert ProgramCache.from_param(True).disk.directory == tmp_path / "xdg" / "sklearn-mirencoder"
    assert not ProgramCache.from_param(False).enabled
    assert ProgramCache.from_param(None).disk is None


def test_memory_cache_is_a_bounded_lru():
    mem = MemoryCache(max_bytes=3 * 400)
    for i in range(4):
        mem.put(f"k{i}", np.full(100, i, dtype=np.float32))  # 400 bytes each
    assert mem.get("k0") is None and len(mem) == 3 and mem.nbytes == 1200
    assert mem.get("k1") is not None  # k1 becomes the most recent
    mem.put("k4", np.zeros(100, np.float32))
    assert mem.get("k2") is None and mem.get("k1") is not None
    vec = mem.get("k4")
    with pytest.raises(ValueError):
        vec[0] = 1.0  # stored read-only: callers cannot corrupt it


# ------------------------------------------------------------------------------- disk


def test_disk_cache_round_trip_and_damaged_entries(tmp_path):
    disk = DiskCache(tmp_path)
    key = "ab" * 32
    vec = np.arange(8, dtype=np.float32)
    assert disk.get_embedding(key) is None and disk.get_ir(key) is None
    disk.put_embedding(key, vec)
    disk.put_ir(key, "define void @f() {\n  ret void\n}\n")
    np.testing.assert_array_equal(disk.get_embedding(key, 8), vec)
    assert disk.get_embedding(key, 9) is None  # wrong width: a miss
    assert disk.get_ir(key).startswith("define void")
    assert disk.stats() == {"emb": 1, "ir": 1, "bytes": disk.stats()["bytes"]}
    # damage: truncated files, garbage, NaN -> misses, never exceptions
    emb, ir = disk.embedding_path(key), disk.ir_path(key)
    emb.write_bytes(emb.read_bytes()[:-5])
    ir.write_bytes(ir.read_bytes()[:-3])
    assert disk.get_embedding(key, 8) is None and disk.get_ir(key) is None
    emb.write_bytes(b"garbage")
    assert disk.get_embedding(key, 8) is None
    disk.put_embedding(key, np.full(8, np.nan, np.float32))
    assert disk.get_embedding(key, 8) is None
    disk.clear()
    assert disk.stats()["emb"] == 0
    with pytest.raises(ValueError):
        disk.embedding_path("../../etc/passwd")


def test_unwritable_cache_folder_warns_once_and_goes_on(tmp_path, tiny_model_dir):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    est = make(tiny_model_dir, cache=str(blocker / "cache"))
    with pytest.warns(RuntimeWarning, match="cannot write to the cache folder"):
        Z = est.fit_transform(SMALL_PROGRAMS[:3])
    assert np.isfinite(Z).all()


_WRITER = textwrap.dedent(
    """
    import sys, numpy as np
    from sklearn_mirencoder.cache import DiskCache
    disk = DiskCache(sys.argv[1])
    seed = int(sys.argv[2])
    for rep in range(6):
        for i in range(60):
            key = f"{i:02x}" * 32
            disk.put_embedding(key, np.full(256, i, dtype=np.float32))
            disk.put_ir(key, f"; program {i}\\n" + "x" * (1000 + 37 * ((i + seed + rep) % 5)))
    """
)


def test_concurrent_writers_leave_a_readable_cache(tmp_path):
    """Two processes write the same 60 keys six times each while this one reads them."""
    folder = tmp_path / "shared-cache"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(os.getcwd()), os.environ.get("PYTHONPATH", "")]))
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(folder), str(seed)], env=env) for seed in (0, 1)
    ]
    disk = DiskCache(folder)
    seen = 0
    while any(p.poll() is None for p in procs):
        for i in range(60):
            key = f"{i:02x}" * 32
            vec = disk.get_embedding(key, 256)
            if vec is not None:  # absent or complete, never half-written
                assert (vec == i).all()
                seen += 1
            text = disk.get_ir(key)
            if text is not None:
                assert text.startswith(f"; program {i}\n") and set(text.splitlines()[1]) == {"x"}
    assert [p.wait() for p in procs] == [0, 0]
    for i in range(60):
        key = f"{i:02x}" * 32
        assert (disk.get_embedding(key, 256) == i).all()
        assert disk.get_ir(key).startswith(f"; program {i}\n")
    leftovers = [f for f in folder.rglob("*") if f.is_file() and f.name.startswith(".")]
    assert leftovers == []  # no temporary files left behind
    assert disk.stats()["emb"] == 60


# -------------------------------------------------------------------- through the transformer


def test_second_transform_hits_the_cache(tmp_path, tiny_model_dir, tiny_model_dir_b, counting_compiler):
    compiler, log = counting_compiler
    folder = tmp_path / "cache"
    est = make(tiny_model_dir, compiler=compiler, cache=str(folder))
    Z = est.fit_transform(SMALL_PROGRAMS)
    assert compile_count(log) == 6 and est.transform_stats_["computed"] == 6
    # same process: memory
    np.testing.assert_array_equal(est.transform(SMALL_PROGRAMS), Z)
    assert compile_count(log) == 6 and est.transform_stats_["memory_hits"] == 6
    # "another process": memory gone, the folder remains
    clear_memory()
    again = make(tiny_model_dir, compiler=compiler, cache=str(folder))
    np.testing.assert_array_equal(again.fit_transform(SMALL_PROGRAMS), Z)
    assert compile_count(log) == 6 and again.transform_stats_["disk_hits"] == 6
    # another modality or model: no new embedding in the cache, but the compiled IR is
    text = make(tiny_model_dir, compiler=compiler, cache=str(folder), modality="text")
    np.testing.assert_allclose(text.fit_transform(SMALL_PROGRAMS), Z[:, :32], atol=1e-6)
    assert compile_count(log) == 6 and text.transform_stats_["ir_hits"] == 6
    other = make(tiny_model_dir_b, compiler=compiler, cache=str(folder)).fit_transform(SMALL_PROGRAMS)
    assert compile_count(log) == 6 and not np.allclose(other, Z)
    # other flags: a new program key, so clang runs again
    make(tiny_model_dir, compiler=compiler, cache=str(folder), extra_flags=("-DUNUSED=1",)).fit_transform(
        SMALL_PROGRAMS[:2]
    )
    assert compile_count(log) == 8


def test_damaged_entries_are_recomputed(tmp_path, tiny_model_dir, counting_compiler):
    compiler, log = counting_compiler
    folder = tmp_path / "cache"
    Z = make(tiny_model_dir, compiler=compiler, cache=str(folder)).fit_transform(SMALL_PROGRAMS[:3])
    for f in (folder / FORMAT).rglob("*"):
        if f.is_file():
            f.write_bytes(f.read_bytes()[: len(f.read_bytes()) // 2])
    clear_memory()
    est = make(tiny_model_dir, compiler=compiler, cache=str(folder))
    np.testing.assert_allclose(est.fit_transform(SMALL_PROGRAMS[:3]), Z, atol=1e-6)
    assert est.transform_stats_["computed"] == 3 and compile_count(log) == 6
    clear_memory()
    est.transform(SMALL_PROGRAMS[:3])  # repaired
    assert est.transform_stats_["disk_hits"] == 3


def test_deterministic_failures_are_remembered_but_timeouts_are_not(tiny_model_dir, counting_compiler):
    compiler, log = counting_compiler
    bad = "__kernel void f(__global float *x) { x[0] = ; }"
    est = make(tiny_model_dir, compiler=compiler, errors="nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit_transform([bad, SMALL_PROGRAMS[0]])
        assert compile_count(log) == 2
        est.transform([bad, SMALL_PROGRAMS[0]])
    assert compile_count(log) == 2 and [f.error for f in est.failures_] == ["CompileError"]
    assert len(memory_cache()) == 1
    no_cache = make(tiny_model_dir, compiler=compiler, errors="nan", cache=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        no_cache.fit_transform([bad, SMALL_PROGRAMS[0]])
    assert compile_count(log) == 4
