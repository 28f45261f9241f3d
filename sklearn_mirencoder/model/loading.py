"""Loading a model found by :mod:`.hub`: its configuration, the network (shared per process)
and the summary ``mirencoder info`` prints.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from ..errors import ModelLoadError
from .config import MODALITIES, MIREncoderConfig
from .encoder import MIREncoder, count_parameters
from .files import CONFIG_NAME, INDEX_NAME, TOKENIZER_NAME
from .hub import ModelSource, model_files, weights_digest

__all__ = ["load_config", "load_model", "loaded_model", "clear_loaded_models", "model_summary", "MAX_LOADED_MODELS"]



def load_config(source: ModelSource):
    """The :class:`~sklearn_mirencoder.model.encoder.MIREncoderConfig` of a model (reads
    ``config.json`` only)."""
    file = source.path / CONFIG_NAME
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"{file}: unreadable configuration ({exc})") from None
    return MIREncoderConfig.from_dict(data, source=str(file))


_MODELS: OrderedDict[tuple[str, str], Any] = OrderedDict()
_MODELS_LOCK = threading.Lock()
#: How many loaded models a process keeps for reuse (clones in a grid search share them).
MAX_LOADED_MODELS = 2


def load_model(source: ModelSource, *, device: str = "cpu", digest: str | None = None):
    """Load the model of ``source`` on ``device`` (an ``eval()``-mode
    :class:`~sklearn_mirencoder.model.encoder.MIREncoder`).

    Loaded models are kept per (weights digest, device) -- the last
    :data:`MAX_LOADED_MODELS` of them -- and shared: they are only read (inference mode).
    """
    digest = digest or weights_digest(source.path)
    memo = (digest, str(device))
    with _MODELS_LOCK:
        model = _MODELS.get(memo)
        if model is not None:
            _MODELS.move_to_end(memo)
            return model
    model = MIREncoder.from_pretrained(source.path, device=device)
    with _MODELS_LOCK:
        _MODELS[memo] = model
        while len(_MODELS) > MAX_LOADED_MODELS:
            _MODELS.popitem(last=False)
    return model


def loaded_model(digest: str, device: str = "cpu"):
    """The model :func:`load_model` keeps for (``digest``, ``device``), or None."""
    with _MODELS_LOCK:
        return _MODELS.get((digest, str(device)))


def clear_loaded_models() -> None:
    """Forget the models :func:`load_model` keeps."""
    with _MODELS_LOCK:
        _MODELS.clear()


def _preset_name(config) -> str:
    arch = ("hidden", "text_layers", "heads", "ffn", "gnn_layers", "embed_dim")
    for name in ("tiny", "small", "base"):
        preset = MIREncoderConfig.named(name)
        if all(getattr(preset, k) == getattr(config, k) for k in arch):
            return name
    return "custom"


def model_summary(source: ModelSource) -> dict[str, Any]:
    """What ``mirencoder info`` prints: where the weights are, their configuration name,
    parameter count, output sizes and digest."""
    config = load_config(source)
    try:
        meta = json.loads((source.path / CONFIG_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # pragma: no cover - load_config read it
        meta = {}
    n = meta.get("num_parameters")
    if not isinstance(n, int):
        n = count_parameters(config)
    weights = [source.path / f for f in model_files(source.path) if f not in (CONFIG_NAME, TOKENIZER_NAME, INDEX_NAME)]
    return {
        "source": str(source),
        "kind": source.kind,
        "path": str(source.path),
        "config": _preset_name(config),
        "parameters": n,
        "dtype": meta.get("torch_dtype", "?"),
        "size_bytes": sum(w.stat().st_size for w in weights) if all(w.exists() for w in weights) else None,
        "vocab_size": config.vocab_size,
        "output_dims": {m: config.output_dim(m) for m in MODALITIES},
        "digest": weights_digest(source.path),
    }
