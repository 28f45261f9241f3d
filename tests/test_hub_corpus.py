"""``python -m pretrain.corpus hub``: a Hub dataset of LLVM IR (ComPile's layout) into a corpus,
from a pre-filled Hugging Face cache or a mocked download, never the network."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
hf = pytest.importorskip("huggingface_hub")
from huggingface_hub import constants as hf_constants  # noqa: E402

from pretrain import corpus, hub_corpus  # noqa: E402

COMMIT = "89abcdef0123456789abcdef0123456789abcdef"
SHARD = "data/train-0.parquet"
SAXPY = "void saxpy(int n, float a, const float *x, float *y) { for (int i = 0; i < n; ++i) y[i] += a * x[i]; }\n"
DOT = "double dot(int n, const double *x, const double *y) { double s = 0; for (int i = 0; i < n; ++i) s += x[i] * y[i]; return s; }\n"


@pytest.fixture
def shard(tmp_path, clang) -> Path:
    """A ComPile-like shard: bitcode rows (one a duplicate), an IR-text row, a broken, an empty
    and a Rust row."""
    from sklearn_mirencoder.frontend.compile import compile_source

    saxpy = compile_source(SAXPY, language="c", compiler=clang).bitcode
    dot = compile_source(DOT, language="c", compiler=clang).bitcode
    ir_text = "define i32 @twice(i32 %x) {\n  %y = mul i32 %x, 2\n  ret i32 %y\n}\n"
    rows = [
        (saxpy, "c", "spack://saxpy"),
        (dot, "c", "spack://dot"),
        (saxpy, "c", "spack://saxpy-copy"),  # the same module again
        (ir_text.encode(), "c", "spack://ir"),
        (b"BC\xc0\xde not really bitcode", "c", "spack://broken"),
        (None, "c", "spack://null"),
        (dot, "rust", "cargo://dot"),  # filtered out by --language c
    ]
    table = pa.table({
        "content": pa.array([r[0] for r in rows], pa.binary()),
        "language": [r[1] for r in rows],
        "package_source": [r[2] for r in rows],
        "license_expression": ["MIT"] * len(rows),
    })
    path = tmp_path / "train-0.parquet"
    pq.write_table(table, path, row_group_size=3)
    return path


def fill_dataset_cache(cache: Path, repo_id: str, files: dict[str, Path], commit: str = COMMIT) -> None:
    """Lay dataset files out as huggingface_hub does (LFS blobs named by sha256, snapshot
    symlinks, refs/main)."""
    repo = cache / f"datasets--{repo_id.replace('/', '--')}"
    (repo / "blobs").mkdir(parents=True)
    for name, src in files.items():
        data = src.read_bytes()
        blob = repo / "blobs" / hashlib.sha256(data).hexdigest()
        blob.write_bytes(data)
        link = repo / "snapshots" / commit / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(blob, link.parent))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)


@pytest.fixture
def hf_cache(tmp_path, monkeypatch):
    cache = tmp_path / "hf-cache"
    cache.mkdir()
    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    return cache


def test_hub_dataset_from_a_filled_cache_becomes_a_corpus(shard, hf_cache, tmp_path, capsys):
    fill_dataset_cache(hf_cache, "org/ir-dataset", {SHARD: shard})
    out = tmp_path / "corpus"
    argv = ["hub", "org/ir-dataset", "--out", str(out), "--shard", SHARD, "--local-files-only",
            "--language", "c", "--jobs", "1"]
    assert corpus.main(argv) == 0
    records = corpus.read_manifest(out)
    by_package = {r["package"]: r for r in records}
    assert len(records) == 6 and "cargo://dot" not in by_package  # the Rust row was filtered out
    assert [by_package[p]["outcome"] for p in ("spack://saxpy", "spack://dot", "spack://ir")] == ["ok"] * 3
    assert by_package["spack://saxpy-copy"]["outcome"] == "duplicate"
    assert by_package["spack://saxpy-copy"]["hash"] == by_package["spack://saxpy"]["hash"]
    for bad in ("spack://broken", "spack://null"):
        assert by_package[bad]["outcome"] not in ("ok", "duplicate") and by_package[bad]["error"]
    r = by_package["spack://dot"]
    assert r["file"] == f"{SHARD}#1" and r["opt"] == "hub" and r["language"] == "c"
    assert r["compiler"] == f"hub org/ir-dataset@{COMMIT}" and r["license"] == "MIT"
    text = corpus.module_path(out, r["hash"]).read_text()
    assert "define" in text and "@dot" in text and r["instructions"] > 0
    assert corpus.canonical_hash(text) == r["hash"]
    # a rerun resumes: nothing attempted twice
    assert corpus.main(argv) == 0
    assert len(corpus.read_manifest(out)) == 6
    # and the rest of the tool chain takes it like a built corpus
    info = corpus.split(out, val_fraction=0.34, seed=0, log=lambda *a: None)
    assert set(info["train"]) | set(info["val"]) == {"spack://saxpy", "spack://dot", "spack://ir"}
    capsys.readouterr()


def test_mocked_download_gets_the_dataset_repo_and_revision(shard, tmp_path, monkeypatch):
    snap = tmp_path / "snapshots" / COMMIT / "data"
    snap.mkdir(parents=True)
    (snap / "train-0.parquet").write_bytes(shard.read_bytes())
    calls = []

    def fake_download(repo_id, filename, **kw):
        calls.append((repo_id, filename, kw))
        return str(snap / Path(filename).name)

    monkeypatch.setattr(hf, "hf_hub_download", fake_download)
    monkeypatch.setattr(hub_corpus, "list_shards", lambda repo, rev, pattern: [SHARD])
    counts = hub_corpus.build_from_hub("llvm-ml/ComPile", tmp_path / "out", revision="v1.1", limit=2, jobs=1,
                                       log=lambda *a: None)
    assert counts["ok"] == 2
    assert calls == [("llvm-ml/ComPile", SHARD, {"repo_type": "dataset", "revision": "v1.1",
                                                 "local_files_only": False})]
    assert {r["compiler"] for r in corpus.read_manifest(tmp_path / "out")} == {f"hub llvm-ml/ComPile@{COMMIT}"}
    # a dataset without the license column: no license in the records, no error
    out = tmp_path / "out-nolicense"
    hub_corpus.build_from_hub("llvm-ml/ComPile", out, revision="v1.1", limit=1, jobs=1, license_column="licence",
                              log=lambda *a: None)
    assert "license" not in corpus.read_manifest(out)[0]


def test_hub_failures_say_what_to_do(shard, hf_cache, tmp_path):
    with pytest.raises(SystemExit, match="name them with --shard"):
        hub_corpus.build_from_hub("org/x", tmp_path / "a", local_files_only=True, log=lambda *a: None)
    with pytest.raises(SystemExit, match="fill the Hugging Face cache first"):
        hub_corpus.build_from_hub("org/not-cached", tmp_path / "b", shards=[SHARD], local_files_only=True,
                                  log=lambda *a: None)
    fill_dataset_cache(hf_cache, "org/ir-dataset", {SHARD: shard})
    with pytest.raises(SystemExit, match=r"no column 'text' \(it has content, language"):
        hub_corpus.build_from_hub("org/ir-dataset", tmp_path / "c", shards=[SHARD], local_files_only=True,
                                  content_column="text", log=lambda *a: None)


def test_shards_sort_naturally():
    names = ["data/train-10.parquet", "data/train-2.parquet", "data/train-1.parquet"]
    assert sorted(names, key=hub_corpus._natural) == ["data/train-1.parquet", "data/train-2.parquet",
                                                      "data/train-10.parquet"]
