"""Robustness as a number: hostile inputs through ``MIRTransformer(errors="nan")`` (writes
docs/robustness.md).

``--n`` inputs (default 10,000) go through :class:`~sklearn_mirencoder.MIRTransformer` with
``errors="nan"`` in batches of ``--batch-size`` programs (one ``transform`` call each, with
``n_jobs=--n-jobs``), nine kinds of batch in turn: C, C++, OpenCL, CUDA and OpenMP source
text, LLVM IR text (``.ll``), LLVM bitcode bytes (``.bc``), file paths (``input="filename"``)
and file objects (``input="file"``).  Each batch mixes a few good programs (``--good-fraction``,
at least one) with hostile inputs: mutations of the example and test programs (byte flips,
truncation, deleted, duplicated and swapped lines, another language), random bytes and text,
empty and whitespace, NUL bytes, invalid UTF-8, sizes at the 4,000,000-byte limit (one byte
under, at, over), macro bombs, deep nesting, huge single lines, ``#include``/``#embed`` of
devices and special files (``/dev/zero``, ``/dev/urandom``, ``/proc/self/...``, a FIFO),
IR that parses but does not verify, bitcode from other producers (clang with other flags,
LLVM 14's ``llvm-as``) and with damaged headers, and for paths and file objects also
symlinks to devices, FIFOs, folders, missing files, closed files and ``read()`` that raises.

Input ``i`` is generated from ``random.Random(f"{seed}-{i}")`` alone, so a run is repeatable
and any input can be regenerated (``--show I``).  Each batch runs in a worker subprocess that
is watched from here: a worker that dies is a *crash*, a batch that runs past
``--batch-timeout`` is a *hang* (the worker is killed); either way the run goes on in a fresh
worker with the next batch.  Every worker process (and what it starts: joblib workers, clang)
runs under an address-space limit (``--memory-limit``), so an input that eats memory fails
there instead of on the host.

Counted per kind: rows returned, rows embedded, rows with a typed failure (by class), rows
lost (a missing row, a NaN row without a failure, a failure whose row is not NaN, a good
program that failed), rows reordered (a good program's row differs from its embedding
computed alone), crashes, hangs, untyped errors (``transform`` raising anything, or a failure
that is an internal error wrapped by the workers), peak memory (largest process and whole
process tree, sampled from ``/proc``), seconds.

Usage::

    python benchmarks/robustness.py --n 10000 --seed 0 --batch-size 100 --n-jobs 2 --out docs/robustness.md
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import io
import json
import os
import pickle
import platform
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KINDS = ("c", "c++", "opencl", "cuda", "openmp", "llvm-ir", "llvm-bc", "filename", "file")
SOURCE_KINDS = ("c", "c++", "opencl", "cuda", "openmp")
LANGUAGE = {"c": "c", "c++": "c++", "opencl": "opencl", "cuda": "cuda", "openmp": "openmp",
            "llvm-ir": "llvm-ir", "llvm-bc": "llvm-bc", "filename": None, "file": None}
EXT = {"c": ".c", "c++": ".cpp", "opencl": ".cl", "cuda": ".cu", "openmp": ".c", "llvm-ir": ".ll", "llvm-bc": ".bc"}
PROGRAMS = {  # the real programs mutated (fixed list: the run must not change when tests/programs grows)
    "c": ["examples/programs/histogram.c", "tests/programs/features.c"],
    "c++": ["examples/programs/stencil.cpp", "tests/programs/features.cpp"],
    "opencl": ["examples/programs/vector_add.cl"],
    "cuda": ["examples/programs/saxpy.cu", "tests/programs/shuffle.cu"],
    "openmp": ["examples/programs/matmul_omp.c", "tests/programs/tasks_omp.c"],
}
LIMIT = 4_000_000  # MIRTransformer's max_source_bytes default (and the front end's)
SPECIAL_FILES = (
    "/dev/zero", "/dev/urandom", "/dev/null", "/dev/full", "/dev/stdin", "/dev/tty", "/proc/self/environ",
    "/proc/self/maps", "/proc/self/status", "/proc/self/cmdline", "/proc/cpuinfo", "/sys/kernel/mm/transparent_hugepage/enabled",
    "/etc/hostname", "/etc/passwd", "/etc", "/nonexistent/x.h", "/proc/self/fd/0", "/proc/self/root/etc/hostname",
)  # fmt: skip
UNVERIFIED_IR = (  # parse, but LLVM's verifier rejects them
    "define i32 @f(i32 %x) {\nentry:\n  br label %b\nb:\n  %y = add i32 %z, 1\n  %z = add i32 %x, 1\n  ret i32 %y\n}\n",
    "define void @f() {\nentry:\n  br label %entry\n}\n",
    "define i32 @f(i1 %c) {\nentry:\n  br i1 %c, label %a, label %b\na:\n  %v = add i32 1, 2\n  br label %b\n"
    "b:\n  %p = phi i32 [ %v, %a ]\n  ret i32 %p\n}\n",
    "define i32 @f(i32 %x) {\nentry:\n  %a = add i32 %x, 1\n  ret i32 %a\n  %b = add i32 %a, 1\n}\n",
    "declare void @g(i32)\ndefine void @f() {\n  call void @g(i32 1) [\"deopt\"(i32 1), \"deopt\"(i32 2)]\n  ret void\n}\n",
)  # fmt: skip
TYPED_POINTER_IR = (  # LLVM 14 syntax (typed pointers), assembled by llvm-as-14 when it is installed
    "define i32 @sum(i32* %a, i32 %n) {\nentry:\n  br label %loop\nloop:\n"
    "  %i = phi i32 [ 0, %entry ], [ %i1, %loop ]\n  %s = phi i32 [ 0, %entry ], [ %s1, %loop ]\n"
    "  %p = getelementptr inbounds i32, i32* %a, i32 %i\n  %v = load i32, i32* %p\n  %s1 = add i32 %s, %v\n"
    "  %i1 = add i32 %i, 1\n  %c = icmp slt i32 %i1, %n\n  br i1 %c, label %loop, label %done\n"
    "done:\n  ret i32 %s1\n}\n"
)
C_TOKENS = ("int", "float", "void", "return", "if", "else", "for", "while", "(", ")", "{", "}", "[", "]", ";", ",",
            "*", "+", "-", "=", "==", "x", "y", "a", "0", "1", "42", "struct", "#define", "#include", "\n", "__global",
            "__kernel", "__global__", "#pragma omp parallel for", "template", "<", ">", "::", '"', "'", "/*", "*/")


# ----------------------------------------------------------------------------------- the corpus


def build_corpus(quick: bool = False) -> dict:
    """The good programs of each kind: sources, their canonical IR text and bitcode, and
    bitcode from other producers (``quick``: one program per kind, two other producers)."""
    from sklearn_mirencoder.frontend.compile import O0_NO_OPTNONE, compile_source
    from sklearn_mirencoder.frontend.ir import to_ir

    sources = {k: [(Path(p).name, (REPO / p).read_text()) for p in ps[: 1 if quick else None] if (REPO / p).exists()]
               for k, ps in PROGRAMS.items()}  # fmt: skip
    ll, bc, alt = [], [], []
    for kind, progs in sources.items():
        for fname, text in progs:
            stem = Path(fname).stem
            ll.append((stem + ".ll", to_ir(text, language=LANGUAGE[kind], name=fname).text))
            bc.append((stem + ".bc", compile_source(text, language=LANGUAGE[kind], name=fname).bitcode))
    for label, kw in (("clang -O0", {"opt_flags": O0_NO_OPTNONE}), ("clang -O3", {"opt_flags": ("-O3",)}),
                      ("clang -g", {"extra_flags": ("-g",)}), ("clang -flto=thin", {"extra_flags": ("-flto=thin",)}),
                      ("clang -fsanitize=address", {"extra_flags": ("-fsanitize=address",)}))[: 1 if quick else None]:
        for kind in ("c", "c++")[: 1 if quick else None]:
            fname, text = sources[kind][0]
            try:
                alt.append((f"{label} {fname}", compile_source(text, language=kind, name=fname, **kw).bitcode))
            except Exception as exc:  # noqa: BLE001 - a flag this clang lacks: that producer is left out
                print(f"  (no bitcode from {label}: {type(exc).__name__})", file=sys.stderr)
    llvm_as = shutil.which("llvm-as-14")
    if llvm_as:
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp, "sum.ll")
            src.write_text(TYPED_POINTER_IR)
            subprocess.run([llvm_as, str(src), "-o", str(Path(tmp, "sum.bc"))], check=True)
            alt.append(("llvm-as-14 (typed pointers)", Path(tmp, "sum.bc").read_bytes()))
    return {"sources": sources, "ll": ll, "bc": bc, "alt": alt, "llvm_as": llvm_as}


# ----------------------------------------------------------------------------------- the inputs


@dataclass
class Case:
    """One input: what it is (``category``), whether it is a good program, and how to build it.

    ``payload`` is the content (str or bytes); for path and file-object kinds ``fname`` is the
    file name and ``special`` says how the path or object is made (``"file"`` for a plain file).
    """

    kind: str
    category: str
    good: bool
    payload: str | bytes = b""
    fname: str = ""
    special: str = "file"
    detail: dict = field(default_factory=dict)


def _pick(rng: random.Random, weighted: dict):
    names = list(weighted)
    return rng.choices(names, weights=[weighted[n] for n in names])[0]


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _mutate_text(rng: random.Random, text: str, how: str) -> str | bytes:
    lines = _lines(text)
    if how == "byte_flip":
        data = bytearray(text.encode())
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if how == "truncate":
        return text[: rng.randrange(len(text))]
    if how == "delete_lines":
        for _ in range(rng.randint(1, 5)):
            if len(lines) > 1:
                del lines[rng.randrange(len(lines))]
    elif how == "duplicate_lines":
        for _ in range(rng.randint(1, 5)):
            k = rng.randrange(len(lines))
            lines.insert(k, lines[k])
    elif how == "swap_lines":
        for _ in range(rng.randint(1, 3)):
            a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[a], lines[b] = lines[b], lines[a]
    return "\n".join(lines)


def _sized(rng: random.Random, body: str, size: int, comment: str) -> str:
    """``body`` padded with a comment to exactly ``size`` bytes (ASCII)."""
    pad = size - len(body.encode()) - 1
    if comment == "//":
        filler = "// " + "x" * max(0, pad - 3)
    else:  # ";" IR comment
        filler = "; " + "x" * max(0, pad - 2)
    return (body + "\n" + filler)[:size] if pad > 3 else body[:size]


def _macro_bomb(rng: random.Random) -> str:
    depth = rng.randint(8, 40)
    lines = ["#define A0 x+"] + [f"#define A{i} A{i - 1} A{i - 1}" for i in range(1, depth + 1)]
    return "\n".join(lines) + f"\nint f(int x) {{ return A{depth} 0; }}\n"


def _deep_nesting(rng: random.Random) -> str:
    depth = rng.choice([100, 255, 256, 300, 1000, 10_000, 100_000])
    style = rng.choice(["parens", "braces", "ifs", "array"])
    if style == "parens":
        return f"int f(int x) {{ return {'(' * depth}x{')' * depth}; }}\n"
    if style == "braces":
        return f"void f(void) {{ {'{' * depth}{'}' * depth} }}\n"
    if style == "ifs":
        return "int f(int x) {\n" + "if (x) {\n" * depth + "x++;\n" + "}\n" * depth + "return x; }\n"
    return f"int a{'[1]' * min(depth, 5000)};\nint f(void) {{ return 0; }}\n"


def _huge_line(rng: random.Random, kind: str) -> str:
    n = rng.choice([100_000, 1_000_000, 3_000_000])
    style = rng.choice(["expr", "string", "semicolons", "comment"])
    if kind in ("llvm-ir", "llvm-bc"):
        return f"@s = constant [{n} x i8] c\"{'a' * n}\"\n" if style == "string" else "; " + "x" * n + "\n"
    if style == "expr":
        return "int f(int x) { return " + "x+" * (n // 2) + "0; }\n"
    if style == "string":
        return 'const char *s = "' + "a" * n + '";\nint f(void) { return s[0]; }\n'
    if style == "semicolons":
        return "int f(void) { " + ";" * n + " return 0; }\n"
    return "int f(void) { return 0; } // " + "x" * n + "\n"


def _special_include(rng: random.Random, kind: str) -> tuple[str, dict]:
    # a FIFO blocks clang until the timeout: rare, or it would be most of the run's time
    target = "fifo" if rng.random() < 0.02 else rng.choice(SPECIAL_FILES + ("__FILE__", "self"))
    how = rng.choice(["include", "include", "embed", "has_include", "include_next"])
    if target == "__FILE__":
        line = "#include __FILE__"
    elif target == "self":
        line = f'#include "input{EXT.get(kind, ".c")}"'
    else:
        path = "@FIFO@" if target == "fifo" else target
        line = {"include": f'#include "{path}"', "include_next": f'#include_next "{path}"',
                "embed": f'const unsigned char d[] = {{\n#embed "{path}"\n, 0}};',
                "has_include": f'#if __has_include("{path}")\nint seen;\n#endif'}[how]
    body = "int f(int x) { return x + 1; }\n" if kind != "opencl" else "__kernel void k(__global int *a) { a[0] = 1; }\n"
    if kind == "cuda":
        body = "__global__ void k(int *a) { a[threadIdx.x] = 1; }\n"
    return line + "\n" + body, {"target": target, "how": how}


def _source_case(rng: random.Random, corpus: dict, kind: str) -> Case:
    """A hostile input for a source kind (C, C++, OpenCL, CUDA, OpenMP)."""
    progs = corpus["sources"][kind]
    fname, text = rng.choice(progs)
    how = _pick(rng, {"byte_flip": 6, "truncate": 3, "delete_lines": 3, "duplicate_lines": 3, "swap_lines": 3,
                      "swapped_language": 4, "random_bytes": 12, "random_text": 3, "token_soup": 3, "empty": 6,
                      "whitespace": 6, "nul_bytes": 6, "invalid_utf8": 10, "size_limit": 0.5, "macro_bomb": 0.3,
                      "deep_nesting": 2, "huge_line": 1, "special_include": 6})
    payload: str | bytes
    detail: dict = {}
    if how in ("byte_flip", "truncate", "delete_lines", "duplicate_lines", "swap_lines"):
        payload = _mutate_text(rng, text, how)
    elif how == "swapped_language":
        other = rng.choice([k for k in SOURCE_KINDS if k != kind])
        fname, payload = rng.choice(corpus["sources"][other])
        detail["from"] = other
    else:
        payload, detail = _generic(rng, how, kind, text)
    return Case(kind, how, False, payload, fname, detail=detail)


def _generic(rng: random.Random, how: str, kind: str, text: str) -> tuple[str | bytes, dict]:
    """Inputs that do not depend on the language much."""
    if how == "random_bytes":
        return rng.randbytes(rng.choice([1, 16, 256, 4096, 65536])), {}
    if how == "random_text":
        return "".join(chr(rng.randrange(32, 127)) if rng.random() < 0.95 else "\n" for _ in range(rng.randint(1, 4000))), {}
    if how == "token_soup":
        return " ".join(rng.choice(C_TOKENS) for _ in range(rng.randint(1, 800))), {}
    if how == "empty":
        return rng.choice(["", b""]), {}
    if how == "whitespace":
        return "".join(rng.choice(" \t\n\r\f\v") for _ in range(rng.randint(1, 5000))), {}
    if how == "nul_bytes":
        style = rng.choice(["only", "inside", "end"])
        if style == "only":
            return b"\x00" * rng.randint(1, 1000), {"style": style}
        k = rng.randrange(len(text)) if style == "inside" else len(text)
        return text[:k] + "\x00" * rng.randint(1, 8) + text[k:], {"style": style}
    if how == "invalid_utf8":
        style = rng.choice(["bytes", "bytes", "surrogate", "bom"])
        if style == "surrogate":
            return text + "\ud800", {"style": style}
        if style == "bom":
            return b"\xef\xbb\xbf" + text.encode(), {"style": style}
        data = bytearray(text.encode())
        data.insert(rng.randrange(len(data)), rng.choice([0xFF, 0xFE, 0xC0, 0x80, 0xED]))
        return bytes(data), {"style": style}
    if how == "size_limit":
        size = LIMIT + rng.choice([-1, 0, 1])
        return _sized(rng, text, size, ";" if kind in ("llvm-ir", "llvm-bc") else "//"), {"bytes": size}
    if how == "macro_bomb":
        return _macro_bomb(rng), {}
    if how == "deep_nesting":
        return _deep_nesting(rng), {}
    if how == "huge_line":
        return _huge_line(rng, kind), {}
    if how == "special_include":
        return _special_include(rng, kind)
    raise AssertionError(how)


def _ir_case(rng: random.Random, corpus: dict) -> Case:
    fname, text = rng.choice(corpus["ll"])
    how = _pick(rng, {"ir_unverified": 10, "byte_flip": 8, "truncate": 8, "delete_lines": 8, "duplicate_lines": 7,
                      "swap_lines": 8, "source_as_ir": 6, "random_bytes": 8, "random_text": 5, "empty": 4,
                      "whitespace": 4, "nul_bytes": 5, "invalid_utf8": 6, "size_limit": 0.6, "huge_line": 1.5,
                      "typed_pointer_ir": 3, "bitcode_as_text": 3})
    detail: dict = {}
    if how in ("byte_flip", "truncate", "delete_lines", "duplicate_lines", "swap_lines"):
        payload = _mutate_text(rng, text, how)
    elif how == "ir_unverified":
        k = rng.randrange(len(UNVERIFIED_IR))
        payload, detail = UNVERIFIED_IR[k], {"template": k}
    elif how == "source_as_ir":
        kind = rng.choice(SOURCE_KINDS)
        fname, payload = rng.choice(corpus["sources"][kind])
    elif how == "typed_pointer_ir":
        payload = TYPED_POINTER_IR
    elif how == "bitcode_as_text":
        payload = rng.choice(corpus["bc"])[1].decode("latin-1")  # bitcode bytes as a str
    else:
        payload, detail = _generic(rng, how, "llvm-ir", text)
    return Case("llvm-ir", how, False, payload, fname, detail=detail)


def _damage_header(rng: random.Random, data: bytes) -> tuple[bytes, dict]:
    style = rng.choice(["magic", "wrapper_bad_offset", "wrapper_ok", "version_bytes", "only_magic", "magic_plus_random"])
    if style == "magic":
        return b"BC\xc0\xdf" + data[4:], {"style": style}
    if style in ("wrapper_bad_offset", "wrapper_ok"):
        off = 20 if style == "wrapper_ok" else rng.choice([0, 3, 1 << 30])
        size = len(data) if style == "wrapper_ok" else rng.choice([len(data) * 2, 0, 1 << 31])
        header = b"\xde\xc0\x17\x0b" + (0).to_bytes(4, "little") + off.to_bytes(4, "little")
        header += size.to_bytes(4, "little") + (0).to_bytes(4, "little")
        return header + data, {"style": style}
    if style == "version_bytes":
        buf = bytearray(data)
        for k in range(4, min(len(buf), 40)):
            if rng.random() < 0.3:
                buf[k] = rng.randrange(256)
        return bytes(buf), {"style": style}
    if style == "only_magic":
        return b"BC\xc0\xde", {"style": style}
    return b"BC\xc0\xde" + rng.randbytes(rng.randint(1, 4096)), {"style": style}


def _bc_case(rng: random.Random, corpus: dict) -> Case:
    fname, data = rng.choice(corpus["bc"])
    how = _pick(rng, {"alt_producer": 10, "damaged_header": 10, "byte_flip": 10, "truncate": 10,
                      "trailing_garbage": 6, "ir_text_as_bc": 5, "source_as_bc": 5, "random_bytes": 6, "empty": 2,
                      "size_limit": 0.6, "concatenated": 4})
    detail: dict = {}
    if how == "alt_producer" and corpus["alt"]:
        label, payload = rng.choice(corpus["alt"])
        detail["producer"] = label
    elif how == "damaged_header":
        payload, detail = _damage_header(rng, data)
    elif how == "byte_flip":
        buf = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            buf[rng.randrange(4, len(buf))] = rng.randrange(256)
        payload = bytes(buf)
    elif how == "truncate":
        payload = data[: rng.randrange(4, len(data))]
    elif how == "trailing_garbage":
        payload = data + rng.randbytes(rng.randint(1, 1024))
    elif how == "ir_text_as_bc":
        payload = rng.choice(corpus["ll"])[1].encode()
    elif how == "source_as_bc":
        payload = rng.choice(corpus["sources"][rng.choice(SOURCE_KINDS)])[1].encode()
    elif how == "concatenated":
        payload = data + rng.choice(corpus["bc"])[1]
    elif how == "size_limit":
        size = LIMIT + rng.choice([-1, 0, 1])
        payload, detail = data + b"\x00" * (size - len(data)), {"bytes": size}
    else:
        payload, detail = _generic(rng, how if how != "alt_producer" else "random_bytes", "llvm-bc", "")
    return Case("llvm-bc", how, False, payload, fname, detail=detail)


def _content_for_files(rng: random.Random, corpus: dict) -> tuple[str, str | bytes, str, str]:
    """(content kind, content, file name, category) for path and file-object inputs."""
    kind = rng.choice(("c", "c++", "opencl", "cuda", "openmp", "llvm-ir", "llvm-bc"))
    case = _make_case(rng, corpus, kind)
    fname = case.fname or "prog"
    name_style = _pick(rng, {"own": 8, "other_ext": 2, "no_ext": 1, "unknown_ext": 1, "header": 1, "odd_chars": 1})
    stem = Path(fname).stem
    ext = EXT[kind]
    if name_style == "other_ext":
        ext = rng.choice([e for e in set(EXT.values()) if e != ext])
    elif name_style == "no_ext":
        ext = ""
    elif name_style == "unknown_ext":
        ext = rng.choice([".txt", ".py", ".C++", ".CPP", ".cxx"])
    elif name_style == "header":
        ext = rng.choice([".h", ".hpp"])
    elif name_style == "odd_chars":
        stem = rng.choice(["-rf", ".hidden", "a b", "x\ty", "\u00e9t\u00e9", "__mirencoder_out", "q\"uote", "semi;colon"])
    return kind, case.payload, stem + ext, f"{case.category} as {name_style}"


def _path_case(rng: random.Random, corpus: dict) -> Case:
    special = _pick(rng, {"file": 40, "missing": 1, "folder": 1, "symlink_device": 0.1, "symlink_loop": 0.5,
                          "symlink_out": 1, "fifo": 0.06, "device_path": 1, "proc_path": 0.5, "not_a_path": 0.5})
    kind, payload, fname, category = _content_for_files(rng, corpus)
    if special != "file":
        category = special
        fname = rng.choice(["pipe.c", "zero.c", "loop.cpp", "dir.cl", "gone.cu", "x.ll"])
    return Case("filename", category, False, payload, fname, special, {"content": kind})


def _file_case(rng: random.Random, corpus: dict) -> Case:
    special = _pick(rng, {"file": 30, "bytesio_named": 10, "stringio": 4, "bytesio_unnamed": 1, "closed": 0.1,
                          "read_raises": 0.1, "read_returns_int": 1, "device": 0.03, "not_a_file": 0.5})
    kind, payload, fname, category = _content_for_files(rng, corpus)
    if special not in ("file", "bytesio_named", "stringio"):
        category = special
    return Case("file", category, False, payload, fname, special, {"content": kind})


def _good_case(rng: random.Random, corpus: dict, kind: str) -> Case:
    if kind in SOURCE_KINDS:
        fname, payload = rng.choice(corpus["sources"][kind])
    elif kind == "llvm-ir":
        fname, payload = rng.choice(corpus["ll"])
    elif kind == "llvm-bc":
        fname, payload = rng.choice(corpus["bc"])
    else:
        src = rng.choice(SOURCE_KINDS)
        fname, payload = rng.choice(corpus["sources"][src])
        special = "file" if kind == "filename" else "file"
        return Case(kind, "good", True, payload, fname, special, {"content": src})
    return Case(kind, "good", True, payload, fname)


def _make_case(rng: random.Random, corpus: dict, kind: str) -> Case:
    if kind in SOURCE_KINDS:
        return _source_case(rng, corpus, kind)
    if kind == "llvm-ir":
        return _ir_case(rng, corpus)
    if kind == "llvm-bc":
        return _bc_case(rng, corpus)
    if kind == "filename":
        return _path_case(rng, corpus)
    return _file_case(rng, corpus)


def batch_kind(batch: int) -> str:
    return KINDS[batch % len(KINDS)]


def make_input(seed: int, index: int, batch_size: int, good_fraction: float, corpus: dict) -> Case:
    """Input ``index`` of the run: its batch's kind, good or hostile, all from the seed."""
    batch, pos = divmod(index, batch_size)
    kind = batch_kind(batch)
    rng = random.Random(f"{seed}-{index}")
    n_good = max(1, round(batch_size * good_fraction))
    good = random.Random(f"{seed}-batch-{batch}").sample(range(batch_size), min(n_good, batch_size))
    if pos in good:
        return _good_case(rng, corpus, kind)
    return _make_case(rng, corpus, kind)


# ------------------------------------------------------------------------- materialising inputs


class _RaisingReader:
    name = "broken.c"

    def read(self, *args):
        raise OSError(5, "Input/output error (a file object whose read() fails)")


class _IntReader:
    name = "int.c"

    def read(self, *args):
        return 42


def materialize(case: Case, folder: Path, k: int, fifo: Path):
    """The object to put in ``X`` for ``case`` (a str/bytes, a path, or a file object); files
    go in ``folder`` (``k`` keeps their names apart)."""
    payload = case.payload
    if isinstance(payload, str) and "@FIFO@" in payload:
        payload = payload.replace("@FIFO@", str(fifo))
    if case.kind not in ("filename", "file"):
        return payload
    sub = folder / f"{k:04d}"
    sub.mkdir()
    path = sub / case.fname
    data = payload if isinstance(payload, bytes) else payload.encode("utf-8", "surrogatepass")
    special = case.special
    if case.kind == "filename":
        if special == "file":
            path.write_bytes(data)
        elif special == "folder":
            path.mkdir()
        elif special == "symlink_device":
            path.symlink_to(random.Random(k).choice(["/dev/zero", "/dev/urandom", "/dev/null", "/dev/full"]))
        elif special == "symlink_loop":
            path.symlink_to(path)
        elif special == "symlink_out":
            path.symlink_to("/etc/passwd")
        elif special == "fifo":
            os.mkfifo(path)
        elif special == "device_path":
            return random.Random(k).choice(["/dev/zero", "/dev/urandom", "/dev/null"])
        elif special == "proc_path":
            return "/proc/self/status"
        elif special == "not_a_path":
            return 12345
        return path  # "missing": never created
    if special == "file":
        path.write_bytes(data)
        return open(path, "rb")  # noqa: SIM115 - closed by the worker after the batch
    if special == "bytesio_named":
        obj = io.BytesIO(data)
        obj.name = case.fname
        return obj
    if special == "stringio":
        obj = io.StringIO(data.decode("utf-8", "replace"))
        obj.name = case.fname
        return obj
    if special == "bytesio_unnamed":
        return io.BytesIO(data)
    if special == "closed":
        path.write_bytes(data)
        obj = open(path, "rb")  # noqa: SIM115
        obj.close()
        return obj
    if special == "read_raises":
        return _RaisingReader()
    if special == "read_returns_int":
        return _IntReader()
    if special == "device":
        return open(random.Random(k).choice(["/dev/zero", "/dev/urandom"]), "rb")  # noqa: SIM115
    return b"not a file object"


# ------------------------------------------------------------------------------------- the worker


class _MemorySampler(threading.Thread):
    """Peak RSS of this process tree (largest process, and the sum), from /proc."""

    def __init__(self, interval: float = 0.25):
        super().__init__(daemon=True)
        self.interval = interval
        self.peak_proc = 0
        self.peak_tree = 0
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            rss = _tree_rss(os.getpid())
            if rss:
                self.peak_proc = max(self.peak_proc, max(rss))
                self.peak_tree = max(self.peak_tree, sum(rss))
            self._halt.wait(self.interval)

    def stop(self):
        self._halt.set()
        self.join()


def _tree_rss(root: int) -> list[int]:
    """RSS in bytes of ``root`` and its descendants (Linux /proc; empty elsewhere)."""
    children: dict[int, list[int]] = collections.defaultdict(list)
    rss: dict[int, int] = {}
    try:
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                parts = f.read().rsplit(b")", 1)[1].split()
            children[int(parts[1])].append(pid)
            rss[pid] = int(parts[21]) * resource.getpagesize()
        except (OSError, IndexError, ValueError):
            continue
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in rss:
            out.append(rss[pid])
        todo.extend(children.get(pid, ()))
    return out


_REFERENCES: dict = {}


def _reference(case: Case, x_alone, args) -> "np.ndarray":  # noqa: F821
    """The good program's embedding computed alone (one sample, one job, no cache)."""
    key = (case.kind, case.fname, case.payload)
    if key not in _REFERENCES:
        est = _transformer(case.kind, args, n_jobs=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _REFERENCES[key] = est.fit_transform([x_alone])[0]
    return _REFERENCES[key]


def _transformer(kind: str, args, n_jobs: int):
    from sklearn_mirencoder import MIRTransformer

    input_ = kind if kind in ("filename", "file") else "content"
    return MIRTransformer(input=input_, language=LANGUAGE[kind], errors="nan", n_jobs=n_jobs, cache=False,
                          timeout=args.compile_timeout)  # fmt: skip


_INTERNAL = ("internal error", "please report this")


def run_batch(batch: int, args, corpus: dict, fifo: Path, skip: frozenset = frozenset()) -> dict:
    """One ``transform`` call on batch ``batch``; the counts of what came back.  Inputs of the
    categories in ``skip`` are left out (for a test that runs in its own process)."""
    import numpy as np

    lo, hi = batch * args.batch_size, min(args.n, (batch + 1) * args.batch_size)
    cases = [make_input(args.seed, i, args.batch_size, args.good_fraction, corpus) for i in range(lo, hi)]
    cases = [c for c in cases if c.category not in skip]
    kind = batch_kind(batch)
    res = {"batch": batch, "kind": kind, "rows": len(cases), "returned": 0, "embedded": 0, "failed": {},
           "lost": 0, "reordered": 0, "bitwise": 0, "good": 0, "untyped": [], "internal": [], "categories": {},
           "lost_detail": [], "failure_text": {}}
    with tempfile.TemporaryDirectory(prefix="mirencoder-robust-") as tmp:
        X = [materialize(c, Path(tmp), k, fifo) for k, c in enumerate(cases)]
        sampler = _MemorySampler()
        sampler.start()
        t0 = time.perf_counter()
        est = _transformer(kind, args, n_jobs=args.n_jobs)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                Z = est.fit_transform(X)
        except BaseException as exc:  # noqa: BLE001 - counted, not fatal
            from sklearn_mirencoder.errors import MIREncoderError

            typed = isinstance(exc, MIREncoderError)
            res["untyped" if not typed else "internal"].append(f"transform raised {type(exc).__name__}: {str(exc)[:300]}")
            res["lost"] = len(cases)
            Z = None
        res["seconds"] = time.perf_counter() - t0
        sampler.stop()
        res["peak_proc"], res["peak_tree"] = sampler.peak_proc, sampler.peak_tree
        if Z is not None:
            _count_rows(res, cases, X, Z, est, np)
        for x in X:
            if hasattr(x, "close") and not isinstance(x, (str, bytes)):
                try:
                    x.close()
                except Exception:  # noqa: BLE001
                    pass
        if Z is not None:  # good programs against their embedding alone (files still exist)
            _check_good(res, cases, X, Z, args, np, tmp)
    return res


def _count_rows(res: dict, cases, X, Z, est, np) -> None:
    res["returned"] = int(Z.shape[0])
    if Z.shape[0] != len(cases):
        res["lost"] += abs(len(cases) - Z.shape[0])
    failures = {f.index: f for f in est.failures_}
    nan_rows = {i for i in range(min(len(cases), Z.shape[0])) if np.isnan(Z[i]).all()}
    partial = {i for i in range(min(len(cases), Z.shape[0])) if np.isnan(Z[i]).any() and i not in nan_rows}
    res["lost"] += len(nan_rows ^ set(failures)) + len(partial)
    for i in sorted((nan_rows ^ set(failures)) | partial):
        res["lost_detail"].append(f"row {i} ({cases[i].category}): NaN {i in nan_rows}, partly NaN {i in partial}, "
                                  f"failure {failures[i].error if i in failures else None}")
    for i, case in enumerate(cases):
        cat = res["categories"].setdefault(case.category, {"rows": 0, "embedded": 0, "failed": {}})
        cat["rows"] += 1
        if i in failures:
            name = failures[i].error
            if case.good:
                res["failure_text"][i] = failures[i].message.splitlines()[0][:300]
            res["failed"][name] = res["failed"].get(name, 0) + 1
            cat["failed"][name] = cat["failed"].get(name, 0) + 1
            msg = failures[i].message
            if any(m in msg for m in _INTERNAL):
                res["internal"].append(f"input {case.category}: {msg.splitlines()[0][:300]}")
        elif i < Z.shape[0] and np.isfinite(Z[i]).all():
            res["embedded"] += 1
            cat["embedded"] += 1


def est_failure(res: dict, i: int) -> str:
    return res["failure_text"].get(i, "no failure listed")


def _check_good(res: dict, cases, X, Z, args, np, tmp: str) -> None:
    refs = []
    for i, case in enumerate(cases):
        if not case.good:
            continue
        res["good"] += 1
        x = X[i]
        if case.kind == "file":
            x = open(x.name, "rb")  # noqa: SIM115 - the same file, fresh
        try:
            ref = _reference(case, x, args)
        finally:
            if case.kind == "file":
                x.close()
        refs.append((i, ref))
    for i, ref in refs:
        row = Z[i]
        if not np.isfinite(row).all():
            res["lost"] += 1  # a good program must embed
            msg = est_failure(res, i)
            res["lost_detail"].append(f"row {i} (good {cases[i].fname}) did not embed: {msg}")
        elif np.array_equal(row, ref):
            res["bitwise"] += 1
        elif not np.allclose(row, ref, rtol=1e-5, atol=1e-6):
            res["reordered"] += 1


def worker_main(args) -> int:
    corpus = pickle.loads(Path(args.corpus).read_bytes())
    fifo = Path(tempfile.mkdtemp(prefix="mirencoder-robust-fifo-")) / "pipe.h"
    os.mkfifo(fifo)
    out = open(args.results, "a", buffering=1)  # noqa: SIM115 - one line per event, flushed
    try:
        for batch in json.loads(args.batches):
            lo, hi = batch * args.batch_size, min(args.n, (batch + 1) * args.batch_size)
            cats = collections.Counter(
                make_input(args.seed, i, args.batch_size, args.good_fraction, corpus).category for i in range(lo, hi)
            )
            rare = ", ".join(f"{c} {k}" for c, k in sorted(cats.items()) if " as " not in c and k <= 3)
            out.write(json.dumps({"event": "start", "batch": batch, "time": time.time(), "rare": rare}) + "\n")
            res = run_batch(batch, args, corpus, fifo)
            out.write(json.dumps({"event": "done", **res}) + "\n")
    finally:
        out.close()
        shutil.rmtree(fifo.parent, ignore_errors=True)
    return 0


# ------------------------------------------------------------------------------------- the driver


def _limit_memory(limit_bytes: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    return apply


def _start_worker(args, batches: list[int], results: Path, corpus_path: Path) -> subprocess.Popen:
    cmd = [sys.executable, __file__, "--worker", "--corpus", str(corpus_path), "--results", str(results),
           "--batches", json.dumps(batches), "--n", str(args.n), "--seed", str(args.seed),
           "--batch-size", str(args.batch_size), "--n-jobs", str(args.n_jobs),
           "--good-fraction", str(args.good_fraction), "--compile-timeout", str(args.compile_timeout)]  # fmt: skip
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(results.with_suffix(".err"), "ab"),
                            start_new_session=True, preexec_fn=_limit_memory(args.memory_limit_gb << 30))  # fmt: skip


def _read_events(results: Path, offset: int) -> tuple[list[dict], int]:
    try:
        with open(results) as f:
            f.seek(offset)
            text = f.read()
    except FileNotFoundError:
        return [], offset
    complete = text[: text.rfind("\n") + 1]
    events = [json.loads(line) for line in complete.splitlines() if line.strip()]
    return events, offset + len(complete.encode())


def drive(args, corpus_path: Path, work: Path) -> tuple[list[dict], list[dict]]:
    """Run every batch in watched worker processes; returns (batch results, incidents)."""
    n_batches = -(-args.n // args.batch_size)
    todo = list(range(n_batches))
    done: list[dict] = []
    incidents: list[dict] = []
    results = work / "results.jsonl"
    offset = 0
    while todo:
        proc = _start_worker(args, todo, results, corpus_path)
        current, started, rare = None, time.time(), ""
        while True:
            events, offset = _read_events(results, offset)
            for ev in events:
                if ev["event"] == "start":
                    current, started, rare = ev["batch"], time.time(), ev.get("rare", "")
                else:
                    done.append(ev)
                    todo.remove(ev["batch"])
                    current = None
                    print(f"batch {ev['batch']:4d} {ev['kind']:8s} {ev['rows']} rows {ev['seconds']:6.1f} s "
                          f"embedded {ev['embedded']} failed {sum(ev['failed'].values())} lost {ev['lost']}", flush=True)
            rc = proc.poll()
            if rc is not None:
                events, offset = _read_events(results, offset)
                if events:
                    continue  # handle the last lines first
                if current is not None or todo:
                    victim = current if current is not None else todo[0]
                    incidents.append({"batch": victim, "kind": batch_kind(victim), "what": "crash", "rc": rc,
                                      "stderr": _tail(results.with_suffix(".err")), "rare": rare})
                    todo.remove(victim)
                break
            if current is not None and time.time() - started > args.batch_timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                incidents.append({"batch": current, "kind": batch_kind(current), "what": "hang",
                                  "stderr": _tail(results.with_suffix(".err")), "rare": rare})
                todo.remove(current)
                break
            time.sleep(0.5)
        _kill_tree(proc)
    return sorted(done, key=lambda r: r["batch"]), incidents


def _kill_tree(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _tail(path: Path, n: int = 6) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").strip().splitlines()[-n:])
    except OSError:
        return ""


# ------------------------------------------------------------------------------------- the report


def summarize(done: list[dict], incidents: list[dict], args) -> dict:
    per: dict[str, dict] = {}
    for k in KINDS:
        per[k] = {"inputs": 0, "batches": 0, "returned": 0, "embedded": 0, "failed": 0, "lost": 0, "reordered": 0,
                  "bitwise": 0, "good": 0, "crashes": 0, "hangs": 0, "untyped": 0, "internal": 0, "seconds": 0.0,
                  "peak_proc": 0, "peak_tree": 0, "classes": collections.Counter()}
    cats: dict[tuple[str, str], dict] = {}
    for r in done:
        p = per[r["kind"]]
        p["batches"] += 1
        p["inputs"] += r["rows"]
        for key in ("returned", "embedded", "lost", "reordered", "bitwise", "good"):
            p[key] += r[key]
        p["failed"] += sum(r["failed"].values())
        p["classes"].update(r["failed"])
        p["untyped"] += len(r["untyped"])
        p["internal"] += len(r["internal"])
        p["seconds"] += r["seconds"]
        p["peak_proc"] = max(p["peak_proc"], r["peak_proc"])
        p["peak_tree"] = max(p["peak_tree"], r["peak_tree"])
        for name, c in r["categories"].items():
            agg = cats.setdefault((r["kind"], name), {"rows": 0, "embedded": 0, "failed": collections.Counter()})
            agg["rows"] += c["rows"]
            agg["embedded"] += c["embedded"]
            agg["failed"].update(c["failed"])
    for inc in incidents:
        p = per[inc["kind"]]
        lo, hi = inc["batch"] * args.batch_size, min(args.n, (inc["batch"] + 1) * args.batch_size)
        p["inputs"] += hi - lo
        p["lost"] += hi - lo
        p["crashes" if inc["what"] == "crash" else "hangs"] += 1
    return {"per": per, "cats": cats}


def _mb(b: int) -> str:
    return f"{b / 2**20:,.0f}"


def write_report(summary: dict, done: list[dict], incidents: list[dict], args, wall: float, corpus: dict) -> str:
    import llvmlite
    import numpy
    import sklearn
    import torch

    import sklearn_mirencoder
    from sklearn_mirencoder.frontend.compile import find_compiler

    per, cats = summary["per"], summary["cats"]
    tot = {k: sum(p[k] for p in per.values()) for k in ("inputs", "returned", "embedded", "failed", "lost", "reordered",
                                                       "bitwise", "good", "crashes", "hangs", "untyped", "internal")}
    command = "python benchmarks/robustness.py " + " ".join(
        f"--{k.replace('_', '-')} {v}" for k, v in (("n", args.n), ("seed", args.seed), ("batch_size", args.batch_size),
                                                     ("n_jobs", args.n_jobs), ("good_fraction", args.good_fraction),
                                                     ("compile_timeout", args.compile_timeout),
                                                     ("batch_timeout", args.batch_timeout),
                                                     ("memory_limit_gb", args.memory_limit_gb))) + f" --out {args.out_shown}"
    comp = find_compiler()
    lines = [
        "# Robustness: hostile inputs through `MIRTransformer(errors=\"nan\")`",
        "",
        f"{tot['inputs']:,} inputs in {len(done) + len(incidents)} batches of {args.batch_size} (one `transform` call "
        f"each, `n_jobs={args.n_jobs}`, `timeout={args.compile_timeout}` s for clang, `cache=False`), nine kinds of "
        f"batch in turn; in each batch {max(1, round(args.batch_size * args.good_fraction))} good programs among the "
        "hostile inputs. Written by `benchmarks/robustness.py` (its docstring says what the inputs are and what is "
        "counted); every input is regenerated from the seed (`--show INDEX` prints one).",
        "",
        f"**{tot['lost']} rows lost or wrong, {tot['reordered']} reordered, {tot['crashes']} crashes, {tot['hangs']} "
        f"hangs, {tot['untyped']} untyped errors, {tot['internal']} internal errors** "
        f"({tot['returned']:,} rows returned, {tot['embedded']:,} embedded, {tot['failed']:,} typed failures; "
        f"{tot['bitwise']} of {tot['good']} good programs' rows bitwise equal to their embedding computed alone).",
        "",
        "| kind | inputs | rows returned | embedded | typed failures | lost | reordered | crashes | hangs | untyped | "
        "internal | seconds | peak process MB | peak tree MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for k in KINDS:
        p = per[k]
        lines.append(f"| {k} | {p['inputs']:,} | {p['returned']:,} | {p['embedded']:,} | {p['failed']:,} | {p['lost']} | "
                     f"{p['reordered']} | {p['crashes']} | {p['hangs']} | {p['untyped']} | {p['internal']} | "
                     f"{p['seconds']:,.0f} | {_mb(p['peak_proc'])} | {_mb(p['peak_tree'])} |")
    lines.append(f"| **all** | **{tot['inputs']:,}** | {tot['returned']:,} | {tot['embedded']:,} | {tot['failed']:,} | "
                 f"**{tot['lost']}** | **{tot['reordered']}** | **{tot['crashes']}** | **{tot['hangs']}** | "
                 f"**{tot['untyped']}** | **{tot['internal']}** | {sum(p['seconds'] for p in per.values()):,.0f} | "
                 f"{_mb(max(p['peak_proc'] for p in per.values()))} | {_mb(max(p['peak_tree'] for p in per.values()))} |")
    classes = collections.Counter()
    for p in per.values():
        classes.update(p["classes"])
    lines += ["", "Typed failures by class: " + ", ".join(f"`{c}` {n:,}" for c, n in classes.most_common()) + ".", "",
              "*Lost* counts a missing row, a NaN row without an entry in `failures_`, an entry whose row is not NaN, a "
              "partly NaN row and a good program that did not embed (and every row of a batch that crashed or hung). "
              "*Reordered*: a good program's row differs from its embedding computed alone (`n_jobs=1`, a batch of "
              "one). *Untyped*: `transform` raised; *internal*: a failure the workers wrapped as an internal error "
              "(\"please report this\"). Peak memory is sampled every 0.25 s from `/proc`: the largest single process "
              "(the worker, a joblib worker or clang) and the whole tree. Each worker process runs under "
              f"`RLIMIT_AS` = {args.memory_limit_gb} GiB. The largest process of the whole run by "
              f"`resource.getrusage(RUSAGE_CHILDREN).ru_maxrss` (every worker, joblib worker and clang, once "
              f"reaped): {_mb(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)} MB.", ""]
    if incidents:
        lines += ["## Crashes and hangs", "",
                  "| batch | kind | what | rare categories in the batch (at most 3 inputs) | last lines of the worker's stderr |",
                  "|---|---|---|---|---|"]
        for inc in incidents:
            tail = inc["stderr"].replace("|", "\\|").replace("\n", " / ")[-400:]
            lines.append(f"| {inc['batch']} | {inc['kind']} | {inc['what']} | {inc.get('rare', '')} | {tail} |")
        lines.append("")
    problems = [(r["batch"], r["kind"], m) for r in done for m in r["untyped"] + r["internal"] + r["lost_detail"]]
    if problems:
        lines += ["## Untyped errors, internal errors and lost rows", ""]
        lines += [f"- batch {b} ({k}): {m}" for b, k, m in problems[:60]]
        lines.append("")
    lines += ["## By kind and category", "", "| kind | category | inputs | embedded | typed failures (class: count) |",
              "|---|---|---|---|---|"]
    for (kind, name), agg in sorted(cats.items()):
        failed = ", ".join(f"{c} {n}" for c, n in agg["failed"].most_common())
        lines.append(f"| {kind} | {name} | {agg['rows']} | {agg['embedded']} | {failed} |")
    alt = ", ".join(label for label, _ in corpus["alt"])
    lines += ["", "## Run", "",
              f"- command: `{command}`",
              f"- seed: {args.seed}",
              f"- date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; wall time {wall / 60:.1f} min",
              f"- versions: sklearn-mirencoder {sklearn_mirencoder.__version__}, {comp.kind} {comp.version}, llvmlite "
              f"{llvmlite.__version__}, torch {torch.__version__}, scikit-learn {sklearn.__version__}, numpy "
              f"{numpy.__version__}, Python {platform.python_version()}",
              f"- machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
              f"- bitcode from other producers: {alt}",
              ""]
    return "\n".join(lines)


def show(args, corpus: dict) -> None:
    case = make_input(args.seed, args.show, args.batch_size, args.good_fraction, corpus)
    p = case.payload
    print(f"input {args.show}: kind {case.kind}, category {case.category}, good {case.good}, file {case.fname!r}, "
          f"special {case.special}, detail {case.detail}, {len(p)} {'bytes' if isinstance(p, bytes) else 'chars'}")
    print(repr(p[:2000]))


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000, help="number of inputs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch-size", type=int, default=100, help="programs per transform call")
    ap.add_argument("--n-jobs", type=int, default=2, help="MIRTransformer's n_jobs")
    ap.add_argument("--good-fraction", type=float, default=0.02, help="good programs in each batch (at least one)")
    ap.add_argument("--compile-timeout", type=float, default=20.0, help="MIRTransformer's timeout= for clang (s)")
    ap.add_argument("--batch-timeout", type=float, default=150.0, help="a batch running longer is a hang (s)")
    ap.add_argument("--memory-limit-gb", type=int, default=4, help="RLIMIT_AS of every worker process (GiB)")
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "robustness.md")
    ap.add_argument("--show", type=int, help="print input SHOW and exit")
    ap.add_argument("--census", action="store_true", help="count the inputs by kind and category, run nothing")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--corpus", help=argparse.SUPPRESS)
    ap.add_argument("--results", help=argparse.SUPPRESS)
    ap.add_argument("--batches", help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def run(args) -> tuple[dict, list[dict], list[dict], str]:
    """The whole benchmark; returns (summary, batch results, incidents, report text)."""
    t0 = time.time()
    corpus = build_corpus()
    with tempfile.TemporaryDirectory(prefix="mirencoder-robust-run-") as work:
        corpus_path = Path(work, "corpus.pkl")
        corpus_path.write_bytes(pickle.dumps(corpus))
        done, incidents = drive(args, corpus_path, Path(work))
    summary = summarize(done, incidents, args)
    return summary, done, incidents, write_report(summary, done, incidents, args, time.time() - t0, corpus)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker_main(args)
    if args.show is not None:
        show(args, build_corpus())
        return 0
    if args.census:
        corpus = build_corpus()
        counts = collections.Counter()
        for i in range(args.n):
            case = make_input(args.seed, i, args.batch_size, args.good_fraction, corpus)
            counts[(case.kind, case.category)] += 1
        for (kind, cat), c in sorted(counts.items()):
            print(f"{kind:9s} {cat:40s} {c:6d}")
        return 0
    try:
        args.out_shown = args.out.resolve().relative_to(REPO)
    except ValueError:
        args.out_shown = args.out
    summary, done, incidents, report = run(args)
    args.out.write_text(report)
    print(report.split("\n## By kind")[0])
    bad = sum(summary["per"][k][key] for k in KINDS for key in ("lost", "reordered", "crashes", "hangs", "untyped", "internal"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
