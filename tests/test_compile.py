"""sklearn_mirencoder.frontend.compile: languages, compiler discovery, clang runs (real clang, no mocks)."""

from __future__ import annotations

import importlib.util
import os
import pickle
import stat
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pytest

from sklearn_mirencoder.frontend import compile as cc
from sklearn_mirencoder.frontend.compile import (
    LANGUAGES,
    O0_NO_OPTNONE,
    CompileResult,
    compile_source,
    find_compiler,
    has_omp_pragma,
    include_dir,
    language_from_path,
    normalize_language,
)
from sklearn_mirencoder.errors import (
    CompileError,
    CompilerCrashError,
    CompilerNotFoundError,
    CompileTimeoutError,
    InputError,
)


@pytest.fixture
def clean_env(monkeypatch):
    monkeypatch.delenv("MIRENCODER_CLANG", raising=False)
    find_compiler.cache_clear()
    yield monkeypatch
    find_compiler.cache_clear()


def _fake_compiler(tmp_path: Path, name: str, body: str, version: str = "22.1.8") -> Path:
    """A shell script that answers --version like clang and then does ``body``."""
    path = tmp_path / name
    path.write_text(
        "#!/bin/sh\n"
        'case "$1" in\n'
        f'  --version) echo "clang version {version}"; echo "Target: x86_64-unknown-linux-gnu"; exit 0;;\n'
        "  -print-resource-dir) echo /nonexistent; exit 0;;\n"
        "esac\n" + body + "\n"
    )
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


# --------------------------------------------------------------------------- languages


@pytest.mark.parametrize(
    "path, lang",
    [
        ("a.c", "c"),
        ("dir/a.h", "c"),
        ("a.cc", "c++"),
        ("a.cpp", "c++"),
        ("a.cxx", "c++"),
        ("a.c++", "c++"),
        ("a.C", "c++"),
        ("a.hpp", "c++"),
        ("k.cl", "opencl"),
        ("k.cu", "cuda"),
        ("m.ll", "llvm-ir"),
        ("m.bc", "llvm-bc"),
        (Path("/x/y.CPP"), "c++"),
    ],
)
def test_language_from_path(path, lang):
    assert language_from_path(path) == lang
    assert lang in LANGUAGES


@pytest.mark.parametrize("path", ["a.f90", "README", "a.py", "noext."])
def test_language_from_path_unknown(path):
    with pytest.raises(InputError, match="extension") as info:
        language_from_path(path)
    assert info.value.sample == path


@pytest.mark.parametrize(
    "alias, expected",
    [
        ("c", ("c", None)),
        ("C", ("c", None)),
        ("cpp", ("c++", None)),
        ("CXX", ("c++", None)),
        ("c++", ("c++", None)),
        ("cl", ("opencl", None)),
        ("ocl", ("opencl", None)),
        ("OpenCL", ("opencl", None)),
        ("cuda", ("cuda", None)),
        ("ir", ("llvm-ir", None)),
        ("llvm-ir", ("llvm-ir", None)),
        ("bitcode", ("llvm-bc", None)),
        ("llvm-bc", ("llvm-bc", None)),
        ("openmp", ("c", True)),
        ("openmp-c++", ("c++", True)),
    ],
)
def test_normalize_language(alias, expected):
    assert normalize_language(alias) == expected


def test_normalize_language_unknown():
    with pytest.raises(InputError, match="unknown language 'fortran'") as info:
        normalize_language("fortran", sample="x.f")
    assert info.value.sample == "x.f"


def test_omp_pragma_detection():
    assert has_omp_pragma("int x;\n  #  pragma   omp parallel for\n")
    assert has_omp_pragma(b"#pragma omp simd\n")
    assert not has_omp_pragma("// #pragma omp parallel\n#pragma once\n")


def test_shipped_headers_exist():
    cuda = include_dir("cuda")
    for h in ("__mirencoder_cuda.h", "cuda_runtime.h", "cuda.h", "crt/sm_70_rt.hpp"):
        assert (cuda / h).is_file(), h
    assert (include_dir("omp") / "omp.h").is_file()


# --------------------------------------------------------------------------- discovery


def test_find_compiler_default(clang):
    assert clang.major >= 13
    assert clang.kind in ("clang", "ziglang")
    assert clang.version.split(".")[0] == str(clang.major)
    assert find_compiler() is find_compiler()  # cached
    info = pickle.loads(pickle.dumps(clang))
    assert info == clang


def test_find_compiler_explicit_and_env(system_clang, clean_env):
    by_path = find_compiler(system_clang.path)
    assert by_path.path == system_clang.path and by_path.major == system_clang.major
    assert by_path.resource_dir and os.path.isdir(by_path.resource_dir)
    assert find_compiler(by_path) is by_path
    clean_env.setenv("MIRENCODER_CLANG", system_clang.path)
    assert find_compiler().path == system_clang.path


def test_find_compiler_picks_newest_on_path(tmp_path, clean_env):
    _fake_compiler(tmp_path, "clang-14", "exit 1", version="14.0.6")
    _fake_compiler(tmp_path, "clang-17", "exit 1", version="17.0.1")
    _fake_compiler(tmp_path, "clang-12", "exit 1", version="12.0.1")  # too old: skipped
    _fake_compiler(tmp_path, "clang", "exit 1", version="15.0.0")
    clean_env.setenv("PATH", str(tmp_path))
    info = find_compiler()
    assert info.major == 17 and info.path == str(tmp_path / "clang-17")


def test_find_compiler_prefers_a_clang_llvmlite_can_read(tmp_path, clean_env):
    newer = cc.llvm_major() + 1
    _fake_compiler(tmp_path, f"clang-{newer}", "exit 1", version=f"{newer}.0.0")
    _fake_compiler(tmp_path, "clang-17", "exit 1", version="17.0.1")
    clean_env.setenv("PATH", str(tmp_path))
    clean_env.setattr(cc, "_ziglang_available", lambda: False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert find_compiler().major == 17  # not the newest: LLVM may not read its bitcode
    (tmp_path / "clang-17").unlink()
    find_compiler.cache_clear()
    with pytest.warns(cc.NewerCompilerWarning, match=rf"newer than the LLVM {newer - 1}.*compiler="):
        assert find_compiler().major == newer  # the only one: taken, with a warning
    with pytest.warns(cc.NewerCompilerWarning):
        find_compiler(str(tmp_path / f"clang-{newer}"))


def test_find_compiler_skips_too_old(tmp_path, clean_env):
    _fake_compiler(tmp_path, "clang", "exit 1", version="12.0.1")  # plain clang, too old
    _fake_compiler(tmp_path, "clang-12", "exit 1", version="12.0.1")  # not a candidate name
    clean_env.setenv("PATH", str(tmp_path))
    clean_env.setattr(cc, "_ziglang_available", lambda: False)
    with pytest.raises(CompilerNotFoundError, match="older than clang 13"):
        find_compiler()
    with pytest.raises(CompilerNotFoundError, match="older than clang 13"):
        find_compiler(str(tmp_path / "clang-12"))


def test_compiler_not_found_bad_path(clean_env):
    with pytest.raises(CompilerNotFoundError, match="does not exist") as info:
        compile_source("int x;", language="c", name="x.c", compiler="/nonexistent/clang-99")
    assert info.value.sample == "x.c"
    assert "apt-get install clang" in str(info.value)
    with pytest.raises(CompilerNotFoundError, match="not on PATH"):
        find_compiler("clang-no-such-name")


def test_compiler_not_found_empty_path(clean_env):
    clean_env.setenv("PATH", "")
    clean_env.setattr(cc, "_ziglang_available", lambda: False)
    with pytest.raises(CompilerNotFoundError) as info:
        compile_source("int x;", language="c", name="empty-path.c")
    msg = str(info.value)
    assert info.value.sample == "empty-path.c"
    assert "apt-get install clang" in msg and "sklearn-mirencoder[zig]" in msg and "MIRENCODER_CLANG" in msg


def test_not_clang(tmp_path, clean_env):
    fake = tmp_path / "notclang"
    fake.write_text("#!/bin/sh\necho 'gcc (Debian 12.2.0) 12.2.0'\n")
    fake.chmod(0o755)
    with pytest.raises(CompilerNotFoundError, match="did not report a clang version"):
        find_compiler(str(fake))


# --------------------------------------------------------------------------- compiling

C_SRC = """
#include <stddef.h>
static int square(int x) { return x * x; }
int sum_squares(const int *a, size_t n) {
  int s = 0;
  for (size_t i = 0; i < n; i++) s += square(a[i]);
  return s;
}
"""


def test_compile_c(clang):
    res = compile_source(C_SRC, language="c", name="sq.c", compiler=clang)
    assert isinstance(res, CompileResult)
    assert res.bitcode[:4] == b"BC\xc0\xde"
    assert res.compiler == clang and res.language == "c" and res.openmp is False
    assert "-O1" in res.flags and "-g0" in res.flags
    assert "-o" not in res.flags and not any(tempfile.gettempdir() + "/mirencoder" in f for f in res.flags)
    assert pickle.loads(pickle.dumps(res)) == res


def test_compile_flags_and_opt(clang):
    res = compile_source(C_SRC, language="c", opt_flags=O0_NO_OPTNONE, extra_flags=["-DN=3"], compiler=clang)
    flags = list(res.flags)
    assert flags[flags.index("-O0") : flags.index("-O0") + 3] == list(O0_NO_OPTNONE)
    assert flags.index("-DN=3") > flags.index("-Wno-everything")  # extra flags come last
    assert "-O1" not in flags


def test_temp_file_named_like_sample(clang, tmp_path):
    with pytest.raises(CompileError) as info:
        compile_source("int f( {", language="c", name=str(tmp_path / "broken_sample.c"), compiler=clang)
    assert "broken_sample.c:1:" in info.value.diagnostic
    assert info.value.sample == str(tmp_path / "broken_sample.c")
    with pytest.raises(CompileError) as info:
        compile_source("int f( {", language="c", compiler=clang)
    assert "input.c:1:" in info.value.diagnostic and info.value.sample == "<string>"


def test_source_dir_include(clang, tmp_path):
    (tmp_path / "local.h").write_text("#define FACTOR 7\n")
    src = '#include "local.h"\nint f(int x) { return x * FACTOR; }\n'
    res = compile_source(src, language="c", name=str(tmp_path / "m.c"), source_dir=tmp_path, compiler=clang)
    assert "-I" in res.flags and str(tmp_path) in res.flags
    with pytest.raises(CompileError, match="rejected") as info:
        compile_source(src, language="c", name="m.c", compiler=clang)
    assert "local.h" in info.value.diagnostic


def test_openmp_auto_and_explicit(clang):
    src = "int f(int *a, int n) {\n#pragma omp parallel for\n for (int i = 0; i < n; i++) a[i] = i;\n return 0; }\n"
    assert compile_source(src, language="c", compiler=clang).openmp is True
    assert "-fopenmp" in compile_source(src, language="c", compiler=clang).flags
    off = compile_source(src, language="c", openmp=False, compiler=clang)
    assert off.openmp is False and "-fopenmp" not in off.flags
    assert compile_source("int g;", language="openmp", compiler=clang).openmp is True
    assert compile_source("int g;", language="c", compiler=clang).openmp is False


def test_openmp_only_for_c_and_cpp():
    with pytest.raises(InputError, match="OpenMP applies to C and C\\+\\+ only"):
        compile_source("__kernel void k() {}", language="opencl", openmp=True, name="k.cl")


# --------------------------------------------------------------------------- failures


@pytest.mark.parametrize(
    "source, match",
    [
        ("", "empty"),
        ("   \n\t\n", "empty"),
        (b"", "empty"),
        (b"int x = 1;\xff\xfe\n", "not valid UTF-8"),
        ("x" * 101, "over the limit of 100 bytes"),
    ],
)
def test_input_errors(source, match):
    with pytest.raises(InputError, match=match) as info:
        compile_source(source, language="c", name="sample-7", max_source_bytes=100)
    assert info.value.sample == "sample-7"


def test_latin1_comment_is_accepted(clang):
    """Old benchmarks carry a Latin-1 \xa9 or accented name in a comment: clang reads them, so do we."""
    src = (b"/* (c) \xa9 2009 J. M\xfcller; licence text long enough for the rule of at most 1% */\n"
           + b"".join(b"int f%d(int x) { return x * %d; }\n" % (i, i) for i in range(8)))
    assert compile_source(src, language="c", name="latin1.c", compiler=clang).bitcode
    with pytest.raises(InputError, match="not valid UTF-8"):  # binary data is still refused
        compile_source(src + b"\x00\x01\x02", language="c", name="binary.c", compiler=clang)


def test_size_limit_names_parameter():
    with pytest.raises(InputError, match="max_source_bytes") as info:
        compile_source("int x;" * 10, language="c", name="big.c", max_source_bytes=10)
    assert "big.c" in str(info.value)


def test_random_bytes(clang):
    import random

    rng = random.Random(0)
    blob = bytes(rng.randrange(256) for _ in range(4096))
    with pytest.raises(InputError, match="UTF-8"):
        compile_source(blob, language="c", name="random.bin", compiler=clang)
    printable = "".join(rng.choice("abc{}();*&^%$#@!<>?/\\|~` \n") for _ in range(2000))
    with pytest.raises(CompileError) as info:
        compile_source(printable, language="c", name="garbage.c", compiler=clang)
    assert info.value.sample == "garbage.c" and "error" in info.value.diagnostic


def test_invalid_c(clang):
    with pytest.raises(CompileError) as info:
        compile_source("int main(void) { return undeclared_thing; }", language="c", name="bad.c", compiler=clang)
    err = info.value
    assert type(err) is CompileError
    assert "undeclared_thing" in err.diagnostic and "undeclared_thing" in str(err)
    assert str(err).startswith("bad.c: ")


def test_wrong_language(clang):
    cpp = "template <typename T> T twice(T x) { return x + x; }\nint f() { return twice(2); }\n"
    with pytest.raises(CompileError, match="as C ") as info:
        compile_source(cpp, language="c", name="t.cpp", compiler=clang)
    assert info.value.sample == "t.cpp"


def test_opencl_as_cuda(system_clang):
    ocl = "__kernel void k(__global float *a) { a[get_global_id(0)] = 1.0f; }\n"
    with pytest.raises(CompileError) as info:
        compile_source(ocl, language="cuda", name="k.cl", compiler=system_clang)
    assert info.value.sample == "k.cl" and info.value.diagnostic


def test_ir_language_refused():
    with pytest.raises(InputError, match="needs no compiler"):
        compile_source("define void @f() { ret void }", language="llvm-ir")


def test_timeout_fake_compiler(tmp_path, clean_env):
    fake = _fake_compiler(tmp_path, "slowclang", "sleep 30")
    t0 = time.monotonic()
    with pytest.raises(CompileTimeoutError, match="timeout of 0.5 s") as info:
        compile_source("int x;", language="c", name="slow.c", compiler=str(fake), timeout=0.5)
    assert time.monotonic() - t0 < 10
    assert info.value.sample == "slow.c"
    assert isinstance(info.value, CompileError)


def test_timeout_real_clang(clang):
    src = "\n".join(f"int f{i}(int x) {{ return x * {i} + f{i - 1 if i else 0}(x - 1); }}" for i in range(3000))
    t0 = time.monotonic()
    with pytest.raises(CompileTimeoutError):
        compile_source(src, language="c", name="many.c", compiler=clang, timeout=0.01)
    assert time.monotonic() - t0 < 10


def test_crash_signal(tmp_path, clean_env):
    fake = _fake_compiler(tmp_path, "segvclang", "kill -SEGV $$")
    with pytest.raises(CompilerCrashError, match="SIGSEGV") as info:
        compile_source("int x;", language="c", name="crash.c", compiler=str(fake))
    assert info.value.sample == "crash.c"


def test_crash_message(tmp_path, clean_env):
    fake = _fake_compiler(
        tmp_path,
        "assertclang",
        "echo 'PLEASE submit a bug report to https://github.com/llvm/llvm-project/issues/' >&2\n"
        "echo 'clang: error: clang frontend command failed due to signal (use -v to see invocation)' >&2\n"
        "exit 1",
    )
    with pytest.raises(CompilerCrashError, match="crashed") as info:
        compile_source("int x;", language="c", name="crash2.c", compiler=str(fake))
    assert "PLEASE submit a bug report" in info.value.diagnostic


def test_no_output(tmp_path, clean_env):
    fake = _fake_compiler(tmp_path, "lazyclang", "exit 0")
    with pytest.raises(CompileError, match="wrote no bitcode"):
        compile_source("int x;", language="c", name="lazy.c", compiler=str(fake))


def test_source_never_written_beside_user_files(clang, tmp_path):
    sample = tmp_path / "here.c"
    compile_source("int f(void) { return 1; }", language="c", name=str(sample), source_dir=tmp_path, compiler=clang)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- ziglang


@pytest.mark.skipif(importlib.util.find_spec("ziglang") is None, reason="ziglang is not installed")
def test_ziglang_route(clean_env):
    info = find_compiler("ziglang")
    assert info.kind == "ziglang" and info.major >= 13 and info.path == sys.executable
    res = compile_source(C_SRC, language="c", name="zig.c", compiler=info)
    assert res.bitcode[:4] == b"BC\xc0\xde"
    assert "-fno-sanitize=all" in res.flags and "-mcpu=baseline" in res.flags
    assert "x86_64-linux-gnu" in res.flags and "x86_64-unknown-linux-gnu" not in res.flags
    vec = "void add(float *a, const float *b, int n) { for (int i = 0; i < n; i++) a[i] += b[i]; }"
    res = compile_source(vec, language="c", compiler=info)
    assert res.flags[res.flags.index("-Xclang", res.flags.index("-mcpu=baseline")) + 1] == "-O1"
    from sklearn_mirencoder.frontend.ir import to_ir

    assert "x float>" not in to_ir(res.bitcode, language="llvm-bc").text  # zig's -O2 undone
    cpp = "#include <vector>\nint total(const std::vector<int> &v) { int s = 0; for (int x : v) s += x; return s; }\n"
    assert compile_source(cpp, language="c++", compiler=info).bitcode[:4] == b"BC\xc0\xde"
    with pytest.raises(CompilerNotFoundError, match="ships no OpenCL headers") as err:
        compile_source("__kernel void k() {}", language="opencl", name="k.cl", compiler=info)
    assert err.value.sample == "k.cl"


@pytest.mark.skipif(importlib.util.find_spec("ziglang") is None, reason="ziglang is not installed")
def test_ziglang_discovered_last(clean_env):
    clean_env.setenv("PATH", "")
    assert find_compiler().kind == "ziglang"



# ---------------------------------------------------------------------------- temporary folders


def _dead_pid() -> int:
    import subprocess

    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def _folder(root: Path, name: str, age: float) -> Path:
    d = root / name
    d.mkdir()
    (d / "input.c").write_text("int f(void) { return 0; }\n")
    t = time.time() - age
    os.utime(d, (t, t))
    return d


def test_sweep_removes_only_old_folders_of_dead_processes(tmp_path):
    dead, live = _dead_pid(), os.getppid()
    stale = _folder(tmp_path, f"mirencoder-cc-{dead}-abc", 7200)
    young = _folder(tmp_path, f"mirencoder-cc-{dead}-young", 60)
    alive = _folder(tmp_path, f"mirencoder-cc-{live}-abc", 7200)
    mine = _folder(tmp_path, f"mirencoder-cc-{os.getpid()}-abc", 7200)
    old_style = _folder(tmp_path, "mirencoder-cc-abcdef", 7200)  # no pid: not ours to judge
    other = _folder(tmp_path, f"other-{dead}-abc", 7200)
    (tmp_path / f"mirencoder-cc-{dead}-file").write_text("a file, not a folder")
    assert cc.sweep_stale_temp_dirs(tmp_path) == 1
    assert not stale.exists()
    assert all(d.exists() for d in (young, alive, mine, old_style, other))
    assert (tmp_path / f"mirencoder-cc-{dead}-file").exists()
    assert cc.sweep_stale_temp_dirs(tmp_path, min_age=30) == 1  # now the young one is old enough
    assert not young.exists()
    assert cc.sweep_stale_temp_dirs(tmp_path / "missing") == 0


def test_first_compile_of_a_process_sweeps_and_leaves_nothing(tmp_path, monkeypatch, clang):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(cc, "_SWEPT_IN", None)
    stale = _folder(tmp_path, f"mirencoder-cc-{_dead_pid()}-left", 7200)
    res = compile_source("int twice(int x) { return 2 * x; }\n", language="c", compiler=clang)
    assert res.bitcode
    assert not stale.exists()
    assert list(tmp_path.iterdir()) == []  # the compile's own folder is gone too
    assert cc._SWEPT_IN == os.getpid()
    stale2 = _folder(tmp_path, f"mirencoder-cc-{_dead_pid()}-left", 7200)
    compile_source("int thrice(int x) { return 3 * x; }\n", language="c", compiler=clang)
    assert stale2.exists()  # once per process
