"""Model references: bundled, folder and Hugging Face Hub (never touching the network)."""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from _model_fixtures import SMALL_PROGRAMS, tiny_model_dir, tiny_model_dir_b  # noqa: F401  (fixtures)
from sklearn_mirencoder.model import hub, loading
from sklearn_mirencoder.cache import clear_memory
from sklearn_mirencoder.errors import ModelLoadError
from sklearn_mirencoder.transformer import MIRTransformer

hf = pytest.importorskip("huggingface_hub")
from huggingface_hub import constants as hf_constants  # noqa: E402
from huggingface_hub import errors as hfe  # noqa: E402

COMMIT = "0123456789abcdef0123456789abcdef01234567"
COMMIT_B = "fedcba9876543210fedcba9876543210fedcba98"


@pytest.fixture(autouse=True)
def _isolated_hub(monkeypatch, tmp_path):
    """An empty Hugging Face cache of our own, and no way to reach the network."""
    cache = tmp_path / "hf-cache"
    cache.mkdir()
    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    clear_memory()
    loading.clear_loaded_models()
    yield cache


def fill_hf_cache(cache: Path, repo_id: str, model_dir: Path, *, commit=COMMIT, refs=("main",), corrupt=None, omit=()):
    """Lay a model out as huggingface_hub does: blobs named by their checksum (sha256 for the
    LFS weights, git's blob id for the JSON files), snapshot symlinks, refs/<branch>."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    blobs, snap = repo / "blobs", repo / "snapshots" / commit
    blobs.mkdir(parents=True, exist_ok=True)
    snap.mkdir(parents=True, exist_ok=True)
    for name in hub.model_files(model_dir):
        if name in omit:
            continue
        data = (Path(model_dir) / name).read_bytes()
        if name.endswith(".safetensors"):  # LFS files
            etag = hashlib.sha256(data).hexdigest()
        else:
            etag = hashlib.sha1(b"blob %d\x00" % len(data) + data).hexdigest()
        if corrupt == name:
            data = data[:-1] + bytes([data[-1] ^ 0xFF])
        (blobs / etag).write_bytes(data)
        link = snap / name
        if link.exists() or link.is_symlink():
            link.unlink()
        link.symlink_to(os.path.relpath(blobs / etag, snap))
    (repo / "refs").mkdir(exist_ok=True)
    for ref in refs:
        (repo / "refs" / ref).write_text(commit)
    return snap


# ------------------------------------------------------------------------- local models


def test_folder_and_bundled(tiny_model_dir, tmp_path, monkeypatch):
    src = hub.resolve_model(str(tiny_model_dir))
    assert src.kind == "folder" and src.path == tiny_model_dir.resolve()
    assert hub.resolve_model(tiny_model_dir).kind == "folder"  # a Path
    assert src.reference() == (str(tiny_model_dir.resolve()), None)
    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copy(tiny_model_dir / "config.json", partial)
    with pytest.raises(ModelLoadError, match="lacks model.safetensors, tokenizer.json"):
        hub.resolve_model(str(partial))
    with pytest.raises(ModelLoadError, match="does not exist"):
        hub.resolve_model(tmp_path / "absent")
    with pytest.raises(ModelLoadError, match="neither an existing folder nor"):
        hub.resolve_model(str(tmp_path / "absent"))
    with pytest.raises(ValueError, match="Hub models only"):
        hub.resolve_model(str(tiny_model_dir), revision="v1")
    monkeypatch.setattr(hub, "bundled_dir", lambda name="small": tmp_path / "none")
    with pytest.raises(hub.WeightsNotInstalledError, match="installed without its bundled weights"):
        hub.resolve_model(None)
    monkeypatch.setattr(hub, "bundled_dir", lambda name="small": tiny_model_dir)
    assert hub.resolve_model(None).kind == "bundled"


def test_weights_digest_and_summary(tiny_model_dir, tiny_model_dir_b):
    d = hub.weights_digest(tiny_model_dir)
    assert d == hub.weights_digest(tiny_model_dir) and d != hub.weights_digest(tiny_model_dir_b)
    summary = loading.model_summary(hub.resolve_model(str(tiny_model_dir)))
    assert summary["config"] == "tiny" and summary["parameters"] > 0 and summary["digest"] == d
    assert summary["output_dims"] == {"both": 128, "text": 32, "graph": 64, "text+graph": 96}


# ---------------------------------------------------------------------- pre-filled cache


def test_prefilled_hf_cache_offline(tiny_model_dir, tiny_model_dir_b, _isolated_hub):
    cache = _isolated_hub
    fill_hf_cache(cache, "org/tiny", tiny_model_dir, commit=COMMIT, refs=("main",))
    fill_hf_cache(cache, "org/tiny", tiny_model_dir_b, commit=COMMIT_B, refs=("v2",))
    src = hub.resolve_model("org/tiny", local_files_only=True)
    assert src.kind == "hub" and src.commit == COMMIT and src.repo_id == "org/tiny"
    assert src.path == cache / "models--org--tiny" / "snapshots" / COMMIT
    assert hub.resolve_model("org/tiny", revision="v2", local_files_only=True).commit == COMMIT_B
    assert hub.resolve_model("org/tiny", revision=COMMIT_B, local_files_only=True).commit == COMMIT_B
    assert hub.weights_digest(src.path) == hub.weights_digest(tiny_model_dir)
    # through the transformer, then pickled: the unpickled one reloads the same commit
    est = MIRTransformer(model="org/tiny", language="opencl", local_files_only=True).fit()
    assert est.model_info_["commit"] == COMMIT and est.model_info_["kind"] == "hub"
    Z = est.transform(SMALL_PROGRAMS[:2])
    ref = MIRTransformer(model=str(tiny_model_dir), language="opencl").fit_transform(SMALL_PROGRAMS[:2])
    np.testing.assert_array_equal(Z, ref)
    (cache / "models--org--tiny" / "refs" / "main").write_text(COMMIT_B)  # main moves on
    loading.clear_loaded_models()
    clear_memory()
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.transform(SMALL_PROGRAMS[:2]), Z)  # still the fitted commit
    assert hub.resolve_model("org/tiny", local_files_only=True).commit == COMMIT_B


def test_hf_hub_offline_env_uses_the_cache(tiny_model_dir, _isolated_hub, monkeypatch):
    fill_hf_cache(_isolated_hub, "org/tiny", tiny_model_dir)
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", True)
    assert hub.resolve_model("org/tiny").commit == COMMIT  # no local_files_only needed
    with pytest.raises(hub.HubOfflineError, match="HF_HUB_OFFLINE"):
        hub.resolve_model("org/absent")


def test_offline_and_not_cached_is_a_clear_error(_isolated_hub):
    with pytest.raises(hub.HubOfflineError, match="not in the local Hugging Face cache") as info:
        hub.resolve_model("org/absent", local_files_only=True)
    assert "hf download org/absent" in str(info.value) and isinstance(info.value, ModelLoadError)
    # 'org/absent' could be a mistyped relative path too: the message says no such folder exists
    assert "no folder 'org/absent' exists" in str(info.value)
    with pytest.raises(hub.HubOfflineError):
        MIRTransformer(model="org/absent", language="opencl", local_files_only=True).fit()


def test_missing_file_in_the_cache(tiny_model_dir, _isolated_hub):
    fill_hf_cache(_isolated_hub, "org/tiny", tiny_model_dir, omit=("tokenizer.json",))
    with pytest.raises(hub.HubOfflineError, match="tokenizer.json is not in the local"):
        hub.resolve_model("org/tiny", local_files_only=True)


def test_checksum_mismatch(tiny_model_dir, _isolated_hub):
    fill_hf_cache(_isolated_hub, "org/tiny", tiny_model_dir, corrupt="model.safetensors")
    with pytest.raises(hub.ChecksumMismatchError, match="damaged") as info:
        hub.resolve_model("org/tiny", local_files_only=True)
    assert "delete" in str(info.value)
    fill_hf_cache(_isolated_hub, "org/tiny", tiny_model_dir, corrupt="config.json")  # git blob id too
    with pytest.raises(hub.ChecksumMismatchError):
        hub.resolve_model("org/tiny", local_files_only=True)


def test_encoder_from_pretrained_goes_through_the_hub_checks(tiny_model_dir, _isolated_hub, monkeypatch):
    """MIREncoder.from_pretrained('owner/name') uses hub.resolve_model: cache, offline mode, checksums."""
    import torch

    from sklearn_mirencoder.model.encoder import MIREncoder

    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", True)
    fill_hf_cache(_isolated_hub, "org/tiny", tiny_model_dir)
    a, b = MIREncoder.from_pretrained("org/tiny"), MIREncoder.from_pretrained(tiny_model_dir)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    fill_hf_cache(_isolated_hub, "org/tiny", tiny_model_dir, corrupt="model.safetensors")
    with pytest.raises(hub.ChecksumMismatchError):
        MIREncoder.from_pretrained("org/tiny")
    with pytest.raises(hub.HubOfflineError):
        MIREncoder.from_pretrained("org/never-downloaded")


# ---------------------------------------------------------------------- mocked downloads


def _response(status: int):
    import httpx2 as httpx  # the HTTP client huggingface_hub 1.x+ uses

    return httpx.Response(status, request=httpx.Request("GET", "https://huggingface.co/org/x"))


def test_mocked_download_passes_the_revision_through(tiny_model_dir, tmp_path, monkeypatch):
    snap = tmp_path / "snapshots" / COMMIT
    shutil.copytree(tiny_model_dir, snap)
    calls = []

    def fake_download(repo_id, filename, **kw):
        calls.append((repo_id, filename, kw["revision"], kw["local_files_only"]))
        return str(snap / filename)

    monkeypatch.setattr(hf, "hf_hub_download", fake_download)
    est = MIRTransformer(model="org/tiny", revision="v1.2", language="opencl").fit()
    assert calls == [("org/tiny", f, "v1.2", False) for f in hub.MODEL_FILES]
    assert est.model_info_["commit"] == COMMIT and est.model_info_["revision"] == "v1.2"
    assert est.transform(SMALL_PROGRAMS[:1]).shape == (1, 128)
    calls.clear()
    again = pickle.loads(pickle.dumps(est))
    loading.clear_loaded_models()
    again.transform(SMALL_PROGRAMS[:1])
    assert {c[2] for c in calls} == {COMMIT}  # reloads pin the fitted commit


@pytest.mark.parametrize(
    "raised, expected, match",
    [
        (lambda: hfe.RepositoryNotFoundError("404", response=_response(404)), hub.HubRepositoryNotFoundError, "no model repository"),
        (lambda: hfe.GatedRepoError("403", response=_response(403)), hub.HubRepositoryNotFoundError, "gated"),
        (lambda: hfe.RevisionNotFoundError("404", response=_response(404)), hub.HubRevisionNotFoundError, "no revision"),
        (lambda: hfe.RemoteEntryNotFoundError("404", response=_response(404)), hub.HubFileNotFoundError, "not a sklearn-mirencoder model"),
        (lambda: hfe.LocalEntryNotFoundError("no"), hub.HubOfflineError, "could not be reached"),
        (lambda: hfe.HfHubHTTPError("500", response=_response(500)), hub.HubError, "downloading config.json failed"),
    ],
    ids=["unknown-repo", "gated", "unknown-revision", "missing-file", "no-network", "server-error"],
)
def test_hub_failures_are_typed_errors(monkeypatch, raised, expected, match):
    def fake_download(repo_id, filename, **kw):
        raise raised()

    monkeypatch.setattr(hf, "hf_hub_download", fake_download)
    with pytest.raises(expected, match=match) as info:
        hub.resolve_model("org/unknown", revision="main")
    assert isinstance(info.value, ModelLoadError)


def test_bad_references():
    with pytest.raises(ModelLoadError, match="neither an existing folder nor"):
        hub.resolve_model("a/b/c")
    with pytest.raises(ValueError):
        hub.resolve_model(42)


# ------------------------------------------------------------------------- sharded weights


@pytest.fixture
def sharded_model_dir(tiny_model_dir, tmp_path):
    import json

    import torch

    from sklearn_mirencoder.model.encoder import MIREncoder

    dtype = json.loads((tiny_model_dir / "config.json").read_text())["torch_dtype"]
    model = MIREncoder.from_pretrained(tiny_model_dir)
    folder = model.save_pretrained(tmp_path / "sharded", dtype=getattr(torch, dtype), max_shard_size="20KB")
    assert not (folder / "model.safetensors").exists() and len(list(folder.glob("model-*-of-*.safetensors"))) > 1
    return folder


def test_sharded_weights_load_from_a_folder_and_the_hub(tiny_model_dir, sharded_model_dir, _isolated_hub):
    ref = MIRTransformer(model=tiny_model_dir, language="opencl", cache=False).fit_transform(SMALL_PROGRAMS[:2])
    files = hub.model_files(sharded_model_dir)
    assert files[:2] == ["config.json", "model.safetensors.index.json"] and files[-1] == "tokenizer.json"
    assert hub.weights_digest(sharded_model_dir) != hub.weights_digest(tiny_model_dir)
    assert loading.model_summary(hub.resolve_model(sharded_model_dir))["size_bytes"] > 0
    Z = MIRTransformer(model=sharded_model_dir, language="opencl", cache=False).fit_transform(SMALL_PROGRAMS[:2])
    np.testing.assert_array_equal(Z, ref)

    # the Hub: model.safetensors is absent, so the index and its shards are fetched (offline here)
    fill_hf_cache(_isolated_hub, "org/sharded", sharded_model_dir)
    src = hub.resolve_model("org/sharded", local_files_only=True)
    assert src.commit == COMMIT and set(hub.model_files(src.path)) == set(files)
    loading.clear_loaded_models()
    est = MIRTransformer(model="org/sharded", language="opencl", local_files_only=True, cache=False)
    np.testing.assert_array_equal(est.fit_transform(SMALL_PROGRAMS[:2]), ref)


def test_sharded_hub_model_with_a_missing_or_damaged_shard(sharded_model_dir, _isolated_hub):
    shards = [f for f in hub.model_files(sharded_model_dir) if f.startswith("model-")]
    fill_hf_cache(_isolated_hub, "org/gap", sharded_model_dir, omit=(shards[1],))
    with pytest.raises(hub.HubOfflineError, match=shards[1]):
        hub.resolve_model("org/gap", local_files_only=True)
    fill_hf_cache(_isolated_hub, "org/bad", sharded_model_dir, corrupt=shards[0])
    with pytest.raises(hub.ChecksumMismatchError, match="damaged"):
        hub.resolve_model("org/bad", local_files_only=True)


def test_mocked_download_of_sharded_weights(sharded_model_dir, tmp_path, monkeypatch):
    snap = tmp_path / "snapshots" / COMMIT
    shutil.copytree(sharded_model_dir, snap)
    calls = []

    def fake_download(repo_id, filename, **kw):
        calls.append(filename)
        if not (snap / filename).is_file():
            raise hfe.RemoteEntryNotFoundError("404", response=_response(404))
        return str(snap / filename)

    monkeypatch.setattr(hf, "hf_hub_download", fake_download)
    src = hub.resolve_model("org/sharded", revision="v1")
    assert calls == ["config.json", "model.safetensors", *hub.model_files(sharded_model_dir)[1:]]
    assert src.path == snap
    # neither layout: the error names the single file
    (snap / "model.safetensors.index.json").unlink()
    with pytest.raises(hub.HubFileNotFoundError, match="no model.safetensors.*shards"):
        hub.resolve_model("org/sharded", revision="v1")
