"""Build the pre-training corpus: folders of programs -> distinct canonical LLVM IR modules.

Run from the repository root::

    python -m pretrain.corpus fetch gcc-12 hashcat ... --dest /work/corpus/src
    python -m pretrain.corpus build --packages-dir /work/corpus/src --sources MORE_DIR \\
        --out /work/corpus/out --opt O1 --opt O0 --jobs 2
    python -m pretrain.corpus split /work/corpus/out --val-fraction 0.1 --seed 0
    python -m pretrain.corpus stats /work/corpus/out
    python -m pretrain.corpus pack /work/corpus/out --to /work/corpus/corpus-all.tar.xz

``hub`` adds the modules of a Hub dataset of LLVM IR such as ComPile (:mod:`pretrain.hub_corpus`).
``fetch`` downloads Debian source packages (``apt-get source --download-only``) and unpacks
the part of each that the catalogue (:mod:`pretrain.sources`) names.  ``build`` compiles
every candidate file stand-alone with the front end (:func:`sklearn_mirencoder.frontend.ir.load_file`)
at each optimisation level, deduplicates by the SHA-256 of the canonical IR text (without
its ``; ModuleID`` and ``source_filename`` lines) and writes ``OUT/ir/<h[:2]>/<h>.ll`` and
one ``OUT/manifest.jsonl`` line per attempt.  It is resumable: attempts already in the
manifest are skipped.  ``split`` splits by package, ``stats`` counts, ``pack`` makes one
``.tar.xz`` to carry elsewhere.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import io
import json
import lzma
import os
import random
import re
import shutil
import subprocess
import sys
import tarfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from .sources import GLOBAL_EXCLUDE, SourcePackage, get_package

__all__ = [
    "EXTENSIONS",
    "OPT_LEVELS",
    "Task",
    "canonical_hash",
    "count_instructions",
    "discover",
    "build",
    "split",
    "stats",
    "pack",
    "fetch",
    "main",
]

#: Candidate files by extension (lower-cased) -> front-end language.
EXTENSIONS = {
    ".c": "c",
    ".cc": "c++",
    ".cpp": "c++",
    ".cxx": "c++",
    ".c++": "c++",
    ".cl": "opencl",
    ".opencl": "opencl",  # CLBlast-style kernels
    ".ocl": "opencl",
    ".cu": "cuda",
    ".ll": "llvm-ir",
    ".bc": "llvm-bc",
}

#: Optimisation levels by name -> the front end's ``opt_flags``.
O0_NO_OPTNONE = ("-O0", "-Xclang", "-disable-O0-optnone")
OPT_LEVELS = {
    "O1": ("-O1",),
    "O0": O0_NO_OPTNONE,
    "O2": ("-O2",),
    "O3": ("-O3",),
    "Os": ("-Os",),
}

#: Folder names taken as include folders of a package.
INCLUDE_DIR_NAMES = {"include", "inc", "src"}
#: At most this many package include folders are passed (nearest to the root first).
MAX_INCLUDE_DIRS = 24
#: Folders never searched.
SKIP_DIRS = {".git", ".svn", ".hg", "CMakeFiles", "__pycache__", "node_modules", ".pc"}
#: Files larger than this are not tried (generated tables, amalgamations).
MAX_FILE_BYTES = 1_500_000

MANIFEST = "manifest.jsonl"
SPLIT = "split.json"
STATS = "stats.json"
PACKAGE_TREE = "tree"  # fetch unpacks DIR/<pkg>/tree
_OK_OUTCOMES = ("ok", "duplicate")
#: The outcome of a file that compiles to a module without any function body.
EMPTY = "empty"
#: Outcomes of files that compiled.
_COMPILED = ("ok", "duplicate", EMPTY)


# ----------------------------------------------------------------------------------------------
# IR helpers


_DROP_FOR_HASH = re.compile(r"^(; ModuleID = .*|source_filename = .*)$", re.M)


def canonical_hash(text: str) -> str:
    """SHA-256 of canonical IR text without its ``; ModuleID`` and ``source_filename`` lines.

    The same code compiled from two paths (which differ only in those lines) hashes equal.
    """
    body = _DROP_FOR_HASH.sub("", text)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def count_instructions(text: str) -> int:
    """Count the instruction lines inside function bodies (not labels, comments or braces)."""
    n = 0
    inside = False
    for line in text.splitlines():
        if not inside:
            if line.startswith("define ") and line.rstrip().endswith("{"):
                inside = True
            continue
        if line.startswith("}"):
            inside = False
            continue
        s = line.strip()
        if not s or s.startswith(";") or (s.endswith(":") and " " not in s) or re.match(r"^[\w.$-]+:(\s|;|$)", s):
            continue
        n += 1
    return n


# ----------------------------------------------------------------------------------------------
# Discovery


@dataclass(frozen=True)
class PackageDir:
    """One package to build: its name, the folder to search and its catalogue entry."""

    name: str
    root: Path
    spec: SourcePackage


def package_dirs(sources: Iterable[str | os.PathLike] = (), packages_dir: str | os.PathLike | None = None) -> list[PackageDir]:
    """The packages to build: each ``--sources`` folder, each sub-folder of ``--packages-dir``.

    A package fetched by ``fetch`` is searched in its unpacked ``tree/``; any other
    folder is searched whole.  A folder given with ``--sources`` is a package named after it.
    """
    out: dict[str, PackageDir] = {}
    if packages_dir is not None:
        pdir = Path(packages_dir)
        if not pdir.is_dir():
            raise SystemExit(f"--packages-dir {pdir}: no such folder")
        for sub in sorted(p for p in pdir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            tree = sub / PACKAGE_TREE
            root = tree if tree.is_dir() else sub
            out[sub.name] = PackageDir(sub.name, root, get_package(sub.name))
    for s in sources:
        p = Path(s)
        if not p.exists():
            raise SystemExit(f"--sources {p}: no such file or folder")
        name = p.resolve().name
        if name in out and out[name].root.resolve() != p.resolve():
            name = f"{name}-{hashlib.sha256(str(p.resolve()).encode()).hexdigest()[:6]}"
        spec = get_package(name)
        out[name] = PackageDir(name, p, spec if spec.languages else SourcePackage(name, languages=()))
    return [out[k] for k in sorted(out)]


def _language_of(path: Path) -> str | None:
    return EXTENSIONS.get(path.suffix.lower())


def _excluded(rel: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatch(rel, pat) for pat in patterns)


def discover(pkg: PackageDir, cap: int | None = None, seed: int = 0) -> list[str]:
    """Candidate files of a package (paths relative to its root), sorted, capped by a seeded sample."""
    root = pkg.root
    spec = pkg.spec
    if root.is_file():
        return [root.name] if _language_of(root) else []
    starts: list[Path] = []
    if spec.roots:
        for pat in spec.roots:
            starts.extend(sorted(p for p in root.glob(pat) if p.exists()))
    else:
        starts = [root]
    excludes = tuple(GLOBAL_EXCLUDE) + tuple(spec.exclude)
    limit = spec.max_files if spec.max_files is not None else cap
    groups = [[s] for s in starts] if spec.per_root else [starts]
    files: list[str] = []
    for gi, group in enumerate(groups):
        found = sorted(set(_walk_candidates(root, group, excludes)) - set(files))
        if limit is not None and len(found) > limit:
            rng = random.Random(f"{seed}:{pkg.name}:{gi if spec.per_root else ''}")
            found = sorted(rng.sample(found, limit))
        files.extend(found)
    return sorted(files)


def _walk_candidates(root: Path, starts: list[Path], excludes: tuple[str, ...]) -> Iterator[str]:
    for start in starts:
        if start.is_file():
            walk = [(str(start.parent), [], [start.name])]
        else:
            walk = os.walk(start)
        for dirpath, dirnames, filenames in walk:
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for fn in filenames:
                p = Path(dirpath) / fn
                if _language_of(p) is None:
                    continue
                rel = p.relative_to(root).as_posix()
                if _excluded(rel, excludes):
                    continue
                try:
                    if not p.is_file() or p.stat().st_size > MAX_FILE_BYTES:
                        continue
                except OSError:
                    continue
                yield rel


def include_dirs(root: Path, spec: SourcePackage) -> list[str]:
    """Heuristic include folders of a package: the catalogue's, ``include/``, ``inc/``, ``src/``, the root."""
    if root.is_file():
        return []
    dirs: list[Path] = [root / d for d in spec.include_dirs]
    found: list[tuple[int, str, Path]] = []
    for dirpath, dirnames, _ in os.walk(root):
        depth = len(Path(dirpath).relative_to(root).parts)
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and d != "debian")
        if depth >= 4:
            dirnames[:] = []
        for d in dirnames:
            if d.lower() in INCLUDE_DIR_NAMES:
                found.append((depth, d, Path(dirpath) / d))
    found.sort(key=lambda t: (t[0], str(t[2])))
    dirs.extend(p for _, _, p in found[:MAX_INCLUDE_DIRS])
    dirs.append(root)
    seen: list[str] = []
    for d in dirs:
        s = str(d.resolve())
        if s not in seen and d.is_dir():
            seen.append(s)
    return seen


# ----------------------------------------------------------------------------------------------
# One attempt (runs in a worker)


@dataclass(frozen=True)
class Task:
    """One (file, optimisation level) attempt."""

    package: str
    file: str  # relative to the package root
    path: str  # absolute
    language: str
    opt: str
    opt_flags: tuple[str, ...]
    extra_flags: tuple[str, ...]
    timeout: float
    out: str


def _write_atomic(path: Path, text: str) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _has_omp_pragma(path: str) -> bool:
    try:
        from sklearn_mirencoder.frontend.compile import has_omp_pragma

        return has_omp_pragma(Path(path).read_bytes())
    except Exception:  # noqa: BLE001
        return False


def _label_language(module: Any, language: str) -> str:
    """The language a module is counted under: ``openmp`` for C/C++ compiled with OpenMP."""
    lang = getattr(module, "language", None) or language
    flags = tuple(getattr(module, "flags", ()) or ())
    if lang in ("c", "c++") and any(f.startswith("-fopenmp") for f in flags):
        return "openmp"
    return lang


_PATH_FLAGS = ("-I", "-idirafter", "-include", "-isystem", "-iquote")


def _short_flags(flags: Iterable[str]) -> list[str]:
    """The flags of a module without include paths (which only name folders of this machine)."""
    out: list[str] = []
    skip = False
    for f in flags:
        if skip:
            skip = False
            continue
        if f in _PATH_FLAGS:
            skip = True
            continue
        if f.startswith(_PATH_FLAGS) and f not in ("-include",):
            continue
        out.append(f)
    return out


def run_task(task: Task) -> dict:
    """Compile one file at one level; write its IR; return the manifest record (never raises)."""
    t0 = time.perf_counter()
    rec: dict[str, Any] = {
        "package": task.package,
        "file": task.file,
        "language": task.language,
        "opt": task.opt,
        "compiler": None,
        "flags": None,
        "hash": None,
        "outcome": None,
        "seconds": None,
        "instructions": None,
    }
    try:
        from sklearn_mirencoder.frontend.ir import load_file

        module = load_file(
            task.path,
            language=task.language,
            name=f"{task.package}/{task.file}",
            opt_flags=task.opt_flags,
            extra_flags=task.extra_flags,
            timeout=task.timeout,
        )
        comp = getattr(module, "compiler", None)
        rec["compiler"] = f"{comp.kind} {comp.version}" if comp is not None else None
        rec["flags"] = _short_flags(getattr(module, "flags", ()) or ())
        rec["language"] = _label_language(module, task.language)
        store_module(rec, module.text, task.out)
    except BaseException as exc:  # noqa: BLE001 - every failure is recorded, none is fatal
        record_failure(rec, exc)
        if task.language in ("c", "c++") and _has_omp_pragma(task.path):
            rec["language"] = "openmp"
    rec["seconds"] = round(time.perf_counter() - t0, 4)
    return rec


def store_module(rec: dict, text: str, out: str | os.PathLike) -> None:
    """Fill a manifest record from a module's canonical IR (hash, instructions, bytes,
    outcome) and write the module unless it has no instruction (outcome ``empty``)."""
    h = canonical_hash(text)
    n_inst = count_instructions(text)
    rec.update(hash=h, instructions=n_inst, bytes=len(text.encode("utf-8")))
    if n_inst == 0:
        rec["outcome"] = EMPTY  # declarations only (headers, disabled code): no graph to learn from
    else:
        _write_atomic(module_path(out, h), text)
        rec["outcome"] = "ok"


def record_failure(rec: dict, exc: BaseException) -> None:
    """Record why an attempt failed (outcome: the exception's type); interrupts propagate."""
    if isinstance(exc, (KeyboardInterrupt, SystemExit)):
        raise exc
    rec["outcome"] = type(exc).__name__
    msg = str(exc).strip().splitlines()
    rec["error"] = " | ".join(msg[:3])[:300] if msg else ""


# ----------------------------------------------------------------------------------------------
# Manifest


def read_manifest(out: str | os.PathLike) -> list[dict]:
    """All records of ``OUT/manifest.jsonl`` (a torn last line from a kill is ignored)."""
    path = Path(out) / MANIFEST
    records = []
    if not path.exists():
        return records
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return records


def _repair_manifest(path: Path) -> None:
    """Cut a torn last line (a build killed while writing) so that appends stay valid JSONL."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with open(path, "rb+") as fh:
        fh.seek(-1, os.SEEK_END)
        if fh.read(1) == b"\n":
            return
        data = path.read_bytes()
        cut = data.rfind(b"\n") + 1
        fh.truncate(cut)


# ----------------------------------------------------------------------------------------------
# build


#: Fallback headers, searched after every other folder (``-idirafter``): an empty
#: ``config.h`` lets many files of un-configured packages compile.
STUB_HEADERS = {"config.h": "/* empty: stand-in for a package's generated config.h */\n"}


def _make_stubs(out: Path) -> Path:
    stubs = out / ".stubs"
    stubs.mkdir(parents=True, exist_ok=True)
    for name, text in STUB_HEADERS.items():
        if not (stubs / name).exists():
            (stubs / name).write_text(text)
    return stubs


def _variants(spec: SourcePackage, rel: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(manifest file key, language, extra flags) for each way a file is compiled."""
    lang = _language_of(Path(rel))
    suffix = Path(rel).suffix.lower()
    matches = [(v_lang, tuple(v_flags)) for v_suffix, v_lang, v_flags in spec.variants if v_suffix == suffix]
    if not matches:
        return [(rel, lang, ())]
    if len(matches) == 1:
        return [(rel, matches[0][0], matches[0][1])]
    return [(f"{rel}#{v_lang}", v_lang, v_flags) for v_lang, v_flags in matches]


def _interleave(lists: list[list[Task]]) -> list[Task]:
    """Round-robin over the packages, so that a time-limited build still covers every package."""
    out: list[Task] = []
    iters = [iter(x) for x in lists if x]
    while iters:
        alive = []
        for it in iters:
            t = next(it, None)
            if t is not None:
                out.append(t)
                alive.append(it)
        iters = alive
    return out


def _make_tasks(pkgs: list[PackageDir], opts: list[str], cap: int | None, seed: int,
                timeout: float, out: Path, done: set, log=print, stubs: Path | None = None) -> tuple[list[Task], dict]:
    per_pkg_tasks: list[list[Task]] = []
    per_pkg: dict[str, int] = {}
    for pkg in pkgs:
        files = discover(pkg, cap=cap, seed=seed)
        per_pkg[pkg.name] = len(files)
        if not files:
            continue
        root = pkg.root if pkg.root.is_dir() else pkg.root.parent
        tree = str(root.resolve())
        incs: list[str] | None = None
        tasks: list[Task] = []
        for rel in files:
            for key, lang, v_flags in _variants(pkg.spec, rel):
                levels = [o for o in opts if (pkg.name, key, o) not in done]
                if not levels:
                    continue
                if incs is None:
                    incs = include_dirs(pkg.root, pkg.spec)
                path = (root / rel).resolve()
                # (load_file adds -I for the file's own folder)
                ancestors = [str(a) for a in list(path.parent.parents)[:3] if root.resolve() in a.parents]
                flags = [f"-I{d}" for d in dict.fromkeys(ancestors + incs) if d != str(path.parent)]
                flags.extend(x.replace("{tree}", tree) for x in (*pkg.spec.extra_flags, *v_flags))
                if stubs is not None and lang in ("c", "c++", "cuda"):
                    flags += ["-idirafter", str(stubs.resolve())]
                if lang in ("llvm-ir", "llvm-bc"):
                    flags = []  # IR takes no compiler flags
                for o in levels:
                    tasks.append(Task(pkg.name, key, str(path), lang, o, OPT_LEVELS[o], tuple(flags), timeout, str(out)))
        per_pkg_tasks.append(tasks)
    return _interleave(per_pkg_tasks), per_pkg


def build(
    sources: Iterable[str] = (),
    packages_dir: str | None = None,
    out: str | os.PathLike = "corpus-out",
    opts: Iterable[str] = ("O1", "O0"),
    jobs: int = 2,
    max_files_per_package: int | None = None,
    timeout: float = 20.0,
    seed: int = 0,
    batch_size: int = 200,
    time_limit: float | None = None,
    packages: Iterable[str] | None = None,
    log=print,
) -> Counter:
    """Compile every candidate file at every level; append to the manifest; return outcome counts."""
    from joblib import Parallel, delayed

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    opts = list(dict.fromkeys(opts))
    for o in opts:
        if o not in OPT_LEVELS:
            raise SystemExit(f"unknown --opt {o!r}; choose from {', '.join(OPT_LEVELS)}")
    pkgs = package_dirs(sources, packages_dir)
    if packages:
        wanted = set(packages)
        pkgs = [p for p in pkgs if p.name in wanted]
    manifest_path = out / MANIFEST
    _repair_manifest(manifest_path)
    previous = read_manifest(out)
    done = {(r["package"], r["file"], r["opt"]) for r in previous}
    seen = {r["hash"] for r in previous if r.get("outcome") == "ok" and r.get("hash")}
    stubs = _make_stubs(out)
    tasks, per_pkg = _make_tasks(pkgs, opts, max_files_per_package, seed, timeout, out, done, log, stubs)
    log(f"{len(pkgs)} packages, {sum(per_pkg.values())} candidate files, "
        f"{len(previous)} attempts already in the manifest, {len(tasks)} to run "
        f"({', '.join(opts)}; {jobs} jobs)")
    counts: Counter = Counter()
    if not tasks:
        return counts
    t0 = time.time()
    stopped = False
    with open(manifest_path, "a", encoding="utf-8") as fh, Parallel(n_jobs=jobs, return_as="generator",
                                                                     batch_size=1, pre_dispatch="2*n_jobs") as parallel:
        for start in range(0, len(tasks), batch_size):
            if time_limit is not None and time.time() - t0 > time_limit:
                stopped = True
                break
            batch = tasks[start:start + batch_size]
            append_records(fh, parallel(delayed(run_task)(t) for t in batch), seen, counts)
            n = start + len(batch)
            el = time.time() - t0
            eta = el / n * (len(tasks) - n)
            summary = ", ".join(f"{k} {v}" for k, v in counts.most_common())
            log(f"[{n}/{len(tasks)}] {el:.0f}s elapsed, ~{eta:.0f}s left; last {batch[-1].package}: {summary}")
            sys.stdout.flush()
    if stopped:
        log(f"stopped after {time.time() - t0:.0f}s (--time-limit); run again to resume")
    log(f"done in {time.time() - t0:.0f}s: " + ", ".join(f"{k} {v}" for k, v in counts.most_common()))
    return counts


def append_records(fh, records: Iterable[dict], seen: set, counts: Counter) -> None:
    """Append attempts to an open manifest and make them durable: a module whose hash is in
    ``seen`` becomes a ``duplicate``; ``seen`` and the outcome ``counts`` are updated."""
    for rec in records:
        if rec["outcome"] == "ok":
            if rec["hash"] in seen:
                rec["outcome"] = "duplicate"
            else:
                seen.add(rec["hash"])
        counts[rec["outcome"]] += 1
        fh.write(json.dumps(rec, sort_keys=True) + "\n")
    fh.flush()
    os.fsync(fh.fileno())


# ----------------------------------------------------------------------------------------------
# split


def module_path(out: str | os.PathLike, h: str) -> Path:
    """Where a built corpus keeps the module of hash ``h``: ``OUT/ir/<h[:2]>/<h>.ll``."""
    return Path(out) / "ir" / h[:2] / f"{h}.ll"


def _manifest_text(records) -> str:
    """Manifest records as JSON lines (the format of ``OUT/manifest.jsonl``)."""
    return "".join(json.dumps(r, sort_keys=True) + "\n" for r in records)


def _modules(records: list[dict]) -> list[dict]:
    """The records that introduced a distinct module (outcome ``ok``), one per hash."""
    seen = set()
    mods = []
    for r in records:
        if r.get("outcome") == "ok" and r.get("hash") and r["hash"] not in seen:
            seen.add(r["hash"])
            mods.append(r)
    return mods


def split(out: str | os.PathLike, val_fraction: float = 0.1, seed: int = 0, log=print) -> dict:
    """Split packages into train and validation (by package), keeping every language in train."""
    out = Path(out)
    records = read_manifest(out)
    mods = _modules(records)
    if not mods:
        raise SystemExit(f"{out}: no compiled module in the manifest; run build first")
    per_pkg: dict[str, int] = Counter(m["package"] for m in mods)
    langs_pkg: dict[str, Counter] = defaultdict(Counter)
    for m in mods:
        langs_pkg[m["package"]][m["language"]] += 1
    total = len(mods)
    target = val_fraction * total
    order = sorted(per_pkg)
    random.Random(seed).shuffle(order)
    lang_train = Counter()
    for p in per_pkg:
        for lang in langs_pkg[p]:
            lang_train[lang] += 1  # number of packages carrying the language
    val: list[str] = []
    val_n = 0
    if len(order) > 1 and val_fraction > 0:
        for p in order:
            if val_n >= target:
                break
            n = per_pkg[p]
            if val_n + n > max(target * 1.5, 1) and val:
                continue  # would overshoot: a smaller package may fit
            if val_n + n > max(target * 1.5, 1) and n > total * 0.5:
                continue  # never a package holding half the corpus
            if any(lang_train[lang] <= 1 for lang in langs_pkg[p]):
                continue  # the only package of a language stays in train
            if len(val) + 1 >= len(order):
                break
            val.append(p)
            val_n += n
            for lang in langs_pkg[p]:
                lang_train[lang] -= 1
    train = sorted(p for p in per_pkg if p not in val)
    val = sorted(val)
    all_pkgs = sorted({r["package"] for r in records})
    no_module = [p for p in all_pkgs if p not in per_pkg]

    def langs(ps):
        c = Counter()
        for p in ps:
            c.update(langs_pkg[p])
        return dict(sorted(c.items()))

    result = {
        "seed": seed,
        "val_fraction": val_fraction,
        "by": "package",
        "train": train,
        "val": val,
        "packages_without_modules": no_module,
        "counts": {
            "train": {"packages": len(train), "modules": sum(per_pkg[p] for p in train), "languages": langs(train)},
            "val": {"packages": len(val), "modules": sum(per_pkg[p] for p in val), "languages": langs(val)},
        },
    }
    (out / SPLIT).write_text(json.dumps(result, indent=2) + "\n")
    c = result["counts"]
    log(f"train: {c['train']['packages']} packages, {c['train']['modules']} modules {c['train']['languages']}")
    log(f"val:   {c['val']['packages']} packages, {c['val']['modules']} modules {c['val']['languages']}")
    log(f"val packages: {', '.join(val) or '-'}")
    missing = set(langs(per_pkg)) - set(langs(train))
    if missing:
        log(f"warning: languages missing from train: {sorted(missing)}")
    return result


# ----------------------------------------------------------------------------------------------
# stats


def stats(out: str | os.PathLike, log=print) -> dict:
    """Per language and per package: files tried, compiled, distinct modules, instructions."""
    out = Path(out)
    records = read_manifest(out)
    if not records:
        raise SystemExit(f"{out}: empty or missing manifest")

    def table(key):
        files: dict[str, set] = defaultdict(set)
        compiled: dict[str, set] = defaultdict(set)
        modules: Counter = Counter()
        insts: Counter = Counter()
        attempts: dict[str, Counter] = defaultdict(Counter)
        ok_lang: dict[tuple, str] = {}
        # a file's language: the one of its first compiled record, else of its first record
        file_lang: dict[tuple, str] = {}
        for r in records:
            fk = (r["package"], r["file"])
            file_lang.setdefault(fk, r["language"])
        for r in records:
            if r["outcome"] in _OK_OUTCOMES:
                fk = (r["package"], r["file"])
                if fk not in ok_lang:
                    ok_lang[fk] = r["language"]
        file_lang.update(ok_lang)
        for r in records:
            fk = (r["package"], r["file"])
            k = key(r, file_lang[fk])
            files[k].add(fk)
            attempts[k][r["outcome"]] += 1
            if r["outcome"] in _COMPILED:
                compiled[k].add(fk)
            if r["outcome"] == "ok":
                modules[k] += 1
                insts[k] += r.get("instructions") or 0
        rows = {}
        for k in sorted(files):
            rows[k] = {
                "files_tried": len(files[k]),
                "files_compiled": len(compiled[k]),
                "modules": modules[k],
                "instructions": insts[k],
                "attempts": dict(attempts[k].most_common()),
            }
        return rows

    by_lang = table(lambda r, fl: fl)
    by_pkg = table(lambda r, fl: r["package"])
    pkg_langs: dict[str, Counter] = defaultdict(Counter)
    for r in records:
        if r["outcome"] == "ok":
            pkg_langs[r["package"]][r["language"]] += 1
    for p, row in by_pkg.items():
        row["languages"] = dict(sorted(pkg_langs[p].items()))
    outcomes = Counter(r["outcome"] for r in records)
    per_opt = Counter(r["opt"] for r in records if r["outcome"] == "ok")
    totals = {
        "attempts": len(records),
        "files_tried": len({(r["package"], r["file"]) for r in records}),
        "files_compiled": len({(r["package"], r["file"]) for r in records if r["outcome"] in _COMPILED}),
        "modules": sum(1 for r in records if r["outcome"] == "ok"),
        "instructions": sum(r.get("instructions") or 0 for r in records if r["outcome"] == "ok"),
        "packages": len(by_pkg),
        "packages_with_modules": sum(1 for v in by_pkg.values() if v["modules"]),
        "outcomes": dict(outcomes.most_common()),
        "modules_by_opt": dict(sorted(per_opt.items())),
        "seconds": round(sum(r.get("seconds") or 0 for r in records), 1),
    }
    compilers = Counter(r["compiler"] for r in records if r.get("compiler"))
    result = {"totals": totals, "compilers": dict(compilers), "by_language": by_lang, "by_package": by_pkg}
    (out / STATS).write_text(json.dumps(result, indent=2) + "\n")
    log(markdown_tables(result))
    return result


def markdown_tables(result: dict) -> str:
    """The stats as two markdown tables (per language, per package) and a totals line."""
    lines = []

    def emit(title, rows, extra=False):
        head = f"| {title} | files tried | compiled | distinct modules | instructions |" + (" languages |" if extra else "")
        lines.append(head)
        lines.append("|---|---:|---:|---:|---:|" + ("---|" if extra else ""))
        for k, v in rows.items():
            line = f"| {k} | {v['files_tried']} | {v['files_compiled']} | {v['modules']} | {v['instructions']} |"
            if extra:
                line += " " + ", ".join(f"{a} {b}" for a, b in v.get("languages", {}).items()) + " |"
            lines.append(line)
        lines.append("")

    t = result["totals"]
    emit("language", result["by_language"])
    emit("package", result["by_package"], extra=True)
    lines.append(
        f"**Total**: {t['files_tried']} files tried, {t['files_compiled']} compiled, "
        f"{t['modules']} distinct modules ({', '.join(f'{k} {v}' for k, v in t['modules_by_opt'].items())}), "
        f"{t['instructions']} instructions, from {t['packages_with_modules']} of {t['packages']} packages."
    )
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# pack


def pack(out: str | os.PathLike, to: str | os.PathLike, which: str = "all", max_bytes: int = 60 * 2**20,
         log=print) -> dict:
    """Pack the distinct modules of a split, the manifest and the split into one ``.tar.xz``.

    When the archive is over ``max_bytes``, the largest modules are dropped first and the
    archive is written again; the number dropped is reported (and stored in ``pack.json``).
    """
    out = Path(out)
    to = Path(to)
    records = read_manifest(out)
    mods = _modules(records)
    split_path = out / SPLIT
    split_info = json.loads(split_path.read_text()) if split_path.exists() else None
    if which != "all":
        if split_info is None:
            raise SystemExit(f"{split_path} missing: run `split` first or pack --split all")
        keep = set(split_info[which])
        mods = [m for m in mods if m["package"] in keep]
    entries = []
    # modules of one package and file side by side: xz finds their common text (about 10% smaller)
    mods = sorted(mods, key=lambda m: (m["package"], m["file"], m["opt"]))
    for m in mods:
        p = module_path(out, m["hash"])
        if p.exists():
            entries.append((m["hash"], p, p.stat().st_size))
    missing = len(mods) - len(entries)
    dropped: list[str] = _drop_estimate(entries, records, max_bytes)
    to.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(6):
        gone = set(dropped)
        kept = [e for e in entries if e[0] not in gone]
        info = {
            "split": which,
            "modules": len(kept),
            "dropped_largest": len(dropped),
            "missing_files": missing,
            "raw_bytes": sum(e[2] for e in kept),
            "max_bytes": max_bytes,
        }
        _write_tar(to, out, kept, info, records, split_info, which)
        size = to.stat().st_size
        if size <= max_bytes:
            break
        # drop the largest modules so that the raw size shrinks in proportion, with margin
        ratio = size / max(info["raw_bytes"], 1)
        target_raw = max_bytes / ratio * 0.95
        raw = info["raw_bytes"]
        for h, _, sz in sorted(kept, key=lambda e: -e[2]):
            if raw <= target_raw:
                break
            dropped.append(h)
            raw -= sz
    info["bytes"] = to.stat().st_size
    log(f"{to}: {info['bytes'] / 2**20:.1f} MiB, {info['modules']} modules ({which}), "
        f"{info['raw_bytes'] / 2**20:.1f} MiB of IR text"
        + (f"; dropped the {len(dropped)} largest modules to stay under {max_bytes / 2**20:.0f} MiB" if dropped else "")
        + (f"; {missing} module files missing" if missing else ""))
    if info["bytes"] > max_bytes:
        log(f"warning: still over {max_bytes} bytes")
    return info


def _drop_estimate(entries, records, max_bytes: int, sample: int = 300) -> list[str]:
    """The largest modules to drop so that the archive should fit, from a sample's xz ratio.

    Saves writing a too-large archive first; :func:`pack` still checks the real size.
    """
    if not entries:
        return []
    rng = random.Random(0)
    picked = rng.sample(entries, min(sample, len(entries)))
    raw = b"".join(p.read_bytes() for _, p, _ in picked)
    ratio = len(lzma.compress(raw, preset=6)) / max(len(raw), 1)
    manifest = _manifest_text(records).encode()
    fixed = len(lzma.compress(manifest, preset=6)) + 4096
    total = sum(e[2] for e in entries)
    budget = (max_bytes * 0.97 - fixed) / ratio
    dropped = []
    for h, _, sz in sorted(entries, key=lambda e: -e[2]):
        if total <= budget:
            break
        dropped.append(h)
        total -= sz
    return dropped


def _xz_writer(path: Path):
    """A binary file object that xz-compresses into ``path`` (the xz tool with 2 threads, else lzma)."""
    exe = shutil.which("xz")
    if exe is None:
        return lzma.open(path, "wb", preset=6), None
    fh = open(path, "wb")
    proc = subprocess.Popen([exe, "-6", "-T2", "-c"], stdin=subprocess.PIPE, stdout=fh)
    fh.close()
    return proc.stdin, proc


def _write_tar(to: Path, out: Path, kept, info, records, split_info, which) -> None:
    tmp = to.with_name(to.name + ".tmp")
    keep_hashes = {h for h, _, _ in kept}
    if which == "all":
        manifest_records = records
    else:
        pk = set(split_info[which])
        manifest_records = [r for r in records if r["package"] in pk]
    manifest_records = [r for r in manifest_records if r.get("outcome") != "ok" or r.get("hash") in keep_hashes]
    xz, proc = _xz_writer(tmp)
    with xz, tarfile.open(fileobj=xz, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        def add_bytes(name, data):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mtime = 0
            tar.addfile(ti, io.BytesIO(data))

        add_bytes("corpus/manifest.jsonl", _manifest_text(manifest_records).encode())
        if split_info is not None:
            add_bytes("corpus/split.json", (json.dumps(split_info, indent=2) + "\n").encode())
        if (out / STATS).exists():
            add_bytes("corpus/stats.json", (out / STATS).read_bytes())
        add_bytes("corpus/pack.json", (json.dumps(info, indent=2) + "\n").encode())
        for h, p, _ in kept:
            add_bytes(f"corpus/ir/{h[:2]}/{h}.ll", p.read_bytes())
    if proc is not None and proc.wait() != 0:
        raise RuntimeError(f"xz failed with status {proc.returncode}")
    os.replace(tmp, to)


# ----------------------------------------------------------------------------------------------
# fetch


def _strip_top(name: str, top: str | None) -> str:
    name = name[2:] if name.startswith("./") else name
    if top is None:
        return name
    parts = name.split("/", 1)
    return parts[1] if len(parts) == 2 and parts[0] == top else ""


def _common_top(names: list[str]) -> str | None:
    """The single top folder all members share (``pkg-1.0``), or None."""
    tops = {(n[2:] if n.startswith("./") else n).split("/", 1)[0] for n in names}
    tops.discard("")
    tops.discard(".")
    if len(tops) == 1:
        top = tops.pop()
        if any((n[2:] if n.startswith("./") else n).startswith(top + "/") for n in names):
            return top
    return None


def _extract(tar: tarfile.TarFile, dest: Path, patterns: tuple[str, ...], streaming: bool) -> int:
    n = 0
    dest_res = dest.resolve()
    if streaming:
        members: Iterable[tarfile.TarInfo] = tar
        top = None
        first = True
    else:
        members = tar.getmembers()
        top = _common_top([m.name for m in members])
        first = False
    for member in members:
        if first:
            # streaming: the first member names the top folder (pkg-1.0/...), if there is one
            head = (member.name[2:] if member.name.startswith("./") else member.name).split("/", 1)[0]
            top = head if (member.isdir() or "/" in member.name.strip("/")) and head not in ("", ".") else None
            first = False
        if not (member.isfile() or member.isdir()):
            continue
        rel = _strip_top(member.name, top)
        if not rel or rel.startswith("/") or ".." in rel.split("/"):
            continue
        if patterns and not any(fnmatch.fnmatch(rel, p) for p in patterns):
            continue
        target = dest / rel
        if not str(target.resolve()).startswith(str(dest_res)):
            continue
        if member.isdir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        src = tar.extractfile(member)
        if src is None:
            continue
        with open(target, "wb") as fh:
            shutil.copyfileobj(src, fh)
        os.chmod(target, 0o755 if member.mode & 0o111 else 0o644)  # configure scripts stay runnable
        n += 1
    return n


def unpack(pkg_dir: Path, spec: SourcePackage, log=print) -> Path:
    """Unpack the upstream tarball of a downloaded package into ``pkg_dir/tree`` (its catalogue part)."""
    tree = pkg_dir / PACKAGE_TREE
    marker = pkg_dir / ".unpacked"
    if marker.exists() and tree.is_dir():
        return tree
    origs = sorted(p for p in pkg_dir.iterdir()
                   if ".orig.tar." in p.name and not p.name.endswith(".asc") and ".orig-" not in p.name)
    if not origs:
        # native package: the .tar.* itself
        origs = sorted(p for p in pkg_dir.iterdir()
                       if re.search(r"\.tar\.(gz|xz|bz2|zst)$", p.name) and ".debian." not in p.name)
    if not origs:
        raise RuntimeError(f"{pkg_dir}: no source tarball downloaded")
    if tree.exists():
        shutil.rmtree(tree)
    tree.mkdir(parents=True)
    orig = origs[0]
    if spec.inner:
        n = 0
        with tarfile.open(orig, "r:*") as outer:
            for member in outer:
                if member.isfile() and fnmatch.fnmatch(member.name, spec.inner):
                    with tarfile.open(fileobj=outer.extractfile(member), mode="r|*") as inner:  # streamed: large
                        n = _extract(inner, tree, spec.extract, True)
                    break
        if n == 0:
            raise RuntimeError(f"{orig}: found nothing matching {spec.inner} / {spec.extract}")
    else:
        with tarfile.open(orig, "r:*") as tar:
            n = _extract(tar, tree, spec.extract, False)
    log(f"{spec.name}: unpacked {n} files from {orig.name}")
    marker.write_text(orig.name + "\n")
    return tree


def generate_csmith(tree: Path, count: int, log=print) -> int:
    """Generate ``count`` csmith programs (seeds 1..count) into ``tree/generated``."""
    exe = shutil.which("csmith")
    if exe is None:
        log("csmith: installing the csmith binary with apt-get")
        subprocess.run(["apt-get", "install", "-y", "-q", "csmith"], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        exe = shutil.which("csmith")
        if exe is None:
            log("csmith: no csmith binary; skipped generation")
            return 0
    gen = tree / "generated"
    gen.mkdir(parents=True, exist_ok=True)
    made = 0
    for seed in range(1, count + 1):
        path = gen / f"csmith-{seed:05d}.c"
        if path.exists():
            continue
        try:
            r = subprocess.run([exe, "--seed", str(seed), "--max-funcs", "6", "-o", str(path)],
                               capture_output=True, timeout=30)
        except subprocess.TimeoutExpired:
            path.unlink(missing_ok=True)
            continue
        if r.returncode != 0:
            path.unlink(missing_ok=True)
            continue
        made += 1
    log(f"csmith: {made} new programs in {gen}")
    return made


def prepare(pkg_dir: Path, spec: SourcePackage, timeout: float = 900.0, log=print) -> bool:
    """Run the catalogue's ``prepare`` command once in the unpacked tree (``CC`` = the front end's clang)."""
    marker = pkg_dir / ".prepared"
    if not spec.prepare or marker.exists():
        return True
    env = dict(os.environ)
    try:
        from sklearn_mirencoder.frontend.compile import find_compiler

        env["CC"] = find_compiler().path
    except Exception:  # noqa: BLE001 - configure finds a compiler itself
        env.setdefault("CC", "cc")
    t0 = time.time()
    try:
        r = subprocess.run(["sh", "-c", spec.prepare], cwd=pkg_dir / PACKAGE_TREE, env=env, capture_output=True,
                           text=True, timeout=timeout)
        rc, text = r.returncode, r.stdout + r.stderr
    except subprocess.TimeoutExpired as exc:
        rc, text = -1, f"timed out after {timeout}s: {exc}"
    (pkg_dir / "prepare.log").write_text(f"$ {spec.prepare}\n{text}\nrc={rc}\n")
    log(f"{spec.name}: prepare {'ok' if rc == 0 else f'failed (rc={rc}, see prepare.log)'} in {time.time() - t0:.0f}s")
    marker.write_text(f"rc={rc}\n")
    return rc == 0


def fetch(packages: Iterable[str], dest: str | os.PathLike, generate: int = 500, jobs: int = 2,
          log=print) -> dict:
    """``apt-get source --download-only`` each package into ``DEST/<pkg>/`` and unpack it (idempotent)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    status = {}
    for name in packages:
        spec = get_package(name)
        pdir = dest / name
        pdir.mkdir(exist_ok=True)
        have = any(".orig.tar." in p.name or re.search(r"\.tar\.(gz|xz|bz2)$", p.name) for p in pdir.iterdir())
        if not have:
            log(f"{name}: apt-get source --download-only")
            r = subprocess.run(["apt-get", "source", "--download-only", "-q", name], cwd=pdir,
                               capture_output=True, text=True)
            (pdir / "fetch.log").write_text(r.stdout + r.stderr)
            have = any(".orig.tar." in p.name for p in pdir.iterdir())
            if not have:
                err = [ln for ln in (r.stdout + r.stderr).splitlines() if ln.startswith(("E:", "Err"))]
                log(f"{name}: download failed: {' | '.join(err[:2])}")
                status[name] = "download failed"
                continue
        try:
            unpack(pdir, spec, log=log)
        except (RuntimeError, tarfile.TarError, OSError) as exc:
            log(f"{name}: unpack failed: {exc}")
            status[name] = "unpack failed"
            continue
        status[name] = "ok"
    # prepare (configure...) in parallel: most of its time is spent in shell scripts
    from concurrent.futures import ThreadPoolExecutor

    ready = [n for n, v in status.items() if v == "ok"]
    if shutil.which("m4") is None and any(get_package(n).prepare and "m4" in get_package(n).prepare for n in ready):
        subprocess.run(["apt-get", "install", "-y", "-q", "m4"], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with ThreadPoolExecutor(max(1, jobs)) as ex:
        list(ex.map(lambda n: prepare(dest / n, get_package(n), log=log), ready))
    for n in ready:
        if get_package(n).generate == "csmith":
            generate_csmith(dest / n / PACKAGE_TREE, generate, log=log)
    return status


def subset(
    sources: list[str | os.PathLike],
    out: str | os.PathLike,
    *,
    train: int,
    val: int,
    keep_languages: tuple[str, ...] = (),
    max_bytes: int | None = None,
    link: bool = True,
    log=print,
) -> dict:
    """A smaller corpus from one or more built ones (e.g. the main corpus and an ``-O2`` addition).

    The first source's ``split.json`` says which packages are validation ones (a package it does
    not name goes to train).  In each split, every module of ``keep_languages`` is taken, then
    other modules evenly spaced in hash order until ``train`` (``val``) modules; modules whose
    IR is over ``max_bytes`` are never taken.  The IR files are symlinked (``link``) or copied
    into ``OUT/ir``; ``OUT/manifest.jsonl`` holds the chosen modules' records and
    ``OUT/split.json`` the split.  Deterministic: no randomness beyond the hashes.
    """
    out = Path(out)
    sources = [Path(s) for s in sources]
    split_file = sources[0] / "split.json"
    if not split_file.is_file():
        raise SystemExit(f"{sources[0]}: no split.json; run split first")
    val_pkgs = set(json.loads(split_file.read_text(encoding="utf-8"))["val"])
    pools: dict[str, list[tuple[dict, Path]]] = {"train": [], "val": []}
    seen: set[str] = set()
    for src in sources:
        for r in _modules(read_manifest(src)):
            f = module_path(src, r["hash"])
            if r["hash"] in seen or not f.is_file() or (max_bytes and f.stat().st_size > max_bytes):
                continue
            seen.add(r["hash"])
            pools["val" if r["package"] in val_pkgs else "train"].append((r, f))
    chosen: dict[str, list[tuple[dict, Path]]] = {}
    for name, want in (("train", train), ("val", val)):
        pool = sorted(pools[name], key=lambda rf: rf[0]["hash"])
        kept = [rf for rf in pool if rf[0].get("language") in keep_languages]
        rest = [rf for rf in pool if rf[0].get("language") not in keep_languages]
        k = max(0, min(len(rest), want - len(kept)))
        if k:
            kept += [rest[int(i * len(rest) / k)] for i in range(k)]
        chosen[name] = kept
    if (out / "ir").exists():
        shutil.rmtree(out / "ir")
    records = []
    for name, rows in chosen.items():
        for r, f in rows:
            dst = module_path(out, r["hash"])
            dst.parent.mkdir(parents=True, exist_ok=True)
            if link:
                os.symlink(f.resolve(), dst)
            else:
                shutil.copyfile(f, dst)
            records.append(r)
    (out / MANIFEST).write_text(_manifest_text(records), encoding="utf-8")
    pkgs = {name: sorted({r["package"] for r, _ in rows}) for name, rows in chosen.items()}
    counts = {name: dict(Counter(r.get("language") for r, _ in rows)) for name, rows in chosen.items()}
    (out / SPLIT).write_text(json.dumps({**pkgs, "by": "package", "from": [str(s) for s in sources],
                                                "counts": counts}, indent=1, sort_keys=True))
    for name in chosen:
        log(f"{name}: {len(chosen[name])} modules from {len(pkgs[name])} packages {counts[name]}")
    return counts


# ----------------------------------------------------------------------------------------------
# CLI


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m pretrain.corpus", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)

    f = sub.add_parser("fetch", help="download and unpack Debian source packages")
    f.add_argument("packages", nargs="*", help="source package names (default: the whole catalogue)")
    f.add_argument("--dest", required=True)
    f.add_argument("--generate", type=int, default=500, help="csmith programs to generate (default 500)")
    f.add_argument("--jobs", type=int, default=2, help="prepare (configure) steps run at once")

    b = sub.add_parser("build", help="compile candidate files into distinct IR modules")
    b.add_argument("--sources", nargs="*", default=[], help="folders (or files) of programs, each a package")
    b.add_argument("--packages-dir", help="a folder whose sub-folders are packages (as made by fetch)")
    b.add_argument("--packages", nargs="*", help="only these packages")
    b.add_argument("--out", required=True)
    b.add_argument("--opt", action="append", choices=sorted(OPT_LEVELS), help="repeatable; default O1 and O0")
    b.add_argument("--jobs", type=int, default=2)
    b.add_argument("--max-files-per-package", type=int, default=600)
    b.add_argument("--timeout", type=float, default=20.0, help="seconds per compile")
    b.add_argument("--seed", type=int, default=0, help="seed of the per-package file sample")
    b.add_argument("--batch-size", type=int, default=200)
    b.add_argument("--time-limit", type=float, help="stop starting new batches after this many seconds")

    s = sub.add_parser("split", help="train/validation split by package")
    s.add_argument("out")
    s.add_argument("--val-fraction", type=float, default=0.1)
    s.add_argument("--seed", type=int, default=0)

    t = sub.add_parser("stats", help="per-language and per-package counts (markdown)")
    t.add_argument("out")

    u = sub.add_parser("subset", help="a smaller corpus from one or more built ones (symlinks by default)")
    u.add_argument("sources", nargs="+", help="built corpus folders; the first one's split.json is used")
    u.add_argument("--out", required=True)
    u.add_argument("--train", type=int, required=True, help="train modules wanted")
    u.add_argument("--val", type=int, required=True, help="validation modules wanted")
    u.add_argument("--keep-language", action="append", default=[], help="take every module of it (repeatable)")
    u.add_argument("--max-bytes", type=int, default=None, help="never take IR larger than this")
    u.add_argument("--copy", action="store_true", help="copy the IR files instead of symlinking them")

    h = sub.add_parser("hub", help="add the modules of a Hub dataset of LLVM IR (Parquet; e.g. ComPile)")
    h.add_argument("repo", nargs="?", default="llvm-ml/ComPile", help="dataset repository id (default llvm-ml/ComPile)")
    h.add_argument("--out", required=True)
    h.add_argument("--revision", help="branch, tag or commit (pin a commit to reproduce a corpus)")
    h.add_argument("--shard", action="append", help="a dataset file to read (repeatable; default: every match of --pattern)")
    h.add_argument("--pattern", default="*.parquet", help="which dataset files to list (default *.parquet)")
    h.add_argument("--language", action="append", help="keep rows of this language only (repeatable), e.g. c, c++")
    h.add_argument("--limit", type=int, help="stop after this many rows attempted")
    h.add_argument("--content-column", default="content")
    h.add_argument("--language-column", default="language", help="'' for none")
    h.add_argument("--package-column", default="package_source", help="'' for none (the repository id is the package)")
    h.add_argument("--license-column", default="license_expression", help="recorded as license when present")
    h.add_argument("--local-files-only", action="store_true", help="use the Hugging Face cache only (needs --shard)")
    h.add_argument("--jobs", type=int, default=2)

    p = sub.add_parser("pack", help="pack the distinct modules into one .tar.xz")
    p.add_argument("out")
    p.add_argument("--to", required=True)
    p.add_argument("--split", choices=("train", "val", "all"), default="all")
    p.add_argument("--max-bytes", type=int, default=60 * 2**20)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.cmd == "fetch":
        from .sources import DEFAULT_PACKAGES

        status = fetch(args.packages or DEFAULT_PACKAGES, args.dest, generate=args.generate, jobs=args.jobs)
        bad = [k for k, v in status.items() if v != "ok"]
        print(f"{len(status) - len(bad)} packages ready in {args.dest}" + (f"; failed: {', '.join(bad)}" if bad else ""))
        return 0
    if args.cmd == "build":
        if not args.sources and not args.packages_dir:
            raise SystemExit("build: give --sources and/or --packages-dir")
        cap = args.max_files_per_package if args.max_files_per_package and args.max_files_per_package > 0 else None
        build(args.sources, args.packages_dir, args.out, opts=args.opt or ["O1", "O0"], jobs=args.jobs,
              max_files_per_package=cap, timeout=args.timeout, seed=args.seed, batch_size=args.batch_size,
              time_limit=args.time_limit, packages=args.packages)
        return 0
    if args.cmd == "split":
        split(args.out, val_fraction=args.val_fraction, seed=args.seed)
        return 0
    if args.cmd == "stats":
        stats(args.out)
        return 0
    if args.cmd == "subset":
        subset(args.sources, args.out, train=args.train, val=args.val, keep_languages=tuple(args.keep_language),
               max_bytes=args.max_bytes, link=not args.copy)
        return 0
    if args.cmd == "hub":
        from .hub_corpus import build_from_hub

        build_from_hub(args.repo, args.out, revision=args.revision, shards=args.shard, pattern=args.pattern,
                       languages=args.language, limit=args.limit, content_column=args.content_column,
                       language_column=args.language_column or None, package_column=args.package_column or None,
                       license_column=args.license_column or None,
                       local_files_only=args.local_files_only, jobs=args.jobs)
        return 0
    if args.cmd == "pack":
        pack(args.out, args.to, which=args.split, max_bytes=args.max_bytes)
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
