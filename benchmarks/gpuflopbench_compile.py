"""How many gpuFLOPBench sources our front end compiles.

gpuFLOPBench (Bolet et al., HPDC 2025 AI4Sys / arXiv 2512.04355) profiles HeCBench programs in CUDA
(``src/<bench>-cuda``) and OpenMP target offload (``src/<bench>-omp``); its
``cuda-profiling/compile_commands.json`` says how each file was built.  This script maps every
compile command of a profiled target (a ``targetName`` of ``cuda-profiling/profiling-data.csv``)
to our front end's inputs (:func:`target_sources`), compiles each file with
:func:`sklearn_mirencoder.frontend.process` in joblib workers, caches the outcome by (file digest,
language, flags, front-end digest) and writes ``docs/gpuflopbench-compile.md``: the counts per
language and per target, and the failures grouped by cause.

Usage::

    nice -n 10 .venv/bin/python benchmarks/gpuflopbench_compile.py            # all 661 targets
    .venv/bin/python benchmarks/gpuflopbench_compile.py --root /tmp/gfb/gpuflopbench --sample 20

The data is read from ``--root`` (an unpacked ``gpuflopbench/`` folder) or unpacked once from
``$MIRENCODER_SHARED/data/gpuflopbench/gpuflopbench.tar.xz`` (default ``../shared``) into the cache
folder.  Importing this module has no side effects.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import hashlib
import json
import os
import random
import re
import shlex
import sys
import tarfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[1]
#: The prefix of every path in the data's compile_commands.json.
BUILD_PREFIX = "/home/gbolet/hecbench-roofline/"
TARBALL = Path("data") / "gpuflopbench" / "gpuflopbench.tar.xz"
TARBALL_SHA256 = "9278e1a2297f2d204f4a98a1ba98b7b1c310bac35419963d713a413bce798cd7"
DOC = REPO / "docs" / "gpuflopbench-compile.md"

#: Flags of the data's compile commands that our front end decides itself or that concern
#: nvcc, the offload architecture, the output or the optimisation level: dropped.
_DROP_EXACT = {
    "-c", "-fgpu-rdc", "-use_fast_math", "--use_fast_math", "-fopenmp", "-fopenmp-offload-mandatory",
    "-DNDEBUG_DISABLED",
}  # fmt: skip
_DROP_PREFIX = ("-O", "--cuda-gpu-arch", "--cuda-path", "-fopenmp-targets", "--offload-arch", "-march", "-g")
_CXX_EXTS = {".cpp", ".cc", ".cxx", ".C", ".cu", ".hpp"}


def shared_dir() -> Path:
    """``$MIRENCODER_SHARED``, else ``../shared`` next to the repository."""
    return Path(os.environ.get("MIRENCODER_SHARED", REPO.parent / "shared"))


def default_cache_dir() -> Path:
    """Where unpacked sources and compile outcomes are kept (outside the repository)."""
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "sklearn-mirencoder" / "gpuflopbench-compile"


def unpack(tarball: Path, dest: Path) -> Path:
    """Unpack ``gpuflopbench.tar.xz`` into ``dest`` once (checked by sha256); the ``gpuflopbench/``
    folder inside it."""
    root = dest / "gpuflopbench"
    stamp = dest / ".unpacked"
    if stamp.is_file() and stamp.read_text().strip() == TARBALL_SHA256 and root.is_dir():
        return root
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    if digest != TARBALL_SHA256:
        raise ValueError(f"{tarball}: sha256 {digest} is not the expected {TARBALL_SHA256}; get a fresh copy")
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball) as tar:
        tar.extractall(dest, filter="data")
    stamp.write_text(TARBALL_SHA256 + "\n")
    return root


# ------------------------------------------------------------------------ compile commands -> inputs


def profiled_targets(root: str | os.PathLike) -> list[str]:
    """The ``targetName`` values of ``cuda-profiling/profiling-data.csv``, sorted."""
    with open(Path(root) / "cuda-profiling" / "profiling-data.csv", newline="") as fh:
        return sorted({row["targetName"] for row in csv.DictReader(fh)})


def _map_path(path: str, root: Path) -> Path:
    return root / path[len(BUILD_PREFIX) :] if path.startswith(BUILD_PREFIX) else Path(path)


def _target_of(entry: dict) -> str:
    """``CMakeFiles/<target>.dir/...`` -> ``<target>``."""
    m = re.search(r"CMakeFiles/([^/]+)\.dir/", entry.get("output", "") + " " + entry["command"])
    if m is None:
        raise ValueError(f"cannot tell the target of the compile command of {entry['file']}")
    return m.group(1)


def _resolve_source(entry_file: str, target: str, includes: Sequence[Path], root: Path) -> Path:
    """The source file of a compile command.  Files under ``build/`` named ``<target>-<name>`` are
    copies the data's CMake made of ``<name>`` from one of the target's include folders; the first
    folder holding ``<name>`` is taken, else the first holding a file of the same stem (the
    OpenMP targets compile the CUDA version's host files ``x.cu`` as ``<target>-x.cpp``).  A file found nowhere keeps its mapped path (it does not
    exist: the data set lacks it)."""
    path = _map_path(entry_file, root)
    if path.exists() or path.parent.name != "build" or not path.name.startswith(target + "-"):
        return path
    name = path.name[len(target) + 1 :]
    stem = os.path.splitext(name)[0]
    for names in ([name], [stem + ext for ext in (".cu", ".cpp", ".cc", ".c")]):
        for folder in includes:
            for n in names:
                if (folder / n).is_file():
                    return folder / n
    return path


def _language(args: Sequence[str], path: str) -> str:
    """Our language name: ``-x`` of the command, else the extension; OpenMP with ``-fopenmp``."""
    lang = args[args.index("-x") + 1] if "-x" in args[:-1] else None
    ext = os.path.splitext(path)[1]
    if lang == "cuda" or (lang is None and ext == ".cu" and "-fopenmp" not in args):
        return "cuda"
    cxx = lang == "c++" or (lang is None and ext in _CXX_EXTS)
    if "-fopenmp" in args:
        return "openmp-c++" if cxx else "openmp"
    return "c++" if cxx else "c"


def _keep_flags(args: Sequence[str], root: Path, language: str) -> tuple[list[str], list[Path]]:
    """The flags our front end needs (-I mapped to ``root``, -D, -U, -include, a -std that fits the
    language) and the include folders, in order."""
    flags: list[str] = []
    includes: list[Path] = []
    it = iter(args)
    c_lang = language in ("c", "openmp")
    for a in it:
        if a in ("-I", "-D", "-U", "-include", "-isystem", "-x", "-o"):
            value = next(it, "")
            if a == "-x" or a == "-o":
                continue
            a = a + value if a in ("-I", "-D", "-U") else a
            if a in ("-include", "-isystem"):
                flags += [a, str(_map_path(value, root)) if value.startswith("/") else value]
                continue
        if a.startswith("-I"):
            folder = _map_path(a[2:], root)
            includes.append(folder)
            flags.append(f"-I{folder}")
        elif a.startswith(("-D", "-U")):
            flags.append(a)
        elif a.startswith("-include") and len(a) > len("-include"):
            flags += ["-include", a[len("-include") :]]
        elif a.startswith("-std="):
            if ("++" in a) != c_lang:
                flags.append(a)
    return flags, includes


class Source(NamedTuple):
    """One compile command of a profiled target, as our front end's inputs."""

    target: str
    path: str
    language: str
    flags: tuple[str, ...]


def target_sources(root: str | os.PathLike) -> dict[str, list[tuple[str, str, tuple[str, ...]]]]:
    """Each profiled target's source files as our front end's inputs.

    Parameters
    ----------
    root : str or path
        The unpacked ``gpuflopbench/`` folder (holding ``src/`` and ``cuda-profiling/``).

    Returns
    -------
    dict
        ``targetName -> [(path, language, flags), ...]`` in the order of compile_commands.json,
        for the 661 targets of profiling-data.csv.  ``path`` is absolute under ``root`` (files the
        data's CMake copied into ``build/`` are found in the target's include folders; a path that
        does not exist means the data set lacks that file); ``language`` is ``"cuda"``,
        ``"openmp-c++"``, ``"openmp"``, ``"c++"`` or ``"c"`` (from the command's ``-x``, else the
        extension; OpenMP when it has ``-fopenmp``); ``flags`` are the command's ``-I`` (mapped
        to ``root``), ``-D``, ``-U``, ``-include`` and ``-std`` (nvcc, offload, optimisation and
        output flags are dropped), to pass as ``extra_flags``.
    """
    root = Path(root).resolve()
    wanted = set(profiled_targets(root))
    with open(root / "cuda-profiling" / "compile_commands.json") as fh:
        entries = json.load(fh)
    out: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {t: [] for t in sorted(wanted)}
    for entry in entries:
        target = _target_of(entry)
        if target not in wanted:
            continue
        args = shlex.split(entry["command"])[1:]
        args = [a for a in args if a != entry["file"]]
        language = _language(args, entry["file"])
        flags, includes = _keep_flags(args, root, language)
        path = _resolve_source(entry["file"], target, includes, root)
        out[target].append((str(path), language, tuple(flags)))
    return out


# ------------------------------------------------------------------------ compiling, with a cache


def frontend_digest() -> str:
    """A digest of what decides a compile's outcome on our side: the shipped headers, compile.py
    and the package version (so that editing a header invalidates the cache)."""
    import sklearn_mirencoder
    from sklearn_mirencoder.frontend import compile as _compile

    h = hashlib.sha256(sklearn_mirencoder.__version__.encode())
    h.update(Path(_compile.__file__).read_bytes())
    inc = Path(_compile.include_dir("cuda")).parent
    for p in sorted(inc.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(inc)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:16]


def _cache_key(src: Source, root: Path, ours: str) -> str:
    h = hashlib.sha256()
    p = Path(src.path)
    h.update(p.read_bytes() if p.is_file() else b"<missing>")
    h.update(src.language.encode())
    h.update("\0".join(f.replace(str(root), "<root>") for f in src.flags).encode())
    h.update(ours.encode())
    return h.hexdigest()


_ERROR_LINE = re.compile(r"(?:fatal )?error: (.*)")


def _first_error(diagnostic: str) -> str:
    for line in (diagnostic or "").splitlines():
        m = _ERROR_LINE.search(line)
        if m:
            return m.group(1).strip()
    return (diagnostic or "").strip().splitlines()[0] if (diagnostic or "").strip() else ""


def compile_one(src: Source, timeout: float = 120.0) -> dict:
    """Run our front end on one source; a JSON-able outcome (``ok``, ``error``, ``first_error``,
    ``errors``: every distinct error line, ``functions``)."""
    from sklearn_mirencoder.errors import MIREncoderError
    from sklearn_mirencoder.frontend import process

    out = {"ok": False, "error": None, "first_error": "", "errors": [], "functions": 0}
    if not Path(src.path).is_file():
        out.update(error="MissingSource", first_error="the data set lacks this source file")
        return out
    try:
        prog = process(src.path, input="filename", language=src.language, extra_flags=list(src.flags), timeout=timeout)
    except MIREncoderError as exc:
        diag = getattr(exc, "diagnostic", "") or ""
        errs = list(dict.fromkeys(m.group(1).strip() for m in map(_ERROR_LINE.search, diag.splitlines()) if m))
        out.update(error=type(exc).__name__, first_error=_first_error(diag) or exc.reason, errors=errs[:20])
        return out
    out.update(ok=True, functions=prog.ir.text.count("\ndefine "))
    return out


def compiles(result: dict) -> bool:
    """Whether clang accepted the file: it gave a program, or IR without a function body (a
    CUDA file of host code only: device-only compilation keeps nothing of it)."""
    return bool(result["ok"]) or "no function with a body" in (result.get("first_error") or "")


def _load_cache(path: Path) -> dict[str, dict]:
    cache: dict[str, dict] = {}
    if path.is_file():
        for line in path.read_text().splitlines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            cache[rec["key"]] = rec["result"]
    return cache


def run(sources: Sequence[Source], root: Path, cache_file: Path, *, n_jobs: int = 2) -> list[dict]:
    """The outcome of every source, compiling only those not in ``cache_file`` (appended to as
    results arrive, so an interrupted run keeps its progress)."""
    from joblib import Parallel, delayed

    ours = frontend_digest()
    cache = _load_cache(cache_file)
    keys = [_cache_key(s, root, ours) for s in sources]
    todo = [(k, s) for k, s in zip(keys, sources) if k not in cache]
    todo = list({k: s for k, s in todo}.items())
    if todo:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        jobs = Parallel(n_jobs=n_jobs, return_as="generator")(delayed(compile_one)(s) for _, s in todo)
        with open(cache_file, "a") as fh:
            for i, ((key, s), result) in enumerate(zip(todo, jobs), 1):
                cache[key] = result
                fh.write(json.dumps({"key": key, "path": s.path, "result": result}) + "\n")
                fh.flush()
                if i % 25 == 0 or i == len(todo):
                    print(f"  compiled {i}/{len(todo)}", file=sys.stderr, flush=True)
        if frontend_digest() != ours:
            raise RuntimeError(
                f"the front end's headers or compile.py changed during the run; the results in {cache_file} "
                "are keyed by the digest at its start and may mix both versions: delete that file and rerun"
            )
    return [cache[k] for k in keys]


# ------------------------------------------------------------------------ failure causes


def cause(result: dict) -> str:
    """A short cause of a failure: the missing header or the first error, names kept."""
    first = result.get("first_error") or result.get("error") or ""
    m = re.search(r"'([^']+)' file not found", first)
    if m:
        return f"header not found: {m.group(1)}"
    if "the data set lacks" in first:
        return "source file missing from the data set"
    if "no function with a body" in first:
        return "no device code (host-only file)"
    m = re.search(r"use of undeclared identifier '([^']+)'", first)
    if m:
        return f"undeclared identifier: {m.group(1)}"
    m = re.search(r"unknown type name '([^']+)'", first)
    if m:
        return f"unknown type: {m.group(1)}"
    m = re.search(r"no (?:matching function for call to|member named) '([^']+)'", first)
    if m:
        return f"no matching function or member: {m.group(1)}"
    return re.sub(r"\s+", " ", first)[:120] or result.get("error") or "?"


#: Whose fault each remaining cause is, read off the failures of the 661 targets (first match wins).
OWNERS: tuple[tuple[str, str], ...] = (
    (r"source file missing", "data set: a source the build copied into build/ is not in the tarball"),
    (r"unknown type: version", "data set: a Git LFS pointer in place of a header (testSNAP refdata_*.h)"),
    (r"miniFE_info\.hpp|bondsKernelsCpu\.cpp|header not found: common\.h",
     "data set: a file the build generated or took from a benchmark not in the tarball"),
    (r"boost/|CImg\.h|stb_image\.h|bitmap_image\.hpp", "third-party library the program needs"),
    (r"cublas|cusparse|cufft|cudnn|nccl|cusolver", "CUDA library (cuBLAS, cuSPARSE...): not declared"),
    (r"cuda_fp8\.h|mma\.h|__viaddmax|__vimax|__vimin", "ours, not provided (FP8, WMMA, CUDA 12 DPX)"),
    (r"header not found: cuda(_runtime)?\.h", "ours, not provided: a host C/C++ file including the CUDA runtime"),
)


def owner(cause_text: str) -> str:
    """Whose fault a failure cause is (:data:`OWNERS`), or ``"unclassified"``."""
    for pattern, who in OWNERS:
        if re.search(pattern, cause_text):
            return who
    return "unclassified"


# ------------------------------------------------------------------------ report


def _clang_version() -> str:
    from sklearn_mirencoder.frontend.compile import find_compiler

    return str(find_compiler())


def summarise(sources: Sequence[Source], results: Sequence[dict]) -> dict:
    """Counts per language and per target kind, and the failing files by cause.

    A file *compiles* when clang accepts it (:func:`compiles`) and *gives a program* when it has
    device code (CUDA) or any function (C, C++, OpenMP).  A target compiles when all its files do
    and gives a program when at least one file does.
    """
    by_lang: dict[str, Counter] = defaultdict(Counter)
    by_target: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    causes: dict[str, list[str]] = defaultdict(list)
    for s, r in zip(sources, results):
        ok = compiles(r)
        by_lang[s.language].update(files=1, compile=ok, program=bool(r["ok"]))
        by_target[s.target].append((ok, bool(r["ok"])))
        if not ok:
            causes[cause(r)].append(s.target)
    kinds: dict[str, Counter] = defaultdict(Counter)
    for t, outcomes in by_target.items():
        kinds[t.rsplit("-", 1)[-1]].update(
            targets=1, compile=all(ok for ok, _ in outcomes), program=any(p for _, p in outcomes),
            both=all(ok for ok, _ in outcomes) and any(p for _, p in outcomes),
        )
    return {"languages": by_lang, "kinds": kinds, "causes": causes}


def _pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:.1f}%" if b else "-"


def _history(doc: Path) -> list[str]:
    if not doc.is_file():
        return []
    text = doc.read_text()
    if "## History" not in text:
        return []
    return [line for line in text.split("## History", 1)[1].splitlines() if line.startswith("| 20")]


def _table(rows: dict[str, Counter], unit: str, first: str, cols: Sequence[tuple[str, str]]) -> list[str]:
    lines = [f"| {first} | {unit} | " + " | ".join(title for _, title in cols) + " |",
             "|---|---:|" + "---:|" * len(cols)]
    total: Counter = Counter()
    for key in sorted(rows):
        c = rows[key]
        total.update(c)
        lines.append(f"| {key} | {c[unit]} | " + " | ".join(f"{c[k]} ({_pct(c[k], c[unit])})" for k, _ in cols) + " |")
    lines.append(f"| all | {total[unit]} | " + " | ".join(f"{total[k]} ({_pct(total[k], total[unit])})" for k, _ in cols)
                 + " |")
    return lines


def render(summary: dict, *, command: str, clang: str, ours: str, history: list[str]) -> str:
    """The markdown of docs/gpuflopbench-compile.md."""
    langs, kinds, causes = summary["languages"], summary["kinds"], summary["causes"]
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    n_targets = sum(c["targets"] for c in kinds.values())
    lines = [
        "# gpuFLOPBench: how many sources our front end compiles",
        "",
        f"Written by `benchmarks/gpuflopbench_compile.py` on {now} with {clang} (front-end digest `{ours}`):",
        "",
        "```",
        command,
        "```",
        "",
        f"{n_targets} profiled targets (the `targetName` values of `cuda-profiling/profiling-data.csv`). Each "
        "compile command of a target in `cuda-profiling/compile_commands.json` becomes one call of "
        "`sklearn_mirencoder.frontend.process(path, input=\"filename\", language=..., extra_flags=...)` with "
        "the command's `-I` (mapped to the unpacked data), `-D`, `-U`, `-include` and `-std`; the language "
        "comes from `-x` (else the extension), OpenMP when the command has `-fopenmp` "
        "(`target_sources` in the script). A file **compiles** when clang accepts it; it **gives a "
        "program** when `process` returns one (IR with a function body, its graph and tokens): a CUDA "
        "file of host code only compiles but gives no program, since only device code is kept.",
        "",
        "## Files per language",
        "",
        *_table(langs, "files", "language", (("compile", "compile"), ("program", "give a program"))),
        "",
        "## Targets",
        "",
        "A target compiles when every file of it does, and gives a program when at least one file does.",
        "",
        *_table(kinds, "targets", "kind", (("compile", "compile"), ("program", "give a program"),
                                           ("both", "both"))),
        "",
        "## Failures by cause",
        "",
        "The first error of each file that does not compile, grouped, and whose fault it is (`OWNERS` in "
        "the script).",
        "",
        "| cause | files | targets | examples | whose |",
        "|---|---:|---:|---|---|",
    ]
    by_owner: dict[str, list[str]] = defaultdict(list)
    for c, targets in sorted(causes.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        uniq = sorted(set(targets))
        ex = ", ".join(uniq[:4]) + (" ..." if len(uniq) > 4 else "")
        by_owner[owner(c)] += targets
        lines.append(f"| {c.replace('|', '/')} | {len(targets)} | {len(uniq)} | {ex} | {owner(c)} |")
    lines += ["", "| whose | files | targets |", "|---|---:|---:|"]
    for who, targets in sorted(by_owner.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"| {who} | {len(targets)} | {len(set(targets))} |")
    files = sum(c["files"] for c in langs.values())
    ok = sum(c["compile"] for c in langs.values())
    row = (f"| {now} | `{ours}` | {ok}/{files} ({_pct(ok, files)}) | "
           + " | ".join(f"{kinds[k]['compile']}/{kinds[k]['targets']}" for k in sorted(kinds)) + f" | `{command}` |")
    lines += ["", "## History", "", "One row per run of the script: files that compile; targets whose every file "
              "compiles, per kind.", "", "| date | front end | files | " + " | ".join(sorted(kinds))
              + " | command |", "|---|---|---:|" + "---:|" * len(kinds) + "---|"]
    lines += list(history) + [row, ""]
    return "\n".join(lines)


def select(all_sources: dict, *, sample: int | None, seed: int) -> list[Source]:
    """The sources of every target, or of ``sample`` targets drawn with ``seed``."""
    targets = sorted(all_sources)
    if sample is not None:
        targets = sorted(random.Random(seed).sample(targets, min(sample, len(targets))))
    return [Source(t, p, lang, flags) for t in targets for p, lang, flags in all_sources[t]]


def main(argv: Iterable[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, help="the unpacked gpuflopbench/ folder (default: unpack the tarball "
                    "of $MIRENCODER_SHARED into the cache folder)")
    ap.add_argument("--cache", type=Path, default=default_cache_dir(), help="cache folder (%(default)s)")
    ap.add_argument("--sample", type=int, help="only this many targets, drawn with --seed")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--out", type=Path, default=DOC, help="the report (%(default)s); '-' for none")
    ap.add_argument("--list-failures", action="store_true", help="print every failing file and its first errors")
    args = ap.parse_args(list(argv) if argv is not None else None)
    try:
        os.nice(10)
    except OSError:
        pass
    root = args.root
    if root is None:
        tarball = shared_dir() / TARBALL
        if not tarball.is_file():
            print(f"{tarball} is absent: set MIRENCODER_SHARED or pass --root", file=sys.stderr)
            return 2
        root = unpack(tarball, args.cache / "data")
    root = root.resolve()
    sources = select(target_sources(root), sample=args.sample, seed=args.seed)
    results = run(sources, root, args.cache / "results.jsonl", n_jobs=args.n_jobs)
    summary = summarise(sources, results)
    if args.list_failures:
        for s, r in zip(sources, results):
            if not compiles(r):
                print(f"{s.target}\t{os.path.relpath(s.path, root)}\t{s.language}\t{cause(r)}\t{r['errors'][:3]}")
    command = "python benchmarks/gpuflopbench_compile.py " + " ".join(
        a for a in (list(argv) if argv is not None else sys.argv[1:]))
    text = render(summary, command=command.strip(), clang=_clang_version(), ours=frontend_digest(),
                  history=_history(args.out) if str(args.out) != "-" else [])
    if str(args.out) != "-":
        args.out.write_text(text)
    print(text.split("## Failures by cause")[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
