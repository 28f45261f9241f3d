"""How long the front end takes next to clang, per file (writes docs/frontend-speed.md).

For every file the script times, each as the median of ``--repeat`` runs:

* **clang**: the clang command the front end runs for that file (same flags, its own
  temporary folder), as a subprocess; for an ``.ll`` input, ``clang -c -emit-llvm`` of
  the file (parse, verify, write bitcode), which is the work a compiler does on it;
* **ours**: what the front end adds after clang: parse the bitcode or IR text with
  llvmlite (and verify it), print canonical text, build the program graph, normalise the
  text and split it into words (and sub-word tokens, with ``--tokenizer``).

The target (issue 2): ours <= clang, median over each set of files.

Sets: the OpenCL kernels of ``devmap-cgo17/kernels.tar.bz2`` that compile, its 669 IR
files, and larger C and C++ files from Debian source packages (``--sources DIR``: any
folder; ``--fetch`` downloads lua5.4, libzstd and tinyxml2 with ``apt-get source``).

Usage::

    python benchmarks/frontend_speed.py --fetch --out docs/frontend-speed.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import llvmlite

from embed_speed import cpu_name  # noqa: E402  (benchmarks/ is on sys.path)
from sklearn_mirencoder.frontend.compile import compile_source, find_compiler, language_from_path
from sklearn_mirencoder.errors import FrontendError
from sklearn_mirencoder.frontend.graph import ProGraMLBuilder
from sklearn_mirencoder.frontend.ir import canonical_text, load_file, parse_ir_upgraded
from sklearn_mirencoder.frontend.irtext import clear_templates
from sklearn_mirencoder.frontend.tokens import IRTokenizer, ir_words, normalize_ir

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MIRENCODER_SHARED", REPO.parent / "shared"))
DEB_PACKAGES = ("lua5.4", "libzstd", "tinyxml2")


def _median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def ours(data: bytes, name: str, tokenizer: IRTokenizer | None, builder: ProGraMLBuilder) -> dict:
    """Time the front end's own stages on bitcode or IR text ``data``, from empty per-process
    caches (instruction shapes, word ids): a file gets no help from the files or runs before it,
    where in a batch the shapes and words of earlier programs make it faster."""
    clear_templates()
    if tokenizer is not None:
        tokenizer.clear_word_cache()
    t0 = time.perf_counter()
    module, _ = parse_ir_upgraded(data, name=name)
    try:
        text = canonical_text(module)
    finally:
        module.close()
    t1 = time.perf_counter()
    graph = builder.build_from_text(text, name=name)
    t2 = time.perf_counter()
    normalized = normalize_ir(text)
    words = ir_words(normalized)
    if tokenizer is not None:
        tokenizer.encode(normalized, normalized=True, words=words)  # as program_from_ir does
    t3 = time.perf_counter()
    n_inst = int((graph.node_kind == 0).sum())
    return {"parse": t1 - t0, "graph": t2 - t1, "tokens": t3 - t2, "total": t3 - t0,
            "instructions": n_inst, "words": len(words)}


def time_source(path: Path, repeat: int, tokenizer, builder) -> dict | None:
    language = language_from_path(path)
    source = path.read_bytes()
    try:
        result = compile_source(source, language=language, name=str(path), source_dir=str(path.parent))
    except FrontendError:
        return None
    compiler = result.compiler
    cmd_prefix = [compiler.path] if compiler.kind == "clang" else [sys.executable, "-m", "ziglang", "cc"]
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / path.name
        src.write_bytes(source)
        cmd = [*cmd_prefix, *result.flags, "-I", str(path.parent), "-c", "-emit-llvm", str(src), "-o",
               str(Path(tmp) / "out.bc")]

        def run_clang():
            subprocess.run(cmd, cwd=tmp, capture_output=True, check=True)

        try:
            clang_s = _median_time(run_clang, repeat)
        except subprocess.CalledProcessError:
            return None
    runs = [ours(result.bitcode, str(path), tokenizer, builder) for _ in range(repeat)]
    row = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    row.update(file=path.name, clang=clang_s)
    return row


def time_ir(path: Path, repeat: int, tokenizer, builder, clang: str) -> dict | None:
    data = path.read_bytes()
    try:
        runs = [ours(data, str(path), tokenizer, builder) for _ in range(repeat)]
    except FrontendError:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [clang, "-c", "-emit-llvm", "-Wno-override-module", str(path), "-o", str(Path(tmp) / "out.bc")]
        ok = subprocess.run(cmd, capture_output=True).returncode == 0
        if not ok:  # e.g. the one file with pre-LLVM-12 syntax: compare with our upgraded text
            up = Path(tmp) / "upgraded.ll"
            up.write_text(load_file(path).text)
            cmd[-3] = str(up)
        clang_s = _median_time(lambda: subprocess.run(cmd, capture_output=True), repeat)
    row = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    row.update(file=path.name, clang=clang_s)
    return row


def fetch_sources(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for pkg in DEB_PACKAGES:
        if not any(dest.glob(f"{pkg}*/")) and not any(p.is_dir() for p in dest.glob(f"*{pkg.replace('lib', '')}*")):
            subprocess.run(["apt-get", "source", "-qq", pkg], cwd=dest, check=True)
    return dest


def larger_sources(root: Path, limit: int) -> list[Path]:
    files = [p for p in sorted(root.rglob("*")) if p.suffix in (".c", ".cc", ".cpp", ".cxx") and p.is_file()
             and "/debian/" not in str(p) and p.stat().st_size > 8_000]
    files.sort(key=lambda p: (-p.stat().st_size, str(p)))
    return files[:limit]


def summarise(name: str, rows: list[dict]) -> str:
    def med(key):
        return statistics.median(r[key] for r in rows)

    ratios = sorted(r["total"] / r["clang"] for r in rows)
    p90 = ratios[min(len(ratios) - 1, int(0.9 * len(ratios)))]
    return (f"| {name} | {len(rows)} | {med('instructions'):.0f} | {1e3 * med('clang'):.1f} | "
            f"{1e3 * med('parse'):.1f} | {1e3 * med('graph'):.1f} | {1e3 * med('tokens'):.1f} | "
            f"{1e3 * med('total'):.1f} | **{statistics.median(ratios):.2f}** | {p90:.2f} | {ratios[-1]:.2f} |")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--devmap", type=Path, default=SHARED / "data" / "devmap-cgo17")
    ap.add_argument("--sources", type=Path, help="folder of larger C/C++ files")
    ap.add_argument("--fetch", action="store_true", help="apt-get source lua5.4, libzstd, tinyxml2 into --cache")
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "sklearn-mirencoder" / "bench-sources")
    ap.add_argument("--tokenizer", type=Path, help="tokenizer.json to include sub-word tokenisation")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--max-files", type=int, default=10_000, help="cap per set (for a quick run)")
    ap.add_argument("--larger", type=int, default=40, help="how many larger C/C++ files")
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "frontend-speed.md")
    args = ap.parse_args(argv)

    tokenizer = IRTokenizer.from_file(args.tokenizer) if args.tokenizer else None
    builder = ProGraMLBuilder()
    compiler = find_compiler()
    sets: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with tarfile.open(args.devmap / "kernels.tar.bz2") as tar:
            tar.extractall(tmp / "k", filter="data")
        with tarfile.open(args.devmap / "kernels_ir.tar.gz") as tar:
            tar.extractall(tmp / "ir", filter="data")
        kernels = sorted((tmp / "k").rglob("*.cl"))[: args.max_files]
        rows = [r for p in kernels if (r := time_source(p, args.repeat, tokenizer, builder))]
        sets[f"devmap OpenCL kernels that compile ({len(rows)} of {len(kernels)})"] = rows
        print(summarise("kernels", rows), flush=True)
        irs = sorted((tmp / "ir").rglob("*.ll"))[: args.max_files]
        rows = [r for p in irs if (r := time_ir(p, args.repeat, tokenizer, builder, compiler.path))]
        sets[f"devmap IR files ({len(rows)} of {len(irs)})"] = rows
        print(summarise("ir", rows), flush=True)
    src_root = fetch_sources(args.cache) if args.fetch else args.sources
    if src_root:
        files = larger_sources(src_root, args.larger)
        rows = [r for p in files if (r := time_source(p, args.repeat, tokenizer, builder))]
        sets[f"larger C/C++ files from Debian sources ({len(rows)} that compile stand-alone)"] = rows
        print(summarise("larger", rows), flush=True)

    header = ("| set | files | median instructions | clang (ms) | parse + print (ms) | graph (ms) | "
              "tokens (ms) | ours total (ms) | ours / clang, median | p90 | max |\n"
              "|---|---|---|---|---|---|---|---|---|---|---|")
    lines = [
        "# Front-end speed",
        "",
        "Time the front end adds after clang (parse + verify + canonical text + graph + tokens) next to clang's",
        "own time on the same file. Medians per file over "
        f"{args.repeat} runs; the table's medians are over files. Target: ours / clang <= 1 at the median.",
        "Every run starts from empty per-process caches (instruction shapes, word ids), so no file gets help",
        "from the files or runs before it; in a batch, what earlier programs left in them makes it faster.",
        "",
        header,
        *(summarise(name, rows) for name, rows in sets.items()),
        "",
        "clang's time is the front end's own compile command run as a subprocess (the same flags);",
        "for IR files, `clang -c -emit-llvm` of the .ll file. Tokens are the normaliser and word split"
        + (" plus sub-word tokenisation." if tokenizer else " (no sub-word vocabulary given)."),
        "",
        f"- command: `python benchmarks/frontend_speed.py {' '.join(argv if argv is not None else sys.argv[1:])}`",
        f"- date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M UTC}",
        f"- compiler: {compiler.kind} {compiler.version}; llvmlite {llvmlite.__version__}; Python {platform.python_version()}",
        f"- hardware: {platform.machine()}, {os.cpu_count()} cores ({cpu_name()})",
        "",
        "Slowest files (ours / clang):",
        "",
        "| file | instructions | clang (ms) | ours (ms) | ratio |",
        "|---|---|---|---|---|",
    ]
    every = [r for rows in sets.values() for r in rows]
    for r in sorted(every, key=lambda r: -r["total"] / r["clang"])[:8]:
        lines.append(f"| {r['file']} | {r['instructions']:.0f} | {1e3 * r['clang']:.1f} | {1e3 * r['total']:.1f} | "
                     f"{r['total'] / r['clang']:.2f} |")
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
