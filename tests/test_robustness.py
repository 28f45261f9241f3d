"""Hostile input: include confinement (``confine_includes=True``) and a seeded slice of the
robustness benchmark (``benchmarks/robustness.py``): no lost row, no crash, no untyped error."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from sklearn_mirencoder.errors import CompileError, IncludeRefusedError, InputError
from sklearn_mirencoder.frontend import process
from sklearn_mirencoder.frontend.compile import compile_source
from sklearn_mirencoder.frontend.includes import parse_depfile

MARKER = "zq_secret_marker_17"


@pytest.fixture()
def layout(tmp_path):
    """A program folder with a local header, a sub-folder and a symlink out; a secret outside."""
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.h"
    secret.write_text(f"int {MARKER} = 7;\n")
    prog = tmp_path / "prog"
    (prog / "sub").mkdir(parents=True)
    (prog / "local.h").write_text("#define K 3\n")
    (prog / "sub" / "x.h").write_text('#include "../local.h"\n')
    (prog / "evil.h").symlink_to(secret)
    return prog, secret


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def _refused(source, **kw) -> IncludeRefusedError:
    with pytest.raises(IncludeRefusedError) as info:
        process(source, confine_includes=True, **kw)
    assert MARKER not in str(info.value) and MARKER not in info.value.diagnostic
    return info.value


# ---------------------------------------------------------------------------- refused


def test_etc_hostname_is_refused_naming_the_path(clang):
    if not os.path.isfile("/etc/hostname"):
        pytest.skip("no /etc/hostname on this host")
    err = _refused('#include "/etc/hostname"\nint f(void) { return 1; }\n', language="c", name="s.c")
    assert err.path == os.path.realpath("/etc/hostname")
    assert "'/etc/hostname'" in str(err) and str(err).startswith("s.c: ")
    assert "confine_includes" in err.reason
    content = Path("/etc/hostname").read_text().strip()
    if len(content) > 3:
        assert content not in str(err)
    assert isinstance(err, InputError)  # a FrontendError (and ValueError), remembered as deterministic


@pytest.mark.parametrize(
    "text",
    [
        '#include "{secret}"\nint f(void) {{ return 1; }}\n',
        '#include "evil.h"\nint f(void) {{ return 1; }}\n',  # a symlink out of the folder
        '#include "../outside/secret.h"\nint f(void) {{ return 1; }}\n',
        '#if __has_include("{secret}")\nint y;\n#endif\nint f(void) {{ return 1; }}\n',
        'const char d[] = {{\n#embed "{secret}"\n, 0}};\nint f(int i) {{ return d[i]; }}\n',
        '#define P "{secret}"\n#include P\nint f(void) {{ return 1; }}\n',
        # the compile fails, and clang's diagnostic would quote the file
        '#include "{secret}"\n#include "{secret}"\nint f(void) {{ return 1; }}\n',
        # a fatal error later: clang writes no dependency list, the pre-pass does
        '#include "{secret}"\n#include "missing_header.h"\nint f(void) {{ return 1; }}\n',
    ],
    ids=["absolute", "symlink", "dotdot", "has_include", "embed", "macro", "failing", "fatal"],
)
def test_files_outside_are_refused(clang, layout, text):
    prog, secret = layout
    path = _write(prog, "p.c", text.format(secret=secret))
    err = _refused(path, input="filename")
    assert err.path == str(secret)
    assert str(secret) in str(err) and str(path) in str(err)


def test_content_has_no_folder_so_dotdot_is_refused(clang, layout):
    _, secret = layout
    err = _refused(f'#include "{secret}"\nint f(void) {{ return 1; }}\n', language="c")
    assert err.path == str(secret)


def test_include_next_and_caller_folders_are_judged_by_real_path(clang, layout):
    prog, secret = layout
    (prog / "inc1").mkdir()
    (prog / "inc2").mkdir()
    (prog / "inc1" / "a.h").write_text("#include_next <a.h>\n")
    (prog / "inc2" / "a.h").symlink_to(secret)
    flags = ("-I", str(prog / "inc1"), "-I", str(prog / "inc2"))
    path = _write(prog, "p.c", "#include <a.h>\nint f(void) { return 1; }\n")
    with pytest.raises(IncludeRefusedError) as info:
        process(path, input="filename", confine_includes=True, extra_flags=flags)
    assert info.value.path == str(secret)
    # a folder the caller puts on the include path is allowed
    path = _write(prog, "q.c", "#include <secret.h>\nint f(void) { return 1; }\n")
    process(path, input="filename", confine_includes=True, extra_flags=("-I", str(secret.parent)))


def test_the_error_survives_pickling():
    err = IncludeRefusedError("reads '/x'", sample="s.c", path="/x")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is IncludeRefusedError and back.path == "/x" and str(back) == str(err)


# ---------------------------------------------------------------------------- allowed


def test_a_header_beside_the_program_is_allowed(clang, layout):
    prog, _ = layout
    path = _write(prog, "p.c", '#include "local.h"\n#include "sub/x.h"\nint f(void) { return K; }\n')
    confined = process(path, input="filename", confine_includes=True)
    assert confined.ir.text == process(path, input="filename").ir.text


@pytest.mark.parametrize(
    "language, text",
    [
        ("c", '#include <stdio.h>\n#include <math.h>\nint f(double x) { return printf("%f", sin(x)); }\n'),
        ("c++", "#include <cmath>\n#include <vector>\nint f() { std::vector<double> v(3); return std::sqrt(v.size()); }\n"),
        ("opencl", "__kernel void k(__global float *a) { a[get_global_id(0)] = sqrt(a[0]); }\n"),
        ("cuda", "#include <cuda_runtime.h>\n__global__ void k(float *a) { a[threadIdx.x] = sqrtf(a[0]); }\n"),
        ("openmp", "#include <omp.h>\nvoid f(int *a) {\n#pragma omp parallel for\n"
                   "for (int i = 0; i < 64; i++) a[i] = omp_get_thread_num();\n}\n"),
    ],
)
def test_standard_headers_and_builtins_are_allowed(system_clang, language, text):
    confined = process(text, language=language, confine_includes=True)
    assert confined.ir.text == process(text, language=language).ir.text


def test_the_bundled_examples_compile_confined(system_clang):
    for path in sorted(Path(__file__).resolve().parents[1].glob("examples/programs/*")):
        process(path, input="filename", confine_includes=True)


def test_compile_errors_keep_their_diagnostic(clang):
    with pytest.raises(CompileError) as info:
        compile_source('#include "missing_header.h"\nint f(void) { return 1; }\n', language="c",
                       confine_includes=True)
    assert not isinstance(info.value, IncludeRefusedError)
    assert "missing_header.h' file not found" in info.value.diagnostic


# ---------------------------------------------------------------------------- the default


def test_the_default_reads_any_file(clang, layout):
    _, secret = layout
    program = process(f'#include "{secret}"\nint f(void) {{ return {MARKER}; }}\n', language="c")
    assert MARKER in program.ir.text


def test_parse_depfile_unescapes_clang_make_syntax():
    text = "__out.bc: input.c /a\\ b/c.h \\\n  /d/\\#e.h /f/$$g.h\n"
    assert parse_depfile(text) == ["input.c", "/a b/c.h", "/d/#e.h", "/f/$g.h"]


# ---------------------------------------------------------------------------- reading files


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/urandom", "fifo", "folder"])
def test_special_files_are_refused_without_blocking(tmp_path, special):
    from sklearn_mirencoder.frontend.ir import load_file, read_source_file

    if special == "fifo":
        path = tmp_path / "pipe.c"
        os.mkfifo(path)  # no writer: open() without O_NONBLOCK would block for ever
    elif special == "folder":
        path = tmp_path / "dir.c"
        path.mkdir()
    else:
        path = Path(special)
        if not path.exists():
            pytest.skip(f"no {special} here")
    with pytest.raises(InputError, match="cannot read the file") as info:
        read_source_file(path)
    assert str(info.value).startswith(f"{path}: ")
    with pytest.raises(InputError):
        load_file(path, language="c")


def test_reading_stops_at_the_limit_whatever_stat_says(tmp_path):
    from sklearn_mirencoder.frontend.ir import read_source_file

    assert read_source_file("/proc/self/status", max_source_bytes=None).startswith(b"Name:")
    with pytest.raises(InputError, match="more than the limit of 10 bytes"):
        read_source_file("/proc/self/status", max_source_bytes=10)  # stat reports 0 bytes
    big = tmp_path / "big.c"
    big.write_bytes(b"x" * 101)
    with pytest.raises(InputError, match="101 bytes, over the limit of 100"):
        read_source_file(big, max_source_bytes=100)
