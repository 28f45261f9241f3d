"""Pre-training IR from a public dataset on the Hugging Face Hub, into a built corpus.

For a user with internet access: the modules of a Hub dataset of LLVM IR stored as Parquet
(ComPile, ``llvm-ml/ComPile``, by default: one row per module, its bitcode in ``content``,
its source language in ``language`` and its package in ``package_source``) become a corpus
folder in the layout of ``python -m pretrain.corpus build`` (``OUT/ir/<h[:2]>/<h>.ll`` and
``OUT/manifest.jsonl``), so that ``split``, ``stats``, ``subset``, ``pack``, the tokenizer
and the trainer take it as they take a corpus built from sources::

    python -m pretrain.corpus hub llvm-ml/ComPile --revision COMMIT --out corpus/compile \\
        --shard data/train-0.parquet --language c --language c++ --limit 20000

Each row goes through the package's own front end (:func:`sklearn_mirencoder.frontend.ir.to_ir`:
bitcode or IR text, upgraded and verified by LLVM 22, canonical text), is deduplicated by
the hash of its canonical text like ``build``'s modules, and gets one manifest line
(``package`` from the package column, ``file`` = ``<shard>#<row>``, ``opt`` = ``hub``,
``compiler`` = ``hub <repo>@<commit>``, ``license`` from ComPile's ``license_expression``,
``outcome``).  A row that does not parse is recorded
with its error and skipped, never fatal.  Shards come through :func:`huggingface_hub.hf_hub_download`
(the standard cache, ``HF_TOKEN`` from the environment, ``--local-files-only`` for a cache
filled beforehand); pin ``--revision`` to a commit to make a corpus reproducible.  Reruns
resume: rows already in the manifest are skipped.  Reading Parquet needs ``pyarrow``
(``pip install sklearn-mirencoder[parquet]``).
"""

from __future__ import annotations

import fnmatch
import os
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

__all__ = ["DEFAULT_REPO", "list_shards", "fetch_shard", "iter_rows", "row_record", "build_from_hub"]

#: ComPile (Grossman et al., 2023): permissively licensed C, C++, Rust, Swift and Julia as LLVM bitcode.
DEFAULT_REPO = "llvm-ml/ComPile"
_BITCODE_MAGIC = (b"BC\xc0\xde", b"\xde\xc0\x17\x0b")  # raw bitcode; the wrapper header
_HEX40 = re.compile(r"^[0-9a-f]{40}$")


def _natural(name: str) -> list:
    """Sort key: ``train-2`` before ``train-10``."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def list_shards(repo_id: str, revision: str | None = None, pattern: str = "*.parquet") -> list[str]:
    """The dataset's files matching ``pattern`` at ``revision``, in natural order (needs the network)."""
    from huggingface_hub import HfApi

    try:
        files = HfApi().list_repo_files(repo_id, repo_type="dataset", revision=revision)
    except Exception as exc:  # noqa: BLE001 - any Hub failure ends the command with what to do
        raise SystemExit(
            f"{repo_id}: listing the dataset's files failed ({type(exc).__name__}: {exc}). Offline, name the "
            "files with --shard (from a filled Hugging Face cache, with --local-files-only)"
        ) from None
    shards = sorted((f for f in files if fnmatch.fnmatch(f, pattern)), key=_natural)
    if not shards:
        raise SystemExit(f"{repo_id}: no file matches {pattern!r} at revision {revision or 'main'}")
    return shards


def fetch_shard(repo_id: str, filename: str, revision: str | None = None, local_files_only: bool = False) -> Path:
    """One dataset file through the Hugging Face cache (downloaded once)."""
    import huggingface_hub as hf

    try:
        return Path(
            hf.hf_hub_download(
                repo_id, filename, repo_type="dataset", revision=revision, local_files_only=local_files_only
            )
        )
    except Exception as exc:  # noqa: BLE001
        at = f" at revision {revision}" if revision else ""
        raise SystemExit(
            f"{repo_id}{at}: fetching {filename} failed ({type(exc).__name__}: {exc}). Check the repository id, "
            "the revision and the file name; log in with `hf auth login` or set HF_TOKEN for a private dataset; "
            "offline, fill the Hugging Face cache first (`hf download --repo-type dataset ...`)"
        ) from None


def _commit_of(path: Path) -> str | None:
    """The commit of a file in the Hugging Face cache (``.../snapshots/<commit>/<file>``)."""
    for parent in path.parents:
        if parent.parent.name == "snapshots" and _HEX40.match(parent.name):
            return parent.name
    return None


def iter_rows(path: str | os.PathLike, columns: list[str], batch_size: int = 64, optional: tuple[str, ...] = ()
              ) -> Iterator[dict]:
    """The rows of a Parquet file, ``columns`` (and those of ``optional`` that it has) only, one
    dict at a time (memory: one batch)."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise SystemExit("reading Parquet needs pyarrow: pip install sklearn-mirencoder[parquet]") from None
    pf = pq.ParquetFile(path)
    present = set(pf.schema_arrow.names)
    missing = [c for c in columns if c not in present]
    if missing:
        raise SystemExit(f"{path}: no column {', '.join(map(repr, missing))} (it has {', '.join(sorted(present))}); "
                         "name the right ones with --content-column / --language-column / --package-column")
    columns = list(dict.fromkeys([*columns, *(c for c in optional if c in present)]))
    for batch in pf.iter_batches(batch_size=batch_size, columns=columns):
        yield from batch.to_pylist()


def row_record(content: Any, *, language: str | None, package: str, file: str, compiler: str,
               out: str | os.PathLike, license: str | None = None) -> dict:
    """Parse one row's module with the front end; write its IR; return its manifest record (never raises)."""
    from sklearn_mirencoder.frontend.ir import to_ir

    from .corpus import record_failure, store_module

    t0 = time.perf_counter()
    rec: dict[str, Any] = {"package": package, "file": file, "language": language or "unknown", "opt": "hub",
                           "compiler": compiler, "flags": [], "hash": None, "outcome": None, "seconds": None,
                           "instructions": None}
    if license is not None:
        rec["license"] = license
    try:
        if content is None:
            raise ValueError("the row has no module (content is null)")
        data = content if isinstance(content, (bytes, bytearray)) else str(content).encode("utf-8")
        kind = "llvm-bc" if bytes(data[:4]) in _BITCODE_MAGIC else "llvm-ir"
        store_module(rec, to_ir(bytes(data), language=kind, name=f"{package}/{file}").text, out)
    except BaseException as exc:  # noqa: BLE001 - every failure is recorded, none is fatal
        record_failure(rec, exc)
    rec["seconds"] = round(time.perf_counter() - t0, 4)
    return rec


def build_from_hub(
    repo_id: str = DEFAULT_REPO,
    out: str | os.PathLike = "corpus-hub",
    *,
    revision: str | None = None,
    shards: list[str] | None = None,
    pattern: str = "*.parquet",
    languages: list[str] | None = None,
    limit: int | None = None,
    content_column: str = "content",
    language_column: str | None = "language",
    package_column: str | None = "package_source",
    license_column: str | None = "license_expression",
    local_files_only: bool = False,
    jobs: int = 2,
    batch_size: int = 200,
    log=print,
) -> Counter:
    """Add the modules of a Hub dataset to the corpus folder ``out``; return outcome counts.

    ``shards`` names the dataset files to read (default: every file matching ``pattern``,
    listed from the Hub); ``languages`` keeps rows whose language column is one of them;
    ``limit`` stops after that many rows attempted in this run.  The license column, when the
    dataset has it, goes into each record's ``license``.
    """
    from joblib import Parallel, delayed

    from .corpus import MANIFEST, _repair_manifest, append_records, read_manifest

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if shards is None:
        if local_files_only:
            raise SystemExit("--local-files-only cannot list the dataset's files: name them with --shard")
        shards = list_shards(repo_id, revision, pattern)
    manifest_path = out / MANIFEST
    _repair_manifest(manifest_path)
    previous = read_manifest(out)
    done_files = {r["file"] for r in previous if r.get("opt") == "hub"}
    seen = {r["hash"] for r in previous if r.get("outcome") == "ok" and r.get("hash")}
    wanted = {lang.lower() for lang in languages} if languages else None
    columns = [c for c in dict.fromkeys([content_column, language_column, package_column]) if c]
    counts: Counter = Counter()
    attempted = 0
    t0 = time.time()
    with open(manifest_path, "a", encoding="utf-8") as fh, Parallel(n_jobs=jobs, return_as="generator") as parallel:
        for shard in shards:
            path = fetch_shard(repo_id, shard, revision, local_files_only)
            compiler = f"hub {repo_id}@{_commit_of(path) or revision or 'unknown'}"
            pending: list[dict] = []

            def flush() -> None:
                jobs_ = (delayed(row_record)(p["content"], language=p["language"], package=p["package"],
                                             file=p["file"], compiler=compiler, out=str(out),
                                             license=p["license"]) for p in pending)
                append_records(fh, parallel(jobs_), seen, counts)
                pending.clear()

            optional = (license_column,) if license_column else ()
            for i, row in enumerate(iter_rows(path, columns, optional=optional)):
                if limit is not None and attempted >= limit:
                    break
                file = f"{shard}#{i}"
                language = row.get(language_column) if language_column else None
                if wanted is not None and str(language).lower() not in wanted:
                    counts["skipped (language)"] += 1
                    continue
                if file in done_files:
                    continue
                package = str(row.get(package_column) or repo_id) if package_column else repo_id
                license = row.get(license_column) if license_column else None
                pending.append({"content": row[content_column], "language": language, "package": package,
                                "file": file, "license": None if license is None else str(license)})
                attempted += 1
                if len(pending) >= batch_size:
                    flush()
            if pending:
                flush()
            log(f"{shard}: {time.time() - t0:.0f}s elapsed; " + ", ".join(f"{k} {v}" for k, v in counts.most_common()))
            if limit is not None and attempted >= limit:
                break
    log(f"done: {attempted} rows attempted; " + ", ".join(f"{k} {v}" for k, v in counts.most_common()))
    return counts
