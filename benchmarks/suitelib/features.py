"""The suite's feature sets: one matrix per set, one row per program of a task.

Every function takes the task's programs (:class:`~suitelib.core.Program`, canonical IR text
or a failure) and returns a float32 matrix with one row per program; a program the set
cannot describe (no IR, or a tool that rejects it) gets a row of NaN.  Results are cached on
disk under ``cache_dir`` so a rerun costs a file read.

Sets
----
``bag of IR words``
    log1p counts of the normalised IR words and word bigrams
    (``ir_words(normalize_ir(ir))``, as ``benchmarks/devmap.py``'s bag of tokens), the terms
    seen in at least 2 of the task's programs, at most :data:`BAG_MAX_TERMS` (the most
    frequent).  The vocabulary is fitted on all the task's programs at once: unsupervised
    (no label is read), so no label leaks from the test folds, but the test programs' words
    do decide which columns exist.
``opcode counts``
    log1p counts of the instruction opcodes (``op:load``) and of the instructions' result
    types (``type:float``, named structs folded into ``type:%struct``) over the whole
    module, *not* normalised per program: program size stays visible to the heads.
``IR2Vec``
    IR2Vec 2.1.1 flow-aware program vectors (``initEmbedding(path, "fa", "p")``), run by a
    separate Python that can import ``ir2vec`` (``scripts/ir2vec_venv.sh`` makes one).  Its
    own LLVM is older than ours and rejects some LLVM 22 syntax: a program it rejects gets
    a NaN row (the batch restarts after it), never an exception; the LLVM 18+ attributes
    and flags it cannot read are dropped first (:func:`ir2vec_compatible`).  A task may give IR2Vec
    another text of a program (``task.meta["ir2vec_input"][id]``, e.g. the dataset's own
    older IR).
``<model>`` (MIREncoder)
    the ``both`` vector of a saved model folder through ``MIRTransformer(input="content",
    language="llvm-ir", modality="both", errors="nan", cache=<cache_dir>/embeddings)``
    (cached per weights digest), and its parts: ``<model> text`` (first ``hidden``
    columns), ``<model> graph`` (next ``2*hidden``), ``<model> fused`` (the rest) and
    ``<model> text+graph`` (all but the fused part); ``hidden`` from the folder's
    ``config.json``.

:func:`jittered` (used by ``benchmarks/resolution.py``, not a set of the suite)
    a matrix with every value multiplied by ``1 + scale x N(0, 1)`` (a fixed seed): the same
    vectors but for their last bits, to measure how far a task's scores move with them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from typing import Callable, Mapping, NamedTuple, Sequence

import numpy as np

from .core import Program, text_digest

__all__ = [
    "BAG", "OPCODES", "IR2VEC", "BASELINES", "PARTS", "BAG_MAX_TERMS", "MIN_COVERAGE",
    "bag_of_ir_words", "opcode_counts", "ir2vec_features", "mirencoder_both", "model_hidden", "split_parts",
    "jittered", "JITTER_SCALE",
    "build_features",
]

BAG, OPCODES, IR2VEC = "bag of IR words", "opcode counts", "IR2Vec"
#: The non-MIREncoder feature sets, in table order.
BASELINES = (BAG, OPCODES, IR2VEC)
#: Suffixes of a model's parts (the empty one is the full ``both`` vector).
PARTS = ("", " text", " graph", " fused", " text+graph")
BAG_MAX_TERMS = 4096
#: The default relative scale of :func:`jittered`.
JITTER_SCALE = 1e-6
#: A set describing fewer than this share of a task's programs (with IR) is left out of the
#: task, with a note: tasks evaluate only rows every set describes.
MIN_COVERAGE = 0.75

Log = Callable[..., None]


def _quiet(*_a, **_k) -> None:
    return None


# ============================================================================ caching


def _key(programs: Sequence[Program], *extra: str) -> str:
    return text_digest(*extra, *(f"{p.id}\x01{p.ir or ''}" for p in programs))


def _cached_matrix(cache_dir: Path, kind: str, key: str, compute: Callable[[], tuple[np.ndarray, dict]]):
    """``compute()`` once per key; the matrix and its info dict live in ``<cache_dir>/features``."""
    path = Path(cache_dir) / "features" / f"{kind}-{key}.npz"
    if path.is_file():
        with np.load(path, allow_pickle=False) as z:
            return z["X"], json.loads(str(z["info"]))
    X, info = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp.npz")
    np.savez_compressed(tmp, X=X, info=np.asarray(json.dumps(info)))
    os.replace(tmp, path)
    return X, info


def _rows(programs: Sequence[Program], described: Mapping[int, np.ndarray], width: int) -> np.ndarray:
    X = np.full((len(programs), width), np.nan, dtype=np.float32)
    for i, v in described.items():
        X[i] = v
    return X


# ============================================================================ bag of IR words


def _words(ir: str) -> str:
    from sklearn_mirencoder.frontend.tokens import ir_words, normalize_ir

    return " ".join(ir_words(normalize_ir(ir)))


def bag_of_ir_words(programs: Sequence[Program], cache_dir: Path) -> tuple[np.ndarray, dict]:
    """log1p counts of normalised IR words and bigrams (see the module docstring)."""

    def compute():
        from sklearn.feature_extraction.text import CountVectorizer

        idx = [i for i, p in enumerate(programs) if p.ir is not None]
        if len(idx) < 2:
            return np.full((len(programs), 1), np.nan, np.float32), {"terms": 0}
        vec = CountVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False, ngram_range=(1, 2),
                              min_df=2, max_features=BAG_MAX_TERMS, dtype=np.float32)
        counts = np.log1p(vec.fit_transform([_words(programs[i].ir) for i in idx]).toarray())
        return _rows(programs, dict(zip(idx, counts)), counts.shape[1]), {"terms": int(counts.shape[1])}

    return _cached_matrix(cache_dir, "bag", _key(programs, "bag-v1", str(BAG_MAX_TERMS)), compute)


# ============================================================================ opcode counts


def _type_word(ty: str) -> str:
    return "%struct" if ty.startswith("%") else ty


def opcode_histogram(ir: str) -> dict[str, int]:
    """Counts of ``op:<opcode>`` and ``type:<result type>`` over a module's instructions."""
    from collections import Counter

    from sklearn_mirencoder.frontend.irtext import read_module

    c: Counter = Counter()
    for f in read_module(ir).functions:
        for _, block in f.blocks:
            for inst in block:
                c["op:" + inst.opcode] += 1
                if inst.type and inst.type != "void":
                    c["type:" + _type_word(inst.type)] += 1
    return dict(c)


def opcode_counts(programs: Sequence[Program], cache_dir: Path) -> tuple[np.ndarray, dict]:
    """log1p opcode and result-type counts per program, not normalised per program."""

    def compute():
        from sklearn.feature_extraction import DictVectorizer

        hists, failed = {}, 0
        for i, p in enumerate(programs):
            if p.ir is None:
                continue
            try:
                hists[i] = opcode_histogram(p.ir)
            except Exception:  # a module the text reader cannot read: a NaN row
                failed += 1
        if not hists:
            return np.full((len(programs), 1), np.nan, np.float32), {"columns": 0, "unreadable": failed}
        vec = DictVectorizer(sparse=False, dtype=np.float32)
        M = np.log1p(vec.fit_transform(list(hists.values())))
        return _rows(programs, dict(zip(hists, M)), M.shape[1]), {"columns": int(M.shape[1]), "unreadable": failed}

    return _cached_matrix(cache_dir, "opcodes", _key(programs, "opcodes-v1"), compute)


# ============================================================================ IR2Vec

_IR2VEC_SCRIPT = r"""
import json, sys
import ir2vec
paths = json.load(open(sys.argv[1]))
with open(sys.argv[2], "a") as out:
    for p in paths:
        try:
            v = [float(x) for x in ir2vec.initEmbedding(p, "fa", "p").getProgramVector()]
        except Exception as exc:
            v = None
        out.write(json.dumps(v) + "\n")
        out.flush()
"""


#: LLVM 18+ syntax that IR2Vec 2.1.1's LLVM rejects, and what replaces it (attributes and
#: flags dropped: they do not change the instructions IR2Vec embeds).
_IR2VEC_DOWNGRADE = [
    (re.compile(r" captures\([^)]*\)"), ""),
    (re.compile(r" memory\([^)]*\)"), ""),
    (re.compile(r" initializes\((?:\(-?\d+, -?\d+\)(?:, )?)+\)"), ""),
    (re.compile(r" range\(i\d+ -?\d+, -?\d+\)"), ""),
    (re.compile(r"\b(getelementptr(?: inbounds)?)(?: nusw)?(?: nuw)?"), r"\1"),
    (re.compile(r"\b(trunc|zext|uitofp|icmp|or)(?: nuw)?(?: nsw)?(?: nneg)?(?: samesign)?(?: disjoint)? "), r"\1 "),
    (re.compile(r" (?:dead_on_unwind|writable|dead_on_return|nocreateundeforpoison)\b"), ""),
]
_SPLAT = re.compile(r"splat \(([^()]+)\)")
_VECTOR = re.compile(r"<(\d+) x ")


def _expand_splats(line: str) -> str:
    """``splat (T v)`` -> ``<T v, T v, ...>``, as wide as the line's first vector type."""
    width = _VECTOR.search(line)
    if width is None:
        return line
    return _SPLAT.sub(lambda m: "<" + ", ".join([m[1]] * int(width[1])) + ">", line)


def ir2vec_compatible(text: str) -> str:
    """``text`` without the LLVM 18+ syntax IR2Vec 2.1.1's LLVM rejects: ``captures(...)``,
    ``memory(...)``, ``initializes``, ``range`` attributes, ``nuw``/``nusw``/``nneg``/``samesign``/
    ``disjoint`` flags; ``splat (T v)`` written out as a vector constant."""
    for rx, sub in _IR2VEC_DOWNGRADE:
        text = rx.sub(sub, text)
    if "splat (" in text:
        text = "\n".join(_expand_splats(ln) if "splat (" in ln else ln for ln in text.split("\n"))
    return text


def ir2vec_version(python: str) -> str:
    """``ir2vec.__version__`` as ``python`` reports it (raises when it cannot import ir2vec)."""
    done = subprocess.run([python, "-c", "import ir2vec; print(getattr(ir2vec, '__version__', '?'))"],
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{python} cannot import ir2vec: {done.stderr.strip()[-300:]}")
    return done.stdout.strip()


def _ir2vec_batch(texts: Sequence[str], python: str, *, timeout: float = 1800.0) -> list[np.ndarray | None]:
    """Vectors of ``texts`` (None where IR2Vec rejects one).  IR2Vec exits the process on a
    parse error, so the script writes one line per file and the batch restarts after the
    file that stopped it."""
    from sklearn_mirencoder.frontend.ir import upgrade_ir_text

    out: list[np.ndarray | None] = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, t in enumerate(texts):
            p = Path(tmp) / f"{i:06d}.ll"
            p.write_text(upgrade_ir_text(t)[0])
            paths.append(str(p))
        result = Path(tmp) / "out.jsonl"
        while len(out) < len(paths):
            (Path(tmp) / "paths.json").write_text(json.dumps(paths[len(out):]))
            result.write_text("")
            subprocess.run([python, "-c", _IR2VEC_SCRIPT, str(Path(tmp) / "paths.json"), str(result)],
                           capture_output=True, text=True, timeout=timeout)
            lines = [ln for ln in result.read_text().splitlines() if ln.strip()]
            out.extend(None if v is None else np.asarray(v, np.float32) for v in map(json.loads, lines))
            if len(out) < len(paths):
                out.append(None)  # the file the process died on
    return out


def ir2vec_features(programs: Sequence[Program], python: str, cache_dir: Path, *,
                    inputs: Mapping[str, str] | None = None, log: Log = _quiet) -> tuple[np.ndarray, dict]:
    """IR2Vec program vectors, one subprocess batch for the programs not yet cached.

    ``inputs`` maps a program id to the text IR2Vec reads instead of its canonical IR.
    Vectors are cached per program (digest of the text IR2Vec read) in
    ``<cache_dir>/features/ir2vec-<version>.json``; rejected programs are cached as rejected.
    """
    version = ir2vec_version(python)
    inputs = inputs or {}
    texts = {i: ir2vec_compatible(inputs.get(p.id, p.ir)) for i, p in enumerate(programs)
             if p.ir is not None or p.id in inputs}
    keys = {i: text_digest("ir2vec-fa-p", t) for i, t in texts.items()}
    path = Path(cache_dir) / "features" / f"ir2vec-{version}.json"
    store: dict[str, list | None] = json.loads(path.read_text()) if path.is_file() else {}
    todo = sorted({keys[i]: i for i in texts if keys[i] not in store}.values())
    t0 = time.perf_counter()
    if todo:
        log(f"  IR2Vec: {len(todo)} programs ...")
        for i, v in zip(todo, _ir2vec_batch([texts[i] for i in todo], python)):
            store[keys[i]] = None if v is None else v.tolist()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(store))
    vecs = {i: np.asarray(store[k], np.float32) for i, k in keys.items() if store.get(k) is not None}
    width = len(next(iter(vecs.values()))) if vecs else 1
    info = {"version": version, "described": len(vecs), "rejected": len(texts) - len(vecs),
            "computed": len(todo), "seconds": time.perf_counter() - t0}
    return _rows(programs, vecs, width), info


# ============================================================================ MIREncoder


def model_hidden(folder: Path) -> int:
    """``hidden`` of a saved model (its ``config.json``)."""
    return int(json.loads((Path(folder) / "config.json").read_text())["hidden"])


def split_parts(name: str, Z: np.ndarray, hidden: int) -> dict[str, np.ndarray]:
    """A model's feature sets from its ``both`` matrix: the full vector, ``text`` (first
    ``hidden`` columns), ``graph`` (next ``2*hidden``), ``fused`` (the rest) and
    ``text+graph`` (the first ``3*hidden``)."""
    if Z.ndim != 2 or Z.shape[1] <= 3 * hidden:
        raise ValueError(f"{name}: a `both` vector has more than 3 x hidden = {3 * hidden} columns "
                         f"(text, graph mean and max, fused); got shape {Z.shape}")
    return {
        name: Z,
        f"{name} text": Z[:, :hidden],
        f"{name} graph": Z[:, hidden:3 * hidden],
        f"{name} fused": Z[:, 3 * hidden:],
        f"{name} text+graph": Z[:, :3 * hidden],
    }


def jittered(X: np.ndarray, *, scale: float = JITTER_SCALE, seed: int = 0) -> np.ndarray:
    """``X`` with every value multiplied by ``1 + scale * N(0, 1)`` (float32; NaN rows stay
    NaN): the same vectors but for their last bits, with a fixed seed."""
    noise = np.random.default_rng(seed).standard_normal(X.shape)
    return (np.asarray(X, dtype=np.float64) * (1.0 + scale * noise)).astype(np.float32)


class ModelSpec(NamedTuple):
    """A saved model folder and the ``MIRTransformer`` options it runs with (``precision``,
    ``max_windows``); no options: the transformer's defaults."""

    folder: Path
    options: tuple[tuple[str, object], ...] = ()

    def describe(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.options)


def as_spec(model: Path | ModelSpec) -> ModelSpec:
    return model if isinstance(model, ModelSpec) else ModelSpec(Path(model))


def mirencoder_both(programs: Sequence[Program], folder: Path, cache_dir: Path, *, n_jobs: int = 2,
                    device: str = "cpu", options: Mapping[str, object] | None = None) -> tuple[np.ndarray, dict]:
    """The ``both`` vectors of the programs with IR (NaN rows for the others and for those the
    transformer fails on), through the transformer's disk cache (keyed by weights digest and
    the options that change vectors)."""
    from sklearn_mirencoder.transformer import MIRTransformer

    idx = [i for i, p in enumerate(programs) if p.ir is not None]
    t0 = time.perf_counter()
    tr = MIRTransformer(model=str(folder), input="content", language="llvm-ir", modality="both", errors="nan",
                        cache=str(Path(cache_dir) / "embeddings"), n_jobs=n_jobs, device=device,
                        **dict(options or {})).fit()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FailedProgramsWarning: counted in info instead
        Z = np.asarray(tr.transform([programs[i].ir for i in idx]), dtype=np.float32) if idx else None
    width = Z.shape[1] if Z is not None else 4 * model_hidden(folder)
    X = _rows(programs, dict(zip(idx, Z)) if Z is not None else {}, width)
    failures = list(getattr(tr, "failures_", []) or [])
    return X, {"failed": len(failures), "seconds": time.perf_counter() - t0,
               "first_failure": str(failures[0]) if failures else ""}


# ============================================================================ all sets of a task


def _coverage_check(name: str, X: np.ndarray, n_ir: int, notes: list[str]) -> bool:
    ok = int(np.isfinite(X).all(axis=1).sum())
    if n_ir and ok < MIN_COVERAGE * n_ir:
        notes.append(f"{name} left out of this task: it describes {ok} of the {n_ir} programs with IR "
                     f"(under {MIN_COVERAGE:.0%}; tasks evaluate only rows every set describes)")
        return False
    if ok < n_ir:
        notes.append(f"{name}: {n_ir - ok} of the {n_ir} programs with IR got no vector (NaN rows)")
    return True


def build_features(task, models: Mapping[str, Path | ModelSpec], *, cache_dir: Path, ir2vec_python: str | None = None,
                   n_jobs: int = 2, device: str = "cpu", log: Log = _quiet) -> tuple[dict[str, np.ndarray], dict]:
    """Every feature set of one task: ``(name -> matrix, info)``.

    ``models`` maps a label (``"MIREncoder"``, ``"random weights"``, a ``--model`` name) to a
    saved model folder; each gives five sets (:func:`split_parts`).  ``info`` has per-set
    details, ``"seconds"`` per set and ``"notes"`` (sets left out, NaN rows, IR2Vec absent).
    """
    programs = task.programs
    n_ir = sum(p.ir is not None for p in programs)
    feats: dict[str, np.ndarray] = {}
    info: dict = {"notes": [], "seconds": {}, "sets": {}}
    notes = info["notes"]

    def add(name, fn):
        t0 = time.perf_counter()
        X, details = fn()
        info["seconds"][name] = time.perf_counter() - t0
        info["sets"][name] = details
        if _coverage_check(name, X, n_ir, notes):
            feats[name] = X
        return X

    log(f"[{task.name}] {BAG} / {OPCODES} ...")
    add(BAG, lambda: bag_of_ir_words(programs, cache_dir))
    add(OPCODES, lambda: opcode_counts(programs, cache_dir))
    if ir2vec_python:
        try:
            add(IR2VEC, lambda: ir2vec_features(programs, ir2vec_python, cache_dir,
                                                inputs=task.meta.get("ir2vec_input"), log=log))
        except Exception as exc:  # IR2Vec not importable by that python, a timeout...
            notes.append(f"IR2Vec not run: {type(exc).__name__}: {str(exc)[:200]}")
    else:
        notes.append("IR2Vec not run: no Python with `ir2vec` (make one with `bash scripts/ir2vec_venv.sh`, "
                     "then pass --ir2vec-python /tmp/ir2vec_venv/bin/python or set $IR2VEC_PYTHON)")
    for label, model in models.items():
        folder, options = as_spec(model)
        log(f"[{task.name}] {label}: embedding {n_ir} programs ...")
        t0 = time.perf_counter()
        Z, details = mirencoder_both(programs, folder, cache_dir, n_jobs=n_jobs, device=device, options=dict(options))
        info["seconds"][label] = time.perf_counter() - t0
        info["sets"][label] = details
        if _coverage_check(label, Z, n_ir, notes):
            feats.update(split_parts(label, Z, model_hidden(folder)))
    return feats, info
