"""Where a model's weights come from: the bundled folder, a local folder, or the Hugging Face Hub.

A *model reference* (the ``model=`` parameter of
:class:`~sklearn_mirencoder.transformer.MIRTransformer` and ``--model`` on the command
line) is one of

``None``
    the weights shipped inside the package (``sklearn_mirencoder/_data/weights/small/``);
``"bundled:NAME"``
    another model shipped inside the package (:data:`BUNDLED_MODELS`): ``"bundled:small"`` is
    the default, ``"bundled:small-distilled"`` its student with one text layer, about 4x
    faster on a CPU (``docs/embed-speed-distilled.md``; how it was made: ``docs/pretraining.md``);
a folder (a :class:`pathlib.Path`, or a string naming an existing folder)
    holding ``config.json``, ``model.safetensors`` (or the shard index and its shards) and
    ``tokenizer.json`` as written by
    :meth:`~sklearn_mirencoder.model.encoder.MIREncoder.save_pretrained`;
any other string, ``"owner/name"``
    a Hugging Face Hub model repository.  The files are fetched (weights saved in
    shards: ``model.safetensors.index.json`` and the shards it lists, when the repository
    has no ``model.safetensors``) with
    :func:`huggingface_hub.hf_hub_download` at ``revision`` (a branch, tag or commit;
    default ``"main"``) into the standard Hugging Face cache (``HF_HOME`` /
    ``HF_HUB_CACHE``), so a second use needs no network.  ``local_files_only=True`` or
    ``HF_HUB_OFFLINE=1`` never touches the network.  A token for private or gated
    repositories is read by ``huggingface_hub`` itself (``HF_TOKEN`` or ``hf auth login``);
    this library never stores one.

Files fetched from the Hub are checked against the names their cache gives them: a large
(LFS) file is stored as ``blobs/<sha256 of its bytes>`` and a small one as ``blobs/<git
blob id>``; a file whose bytes do not hash to its name (a damaged cache, a truncated copy)
raises :class:`ChecksumMismatchError` instead of loading wrong weights.

Every failure is a :class:`~sklearn_mirencoder.errors.ModelLoadError` subclass whose
message says what to do.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ModelLoadError
from .files import CONFIG_NAME, INDEX_NAME, MODEL_FILES, TOKENIZER_NAME, WEIGHTS_NAME, read_shard_index

__all__ = [
    "MODEL_FILES",
    "model_files",
    "read_shard_index",
    "ModelSource",
    "bundled_dir",
    "BUNDLED_MODELS",
    "BUNDLED_PREFIX",
    "resolve_model",
    "weights_digest",
    "WeightsNotInstalledError",
    "HubError",
    "HubOfflineError",
    "HubRepositoryNotFoundError",
    "HubRevisionNotFoundError",
    "HubFileNotFoundError",
    "ChecksumMismatchError",
]

#: The name of the bundled configuration (``model=None``).
BUNDLED_NAME = "small"
#: The models shipped in the package, ``model="bundled:NAME"``.
BUNDLED_MODELS = ("small", "small-distilled")
BUNDLED_PREFIX = "bundled:"

_REPO_ID = re.compile(r"^[A-Za-z0-9][-A-Za-z0-9_.]*(/[A-Za-z0-9][-A-Za-z0-9_.]*)?$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX40 = re.compile(r"^[0-9a-f]{40}$")


# ------------------------------------------------------------------------------- errors


class WeightsNotInstalledError(ModelLoadError):
    """``model=None`` but the package was installed without its bundled weights."""


class HubError(ModelLoadError):
    """A model could not be fetched from the Hugging Face Hub."""


class HubOfflineError(HubError):
    """The files are not in the local Hugging Face cache and the Hub cannot be reached
    (offline mode, ``local_files_only=True``, or no network)."""


class HubRepositoryNotFoundError(HubError):
    """No such repository (or it is private or gated and no valid token was found)."""


class HubRevisionNotFoundError(HubError):
    """The repository has no such branch, tag or commit."""


class HubFileNotFoundError(HubError):
    """The repository lacks one of ``config.json``, ``model.safetensors`` (or the shard index
    and its shards), ``tokenizer.json``."""


class ChecksumMismatchError(HubError):
    """A cached file's bytes do not match the checksum the Hub recorded for it."""


# ------------------------------------------------------------------------------- sources


def bundled_dir(name: str = BUNDLED_NAME) -> Path:
    """The folder of a bundled model (it may be absent)."""
    return Path(__file__).resolve().parent.parent / "_data" / "weights" / name


@dataclass(frozen=True)
class ModelSource:
    """A resolved model reference.

    Attributes
    ----------
    kind : {"bundled", "folder", "hub"}
    path : Path
        The folder holding the three model files.
    repo_id : str or None
        The Hub repository (``kind="hub"``).
    revision : str or None
        The revision asked for (``kind="hub"``).
    commit : str or None
        The commit the files came from (``kind="hub"``, when the cache layout tells).
    name : str or None
        Which bundled model (``kind="bundled"``): one of :data:`BUNDLED_MODELS`.
    """

    kind: str
    path: Path
    repo_id: str | None = None
    revision: str | None = None
    commit: str | None = None
    name: str | None = None

    def __str__(self) -> str:
        if self.kind == "hub":
            at = self.commit or self.revision or "main"
            return f"{self.repo_id}@{at} (Hugging Face Hub, cached in {self.path})"
        if self.kind == "bundled":
            return f"bundled weights '{self.name or BUNDLED_NAME}' ({self.path})"
        return f"folder {self.path}"

    def reference(self) -> tuple[Any, str | None]:
        """``(model, revision)`` that resolve to exactly these files again (a Hub model is
        pinned to its commit)."""
        if self.kind == "hub":
            return self.repo_id, self.commit or self.revision
        if self.kind == "bundled":
            return (None if self.name in (None, BUNDLED_NAME) else BUNDLED_PREFIX + self.name), None
        return str(self.path), None


def _shard_names(index_file: Path) -> list[str]:
    """The shard files a ``model.safetensors.index.json`` lists, sorted."""
    return sorted(set(read_shard_index(index_file).values()))


def model_files(folder: str | os.PathLike) -> list[str]:
    """The files of a saved model folder, in digest order: ``config.json``, the weights
    (``model.safetensors``, or the shard index and its shards) and ``tokenizer.json``."""
    folder = Path(folder)
    if (folder / WEIGHTS_NAME).is_file() or not (folder / INDEX_NAME).is_file():
        return list(MODEL_FILES)
    return [CONFIG_NAME, INDEX_NAME, *_shard_names(folder / INDEX_NAME), TOKENIZER_NAME]


def _check_folder(path: Path, what: str) -> None:
    missing = [f for f in model_files(path) if not (path / f).is_file()]
    if missing:
        raise ModelLoadError(
            f"{what} {path} is not a saved MIREncoder model: it lacks {', '.join(missing)} "
            f"(a model folder holds {', '.join(MODEL_FILES)} -- or {INDEX_NAME} and its shards instead of "
            f"{WEIGHTS_NAME} -- as MIREncoder.save_pretrained writes them)"
        )


def resolve_model(
    model: str | os.PathLike | None = None,
    *,
    revision: str | None = None,
    local_files_only: bool = False,
    cache_dir: str | os.PathLike | None = None,
) -> ModelSource:
    """Find the folder of a model reference, downloading from the Hub if needed.

    Parameters
    ----------
    model : None, path or str
        See the module documentation.
    revision : str, optional
        Branch, tag or commit of a Hub repository (default ``"main"``).  Given with a
        local model, it is an error.
    local_files_only : bool
        Never use the network for Hub models (``HF_HUB_OFFLINE=1`` does the same).
    cache_dir : path, optional
        The Hugging Face cache folder (default: ``huggingface_hub``'s, ``HF_HUB_CACHE``).

    Raises
    ------
    WeightsNotInstalledError, ModelLoadError, HubError (and its subclasses)
    """
    if model is None or (isinstance(model, str) and model.startswith(BUNDLED_PREFIX)):
        if revision is not None:
            raise ValueError("revision= applies to Hugging Face Hub models only, not to the bundled weights")
        return _bundled(BUNDLED_NAME if model is None else model[len(BUNDLED_PREFIX):])
    if isinstance(model, os.PathLike):
        path = Path(os.fspath(model)).expanduser()
        if not path.is_dir():
            raise ModelLoadError(f"model folder {path} does not exist")
        if revision is not None:
            raise ValueError("revision= applies to Hugging Face Hub models only, not to a local folder")
        _check_folder(path, "model folder")
        return ModelSource("folder", path.resolve())
    if not isinstance(model, str) or not model.strip():
        raise ValueError(
            f"model must be None (the bundled weights), a folder or a Hugging Face Hub repository id, got {model!r}"
        )
    path = Path(model).expanduser()
    if path.exists() and not path.is_dir():
        raise ModelLoadError(
            f"model={model!r} is a file; pass the folder holding {', '.join(MODEL_FILES)} instead"
        )
    if path.is_dir():
        if revision is not None:
            raise ValueError("revision= applies to Hugging Face Hub models only, not to a local folder")
        _check_folder(path, "model folder")
        return ModelSource("folder", path.resolve())
    if not _REPO_ID.match(model) or model.startswith((".", "~")) or os.sep in model.replace("/", "", 1):
        raise ModelLoadError(
            f"model={model!r} is neither an existing folder nor a Hugging Face Hub repository id "
            "('owner/name'); check the path"
        )
    try:
        return _resolve_hub(model, revision, local_files_only, cache_dir)
    except HubError as exc:
        # 'models/small' is also a plausible relative path: say that no such folder exists
        hint = f" (no folder {str(path)!r} exists under {os.getcwd()} either, in case a local path was meant)"
        raise type(exc)(str(exc) + hint) from exc


def _bundled(name: str) -> ModelSource:
    if name not in BUNDLED_MODELS:
        raise ModelLoadError(
            f"model='{BUNDLED_PREFIX}{name}': no such bundled model; the package ships "
            + ", ".join(repr(BUNDLED_PREFIX + n) for n in BUNDLED_MODELS)
        )
    path = bundled_dir(name)
    if not path.is_dir() or any(not (path / f).is_file() for f in MODEL_FILES):
        raise WeightsNotInstalledError(
            f"sklearn-mirencoder was installed without its bundled weights (no {', '.join(MODEL_FILES)} in "
            f"{path}); reinstall the package from a wheel that includes them, or pass model= a folder "
            "written by MIREncoder.save_pretrained or a Hugging Face Hub repository id"
        )
    return ModelSource("bundled", path, name=name)


def _resolve_hub(repo_id: str, revision: str | None, local_files_only: bool, cache_dir) -> ModelSource:
    def get(name: str) -> Path:
        return _download(repo_id, name, revision, local_files_only, cache_dir)

    files = [get(CONFIG_NAME)]
    try:
        files.append(get(WEIGHTS_NAME))
    except (HubFileNotFoundError, HubOfflineError) as exc:
        # weights saved in shards: the index, then the shards it lists
        try:
            index = get(INDEX_NAME)
        except (HubFileNotFoundError, HubOfflineError):
            raise exc from None
        verify_cached_file(index)
        files += [index, *(get(name) for name in _shard_names(index))]
    files.append(get(TOKENIZER_NAME))
    folders = {p.parent for p in files}
    if len(folders) != 1:  # pragma: no cover - hf_hub_download keeps one snapshot per commit
        raise HubError(
            f"{repo_id}: the model files came from different snapshots ({sorted(map(str, folders))}); "
            "pass an explicit commit as revision="
        )
    folder = folders.pop()
    commit = folder.name if folder.parent.name == "snapshots" and _HEX40.match(folder.name) else None
    for f in files:
        verify_cached_file(f)
    return ModelSource("hub", folder, repo_id=repo_id, revision=revision, commit=commit)


def _offline_mode() -> bool:
    try:
        from huggingface_hub import constants

        return bool(constants.HF_HUB_OFFLINE)
    except Exception:  # pragma: no cover
        return False


def _download(repo_id: str, filename: str, revision, local_files_only: bool, cache_dir) -> Path:
    try:
        import huggingface_hub as hf

        try:
            from huggingface_hub import errors as hfe
        except ImportError:  # pragma: no cover - huggingface_hub < 0.24 keeps them in utils
            from huggingface_hub import utils as hfe
    except ImportError as exc:  # pragma: no cover - a dependency
        raise HubError(f"loading {repo_id!r} from the Hub needs huggingface_hub ({exc}); pip install huggingface-hub")
    from .. import __version__

    at = f" at revision {revision!r}" if revision else ""
    login = "log in with `hf auth login` or set HF_TOKEN"
    try:
        local = hf.hf_hub_download(
            repo_id,
            filename,
            revision=revision,
            cache_dir=cache_dir,
            local_files_only=local_files_only,
            library_name="sklearn-mirencoder",
            library_version=__version__,
        )
    except (hfe.LocalEntryNotFoundError, hfe.OfflineModeIsEnabled) as exc:
        offline = local_files_only or _offline_mode()
        why = (
            "downloads are disabled (local_files_only=True or HF_HUB_OFFLINE=1)"
            if offline
            else "the Hub could not be reached"
        )
        raise HubOfflineError(
            f"{repo_id}{at}: {filename} is not in the local Hugging Face cache and {why}. Run once with "
            f"network access (or `hf download {repo_id}{' --revision ' + revision if revision else ''}`), "
            f"point HF_HUB_CACHE at a cache that has it, or pass model= a local folder ({type(exc).__name__})"
        ) from None
    except hfe.GatedRepoError:
        raise HubRepositoryNotFoundError(
            f"{repo_id} is a gated repository: accept its terms on https://huggingface.co/{repo_id} and {login}"
        ) from None
    except hfe.RepositoryNotFoundError:
        raise HubRepositoryNotFoundError(
            f"{repo_id!r} is not a local folder and the Hugging Face Hub has no model repository of that "
            f"name (or it is private: {login}); check the spelling"
        ) from None
    except hfe.RevisionNotFoundError:
        raise HubRevisionNotFoundError(
            f"{repo_id} has no revision {revision!r}; pass an existing branch, tag or commit as revision="
        ) from None
    except hfe.EntryNotFoundError:
        raise HubFileNotFoundError(
            f"{repo_id}{at} has no {filename}: it is not a sklearn-mirencoder model (a model repository holds "
            f"{', '.join(MODEL_FILES)} -- or {INDEX_NAME} and its shards instead of {WEIGHTS_NAME} -- as "
            "MIREncoder.save_pretrained writes them)"
        ) from None
    except hfe.HFValidationError as exc:
        raise ModelLoadError(
            f"model={repo_id!r} is neither an existing folder nor a valid Hugging Face Hub repository id ({exc})"
        ) from None
    except (hfe.HfHubHTTPError, OSError, ConnectionError, TimeoutError) as exc:
        raise HubError(
            f"{repo_id}{at}: downloading {filename} failed ({type(exc).__name__}: {exc}); check the network, "
            "or pass local_files_only=True to use the local cache"
        ) from None
    return Path(local)


# ----------------------------------------------------------------------------- checksums


_HASHES: dict[tuple, str] = {}
_HASH_LOCK = threading.Lock()


def _file_hash(path: Path, kind: str) -> str:
    """sha256 of the bytes (``kind="sha256"``) or git's blob id (``kind="git"``), memoised
    by (path, size, mtime)."""
    st = path.stat()
    memo = (str(path), st.st_size, st.st_mtime_ns, kind)
    with _HASH_LOCK:
        if memo in _HASHES:
            return _HASHES[memo]
    h = hashlib.sha256() if kind == "sha256" else hashlib.sha1(b"blob %d\x00" % st.st_size)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    value = h.hexdigest()
    with _HASH_LOCK:
        _HASHES[memo] = value
    return value


def verify_cached_file(path: str | os.PathLike) -> None:
    """Check a file of the Hugging Face cache against the name of its blob.

    Files outside the cache layout (no ``blobs/<hash>`` target) are not checked.

    Raises
    ------
    ChecksumMismatchError
    """
    p = Path(path)
    try:
        target = p.resolve(strict=True)
    except OSError as exc:
        raise HubError(f"{p}: cannot read the downloaded file ({exc})") from None
    if target.parent.name != "blobs":
        return
    name = target.name
    if _HEX64.match(name):
        actual = _file_hash(target, "sha256")
    elif _HEX40.match(name):
        actual = _file_hash(target, "git")
    else:
        return
    if actual != name:
        raise ChecksumMismatchError(
            f"{p}: the cached file is damaged (its checksum is {actual}, the Hub recorded {name}); delete "
            f"{target} (or the whole model folder in the Hugging Face cache) and load the model again to "
            "download a fresh copy"
        )


def weights_digest(path: str | os.PathLike) -> str:
    """SHA-256 identifying a model folder: over the SHA-256 of its files (:func:`model_files`).

    Memoised by (path, size, modification time), so it is computed once per process.
    """
    folder = Path(path)
    h = hashlib.sha256(b"mirencoder-weights-v1")
    for name in model_files(folder):
        f = folder / name
        try:
            digest = _file_hash(f.resolve(), "sha256")
        except OSError as exc:
            raise ModelLoadError(f"{f}: cannot read the model file ({exc})") from None
        h.update(name.encode() + b"\x00" + digest.encode() + b"\x00")
    return h.hexdigest()
