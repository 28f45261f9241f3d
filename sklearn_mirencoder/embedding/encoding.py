"""Stage 6, encode: encoded programs through the model, into float32 vectors.

In the calling process the :class:`~.batching.Batcher` hands :func:`embed` a batch at a time.
With ``encode_in="workers"`` each worker encodes the programs it built, one at a time, with
the weights an :class:`EncoderSpec` names, loaded once per worker process by
:func:`worker_model`.  A program's vector does not depend on its batch (see
:mod:`sklearn_mirencoder.model.encoder`), so both give the same matrix.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..errors import ModelLoadError
from ..model.hub import BUNDLED_PREFIX, ModelSource, resolve_model, weights_digest
from ..model.loading import load_model


class EncoderSpec(NamedTuple):
    """Which weights a worker loads to encode (``encode_in="workers"``); plain data."""

    kind: str  # "bundled", "folder" or "hub"
    path: str
    repo_id: str | None
    commit: str | None
    digest: str
    modality: str
    local_files_only: bool
    precision: str = "float32"
    max_windows: int | None = None

    @classmethod
    def of(
        cls, source: ModelSource, digest: str, modality: str, local_files_only: bool, *,
        precision: str = "float32", max_windows: int | None = None,
    ) -> "EncoderSpec":
        """The spec of the weights the calling process loaded from ``source``, and how it
        runs them (``precision``, ``max_windows``: see :func:`~sklearn_mirencoder.model.loading.load_model`)."""
        return cls(
            source.kind, str(source.path), source.repo_id, source.commit or source.revision, digest, modality,
            bool(local_files_only), precision, max_windows,
        )


def worker_model(spec: EncoderSpec):
    """The CPU model of ``spec`` in this process: loaded once per process (kept by
    :func:`~sklearn_mirencoder.model.loading.load_model`), from the parent's folder when this
    process can read it, else found again (bundled weights, or the Hub at the same commit),
    and refused unless its digest is the parent's."""
    from ..model.loading import loaded_model

    model = loaded_model(spec.digest, "cpu", spec.precision, spec.max_windows)
    if model is not None:
        return model
    path = Path(spec.path)
    if path.is_dir():
        source = ModelSource(spec.kind, path, repo_id=spec.repo_id, revision=spec.commit, commit=spec.commit)
    elif spec.kind == "bundled":  # the same bundled model in this process's installation
        source = resolve_model(BUNDLED_PREFIX + path.name)
    elif spec.kind == "hub":
        source = resolve_model(spec.repo_id, revision=spec.commit, local_files_only=spec.local_files_only)
    else:
        import socket

        raise ModelLoadError(
            f"the model folder {spec.path} cannot be read by the worker process on {socket.gethostname()}; copy "
            "it to the same path on every worker machine, or pass encode_in='parent' to encode in the calling "
            "process"
        )
    digest = weights_digest(source.path)
    if digest != spec.digest:
        raise ModelLoadError(
            f"the worker process found other weights at {source.path} (digest {digest[:12]}..., the calling "
            f"process uses {spec.digest[:12]}...); install the same weights on every worker, or pass "
            "encode_in='parent'"
        )
    return load_model(source, device="cpu", digest=digest, precision=spec.precision, max_windows=spec.max_windows)


def embed(model, encoded: list, modality: str) -> np.ndarray:
    """float32 vectors ``(len(encoded), dim)`` of encoded programs, in one forward pass
    (a program's vector does not depend on the rest of its batch, see
    :mod:`~sklearn_mirencoder.model.encoder`).  On a CPU the allocator keeps the pass's
    buffers for the next one (:func:`~sklearn_mirencoder.model.allocator.tune_allocator`)."""
    from ..model.allocator import tune_allocator
    from ..model.featurize import collate

    if model.device.type == "cpu":
        tune_allocator()
    vecs = model.embed(collate(encoded, model.config), modality)
    return vecs.detach().cpu().numpy().astype(np.float32, copy=False)
