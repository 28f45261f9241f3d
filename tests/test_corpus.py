"""The pre-training corpus tool (``python -m pretrain.corpus``) on a tiny corpus."""

from __future__ import annotations

import json
import shutil
import sys
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

corpus = pytest.importorskip("pretrain.corpus")


def _have_clang() -> bool:
    try:
        from sklearn_mirencoder.frontend.compile import find_compiler

        find_compiler()
        return True
    except Exception:  # noqa: BLE001
        return False


needs_clang = pytest.mark.skipif(not _have_clang(), reason="no clang found")

SAXPY_C = """\
#include "util.h"
void saxpy(int n, float a, const float *x, float *y) {
  for (int i = 0; i < n; ++i) y[i] = SCALE(a) * x[i] + y[i];
}
"""
UTIL_H = "#define SCALE(a) ((a) * 1.0f)\n"
DOT_C = """\
double dot(int n, const double *x, const double *y) {
  double s = 0;
  for (int i = 0; i < n; ++i) s += x[i] * y[i];
  return s;
}
"""
OMP_C = """\
void scale(int n, double *x) {
#pragma omp parallel for
  for (int i = 0; i < n; ++i) x[i] *= 2.0;
}
"""
VEC_CPP = """\
#include <vector>
int sum(const std::vector<int> &v) { int s = 0; for (int x : v) s += x; return s; }
"""
KERNEL_CL = """\
__kernel void add(__global const float *a, __global const float *b, __global float *c) {
  int i = get_global_id(0);
  c[i] = a[i] + b[i];
}
"""
BAD_C = "int f(void) { return undeclared_variable + ; }\n"
MODULE_LL = """\
define i32 @inc(i32 %x) {
entry:
  %y = add i32 %x, 1
  ret i32 %y
}
"""


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


@pytest.fixture()
def tiny(tmp_path):
    """Two fake packages (two folders) of small programs, good and bad."""
    a = tmp_path / "src" / "alpha"
    b = tmp_path / "src" / "beta"
    g = tmp_path / "src" / "gamma"
    _write(a, {
        "src/saxpy.c": SAXPY_C,
        "src/util.h": UTIL_H,
        "dot.c": DOT_C,
        "copy/dot_again.c": DOT_C,  # the same code under another name: a duplicate
        "omp.c": OMP_C,
        "bad.c": BAD_C,
        "empty.c": "",
        "decl.c": "extern int g(int);\nstruct s { int x; };\n",  # compiles to no function: "empty"
        "notes.txt": "not a program",
    })
    _write(b, {
        "vec.cpp": VEC_CPP,
        "kernels/add.cl": KERNEL_CL,
        "ir/inc.ll": MODULE_LL,
    })
    _write(g, {"max.c": "int max(int a, int b) { return a > b ? a : b; }\n"})
    return tmp_path, [str(a), str(b), str(g)]


def _quiet(*args, **kwargs):
    pass


def test_canonical_hash_ignores_names():
    t1 = "; ModuleID = 'a.c'\nsource_filename = \"a.c\"\ndefine void @f() {\n  ret void\n}\n"
    t2 = "; ModuleID = 'b/c.c'\nsource_filename = \"b/c.c\"\ndefine void @f() {\n  ret void\n}\n"
    assert corpus.canonical_hash(t1) == corpus.canonical_hash(t2)
    assert corpus.canonical_hash(t1) != corpus.canonical_hash(t1.replace("ret void", "unreachable"))
    assert corpus.count_instructions(MODULE_LL) == 2


def test_discover_and_cap(tiny):
    _, (a, b, g) = tiny
    pkgs = corpus.package_dirs([a, b, g])
    assert [p.name for p in pkgs] == ["alpha", "beta", "gamma"]
    files = corpus.discover(pkgs[0])
    assert files == ["bad.c", "copy/dot_again.c", "decl.c", "dot.c", "empty.c", "omp.c", "src/saxpy.c"]
    capped = corpus.discover(pkgs[0], cap=2, seed=0)
    assert len(capped) == 2 and capped == corpus.discover(pkgs[0], cap=2, seed=0)
    assert set(capped) <= set(files)


@needs_clang
def test_build_split_stats_pack(tiny):
    tmp, sources = tiny
    out = tmp / "out"
    counts = corpus.build(sources, out=out, opts=["O1", "O0"], jobs=2, timeout=20, log=_quiet)
    records = corpus.read_manifest(out)
    # every (file, level) attempted once: 7 files in alpha, 3 in beta, 1 in gamma, two levels
    assert len(records) == 22
    assert len({(r["package"], r["file"], r["opt"]) for r in records}) == 22
    by = {(r["package"], r["file"], r["opt"]): r for r in records}
    # bad and empty files are counted, not fatal
    assert by[("alpha", "bad.c", "O1")]["outcome"] == "CompileError"
    assert by[("alpha", "empty.c", "O0")]["outcome"] == "InputError"
    assert by[("alpha", "decl.c", "O1")]["outcome"] == "empty"
    assert not (out / "ir" / by[("alpha", "decl.c", "O1")]["hash"][:2]).joinpath(
        by[("alpha", "decl.c", "O1")]["hash"] + ".ll").exists()
    # the two copies of dot.c: one ok, the other a duplicate with the same hash
    for o in ("O1", "O0"):
        pair = [by[("alpha", "dot.c", o)], by[("alpha", "copy/dot_again.c", o)]]
        assert sorted(r["outcome"] for r in pair) == ["duplicate", "ok"]
        assert pair[0]["hash"] == pair[1]["hash"]
    # the two levels give different modules; local headers (src/util.h) resolve
    assert by[("alpha", "src/saxpy.c", "O1")]["outcome"] == "ok"
    assert by[("alpha", "src/saxpy.c", "O1")]["hash"] != by[("alpha", "src/saxpy.c", "O0")]["hash"]
    assert by[("alpha", "omp.c", "O1")]["language"] == "openmp"
    assert "-fopenmp" in by[("alpha", "omp.c", "O1")]["flags"]
    assert by[("beta", "kernels/add.cl", "O1")]["language"] == "opencl"
    assert by[("beta", "vec.cpp", "O1")]["outcome"] == "ok"
    assert by[("beta", "ir/inc.ll", "O1")]["language"] == "llvm-ir"
    ok = [r for r in records if r["outcome"] == "ok"]
    assert counts["ok"] == len(ok) and counts["duplicate"] == 3  # dot.c at 2 levels, inc.ll
    for r in ok:
        assert r["compiler"] is None or r["compiler"].startswith(("clang", "ziglang"))
        assert r["instructions"] > 0 and r["seconds"] >= 0
        f = out / "ir" / r["hash"][:2] / f"{r['hash']}.ll"
        assert f.read_text().lstrip().startswith(("; ModuleID", "source_filename", "target", "define"))
    # the .ll module is the same at both levels (IR is not re-optimised): one ok, one duplicate
    assert sorted([by[("beta", "ir/inc.ll", "O1")]["outcome"], by[("beta", "ir/inc.ll", "O0")]["outcome"]]) == [
        "duplicate", "ok"]

    # resume: nothing new to do, the manifest is unchanged
    again = corpus.build(sources, out=out, opts=["O1", "O0"], jobs=2, log=_quiet)
    assert sum(again.values()) == 0
    assert len(corpus.read_manifest(out)) == 22
    # a torn last line (a kill while writing) is repaired on resume
    with open(out / "manifest.jsonl", "a") as fh:
        fh.write('{"package": "alpha", "fi')
    corpus.build(sources, out=out, opts=["O1"], jobs=1, log=_quiet)
    assert len(corpus.read_manifest(out)) == 22

    # split by package: every language in train, so only gamma (plain C, as in alpha) can go to val
    sp = corpus.split(out, val_fraction=0.2, seed=0, log=_quiet)
    assert set(sp["train"]) | set(sp["val"]) == {"alpha", "beta", "gamma"}
    assert not set(sp["train"]) & set(sp["val"])
    assert sp["val"] == ["gamma"] and sp["counts"]["val"]["modules"] == 2
    assert json.loads((out / "split.json").read_text())["train"] == sp["train"]
    langs = {r["language"] for r in ok}
    assert set(sp["counts"]["train"]["languages"]) == langs  # the one-package languages stay in train

    # stats
    st = corpus.stats(out, log=_quiet)
    assert st["by_package"]["alpha"]["files_tried"] == 7
    assert st["by_package"]["alpha"]["files_compiled"] == 5
    assert st["totals"]["modules"] == len(ok)
    assert {"c", "c++", "opencl", "openmp", "llvm-ir"} <= set(st["by_language"])
    table = corpus.markdown_tables(st)
    assert "| alpha |" in table and "| opencl |" in table
    assert (out / "stats.json").exists()

    # pack: all distinct modules, the manifest and the split
    dest = tmp / "corpus.tar.xz"
    info = corpus.pack(out, dest, log=_quiet)
    with tarfile.open(dest) as tar:
        names = tar.getnames()
    lls = [n for n in names if n.endswith(".ll")]
    assert len(lls) == len(ok) == info["modules"]
    assert "corpus/manifest.jsonl" in names and "corpus/split.json" in names
    # a tiny limit drops the largest modules first
    small = corpus.pack(out, tmp / "small.tar.xz", max_bytes=dest.stat().st_size // 2, log=_quiet)
    assert small["dropped_largest"] >= 1 and small["modules"] < len(ok)


@needs_clang
def test_cli(tiny, capsys):
    tmp, sources = tiny
    out = tmp / "cli-out"
    assert corpus.main(["build", "--sources", *sources, "--out", str(out), "--opt", "O1", "--jobs", "1"]) == 0
    assert corpus.main(["stats", str(out)]) == 0
    text = capsys.readouterr().out
    assert "distinct modules" in text and "| beta |" in text
    assert corpus.main(["split", str(out), "--val-fraction", "0.5"]) == 0
    dest = tmp / "train.tar.xz"
    assert corpus.main(["pack", str(out), "--to", str(dest), "--split", "train"]) == 0
    assert dest.exists()

    # subset: the corpus plus an -O2 build of beta, every OpenCL module kept, the rest evenly spaced
    o2 = tmp / "cli-o2"
    assert corpus.main(["build", "--sources", sources[1], "--out", str(o2), "--opt", "O2", "--jobs", "1"]) == 0
    sub = tmp / "cli-sub"
    assert corpus.main(["subset", str(out), str(o2), "--out", str(sub), "--train", "2", "--val", "1",
                        "--keep-language", "opencl"]) == 0
    split = json.loads((out / "split.json").read_text())
    records = corpus.read_manifest(sub)
    kernels = [r for r in records if r["language"] == "opencl"]
    both = {r["hash"] for b in (out, o2) for r in corpus.read_manifest(b) if r["outcome"] == "ok" and r["language"] == "opencl"}
    assert {r["hash"] for r in kernels} == both  # every distinct kernel of both builds
    assert len({r["hash"] for r in records}) == len(records)
    for name in ("train", "val"):
        mine = [r for r in records if (r["package"] in split["val"]) == (name == "val")]
        wanted = 2 if name == "train" else 1
        kept = sum(r["language"] == "opencl" for r in mine)
        assert len(mine) == max(wanted, kept) or len(mine) < wanted  # fewer only when the pool runs out
    from pretrain.data import list_corpus

    listed = list_corpus(sub, "train").files + list_corpus(sub, "val").files
    assert sorted(Path(f).stem for f in listed) == sorted(r["hash"] for r in records)
    assert all((sub / "ir" / f).read_text() for f in listed)  # the symlinks resolve


def test_unpack_filters_members(tmp_path):
    """fetch's unpack step keeps the catalogue's members only, without the top folder."""
    from pretrain.sources import SourcePackage

    pkg = tmp_path / "demo"
    (pkg / "demo-1.0" / "kernels").mkdir(parents=True)
    (pkg / "demo-1.0" / "kernels" / "k.cl").write_text(KERNEL_CL)
    (pkg / "demo-1.0" / "README").write_text("hi")
    with tarfile.open(pkg / "demo_1.0.orig.tar.xz", "w:xz") as tar:
        tar.add(pkg / "demo-1.0", arcname="demo-1.0")
    shutil.rmtree(pkg / "demo-1.0")
    tree = corpus.unpack(pkg, SourcePackage("demo", extract=("kernels/*",)), log=_quiet)
    assert (tree / "kernels" / "k.cl").read_text() == KERNEL_CL
    assert not (tree / "README").exists()
    # idempotent
    assert corpus.unpack(pkg, SourcePackage("demo"), log=_quiet) == tree
